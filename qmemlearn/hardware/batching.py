"""Hardware-style runs: few distinct settings, many repetitions each, instances interleaved in time.

On a processor, one sweep point costs far more than one repetition, so a run draws
``shots / shots_per_setting`` distinct settings (flips, bases) and repeats each
``shots_per_setting`` times through ``run_sweep(..., repetitions=shots_per_setting)``. The
shots of one setting are then correlated (same classical draw), which is exactly what the
hardware measures; with ``shots_per_setting = 1`` every shot is an independent draw.

Against calibration drift the paper interleaved classes and instances in time. Here each
job (one instance or class: a circuit and its distinct settings) is cut into chunks of
``chunk`` settings, and the chunks are submitted as ONE ``run_batch`` in round-robin order:
job 0 chunk 0, job 1 chunk 0, ..., job 0 chunk 1, ... (:func:`interleaved_chunks`). A drift
in time then spreads evenly over all jobs instead of biasing the last ones.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Sequence

import cirq
import numpy as np

from qmemlearn.backends.sweeps import Columns, columns_to_sweep, validate_columns

#: Distinct settings per sweep chunk when none is given.
DEFAULT_CHUNK = 64


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an int >= {minimum}")
    return int(value)


@dataclasses.dataclass(frozen=True)
class HardwareRun:
    """How settings go to a processor.

    Attributes:
        shots_per_setting: Repetitions of each distinct setting, >= 1.
        chunk: Distinct settings per sweep in the round-robin order, >= 1.
    """

    shots_per_setting: int = 1
    chunk: int = DEFAULT_CHUNK

    def __post_init__(self) -> None:
        _check_int("shots_per_setting", self.shots_per_setting, 1)
        _check_int("chunk", self.chunk, 1)

    def settings_for(self, shots: int) -> int:
        """Distinct settings that give ``shots`` shots.

        Raises:
            ValueError: If ``shots`` is not a multiple of ``shots_per_setting``.
        """
        if shots % self.shots_per_setting:
            raise ValueError(
                f"shots_per_setting={self.shots_per_setting} does not divide the {shots} shots; "
                "choose copies so that shots is a multiple of it"
            )
        return shots // self.shots_per_setting

    def metadata(self) -> dict[str, int | str]:
        """JSON-native description for records."""
        return {
            "shots_per_setting": self.shots_per_setting,
            "chunk": self.chunk,
            "order": "round-robin over instances, chunks of distinct settings",
        }


def interleaved_chunks(counts: Sequence[int], chunk: int) -> list[tuple[int, int, int]]:
    """Round-robin ``(job, start, stop)`` chunks over jobs with ``counts[job]`` settings each.

    Example:
        >>> interleaved_chunks([3, 1], 2)
        [(0, 0, 2), (1, 0, 1), (0, 2, 3)]
    """
    chunk = _check_int("chunk", chunk, 1)
    order: list[tuple[int, int, int]] = []
    start = 0
    while any(start < c for c in counts):
        order.extend((job, start, min(start + chunk, c)) for job, c in enumerate(counts) if start < c)
        start += chunk
    return order


def run_interleaved(
    sampler: cirq.Sampler,
    jobs: Sequence[tuple[cirq.AbstractCircuit, Columns]],
    run: HardwareRun,
    *,
    key: str,
) -> list[np.ndarray]:
    """Runs every job's distinct settings ``run.shots_per_setting`` times, interleaved, in one batch.

    Args:
        sampler: Any ``cirq.Sampler`` (its ``run_batch`` gets the chunks in time order).
        jobs: ``(circuit, columns)`` per instance or class; columns hold one value per distinct
            setting.
        run: Repetitions per setting and chunk size.
        key: Measurement key to return.

    Returns:
        Per job, uint8 bits ``[settings * shots_per_setting, width]``, setting-major: the
        shots of setting s are rows ``s*k .. s*k + k - 1`` (``np.repeat`` order).
    """
    counts = [validate_columns(columns) for _, columns in jobs]
    order = interleaved_chunks(counts, run.chunk)
    if not order:
        return [np.zeros((0, 0), dtype=np.uint8) for _ in jobs]
    programs = [jobs[job][0] for job, _, _ in order]
    sweeps = [
        columns_to_sweep({name: np.asarray(values)[start:stop] for name, values in jobs[job][1].items()})
        for job, start, stop in order
    ]
    results = sampler.run_batch(programs, sweeps, repetitions=run.shots_per_setting)
    parts: list[list[np.ndarray]] = [[] for _ in jobs]
    for (job, start, stop), sweep_results in zip(order, results):
        if len(sweep_results) != stop - start:
            raise ValueError(f"the sampler returned {len(sweep_results)} results for a sweep of {stop - start} points")
        parts[job].extend(np.asarray(r.records[key][:, -1, :], dtype=np.uint8) for r in sweep_results)
    return [np.concatenate(p, axis=0) for p in parts]
