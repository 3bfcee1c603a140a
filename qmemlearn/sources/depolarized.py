"""Globally depolarized pure states ρ = (1 − p)|ψ⟩⟨ψ| + p·I/2ⁿ, prepared with classical randomness.

The circuit (sweep form, DESIGN §4) is the preparation of |ψ⟩ followed by ``X**f_i`` and
``Z**g_i`` on every qubit. Per shot, a coin c is 1 with probability p; if c = 1 the bits f, g
are uniform, else they are 0. Averaging a uniformly random Pauli over |ψ⟩⟨ψ| gives I/2ⁿ (the
Pauli twirl), so the shot-averaged state is exactly ρ. p = 1 is the maximally mixed state,
whatever |ψ⟩ is. The frames are bare Pauli powers, so the stim backend injects them per shot
and simulates Clifford |ψ⟩ at hundreds of qubits; hardware runs the same sweep.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Sequence

import cirq
import numpy as np
import sympy

from qmemlearn.sources.pure_states import PureState


def frame_symbol_names(n: int, prefix: str = "") -> tuple[list[str], list[str]]:
    """Sweep symbols of the depolarizing frame: (X exponents, Z exponents)."""
    return [f"{prefix}dep_x_{i}" for i in range(n)], [f"{prefix}dep_z_{i}" for i in range(n)]


def mixed_purity(n: int, p: float) -> float:
    """tr(ρ²) of ρ = (1 − p)|ψ⟩⟨ψ| + p·I/2ⁿ: (1 − p)² + (2p − p²)/2ⁿ."""
    return (1 - p) ** 2 + (2 * p - p * p) / 2.0**n


@dataclasses.dataclass(frozen=True)
class DepolarizedState:
    """ρ = (1 − p)|ψ⟩⟨ψ| + p·I/2ⁿ for a pure state |ψ⟩.

    Attributes:
        pure: The pure state |ψ⟩.
        p: Weight of the maximally mixed part, in [0, 1] (1: maximally mixed).

    Example:
        >>> DepolarizedState(PureState("ghz", 2), 1.0).purity()
        0.25
    """

    pure: PureState
    p: float

    def __post_init__(self) -> None:
        if isinstance(self.p, bool) or not isinstance(self.p, (int, float, np.floating)) or not 0 <= self.p <= 1:
            raise ValueError(f"p={self.p!r} must be a number in [0, 1] (weight of I/2^n)")
        object.__setattr__(self, "p", float(self.p))

    @property
    def n(self) -> int:
        return self.pure.n

    def preparation_circuit(self, qubits: Sequence[cirq.Qid], *, prefix: str = "") -> cirq.Circuit:
        """|ψ⟩'s preparation, then ``X**f_i`` and ``Z**g_i`` (symbols with ``prefix``)."""
        return _circuit(self.pure, tuple(qubits), prefix).unfreeze(copy=True)

    def draw_settings(self, rng: np.random.Generator, shots: int, *, prefix: str = "") -> dict[str, np.ndarray]:
        """Per shot: a coin of probability p, then uniform frame bits where it is 1."""
        coin = rng.random(shots) < self.p
        frames = rng.integers(0, 2, size=(2, shots, self.n)) * coin[None, :, None]
        xs, zs = frame_symbol_names(self.n, prefix)
        columns = {name: frames[0, :, i].astype(np.float64) for i, name in enumerate(xs)}
        columns.update({name: frames[1, :, i].astype(np.float64) for i, name in enumerate(zs)})
        return columns

    def purity(self) -> float:
        """tr(ρ²)."""
        return mixed_purity(self.n, self.p)

    def density_matrix(self) -> np.ndarray:
        """ρ as a dense matrix (small n), Cirq order."""
        psi = self.pure.state_vector()
        return (1 - self.p) * np.outer(psi, psi.conj()) + self.p * np.eye(2**self.n) / 2**self.n

    def metadata(self) -> dict[str, Any]:
        return {"name": "depolarized", "p": self.p, "pure": self.pure.metadata()}


@functools.lru_cache(maxsize=256)
def _circuit(pure: PureState, qubits: tuple[cirq.Qid, ...], prefix: str) -> cirq.FrozenCircuit:
    xs, zs = frame_symbol_names(len(qubits), prefix)
    return cirq.FrozenCircuit(
        pure.preparation_circuit(qubits),
        cirq.Moment(cirq.X(q) ** sympy.Symbol(x) for q, x in zip(qubits, xs)),
        cirq.Moment(cirq.Z(q) ** sympy.Symbol(z) for q, z in zip(qubits, zs)),
    )
