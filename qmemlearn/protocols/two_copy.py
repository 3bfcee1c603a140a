"""Two-copy protocol: hold two copies and measure them together in the Bell basis.

Copy A lives on qubits a_i and copy B on b_i. After CNOT(a_i → b_i) and H(a_i), both are
measured, and the bits are stored interleaved as a0, b0, a1, b1, ... (ReCirq's order). Per pair
XX = (−1)^a, ZZ = (−1)^b, YY = −(−1)^(a+b); SWAP is −1 only for (a, b) = (1, 1) (DESIGN §3).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import cirq
import numpy as np

from qmemlearn.protocols.base import MEASUREMENT_KEY, Source
from qmemlearn.protocols.layout import default_pair_layout, validate_pair_layout
from qmemlearn.records import BellRecord

COPY_PREFIXES = ("a_", "b_")


@dataclasses.dataclass(frozen=True)
class TwoCopyProtocol:
    """Bell-basis measurement of two copies, pair by pair.

    Attributes:
        layout: n pairs ``(a_i, b_i)`` of device qubits. Defaults to adjacent line qubits
            ``(LineQubit(2i), LineQubit(2i+1))``.

    Example:
        >>> TwoCopyProtocol().copies_per_shot
        2
    """

    layout: tuple[tuple[cirq.Qid, cirq.Qid], ...] | None = None
    name: str = dataclasses.field(default="two-copy", init=False)
    copies_per_shot: int = dataclasses.field(default=2, init=False)

    def __post_init__(self) -> None:
        if self.layout is not None:
            object.__setattr__(self, "layout", tuple(tuple(p) for p in self.layout))

    def pairs(self, n: int) -> tuple[tuple[cirq.Qid, cirq.Qid], ...]:
        """The (a_i, b_i) device qubit pairs for n system qubits."""
        if self.layout is None:
            return tuple(default_pair_layout(n))
        return validate_pair_layout(self.layout, n)

    def circuit(self, source: Source) -> cirq.FrozenCircuit:
        """Two preparations (symbols prefixed ``a_`` and ``b_``), Bell un-pairing, measurement."""
        return _two_copy_circuit(self.pairs(source.n), source.preparation_circuit)

    def draw_settings(
        self, source: Source, rng: np.random.Generator, shots: int
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Independent settings for both copies of every shot; no extra arrays."""
        columns: dict[str, np.ndarray] = {}
        for prefix in COPY_PREFIXES:
            columns.update(source.draw_settings(rng, shots, prefix=prefix))
        return columns, {}

    def make_record(self, bits: np.ndarray, extras: dict[str, np.ndarray], metadata: dict[str, Any]) -> BellRecord:
        return BellRecord(bits=bits, metadata=metadata)

    def metadata(self) -> dict[str, Any]:
        return {"name": self.name, "pair_order": "a0,b0,a1,b1,...", "unpairing": "CNOT(a->b), H(a)"}


@functools.lru_cache(maxsize=128)
def _two_copy_circuit(pairs: tuple[tuple[cirq.Qid, cirq.Qid], ...], preparation: Any) -> cirq.FrozenCircuit:
    a_qubits = [a for a, _ in pairs]
    b_qubits = [b for _, b in pairs]
    prep_a = preparation(a_qubits, prefix=COPY_PREFIXES[0])
    prep_b = preparation(b_qubits, prefix=COPY_PREFIXES[1])
    both = cirq.Circuit(prep_a.zip(prep_b))
    return cirq.FrozenCircuit(
        both,
        cirq.Moment(cirq.CNOT(a, b) for a, b in pairs),
        cirq.Moment(cirq.H(a) for a in a_qubits),
        cirq.Moment(cirq.measure(*[q for pair in pairs for q in pair], key=MEASUREMENT_KEY)),
    )
