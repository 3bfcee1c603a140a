"""Single-copy protocol: measure each copy alone in a Pauli basis (classical shadows).

Each shot prepares one copy on n qubits, rotates qubit i into the eigenbasis of the Pauli
named by ``recipes[t, i]`` (0: X, 1: Y, 2: Z) and measures. Bit 0 means the +1 eigenvalue of
that Pauli was seen (DESIGN §3, PennyLane's convention). The basis is a sweep parameter, so a
random basis per shot and per qubit is one circuit plus one sweep, as hardware runs it.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Sequence

import cirq
import numpy as np
import sympy

from qmemlearn.protocols.base import MEASUREMENT_KEY, Source
from qmemlearn.protocols.layout import default_single_layout, validate_single_layout
from qmemlearn.records import ShadowRecord

# (phase_exponent, exponent) of PhasedXPowGate = Z^p X^t Z^-p taking each basis to Z.
# Index by recipe 0: X (Y**-0.5 takes +x to +z), 1: Y (X**0.5 takes +y to +z), 2: Z (none).
_ROTATION_FROM_BASIS = np.array([[0.5, -0.5], [0.0, 0.5], [0.0, 0.0]])
_RECIPE_OF_BASIS = {"X": 0, "Y": 1, "Z": 2}


def basis_symbol_names(n: int) -> tuple[list[str], list[str]]:
    """Sweep symbols of the measurement-basis rotation: (phase names, exponent names)."""
    return [f"basis_phase_{i}" for i in range(n)], [f"basis_exponent_{i}" for i in range(n)]


@dataclasses.dataclass(frozen=True)
class SingleCopyProtocol:
    """Measure one copy per shot in local Pauli bases.

    Attributes:
        basis: None for a uniformly random basis per shot and per qubit (classical shadows);
            one of ``"X" "Y" "Z"`` for that basis on every qubit (the paper's all-Y variant);
            or a string of n basis letters for a fixed per-qubit basis.
        layout: The n device qubits, qubit i first. Defaults to ``LineQubit(0..n-1)``.

    Example:
        >>> SingleCopyProtocol(basis="Y").name
        'single-copy'
    """

    basis: str | None = None
    layout: tuple[cirq.Qid, ...] | None = None
    name: str = dataclasses.field(default="single-copy", init=False)
    copies_per_shot: int = dataclasses.field(default=1, init=False)

    def __post_init__(self) -> None:
        if self.basis is not None:
            if not isinstance(self.basis, str) or not self.basis or set(self.basis) - set("XYZ"):
                raise ValueError(f"basis={self.basis!r} must be None or a string of the letters X, Y, Z")
        if self.layout is not None:
            object.__setattr__(self, "layout", tuple(self.layout))

    def qubits(self, n: int) -> tuple[cirq.Qid, ...]:
        """The device qubits for n system qubits."""
        if self.layout is None:
            return tuple(default_single_layout(n))
        return validate_single_layout(self.layout, n)

    def circuit(self, source: Source) -> cirq.FrozenCircuit:
        """Preparation, basis rotation (sweep symbols), and one measurement of key ``"m"``."""
        return _single_copy_circuit(self.qubits(source.n), source.preparation_circuit)

    def recipes(self, rng: np.random.Generator, shots: int, n: int) -> np.ndarray:
        """The measured bases, uint8 ``[shots, n]`` with 0: X, 1: Y, 2: Z."""
        if self.basis is None:
            return rng.integers(0, 3, size=(shots, n), dtype=np.uint8)
        letters = self.basis * n if len(self.basis) == 1 else self.basis
        if len(letters) != n:
            raise ValueError(f"basis={self.basis!r} must have 1 or n={n} letters")
        row = np.array([_RECIPE_OF_BASIS[c] for c in letters], dtype=np.uint8)
        return np.broadcast_to(row, (shots, n)).copy()

    def draw_settings(
        self, source: Source, rng: np.random.Generator, shots: int
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Sweep columns for ``shots`` independent copies, and their ``recipes``."""
        columns = source.draw_settings(rng, shots)
        recipes = self.recipes(rng, shots, source.n)
        phases, exponents = basis_symbol_names(source.n)
        rotation = _ROTATION_FROM_BASIS[recipes]  # [shots, n, 2]
        for i in range(source.n):
            columns[phases[i]] = rotation[:, i, 0]
            columns[exponents[i]] = rotation[:, i, 1]
        return columns, {"recipes": recipes}

    def make_record(self, bits: np.ndarray, extras: dict[str, np.ndarray], metadata: dict[str, Any]) -> ShadowRecord:
        return ShadowRecord(bits=bits, recipes=extras["recipes"], metadata=metadata)

    def metadata(self) -> dict[str, Any]:
        return {"name": self.name, "basis": self.basis or "random"}


@functools.lru_cache(maxsize=128)
def _single_copy_circuit(qubits: tuple[cirq.Qid, ...], preparation: Any) -> cirq.FrozenCircuit:
    phases, exponents = basis_symbol_names(len(qubits))
    rotation = cirq.Moment(
        cirq.PhasedXPowGate(phase_exponent=sympy.Symbol(p), exponent=sympy.Symbol(e)).on(q)
        for q, p, e in zip(qubits, phases, exponents)
    )
    return cirq.FrozenCircuit(
        preparation(qubits, prefix=""), rotation, cirq.Moment(cirq.measure(*qubits, key=MEASUREMENT_KEY))
    )
