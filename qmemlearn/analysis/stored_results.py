"""Running an experiment into its results table, or rebuilding it from that table alone: the
pieces every experiment kind shares.

Every kind has one ``_collect(config, evaluate, store, executor, progress, seconds_from_store)``
that walks its points. :func:`run_into_table` calls it with the task's evaluation function over
the (resumable) table; :func:`load_from_table` replays it with :func:`refuse_missing` over
:func:`existing_store`, so a figure is redrawn from stored rows only and a point the table
lacks is an error, never a silent re-simulation.
"""

from __future__ import annotations

import pathlib
import time
from typing import Any, Callable, TypeVar

from qmemlearn.analysis.executors import SerialExecutor
from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.analysis.store import ResultStore
from qmemlearn.tasks import task_evaluator

Result = TypeVar("Result")
#: ``collect(config, evaluate, store, executor, progress, seconds_from_store) -> result``
Collect = Callable[[Any, Callable[[SweepPoint], PointOutcome], ResultStore, Any, bool, bool], Result]


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


def run_into_table(
    collect: Collect, config: Any, *, results_path: str | pathlib.Path, executor: Any = None,
    progress: bool = True, seconds_from_store: bool = False,
) -> Result:
    """Runs (or resumes) every point of ``config`` with its task's evaluation function; rows go
    to the append-only table at ``results_path`` (created if absent), finished ones are reused.

    Args:
        collect: The kind's walk over its points.
        config: The kind's config (with a ``task`` field).
        results_path: The results table.
        executor: From :func:`~qmemlearn.analysis.executors.make_executor`. Defaults to serial.
        progress: Show progress bars on stderr.
        seconds_from_store: Report the summed compute seconds of the stored rows instead of
            this call's wall time.
    """
    return collect(config, task_evaluator(config.task), ResultStore(results_path),
                   executor or SerialExecutor(), progress, seconds_from_store)


def load_from_table(collect: Collect, config: Any, *, results_path: str | pathlib.Path) -> Result:
    """Rebuilds a finished run from its results table, sampling nothing.

    Raises:
        FileNotFoundError: If the table is missing.
        RuntimeError: If the table lacks a point the config needs.
    """
    return collect(config, refuse_missing, existing_store(results_path), SerialExecutor(), False, True)


def elapsed_seconds(store: ResultStore, start: float, *, from_store: bool) -> float:
    """Seconds a run took: the summed compute seconds of the table's rows (``from_store``, what a
    load reports) or the wall time since ``start`` (``time.perf_counter()``)."""
    return sum(row.seconds for row in store.fold().values()) if from_store else time.perf_counter() - start
