"""Outcome distributions of dynamics circuits, simulated once and sampled for any shot count.

The features of the dynamics task need only, per circuit, the number of shots in which each
measured bit was 1. :func:`circuit_outcomes` simulates a circuit once and returns an object
whose ``sample_ones(shots, rng)`` draws those counts exactly for any number of shots:

``exact``   the outcome probabilities from a state vector (qsim; noiseless) or a density
            matrix (noisy, up to :data:`MAX_DENSITY_MATRIX_QUBITS`). Shots are drawn by
            inverse-CDF sampling, or, when there are more shots than outcomes, by one
            multinomial draw over all 2ʷ outcomes, so 10⁶ shots cost O(2ʷ).
``mps``     the quimb matrix-product state (``qmemlearn.backends.mps``) of the literal circuit, or
            for two-copy of its interleaved form with the same final state
            (:mod:`qmemlearn.protocols.dynamics_simulation`: T-symmetric U then stays at bond 1
            at any depth), sampled with the vectorized sampler; for widths beyond state vectors.
``trajectories``  noisy circuits only: qsim quantum trajectories, one per shot
            (:class:`~qmemlearn.tasks.noisy_outcomes.TrajectoryOutcomes`), exact in
            distribution, up to :data:`MAX_TRAJECTORY_QUBITS`; nothing is cached but the
            translated circuit, so every shot costs one simulation.
``auto``    noiseless: ``exact`` up to :data:`MAX_EXACT_QUBITS` qubits, else ``mps``. Noisy:
            ``exact`` (density matrix) up to :data:`AUTO_DENSITY_MATRIX_QUBITS`, else
            ``trajectories``.

Noisy density matrices come from
:func:`~qmemlearn.tasks.noisy_outcomes.density_matrix_probabilities` (superoperators,
tested against ``cirq.DensityMatrixSimulator``).

Simulated distributions are kept in a per-process LRU cache bounded by
:data:`CACHE_BYTES`, keyed by the circuit (class, n, depth, seed), protocol, noise, backend
and bond cap, so a sample-complexity search that revisits the same circuits at other shot
counts simulates each one once.

Bit order: column i is qubit ``LineQubit(i)``; the two-copy circuit measures system i on
``LineQubit(2i)`` and memory i on ``LineQubit(2i+1)`` (DESIGN §5.2), so the columns are in the
paper's file order.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import TYPE_CHECKING, Any, Protocol

import cirq
import numpy as np

if TYPE_CHECKING:
    from qmemlearn.sources.brickwork import BrickworkDynamics

MAX_EXACT_QUBITS = 26
MAX_DENSITY_MATRIX_QUBITS = 12
AUTO_DENSITY_MATRIX_QUBITS = 10  # noisy auto: density matrix up to here (4^10 entries), then trajectories
MAX_TRAJECTORY_QUBITS = 22
CACHE_BYTES = 3 * 2**30
BACKENDS = ("auto", "exact", "mps", "trajectories")


class Outcomes(Protocol):
    """A simulated circuit that can draw per-bit counts of ones for any number of shots."""

    width: int
    nbytes: int

    def sample_ones(self, shots: int, rng: np.random.Generator) -> np.ndarray:
        """``[width]`` int64 counts of shots with each bit equal to 1."""


def _ones_from_indices(indices: np.ndarray, width: int) -> np.ndarray:
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
    bits = (indices.astype(np.uint64)[:, None] >> shifts) & np.uint64(1)
    return bits.sum(axis=0).astype(np.int64)


def _ones_from_counts(counts: np.ndarray, width: int) -> np.ndarray:
    grid = counts.reshape((2,) * width)
    return np.array([grid.sum(axis=tuple(a for a in range(width) if a != i))[1] for i in range(width)], dtype=np.int64)


@dataclasses.dataclass(frozen=True, eq=False)
class ExactOutcomes:
    """The full outcome distribution; index bit ``width − 1 − i`` is qubit i (big-endian)."""

    cdf: np.ndarray
    width: int

    @classmethod
    def from_probabilities(cls, probabilities: np.ndarray, width: int) -> "ExactOutcomes":
        p = np.clip(np.asarray(probabilities, dtype=np.float64), 0.0, None)
        cdf = np.cumsum(p)
        return cls(cdf=cdf / cdf[-1], width=width)

    @property
    def nbytes(self) -> int:
        return int(self.cdf.nbytes)

    def probabilities(self) -> np.ndarray:
        return np.diff(self.cdf, prepend=0.0)

    def sample_ones(self, shots: int, rng: np.random.Generator) -> np.ndarray:
        if shots * 16 >= self.cdf.size:
            counts = rng.multinomial(shots, self.probabilities())
            return _ones_from_counts(counts, self.width)
        indices = np.searchsorted(self.cdf, rng.random(shots), side="right")
        return _ones_from_indices(np.minimum(indices, self.cdf.size - 1), self.width)


@dataclasses.dataclass(frozen=True, eq=False)
class MPSOutcomes:
    """An evolved matrix-product state of the circuit; shots drawn by the batched sampler.

    Attributes:
        state: The right-canonical MPS (``qmemlearn.backends.mps_state.EvolvedMPS``), with its
            largest bond and kept-fidelity estimate.
        width: Measured qubits; every qubit is measured, column i being qubit i.
    """

    state: Any
    width: int

    @property
    def nbytes(self) -> int:
        return int(sum(a.nbytes for a in self.state.arrays))

    def sample_ones(self, shots: int, rng: np.random.Generator) -> np.ndarray:
        from qmemlearn.backends.mps_state import sample_sites

        return sample_sites(self.state, shots, rng)[:, : self.width].sum(axis=0).astype(np.int64)


def mps_outcomes(circuit: cirq.Circuit, *, max_bond: int | None) -> MPSOutcomes:
    """Evolves ``circuit`` as an MPS (exact when ``max_bond`` is None), one thread."""
    from qmemlearn.backends.mps import MPSSampler

    state = MPSSampler(max_bond=max_bond, threads=1).state(circuit)
    return MPSOutcomes(state=state, width=len(circuit.all_qubits()))


def protocol_circuit(dynamics: "BrickworkDynamics", protocol: str) -> cirq.Circuit:
    """The measured circuit of ``protocol`` (``single-copy`` or ``two-copy``) for U."""
    from qmemlearn.protocols.dynamics import single_copy_dynamics_circuit, two_copy_dynamics_circuit

    if protocol == "two-copy":
        return two_copy_dynamics_circuit(dynamics)
    if protocol == "single-copy":
        return single_copy_dynamics_circuit(dynamics)
    raise ValueError(f"protocol={protocol!r} must be 'single-copy' or 'two-copy'")


def protocol_width(dynamics: "BrickworkDynamics", protocol: str) -> int:
    """Measured qubits of ``protocol``'s circuit: 2n for two-copy, n for single-copy.

    Raises:
        ValueError: On an unknown protocol.
    """
    if protocol not in ("single-copy", "two-copy"):
        raise ValueError(f"protocol={protocol!r} must be 'single-copy' or 'two-copy'")
    return 2 * dynamics.n if protocol == "two-copy" else dynamics.n


def mps_circuit(dynamics: "BrickworkDynamics", protocol: str) -> cirq.Circuit:
    """The circuit the MPS path evolves: for two-copy the interleaved form, which has the literal
    circuit's final state exactly but never builds the 2^depth-bond state (U ⊗ I)|Φ⟩
    (:mod:`qmemlearn.protocols.dynamics_simulation`); otherwise the literal circuit."""
    if protocol == "two-copy":
        from qmemlearn.protocols.dynamics_simulation import interleaved_two_copy_circuit

        return interleaved_two_copy_circuit(dynamics)
    return protocol_circuit(dynamics, protocol)


def _exact(circuit: cirq.Circuit, noise: str) -> ExactOutcomes:
    from qmemlearn.noise import parse_noise

    if noise.startswith("google:"):  # placed on a chain/comb, compiled, device noise, logical columns
        from qmemlearn.hardware.dynamics import device_outcome_probabilities

        probabilities = device_outcome_probabilities(circuit, noise, max_qubits=MAX_DENSITY_MATRIX_QUBITS)
        return ExactOutcomes.from_probabilities(probabilities, len(circuit.all_qubits()))
    qubits = sorted(circuit.all_qubits())
    last = circuit[-1]
    if all(cirq.is_measurement(op) for op in last.operations):  # our circuits: one final measurement moment
        body = circuit[:-1]
    else:
        body = cirq.drop_terminal_measurements(circuit)
    model = parse_noise(noise).model()
    if model is None:
        import qsimcirq

        state = qsimcirq.QSimSimulator().simulate(body, qubit_order=qubits).final_state_vector
        return ExactOutcomes.from_probabilities(np.abs(state) ** 2, len(qubits))
    from qmemlearn.tasks.noisy_outcomes import density_matrix_probabilities

    noisy = cirq.Circuit(circuit).with_noise(model)
    return ExactOutcomes.from_probabilities(density_matrix_probabilities(noisy, qubits), len(qubits))


def _trajectories(circuit: cirq.Circuit, noise: str) -> Outcomes:
    from qmemlearn.noise import parse_noise
    from qmemlearn.tasks.noisy_outcomes import TrajectoryOutcomes

    width = len(circuit.all_qubits())
    model = parse_noise(noise).model()
    return TrajectoryOutcomes(noisy=cirq.Circuit(circuit).with_noise(model), width=width)


def choose_backend(width: int, noise: str, backend: str) -> str:
    """Resolves ``auto`` to ``exact``, ``trajectories`` or ``mps`` for a circuit of ``width``
    qubits, and checks that the chosen backend can simulate it.

    Raises:
        ValueError: If ``backend`` is unknown, or it cannot simulate this width and noise (the
            message names the limit and the backend that can).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is unknown for the dynamics task; allowed: {', '.join(BACKENDS)}")
    noisy = noise != "ideal"
    if backend == "auto":
        if not noisy:
            return "exact" if width <= MAX_EXACT_QUBITS else "mps"
        backend = "exact" if width <= AUTO_DENSITY_MATRIX_QUBITS else "trajectories"
    if backend == "exact" and not noisy and width > MAX_EXACT_QUBITS:
        raise ValueError(
            f"backend='exact' keeps a state vector of {width} qubits ({2 ** width * 8 / 2**30:.3g} GiB); the "
            f"limit is {MAX_EXACT_QUBITS} qubits; use backend='mps' (or 'auto')"
        )
    if backend == "exact" and noisy and width > MAX_DENSITY_MATRIX_QUBITS:
        raise ValueError(
            f"noisy exact outcomes need a density matrix of {width} qubits; the limit is "
            f"{MAX_DENSITY_MATRIX_QUBITS}; use backend='trajectories' (up to {MAX_TRAJECTORY_QUBITS} qubits) or a smaller n"
        )
    if backend == "trajectories" and not noisy:
        raise ValueError("backend='trajectories' is for noisy circuits; noise='ideal' needs 'exact' or 'mps'")
    if backend == "trajectories" and width > MAX_TRAJECTORY_QUBITS:
        raise ValueError(
            f"a noisy dynamics circuit of {width} qubits is beyond the trajectory limit "
            f"({MAX_TRAJECTORY_QUBITS} qubits, one state-vector simulation per shot) and the MPS backend is "
            "noiseless; use a smaller n"
        )
    if backend == "mps" and noisy:
        raise ValueError(f"backend='mps' is noiseless; noise={noise!r} needs backend='exact' or 'trajectories' (small n)")
    return backend


