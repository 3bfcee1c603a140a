"""A noisy state whose principal component is hidden: ρ = (1−p)|ψ⟩⟨ψ| + p·σ (DESIGN §5.4).

``O`` is a Pauli string of full weight n (letters X, Y, Z), known to the learner; the hidden
``s = ±1`` is ``⟨ψ|O|ψ⟩``: ψ is a scrambled state inside the ``O = s`` eigenspace. The noise is

* ``"balanced"`` (default): ``σ = (I − q·s·O)/2ⁿ`` with ``q = (1−p)/p`` (needs p ≥ ½), so
  ``tr(Oρ) = (1−p)s − p·q·s = 0`` exactly: measuring O copy by copy carries no information
  about s. σ is the maximally mixed state of the *other* eigenspace mixed with I/2ⁿ.
* ``"maximally-mixed"``: ``σ = I/2ⁿ``, so ``tr(Oρ) = (1−p)s`` and a single-copy measurement of
  O alone reveals s (the variant without a separation).

Closed forms (D = 2ⁿ⁻¹, tested against :meth:`density_matrix`):
``tr(ρ²) = (1−p)² + (1−p)p(1−q)/D + p²(1+q²)/(2D)`` and
``tr(Oρ²) = s[(1−p)² + (1−p)p(1−q)/D − p²q/D]``. Virtual distillation
``tr(Oρ²)/tr(ρ²) → s`` as n grows (at p = ½, balanced: ``s(D−1)/(D+1)``).

Preparation (the sweep form a device runs; DESIGN §4): on qubits ``q_0 … q_{n−1}``,
``X**f_i`` on ``q_i`` (i < n−1), a scrambling brickwork U
(:class:`~qmemlearn.sources.brickwork.BrickworkDynamics`, n−1 qubits), ``CNOT(q_i → q_{n−1})``
for every i < n−1 (the last qubit then holds the parity), ``X**g`` on ``q_{n−1}``, and a
rotation ``R_i`` per qubit with ``R_i Z R_i† = O_i`` (H for X, S·H for Y). The state then lies
in the ``O = (−1)^g`` eigenspace. Per shot: with probability 1−p, ``f = 0`` and ``g = t``
(``s = (−1)^t``), giving ψ; with probability p, f uniform (U maps I/2ⁿ⁻¹ to itself, so the
state is maximally mixed on the eigenspace ``(−1)^g``) and ``g = 1−t`` with probability
``(1+q)/2``, giving σ.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Sequence

import cirq
import numpy as np
import sympy

from qmemlearn import paulis
from qmemlearn.sources.brickwork import BrickworkDynamics

NOISE_STATES = ("balanced", "maximally-mixed")
#: Largest n for :meth:`PrincipalComponentState.density_matrix`.
DENSE_MAX_N = 12
_ROTATE = {"X": (cirq.H,), "Y": (cirq.H, cirq.S), "Z": ()}


def symbol_names(n: int, prefix: str = "") -> tuple[list[str], str]:
    """The flip symbols ``f_i`` (i < n−1) and the parity symbol ``g``, with ``prefix``."""
    return [f"{prefix}f_{i}" for i in range(n - 1)], f"{prefix}g"


@dataclasses.dataclass(frozen=True)
class PrincipalComponentState:
    """One instance ρ = (1−p)|ψ⟩⟨ψ| + p·σ with ⟨ψ|O|ψ⟩ = sign.

    Attributes:
        observable: Pauli string O of full weight n >= 3 (letters X, Y, Z only).
        sign: s = +1 or −1, the hidden ⟨ψ|O|ψ⟩.
        p: Noise weight, in [½, 1) for ``"balanced"`` noise, [0, 1) for ``"maximally-mixed"``.
        noise_state: ``"balanced"`` or ``"maximally-mixed"`` (see the module docstring).
        depth: Brickwork layers of the scrambling U (>= 1).
        seed: Seed of U (int >= 0).

    Example:
        >>> state = PrincipalComponentState("XYZ", sign=-1)
        >>> round(state.expectation(), 12), round(state.distilled(), 6)
        (0.0, -0.6)
    """

    observable: str
    sign: int = 1
    p: float = 0.5
    noise_state: str = "balanced"
    depth: int = 6
    seed: int = 0

    def __post_init__(self) -> None:
        paulis.validate_pauli(self.observable, name="observable")
        if len(self.observable) < 3 or "I" in self.observable:
            raise ValueError(
                f"observable={self.observable!r} must have full weight n >= 3 (letters X, Y, Z only)"
            )
        if self.sign not in (1, -1) or isinstance(self.sign, bool):
            raise ValueError(f"sign={self.sign!r} must be +1 or -1")
        if self.noise_state not in NOISE_STATES:
            raise ValueError(f"noise_state={self.noise_state!r} must be one of {', '.join(NOISE_STATES)}")
        low = 0.5 if self.noise_state == "balanced" else 0.0
        if isinstance(self.p, bool) or not isinstance(self.p, (int, float, np.floating)) or not low <= self.p < 1:
            raise ValueError(f"p={self.p!r} must be a number in [{low:g}, 1) for noise_state={self.noise_state!r}")
        object.__setattr__(self, "p", float(self.p))
        for name in ("depth", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (name == "depth"):
                raise ValueError(f"{name}={value!r} must be an int >= {int(name == 'depth')}")

    @property
    def n(self) -> int:
        """Number of system qubits."""
        return len(self.observable)

    @property
    def q(self) -> float:
        """Weight of the other eigenspace in σ: (1−p)/p (balanced) or 0."""
        return (1.0 - self.p) / self.p if self.noise_state == "balanced" else 0.0

    def target(self) -> float:
        """The quantity to predict, ⟨ψ|O|ψ⟩ = s."""
        return float(self.sign)

    def expectation(self) -> float:
        """Exact tr(Oρ) = s(1 − p − p·q) (0 for balanced noise)."""
        return self.sign * (1.0 - self.p - self.p * self.q)

    def purity(self) -> float:
        """Exact tr(ρ²)."""
        p, q, d = self.p, self.q, 2.0 ** (self.n - 1)
        return (1 - p) ** 2 + (1 - p) * p * (1 - q) / d + p * p * (1 + q * q) / (2 * d)

    def observable_on_square(self) -> float:
        """Exact tr(Oρ²)."""
        p, q, d = self.p, self.q, 2.0 ** (self.n - 1)
        return self.sign * ((1 - p) ** 2 + (1 - p) * p * (1 - q) / d - p * p * q / d)

    def distilled(self) -> float:
        """Exact tr(Oρ²)/tr(ρ²), the virtual-distillation value (→ s as n grows)."""
        return self.observable_on_square() / self.purity()

    def unitary(self) -> BrickworkDynamics:
        """The scrambling U on the first n−1 qubits."""
        return BrickworkDynamics(n=self.n - 1, depth=self.depth, kind="scrambling", seed=self.seed)

    def preparation_circuit(self, qubits: Sequence[cirq.Qid], *, prefix: str = "") -> cirq.Circuit:
        """The parameterized preparation on ``qubits`` (system qubit i on ``qubits[i]``).

        Raises:
            ValueError: If ``qubits`` does not hold n distinct qubits.
        """
        qubits = tuple(qubits)
        if len(qubits) != self.n or len(set(qubits)) != self.n:
            raise ValueError(f"qubits={list(qubits)} must be n={self.n} distinct qubits")
        return cirq.Circuit(_preparation(self, qubits, prefix))

    def draw_settings(self, rng: np.random.Generator, shots: int, *, prefix: str = "") -> dict[str, np.ndarray]:
        """Sweep values (``f_i``, ``g``) of ``shots`` independent copies, float64 arrays."""
        if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 0:
            raise ValueError(f"shots={shots!r} must be an int >= 0")
        t = int(self.sign == -1)
        noisy = rng.random(shots) < self.p
        flips = rng.integers(0, 2, size=(shots, self.n - 1)) * noisy[:, None]
        other = noisy & (rng.random(shots) < (1.0 + self.q) / 2.0)
        f_names, g_name = symbol_names(self.n, prefix)
        columns = {name: flips[:, i].astype(np.float64) for i, name in enumerate(f_names)}
        columns[g_name] = (t ^ other).astype(np.float64)
        return columns

    def state_vector(self) -> np.ndarray:
        """ψ as a 2ⁿ complex vector (qubit 0 most significant, as in Cirq)."""
        return _state_vector(self)

    def density_matrix(self) -> np.ndarray:
        """Exact ρ as a 2ⁿ×2ⁿ array (n <= :data:`DENSE_MAX_N`).

        Raises:
            ValueError: If n is above the limit.
        """
        if self.n > DENSE_MAX_N:
            raise ValueError(f"n={self.n} is too large for a dense density matrix; the limit is {DENSE_MAX_N}")
        psi = self.state_vector()
        operator = cirq.unitary(cirq.DensePauliString(self.observable))
        sigma = (np.eye(2**self.n) - self.q * self.sign * operator) / 2**self.n
        return (1 - self.p) * np.outer(psi, psi.conj()) + self.p * sigma

    def sample_single_copy(self, recipes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Exact single-copy outcomes (DESIGN §3 bits) of ρ for the given bases ``recipes [T, n]``.

        Each shot is ψ with probability 1−p (sampled exactly from :meth:`state_vector` by
        :func:`qmemlearn.backends.local_basis_shots.sample_local_bases`), else σ = (I + cO)/2ⁿ
        with c = −q·s: uniform bits, except that when every recipe matches O the parity of
        the bits is even with probability (1 + c)/2.
        """
        from qmemlearn.backends.local_basis_shots import sample_local_bases

        recipes = np.asarray(recipes)
        shots = recipes.shape[0]
        noisy = rng.random(shots) < self.p
        bits = np.empty((shots, self.n), dtype=np.uint8)
        if (~noisy).any():
            bits[~noisy] = sample_local_bases(self.state_vector(), recipes[~noisy], rng)
        count = int(noisy.sum())
        noise_bits = rng.integers(0, 2, size=(count, self.n), dtype=np.uint8)
        codes = paulis.pauli_to_codes(self.observable).astype(np.int64) - 1  # X=0, Y=1, Z=2
        matches = (recipes[noisy] == codes[None, :]).all(axis=1)
        odd = rng.random(count) >= (1.0 - self.q * self.sign) / 2.0
        parity = np.bitwise_xor.reduce(noise_bits, axis=1)
        noise_bits[:, 0] ^= np.where(matches, parity ^ odd, 0).astype(np.uint8)
        bits[noisy] = noise_bits
        return bits

    def metadata(self) -> dict[str, Any]:
        """JSON-native description, stored with every record."""
        return {
            "name": "principal-component",
            "observable": self.observable,
            "sign": self.sign,
            "p": self.p,
            "noise_state": self.noise_state,
            "depth": self.depth,
            "seed": self.seed,
        }


