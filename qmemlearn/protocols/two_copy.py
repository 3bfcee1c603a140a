"""Two-copy protocol: hold two copies and measure them together in the Bell basis.

Copy A lives on qubits a_i and copy B on b_i. After CNOT(a_i → b_i) and H(a_i), both are
measured, and the bits are stored interleaved as a0, b0, a1, b1, ... (ReCirq's order). Per pair
XX = (−1)^a, ZZ = (−1)^b, YY = −(−1)^(a+b); SWAP is −1 only for (a, b) = (1, 1) (DESIGN §3).

A quantum memory holds copy A while copy B is made: with ``memory_wait=k`` copy B's
preparation starts k moments after copy A's, and copy A waits those k moments under explicit
``cirq.I`` gates tagged :data:`MEMORY_WAIT_TAG` (noise models skip empty moments). Wait
moments in which copy B is not being prepared yet are merged into one moment whose identities
also carry :class:`MemoryWait` (the number of moments it stands for); the noise terms give it
that many moments of idle decay, so the distribution is exactly that of k separate moments,
and a wait of 100 µs costs one small simulation instead of 4000. Idle noise
(``idle``, ``amplitude-damping``) acts on copy A during the wait; gate noise does not (an
identity is not a gate). Under ``idle`` the wait lasts ``k·t1q_ns``
(:func:`qmemlearn.noise.memory_wait_us`). No gate couples two pairs, so the fast backend
runs every wait.
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
class MemoryWait:
    """Tag of a merged wait moment: it stands for ``moments`` moments of copy A in memory."""

    moments: int

    def __str__(self) -> str:
        return f"wait×{self.moments}"


def wait_moments(op: cirq.Operation) -> int:
    """How many moments of idling ``op`` stands for: its :class:`MemoryWait`, else 1."""
    return next((tag.moments for tag in op.tags if isinstance(tag, MemoryWait)), 1)

#: Tag of the ``cirq.I`` gates that hold copy A during the memory wait.
MEMORY_WAIT_TAG = "memory_wait"


@dataclasses.dataclass(frozen=True)
class TwoCopyProtocol:
    """Bell-basis measurement of two copies, pair by pair.

    Attributes:
        layout: n pairs ``(a_i, b_i)`` of device qubits. Defaults to adjacent line qubits
            ``(LineQubit(2i), LineQubit(2i+1))``.
        memory_wait: Moments copy A waits in memory before copy B is prepared, an int >= 0.
            Defaults to 0 (both copies prepared at once).

    Example:
        >>> TwoCopyProtocol().copies_per_shot
        2
    """

    layout: tuple[tuple[cirq.Qid, cirq.Qid], ...] | None = None
    memory_wait: int = 0
    name: str = dataclasses.field(default="two-copy", init=False)
    copies_per_shot: int = dataclasses.field(default=2, init=False)

    def __post_init__(self) -> None:
        wait = self.memory_wait
        if isinstance(wait, bool) or not isinstance(wait, (int, np.integer)) or wait < 0:
            raise ValueError(f"memory_wait={wait!r} must be an int >= 0 (moments copy A waits)")
        object.__setattr__(self, "memory_wait", int(wait))
        if self.layout is not None:
            object.__setattr__(self, "layout", tuple(tuple(p) for p in self.layout))

    def pairs(self, n: int) -> tuple[tuple[cirq.Qid, cirq.Qid], ...]:
        """The (a_i, b_i) device qubit pairs for n system qubits."""
        if self.layout is None:
            return tuple(default_pair_layout(n))
        return validate_pair_layout(self.layout, n)

    def circuit(self, source: Source) -> cirq.FrozenCircuit:
        """Two preparations (symbols prefixed ``a_`` and ``b_``), the wait, Bell un-pairing, measurement."""
        return _two_copy_circuit(self.pairs(source.n), source.preparation_circuit, self.memory_wait)

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
        return {
            "name": self.name,
            "pair_order": "a0,b0,a1,b1,...",
            "unpairing": "CNOT(a->b), H(a)",
            "memory_wait": self.memory_wait,
        }


@functools.lru_cache(maxsize=128)
def _two_copy_circuit(
    pairs: tuple[tuple[cirq.Qid, cirq.Qid], ...], preparation: Any, memory_wait: int = 0
) -> cirq.FrozenCircuit:
    a_qubits = [a for a, _ in pairs]
    b_qubits = [b for _, b in pairs]
    prep_a = preparation(a_qubits, prefix=COPY_PREFIXES[0])
    prep_b = preparation(b_qubits, prefix=COPY_PREFIXES[1])
    if memory_wait:
        wait = cirq.Moment(cirq.I(a).with_tags(MEMORY_WAIT_TAG) for a in a_qubits)
        alone = max(0, memory_wait - len(prep_a))  # wait moments before copy B starts
        alone = alone if alone >= 2 else 0  # merge only runs of at least two
        merged = [cirq.Moment(cirq.I(a).with_tags(MEMORY_WAIT_TAG, MemoryWait(alone)) for a in a_qubits)] if alone else []
        prep_a = cirq.Circuit.from_moments(*prep_a, *merged, *[wait] * (memory_wait - alone))
        prep_b = cirq.Circuit.from_moments(*[cirq.Moment()] * (memory_wait - alone + len(merged)), *prep_b)
    both = cirq.Circuit(prep_a.zip(prep_b))
    return cirq.FrozenCircuit(
        both,
        cirq.Moment(cirq.CNOT(a, b) for a, b in pairs),
        cirq.Moment(cirq.H(a) for a in a_qubits),
        cirq.Moment(cirq.measure(*[q for pair in pairs for q in pair], key=MEASUREMENT_KEY)),
    )