_CACHE: collections.OrderedDict[Any, Outcomes] = collections.OrderedDict()


def circuit_outcomes(
    dynamics: "BrickworkDynamics", *, protocol: str, noise: str = "ideal", backend: str = "auto",
    max_bond: int = 0,
) -> Outcomes:
    """The (cached) simulated outcomes of one dynamics circuit under one protocol.

    Args:
        dynamics: The circuit U.
        protocol: ``single-copy`` or ``two-copy``.
        noise: Canonical noise spec. Defaults to ``"ideal"``.
        backend: ``auto``, ``exact``, ``mps`` or ``trajectories``. Defaults to ``"auto"``.
        max_bond: MPS bond cap; 0 means exact (no truncation). Defaults to 0.

    Raises:
        ValueError: On an unknown protocol or backend, or a circuit no backend fits.
    """
    chosen = choose_backend(protocol_width(dynamics, protocol), noise, backend)
    key = (dynamics, protocol, noise, chosen, max_bond if chosen == "mps" else 0)
    cached = _CACHE.get(key)
    if cached is not None:  # checked before building the circuit: cirq construction costs ~10 ms
        _CACHE.move_to_end(key)
        return cached
    circuit = protocol_circuit(dynamics, protocol)
    if chosen == "exact":
        outcomes: Outcomes = _exact(circuit, noise)
    elif chosen == "trajectories":
        outcomes = _trajectories(circuit, noise)
    else:
        outcomes = mps_outcomes(mps_circuit(dynamics, protocol), max_bond=max_bond or None)
    _CACHE[key] = outcomes
    while sum(o.nbytes for o in _CACHE.values()) > CACHE_BYTES and len(_CACHE) > 1:
        _CACHE.popitem(last=False)
    return outcomes


def clear_cache() -> None:
    """Forgets every cached distribution (tests; memory)."""
    _CACHE.clear()
