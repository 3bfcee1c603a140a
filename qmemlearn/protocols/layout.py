"""Qubit layouts: which device qubits hold the system copy (single-copy) or the copy pairs."""

from __future__ import annotations

from typing import Sequence

import cirq


def default_single_layout(n: int) -> list[cirq.Qid]:
    """System qubit i on ``cirq.LineQubit(i)``."""
    return list(cirq.LineQubit.range(n))


def default_pair_layout(n: int) -> list[tuple[cirq.Qid, cirq.Qid]]:
    """Pair i on adjacent line qubits: copy A on ``LineQubit(2i)``, copy B on ``LineQubit(2i+1)``."""
    return [(cirq.LineQubit(2 * i), cirq.LineQubit(2 * i + 1)) for i in range(n)]


def validate_single_layout(qubits: Sequence[cirq.Qid], n: int) -> tuple[cirq.Qid, ...]:
    """Checks that ``qubits`` holds n distinct qubits; returns them as a tuple."""
    qubits = tuple(qubits)
    if len(qubits) != n:
        raise ValueError(f"layout has {len(qubits)} qubits but n={n} are needed")
    if len(set(qubits)) != n:
        raise ValueError(f"layout={qubits} repeats a qubit; all qubits must be distinct")
    return qubits


def validate_pair_layout(pairs: Sequence[tuple[cirq.Qid, cirq.Qid]], n: int) -> tuple[tuple[cirq.Qid, cirq.Qid], ...]:
    """Checks that ``pairs`` holds n pairs of 2n distinct qubits; returns them as a tuple."""
    pairs = tuple(tuple(p) for p in pairs)
    if len(pairs) != n or any(len(p) != 2 for p in pairs):
        raise ValueError(f"layout must hold n={n} pairs (a_i, b_i); got {pairs}")
    flat = [q for p in pairs for q in p]
    if len(set(flat)) != 2 * n:
        raise ValueError(f"layout={pairs} repeats a qubit; all 2n qubits must be distinct")
    return pairs
