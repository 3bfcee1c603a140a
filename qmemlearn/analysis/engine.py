"""The sweep engine: evaluate points on an executor, append rows to the store, resume.

``evaluate`` is any picklable module-level callable ``evaluate(point) -> PointOutcome`` that
draws its randomness only from ``point.rng_for_trials()``. The engine times it on the worker
and appends one row per evaluated *batch* as soon as it finishes (flushed and fsynced), so a
kill loses at most the batches in flight.

Batches. A requested point with ``trials=T`` is satisfied when the store's folded trials for
its strong id are ``>= T``. Otherwise the engine evaluates one new batch
``dataclasses.replace(point, trials=T - stored, batch_index=next)``, where ``next`` is the
largest stored batch index of that id plus 1 (or 0): asking for more trials deepens a point
with fresh samples and never replays old ones. The batches are planned while holding the
store's writer lock (:meth:`ResultStore.writing`), after re-reading the file, so a second
writer waits and then finds the work done: nothing is counted twice. A run with nothing left
to do takes no lock and leaves the file byte-identical.

Determinism. Outcomes depend only on ``(strong_id, batch_index, trials)``. Rows are written
in completion order, so the *file* order depends on the executor, but the folded table
(:meth:`ResultStore.fold`) is identical for 1 worker, N workers and Dask, and after any
interruption and resume.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time
from typing import Any, Callable, Iterable

from qmemlearn.analysis.executors import SerialExecutor
from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.analysis.rows import Row, package_versions
from qmemlearn.analysis.store import ResultStore

Evaluate = Callable[[SweepPoint], PointOutcome]


def _evaluate_timed(evaluate: Evaluate, point: SweepPoint) -> tuple[Any, float, dict[str, str]]:
    """Runs on the worker: evaluates and times one point."""
    start = time.perf_counter()
    outcome = evaluate(point)
    return outcome, time.perf_counter() - start, package_versions()


def as_store(store: ResultStore | str | os.PathLike[str] | None) -> ResultStore | None:
    """Accepts a store, a path (wrapped in a :class:`ResultStore`) or None (no store).

    Example:
        >>> as_store("stats.csv")
        ResultStore('stats.csv')
    """
    if store is None or isinstance(store, ResultStore):
        return store
    return ResultStore(store)


def stored_row(point: SweepPoint, folded: dict[str, Row]) -> Row | None:
    """Returns the folded stored row if it already covers ``point.trials``, else None.

    Example:
        >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=1, trials=5)
        >>> stored_row(p, {}) is None
        True
    """
    row = folded.get(point.strong_id())
    if row is None or row.trials < point.trials:
        return None
    return row


def next_batch(point: SweepPoint, folded: dict[str, Row]) -> SweepPoint:
    """Returns the batch that tops ``point`` up to ``point.trials`` trials.

    Args:
        point: The requested point (``trials`` = trials wanted in total).
        folded: ``{strong_id: folded Row}`` of what is stored.

    Returns:
        ``point`` with ``trials`` = the missing trials and ``batch_index`` = the next unused
        index of its strong id.

    Raises:
        ValueError: If the stored rows already cover ``point.trials``.

    Example:
        >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=1, trials=5)
        >>> b = next_batch(p, {})
        >>> b.trials, b.batch_index
        (5, 0)
    """
    row = folded.get(point.strong_id())
    if row is None:
        return dataclasses.replace(point, batch_index=0)
    if row.trials >= point.trials:
        raise ValueError(
            f"strong_id={point.strong_id()} already has trials={row.trials} >= "
            f"point.trials={point.trials}; there is no batch to add"
        )
    return dataclasses.replace(
        point, trials=point.trials - row.trials, batch_index=row.next_batch_index
    )


def writer_lock(store: ResultStore | None) -> Any:
    """Returns ``store.writing()``, or a null context for ``store=None``."""
    return contextlib.nullcontext() if store is None else store.writing()


class PointDispatcher:
    """Submits points to an executor and collects timed, validated rows (engine internals).

    At most one batch per strong id is in flight; a point whose id is in flight is not
    submitted.

    Args:
        evaluate: The evaluation callable.
        executor: Any :class:`~qmemlearn.analysis.executors.Executor`.

    Example:
        >>> from qmemlearn.tasks.synthetic import evaluate_synthetic
        >>> d = PointDispatcher(evaluate_synthetic, SerialExecutor())
        >>> d.submit(SweepPoint(task="synthetic", protocol="p", rule="r", n=1, copies=8, trials=50))
        True
        >>> [row.trials for _, row in d.wait()[0]]
        [50]
    """

    def __init__(self, evaluate: Evaluate, executor: Any) -> None:
        self._evaluate = evaluate
        self._executor = executor
        self._inflight: dict[Any, SweepPoint] = {}
        self._ids: set[str] = set()

    def __len__(self) -> int:
        return len(self._inflight)

    def in_flight(self, point: SweepPoint) -> bool:
        return point.strong_id() in self._ids

    def submit(self, point: SweepPoint) -> bool:
        """Submits ``point`` unless it is already in flight; returns whether it was."""
        if self.in_flight(point):
            return False
        future = self._executor.submit(_evaluate_timed, self._evaluate, point)
        self._inflight[future] = point
        self._ids.add(point.strong_id())
        return True

    def wait(self) -> tuple[list[tuple[SweepPoint, Row]], BaseException | None]:
        """Blocks until at least one point finishes; returns all finished ones.

        Returns:
            ``(results, error)``: ``(point, row)`` pairs that succeeded, and the first error
            raised by a finished evaluation (or by validating its outcome), else None.
        """
        futures = list(self._inflight)
        if not futures:
            return [], None
        first = next(iter(self._executor.as_completed(futures)))
        done = [first] + [f for f in futures if f is not first and f.done()]
        results, error = [], None
        for future in done:
            point = self._inflight.pop(future)
            self._ids.discard(point.strong_id())
            try:
                outcome, seconds, versions = future.result()
                results.append((point, self._to_row(point, outcome, seconds, versions)))
            except Exception as exc:
                error = error or exc
        return results, error

    @staticmethod
    def _to_row(point: SweepPoint, outcome: Any, seconds: float, versions: Any) -> Row:
        if not isinstance(outcome, PointOutcome):
            try:
                outcome = PointOutcome(successes=outcome.successes, trials=outcome.trials)
            except AttributeError:
                raise ValueError(
                    f"evaluate returned {outcome!r}; it must return a PointOutcome"
                ) from None
        if outcome.trials != point.trials:
            raise ValueError(
                f"evaluate returned trials={outcome.trials} for a point with "
                f"trials={point.trials} ({point}); it must evaluate exactly point.trials "
                "trials, seeded by point.rng_for_trials()"
            )
        return Row.from_point(point, outcome, seconds=seconds, versions=versions)

    def cancel_all(self) -> None:
        """Cancels everything still in flight (best effort)."""
        for future in self._inflight:
            future.cancel()
        self._inflight.clear()
        self._ids.clear()


def make_progress_bar(total: int | None, *, desc: str, enabled: bool) -> Any:
    """Returns a tqdm bar on stderr (a disabled one when ``enabled`` is False).

    Example:
        >>> make_progress_bar(3, desc="points", enabled=False).disable
        True
    """
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="pt", file=sys.stderr, disable=not enabled,
                dynamic_ncols=True, leave=True)


def _plan_points(unique: dict[str, SweepPoint], folded: dict[str, Row]) -> list[SweepPoint]:
    return [next_batch(p, folded) for p in unique.values() if stored_row(p, folded) is None]


def run_points(
    points: Iterable[SweepPoint],
    evaluate: Evaluate,
    *,
    store: ResultStore | str | os.PathLike[str] | None,
    executor: Any = None,
    progress: bool = True,
) -> dict[str, Row]:
    """Evaluates sweep points, appending one row per new batch as it finishes; resumable.

    A point whose strong id already has ``>= point.trials`` trials in the store is skipped;
    one with fewer gets one new batch of the missing trials (see the module docstring).
    Points with one strong id are merged (the largest ``trials`` wins). The store's writer
    lock is held while anything is evaluated.

    Args:
        points: The points.
        evaluate: Picklable module-level ``evaluate(point) -> PointOutcome``.
        store: A :class:`ResultStore`, a CSV path, or None (keep nothing on disk).
        executor: An executor (see :mod:`qmemlearn.analysis.executors`); the caller owns and
            shuts it down. Defaults to None (a :class:`SerialExecutor`).
        progress: Show a tqdm bar with ETA on stderr. Defaults to True.

    Returns:
        ``{strong_id: folded Row}`` for every given point (stored rows plus new ones).

    Raises:
        ValueError: On a malformed store (e.g. a duplicate batch) or a bad outcome.
        StoreLockedError: If another writer holds the store past its ``lock_timeout``.
        Exception: Whatever ``evaluate`` raised; the batches finished before are on disk.

    Example:
        >>> from qmemlearn.tasks.synthetic import evaluate_synthetic
        >>> pts = [SweepPoint(task="synthetic", protocol="p", rule="r", n=2, copies=c,
        ...                   trials=100) for c in (4, 16)]
        >>> table = run_points(pts, evaluate_synthetic, store=None, progress=False)
        >>> [table[p.strong_id()].trials for p in pts]
        [100, 100]
    """
    store = as_store(store)
    unique: dict[str, SweepPoint] = {}
    for point in points:
        if not isinstance(point, SweepPoint):
            raise ValueError(f"points must be SweepPoints, got {point!r}")
        sid = point.strong_id()
        if sid not in unique or point.trials > unique[sid].trials:
            unique[sid] = point
    folded = store.fold() if store is not None else {}
    if _plan_points(unique, folded):
        with writer_lock(store):
            folded = store.fold() if store is not None else {}
            _evaluate_batches(_plan_points(unique, folded), evaluate, store, executor,
                              progress, folded, resumed=len(unique))
    return {sid: folded[sid] for sid in unique}


def _evaluate_batches(
    todo: list[SweepPoint], evaluate: Evaluate, store: ResultStore | None, executor: Any,
    progress: bool, folded: dict[str, Row], *, resumed: int,
) -> None:
    """Evaluates ``todo``, appending each row as it finishes and adding it to ``folded``."""
    dispatcher = PointDispatcher(evaluate, SerialExecutor() if executor is None else executor)
    bar = make_progress_bar(len(todo), desc="points", enabled=progress)
    if resumed > len(todo):
        bar.set_postfix(resumed=resumed - len(todo))
    try:
        for point in todo:
            dispatcher.submit(point)
        while len(dispatcher):
            results, error = dispatcher.wait()
            for _, row in results:
                if store is not None:
                    store.append(row)
                held = folded.get(row.strong_id)
                folded[row.strong_id] = row if held is None else held + row
                bar.update(1)
            if error is not None:
                raise error
    except BaseException:
        dispatcher.cancel_all()
        raise
    finally:
        bar.close()