@functools.lru_cache(maxsize=256)
def _preparation(state: PrincipalComponentState, qubits: tuple[cirq.Qid, ...], prefix: str) -> tuple[cirq.Moment, ...]:
    f_names, g_name = symbol_names(state.n, prefix)
    head, last = qubits[:-1], qubits[-1]
    circuit = cirq.Circuit(cirq.Moment((cirq.X ** sympy.Symbol(name)).on(q) for name, q in zip(f_names, head)))
    circuit += state.unitary().circuit(head)
    circuit += [cirq.CNOT(q, last) for q in head]
    circuit += (cirq.X ** sympy.Symbol(g_name)).on(last)
    circuit += [gate(q) for letter, q in zip(state.observable, qubits) for gate in _ROTATE[letter]]
    return tuple(circuit.moments)


@functools.lru_cache(maxsize=64)
def _state_vector(state: PrincipalComponentState) -> np.ndarray:
    qubits = cirq.LineQubit.range(state.n)
    f_names, g_name = symbol_names(state.n)
    resolver = {**{name: 0 for name in f_names}, g_name: int(state.sign == -1)}
    circuit = cirq.resolve_parameters(state.preparation_circuit(qubits), resolver)
    psi = cirq.final_state_vector(circuit, qubit_order=qubits, dtype=np.complex128)
    psi.setflags(write=False)
    return psi
