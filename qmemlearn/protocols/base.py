"""What every measurement protocol provides, and the copy accounting shared by all of them."""

from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence

import cirq
import numpy as np

#: Prepares one copy of a source on the given qubits, with symbols prefixed by the str.
Preparation = Callable[[Sequence[cirq.Qid], str], cirq.Circuit]

#: The measurement key of every protocol circuit.
MEASUREMENT_KEY = "m"


class Source(Protocol):
    """A state that a protocol can prepare: a parameterized circuit plus per-shot settings."""

    @property
    def n(self) -> int: ...

    def preparation_circuit(self, qubits: Sequence[cirq.Qid], *, prefix: str = "") -> cirq.Circuit: ...

    def draw_settings(self, rng: np.random.Generator, shots: int, *, prefix: str = "") -> dict[str, np.ndarray]: ...

    def metadata(self) -> dict[str, Any]: ...


class LearningProtocol(Protocol):
    """How copies are measured. Implemented by ``SingleCopyProtocol`` and ``TwoCopyProtocol``."""

    name: str
    copies_per_shot: int

    def circuit(self, source: Source) -> cirq.FrozenCircuit:
        """The parameterized circuit a device runs, one shot per sweep point."""

    def draw_settings(
        self, source: Source, rng: np.random.Generator, shots: int
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Sweep columns for ``shots`` shots, and protocol arrays the records keep (e.g. recipes)."""

    def make_record(self, bits: np.ndarray, extras: dict[str, np.ndarray], metadata: dict[str, Any]) -> Any:
        """Wraps measured bits (and extras) into the protocol's record type."""

    def metadata(self) -> dict[str, Any]: ...


def shots_for_copies(protocol: LearningProtocol, copies: int) -> int:
    """Number of shots that consume ``copies`` copies of ρ.

    Raises:
        ValueError: If ``copies`` is not a positive int, or (two-copy) not a multiple of 2.
            An odd number of copies cannot be spent by a protocol that uses them in pairs,
            so it is rejected rather than silently rounded.
    """
    if isinstance(copies, bool) or not isinstance(copies, (int, np.integer)) or copies <= 0:
        raise ValueError(f"copies={copies!r} must be an int > 0 (copies of rho consumed)")
    per_shot = protocol.copies_per_shot
    if copies % per_shot:
        raise ValueError(
            f"copies={copies} must be a multiple of {per_shot} for the {protocol.name} protocol, "
            f"which consumes {per_shot} copies per shot"
        )
    return int(copies) // per_shot
