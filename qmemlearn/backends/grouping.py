"""Grouping the sweep points of a batch by their distinct settings.

Per-shot sweeps (DESIGN §4) often repeat settings: all shots of one Pauli-mixed instance share
its basis rotation, and a small circuit has few distinct flip patterns. A backend whose cost
is per distinct circuit (stim: one conversion; qsim: one translation, then one trajectory or
sample per repetition) runs each distinct setting once with ``repetitions=count``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def group_rows(columns: Sequence[np.ndarray], points: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the table whose columns are ``columns``, and each point's row index.

    Rows are grouped by a random linear fingerprint, then checked exactly, column by column,
    so a table of ``points`` × k values costs O(points·k) time and O(points) extra memory.

    Returns:
        ``(distinct [groups, k], codes [points])`` with ``table[t] == distinct[codes[t]]``.
    """
    if not columns:
        return np.zeros((1, 0)), np.zeros(points, dtype=np.int64)
    weights = np.random.default_rng(0x5EED).standard_normal(len(columns))
    fingerprint = np.zeros(points)
    for w, column in zip(weights, columns):
        fingerprint += w * np.asarray(column, dtype=float)
    _, first, codes = np.unique(fingerprint, return_index=True, return_inverse=True)
    codes = codes.reshape(-1)
    distinct = np.stack([np.asarray(c, dtype=float)[first] for c in columns], axis=1)
    for j, column in enumerate(columns):
        if not np.array_equal(distinct[codes, j], column):  # a fingerprint collision: exact fallback
            table = np.stack([np.asarray(c, dtype=float) for c in columns], axis=1)
            distinct, codes = np.unique(table, axis=0, return_inverse=True)
            return distinct, codes.reshape(-1)
    return distinct, codes
