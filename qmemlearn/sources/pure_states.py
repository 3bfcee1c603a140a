"""Pure states with cirq preparation circuits: random 1D brickwork, GHZ, random stabilizer.

Every state is a pure function of ``(family, n, seed, depth)`` and prepares from |0…0⟩ with a
circuit that has no symbols, so hardware runs it as is and any backend simulates it:

``brickwork``   ``depth`` layers of Haar-random two-qubit gates (``cirq.MatrixGate``) on the
                pairs (0,1),(2,3)… (even layers) and (1,2),(3,4)… (odd layers); a random
                entangled state, simulated with qsim (state vector).
``ghz``         H on qubit 0 then a CNOT chain: (|0…0⟩ + |1…1⟩)/√2 (a stabilizer state).
``stabilizer``  a random graph state (H on every qubit, CZ on each pair with probability ½)
                dressed with a uniformly random single-qubit Clifford per qubit. Every
                stabilizer state is local-Clifford equivalent to a graph state, so the family
                reaches every stabilizer state, though not with the uniform (Haar-Clifford)
                measure. Clifford, so stim simulates it at hundreds of qubits.

The :class:`~qmemlearn.protocols.base.Source` interface (``preparation_circuit``,
``draw_settings``) lets every protocol build its circuits from a state; a pure state has no
per-shot settings.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Sequence

import cirq
import numpy as np

FAMILIES = ("brickwork", "ghz", "stabilizer")
#: Families whose circuits are Clifford (stim simulates them at any n).
CLIFFORD_FAMILIES = ("ghz", "stabilizer")
#: Largest n for which :meth:`PureState.state_vector` allocates 2ⁿ amplitudes.
MAX_STATE_VECTOR_QUBITS = 24


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name}={value!r} must be an int >= {low}")
    return int(value)


@dataclasses.dataclass(frozen=True)
class PureState:
    """One pure state |ψ⟩ of a family, fixed by its seed.

    Attributes:
        family: One of :data:`FAMILIES`.
        n: Qubits, >= 1 (``brickwork`` and ``stabilizer`` allow n = 1, as one-qubit states).
        seed: Seed of every random choice, an int >= 0 (unused by ``ghz``).
        depth: Brickwork layers; 0 means n. Ignored by the other families.

    Example:
        >>> abs(PureState("ghz", 3).state_vector()[[0, 7]]).round(3).tolist()
        [0.707, 0.707]
    """

    family: str
    n: int
    seed: int = 0
    depth: int = 0

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family={self.family!r} must be one of {', '.join(FAMILIES)}")
        object.__setattr__(self, "n", _check_int("n", self.n, 1))
        object.__setattr__(self, "seed", _check_int("seed", self.seed, 0))
        object.__setattr__(self, "depth", _check_int("depth", self.depth, 0))

    @property
    def is_clifford(self) -> bool:
        """Whether the preparation circuit is Clifford (stim can simulate it)."""
        return self.family in CLIFFORD_FAMILIES

    def preparation_circuit(self, qubits: Sequence[cirq.Qid], *, prefix: str = "") -> cirq.Circuit:
        """The circuit preparing |ψ⟩ from |0…0⟩ on ``qubits`` (qubit i first); no symbols."""
        qubits = tuple(qubits)
        if len(qubits) != self.n:
            raise ValueError(f"qubits has {len(qubits)} qubits; the state has n={self.n}")
        return _circuit(self, qubits).unfreeze(copy=True)

    def draw_settings(self, rng: np.random.Generator, shots: int, *, prefix: str = "") -> dict[str, np.ndarray]:
        """A pure state has no per-shot settings."""
        return {}

    def state_vector(self) -> np.ndarray:
        """|ψ⟩ as complex128, length 2ⁿ, Cirq order (qubit 0 = most significant bit).

        Raises:
            ValueError: If n > :data:`MAX_STATE_VECTOR_QUBITS`.
        """
        if self.n > MAX_STATE_VECTOR_QUBITS:
            raise ValueError(
                f"n={self.n} is over the state-vector limit {MAX_STATE_VECTOR_QUBITS}; "
                "simulate Clifford families with stim instead"
            )
        return _state_vector(self).copy()

    def purity(self) -> float:
        """tr(ρ²) = 1."""
        return 1.0

    def metadata(self) -> dict[str, Any]:
        return {"name": "pure", "family": self.family, "n": self.n, "seed": self.seed, "depth": self.depth}


def _haar(dim: int, rng: np.random.Generator) -> np.ndarray:
    import scipy.stats

    return scipy.stats.unitary_group.rvs(dim, random_state=rng)


def _brickwork(state: PureState, qubits: tuple[cirq.Qid, ...], rng: np.random.Generator) -> cirq.Circuit:
    circuit = cirq.Circuit()
    if state.n == 1:
        return cirq.Circuit(cirq.MatrixGate(_haar(2, rng)).on(qubits[0]))
    for layer in range(state.depth or state.n):
        circuit.append(
            cirq.Moment(
                cirq.MatrixGate(_haar(4, rng)).on(qubits[i], qubits[i + 1])
                for i in range(layer % 2, state.n - 1, 2)
            )
        )
    return circuit


def _stabilizer(state: PureState, qubits: tuple[cirq.Qid, ...], rng: np.random.Generator) -> cirq.Circuit:
    n = state.n
    edges = [(i, j) for i in range(n) for j in range(i + 1, n)]
    keep = rng.random(len(edges)) < 0.5
    cliffords = cirq.SingleQubitCliffordGate.all_single_qubit_cliffords
    local = rng.integers(0, len(cliffords), size=n)
    return cirq.Circuit(
        cirq.Moment(cirq.H.on_each(qubits)),
        [cirq.CZ(qubits[i], qubits[j]) for (i, j), k in zip(edges, keep) if k],
        cirq.Moment(cliffords[int(c)].on(q) for c, q in zip(local, qubits)),
    )


@functools.lru_cache(maxsize=256)
def _circuit(state: PureState, qubits: tuple[cirq.Qid, ...]) -> cirq.FrozenCircuit:
    rng = np.random.default_rng(state.seed)
    if state.family == "ghz":
        circuit = cirq.Circuit(cirq.H(qubits[0]), (cirq.CNOT(a, b) for a, b in zip(qubits, qubits[1:])))
    elif state.family == "brickwork":
        circuit = _brickwork(state, qubits, rng)
    else:
        circuit = _stabilizer(state, qubits, rng)
    return cirq.FrozenCircuit(circuit)


@functools.lru_cache(maxsize=256)  # a search revisits the same states at other copy counts
def _state_vector(state: PureState) -> np.ndarray:
    qubits = tuple(cirq.LineQubit.range(state.n))
    circuit = cirq.Circuit(_circuit(state, qubits).unfreeze(), cirq.I.on_each(qubits))
    if state.n >= 10:
        import qsimcirq

        vector = qsimcirq.QSimSimulator().simulate(circuit, qubit_order=qubits).final_state_vector
    else:
        vector = cirq.final_state_vector(circuit, qubit_order=qubits, dtype=np.complex128)
    vector = np.asarray(vector, dtype=np.complex128)
    vector /= np.linalg.norm(vector)
    vector.setflags(write=False)
    return vector
