"""What every measurement protocol provides, and the copy accounting shared by all of them."""

from __future__ import annotations

import dataclasses
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


@dataclasses.dataclass(frozen=True)
class MixtureForm:
    """A source prepared by its *mixture form* (DESIGN §4): classical randomness as channels.

    Wraps a source that has ``mixture_circuit(qubits, prefix=...)`` and
    ``mixture_settings(shots, prefix=...)`` (e.g. ``PauliMixedState``), and is itself a
    :class:`Source`, so every protocol builds its circuit and settings from it unchanged:
    ``protocol.circuit(MixtureForm(state))``. The settings are constant over shots, so a
    simulator such as stim compiles one circuit for all shots of an instance. Hardware
    always runs the sweep form (the bare source).

    Example:
        >>> from qmemlearn.sources import PauliMixedState
        >>> MixtureForm(PauliMixedState("XZ")).metadata()["form"]
        'mixture'
    """

    source: Any

    def __post_init__(self) -> None:
        if not has_mixture_form(self.source):
            raise ValueError(
                f"source={self.source!r} has no mixture form (it needs mixture_circuit and mixture_settings)"
            )

    @property
    def n(self) -> int:
        return self.source.n

    @property
    def preparation_circuit(self) -> Preparation:
        return self.source.mixture_circuit

    def draw_settings(self, rng: np.random.Generator, shots: int, *, prefix: str = "") -> dict[str, np.ndarray]:
        """Constant settings; ``rng`` is unused (the randomness is in the circuit's channels)."""
        return self.source.mixture_settings(shots, prefix=prefix)

    def metadata(self) -> dict[str, Any]:
        return {**self.source.metadata(), "form": "mixture"}


def has_mixture_form(source: Any) -> bool:
    """Whether ``source`` offers a mixture form (see :class:`MixtureForm`)."""
    return callable(getattr(source, "mixture_circuit", None)) and callable(getattr(source, "mixture_settings", None))
