"""1D brickwork dynamics U of depth d: the T-symmetric and scrambling classes (DESIGN §5.2).

Layer k (k = 0 .. depth−1) is one moment of single-qubit gates on every system qubit followed
by one moment of two-qubit gates on the pairs (0,1), (2,3), … for even k and (1,2), (3,4), …
for odd k. A qubit outside every pair of a layer (the ends) still gets its single-qubit gate.

- **T-symmetric** (the paper's file label type 1): single-qubit gates ``cirq.Y**p`` with p
  uniform in [0, 4), two-qubit gate :data:`REAL_ORTHOGONAL_GATE`, a fixed dense element of
  SO(4). ``Y**p`` is real up to a global phase, so U is real up to a global phase and
  U·Uᵀ ∝ I: the dynamics is symmetric under time reversal (complex conjugation).
- **Scrambling** (type 0): each qubit one of √X, √Y, √W = ``PhasedXPowGate(0.25, 0.5)``
  uniformly, then ``cirq_google.SycamoreGate()`` = FSim(π/2, π/6). U·Uᵀ is far from ∝ I.
  The CZ variant (``scrambling_gate="cz"``) puts ``cirq.CZ`` in place of the Sycamore gate: one
  native gate per block on CZ devices such as willow_pink, where FSim(π/2, π/6) compiles to
  three CZs. CZ is real, but √X and √W are not, so U stays complex and scrambling.

Every random choice comes from ``np.random.default_rng(seed)``, so a circuit is a pure
function of (n, depth, kind, seed) and costs nothing to store.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Sequence

import cirq
import numpy as np

KINDS = ("scrambling", "t-symmetric")
#: The paper's file labels ("type" in ``1D-scramble-…-type-{0|1}-…npy``).
KIND_LABELS = {"scrambling": 0, "t-symmetric": 1}
#: Seed of :data:`REAL_ORTHOGONAL_GATE` (``scipy.stats.special_ortho_group``); never change it.
REAL_ORTHOGONAL_SEED = 20220609
_SQRT_GATES = (cirq.X**0.5, cirq.Y**0.5, cirq.PhasedXPowGate(phase_exponent=0.25, exponent=0.5))
#: Entanglers of the scrambling class: the paper's Sycamore gate, or CZ for CZ-native devices.
SCRAMBLING_GATES = ("sycamore", "cz")


@functools.lru_cache(maxsize=1)
def real_orthogonal_matrix() -> np.ndarray:
    """The fixed dense 4×4 real orthogonal matrix (det +1) of the T-symmetric blocks.

    It is ``scipy.stats.special_ortho_group.rvs(4, random_state=REAL_ORTHOGONAL_SEED)``: a
    Haar-random rotation, so it entangles and is dense (no zero entries), not a permutation.
    """
    import scipy.stats

    matrix = scipy.stats.special_ortho_group.rvs(4, random_state=REAL_ORTHOGONAL_SEED)
    matrix.setflags(write=False)
    return matrix


#: The two-qubit gate of every T-symmetric block, as a ``cirq.MatrixGate``.
REAL_ORTHOGONAL_GATE = cirq.MatrixGate(real_orthogonal_matrix(), name="O4")


def layer_pairs(n: int, layer: int) -> list[tuple[int, int]]:
    """Index pairs of brickwork layer ``layer``: (0,1),(2,3)… if even, (1,2),(3,4)… if odd."""
    return [(i, i + 1) for i in range(layer % 2, n - 1, 2)]


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low or (
        high is not None and value > high
    ):
        allowed = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name}={value!r} must be an int {allowed}")
    return int(value)


@dataclasses.dataclass(frozen=True)
class BrickworkDynamics:
    """One seeded brickwork circuit U on n system qubits.

    Attributes:
        n: System qubits (>= 2).
        depth: Number of brickwork layers (>= 1).
        kind: ``"t-symmetric"`` or ``"scrambling"``.
        seed: Seed of the circuit's random single-qubit gates (int >= 0).
        scrambling_gate: Entangler of scrambling blocks, one of :data:`SCRAMBLING_GATES`
            (default ``"sycamore"``, the paper's); T-symmetric U always uses
            :data:`REAL_ORTHOGONAL_GATE` and must keep the default.

    Example:
        >>> u = BrickworkDynamics(n=4, depth=3, kind="t-symmetric", seed=7)
        >>> len(u.circuit(cirq.LineQubit.range(4)))
        6
    """

    n: int
    depth: int
    kind: str
    seed: int
    scrambling_gate: str = "sycamore"

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", _check_int("n", self.n, 2))
        object.__setattr__(self, "depth", _check_int("depth", self.depth, 1))
        object.__setattr__(self, "seed", _check_int("seed", self.seed, 0))
        if self.kind not in KINDS:
            raise ValueError(f"kind={self.kind!r} must be one of {', '.join(KINDS)}")
        if self.scrambling_gate not in SCRAMBLING_GATES:
            raise ValueError(f"scrambling_gate={self.scrambling_gate!r} must be one of {', '.join(SCRAMBLING_GATES)}")
        if self.kind == "t-symmetric" and self.scrambling_gate != "sycamore":
            raise ValueError(
                f"scrambling_gate={self.scrambling_gate!r} applies to kind='scrambling' only; a T-symmetric U "
                "always uses the real orthogonal gate"
            )

    @property
    def label(self) -> int:
        """The paper's file label: 0 scrambling, 1 T-symmetric."""
        return KIND_LABELS[self.kind]

    def single_qubit_gates(self) -> list[list[cirq.Gate]]:
        """The random single-qubit gates, ``[layer][qubit]``."""
        rng = np.random.default_rng(self.seed)
        if self.kind == "t-symmetric":
            powers = rng.uniform(0.0, 4.0, size=(self.depth, self.n))
            return [[cirq.Y ** float(p) for p in row] for row in powers]
        choices = rng.integers(0, len(_SQRT_GATES), size=(self.depth, self.n))
        return [[_SQRT_GATES[c] for c in row] for row in choices]

    def two_qubit_gate(self) -> cirq.Gate:
        """The entangling gate of every block of this class."""
        if self.kind == "t-symmetric":
            return REAL_ORTHOGONAL_GATE
        if self.scrambling_gate == "cz":
            return cirq.CZ
        import cirq_google

        return cirq_google.SycamoreGate()

    def circuit(self, qubits: Sequence[cirq.Qid]) -> cirq.Circuit:
        """U on ``qubits`` (system qubit i on ``qubits[i]``), 2·depth moments.

        Raises:
            ValueError: If ``qubits`` does not hold n distinct qubits.
        """
        qubits = list(qubits)
        if len(qubits) != self.n or len(set(qubits)) != self.n:
            raise ValueError(f"qubits={qubits} must be n={self.n} distinct qubits")
        return cirq.Circuit(_circuit_moments(self, tuple(qubits)))

    def unitary(self) -> np.ndarray:
        """The 2ⁿ×2ⁿ unitary of U on ``LineQubit(0..n−1)`` (small n only)."""
        return cirq.unitary(self.circuit(cirq.LineQubit.range(self.n)))

    def metadata(self) -> dict[str, Any]:
        """JSON-native description (stored in records)."""
        meta: dict[str, Any] = {
            "name": "brickwork",
            "n": self.n,
            "depth": self.depth,
            "kind": self.kind,
            "label": self.label,
            "seed": self.seed,
        }
        if self.kind == "t-symmetric":
            meta["two_qubit_gate"] = f"special_ortho_group(4, random_state={REAL_ORTHOGONAL_SEED})"
        elif self.scrambling_gate == "cz":
            meta["two_qubit_gate"] = "CZ"
        else:
            meta["two_qubit_gate"] = "SycamoreGate (FSim(pi/2, pi/6))"
        return meta


@functools.lru_cache(maxsize=256)
def _circuit_moments(dynamics: BrickworkDynamics, qubits: tuple[cirq.Qid, ...]) -> tuple[cirq.Moment, ...]:
    gates = dynamics.single_qubit_gates()
    two = dynamics.two_qubit_gate()
    moments = []
    for layer in range(dynamics.depth):
        moments.append(cirq.Moment(g.on(q) for g, q in zip(gates[layer], qubits)))
        moments.append(cirq.Moment(two.on(qubits[i], qubits[j]) for i, j in layer_pairs(dynamics.n, layer)))
    return tuple(moments)
