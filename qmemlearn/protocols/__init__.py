"""Protocols: how copies are measured, as Cirq circuits plus per-shot sweeps."""

from qmemlearn.protocols.base import MEASUREMENT_KEY, LearningProtocol, Source, shots_for_copies
from qmemlearn.protocols.sampling import sample_batch, sample_records
from qmemlearn.protocols.single_copy import SingleCopyProtocol
from qmemlearn.protocols.two_copy import TwoCopyProtocol

PROTOCOLS = ("single-copy", "two-copy")


def make_protocol(name: str, **kwargs) -> LearningProtocol:
    """The protocol called ``name`` (one of :data:`PROTOCOLS`)."""
    if name == "single-copy":
        return SingleCopyProtocol(**kwargs)
    if name == "two-copy":
        return TwoCopyProtocol(**kwargs)
    raise ValueError(f"protocol={name!r} is unknown; allowed: {', '.join(PROTOCOLS)}")


__all__ = [
    "MEASUREMENT_KEY",
    "PROTOCOLS",
    "LearningProtocol",
    "SingleCopyProtocol",
    "Source",
    "TwoCopyProtocol",
    "make_protocol",
    "sample_batch",
    "sample_records",
    "shots_for_copies",
]
