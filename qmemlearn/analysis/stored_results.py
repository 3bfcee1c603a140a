"""Rebuilding an experiment from its results table alone: the pieces every experiment kind shares.

Each kind's ``load_*`` function replays its run with :func:`refuse_missing` as the evaluation
function over :func:`existing_store`, so a figure is redrawn from stored rows only and a point
the table lacks is an error, never a silent re-simulation.
"""

from __future__ import annotations

import pathlib

from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.analysis.store import ResultStore


def refuse_missing(point: SweepPoint) -> PointOutcome:
    """The evaluation function of a load: every point must already be in the table.

    Raises:
        RuntimeError: Always, naming the point.
    """
    raise RuntimeError(
        f"point n={point.n} copies={point.copies} ({point.protocol}/{point.rule}, noise {point.noise}, "
        f"params {point.json_metadata}) is not in the results table; run `qmemlearn reproduce` first"
    )


def existing_store(results_path: str | pathlib.Path) -> ResultStore:
    """The store of an existing results table.

    Raises:
        FileNotFoundError: If the table does not exist.
    """
    if not pathlib.Path(results_path).exists():
        raise FileNotFoundError(f"results table {results_path} does not exist; run `qmemlearn reproduce` first")
    return ResultStore(results_path)
