"""The sweep engine: evaluate points on an executor, append rows to the store, resume.

``evaluate`` is any picklable module-level callable ``evaluate(point) -> PointOutcome`` that
draws its randomness only from ``point.rng_for_trials()``. The engine times it on the worker,
appends one row per point, and skips points already in the store, so a killed run resumes
where it stopped and replays nothing.

Determinism. Outcomes depend only on the points. Rows are also *written* in a deterministic
order (the order of the given points), whatever the worker count or completion order: a
finished row waits in memory until all earlier ones are written. Two uninterrupted runs with
different executors thus give files that differ only in the ``seconds`` column (and
``versions`` if the environments differ). After an interruption, the rows already finished
are written (in order, skipping gaps) before the error propagates, so a resumed file has the
same rows but possibly in another order; compare folded tables then.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable, Iterable

from qmemlearn.analysis.executors import SerialExecutor
from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.analysis.store import ResultStore, Row, package_versions

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
    """Returns the folded stored row if it already covers ``point``, else None.

    Raises:
        ValueError: If the store holds some but fewer than ``point.trials`` trials for the
            point (partial batches written by another tool); the engine evaluates whole
            points only and would otherwise count trials twice.

    Example:
        >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=1, trials=5)
        >>> stored_row(p, {}) is None
        True
    """
    row = folded.get(point.strong_id())
    if row is None or row.trials == 0:
        return None
    if row.trials < point.trials:
        raise ValueError(
            f"The store holds trials={row.trials} < point.trials={point.trials} for "
            f"strong_id={point.strong_id()} ({point}); the engine evaluates whole points "
            "only. Remove those partial rows or finish them with the tool that wrote them."
        )
    return row


class PointDispatcher:
    """Submits points to an executor and collects timed, validated rows (engine internals).

    Points already in flight (same strong id) are not submitted twice.

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
                f"trials={point.trials} ({point})"
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


def run_points(
    points: Iterable[SweepPoint],
    evaluate: Evaluate,
    *,
    store: ResultStore | str | os.PathLike[str] | None,
    executor: Any = None,
    progress: bool = True,
) -> dict[str, Row]:
    """Evaluates sweep points, appending one row per point; resumable.

    Points whose strong id already has ``>= point.trials`` trials in the store are skipped.
    Duplicate points are evaluated once. Rows are appended in the order of ``points``.

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
        ValueError: On a malformed store, a bad outcome or partial stored rows.
        Exception: Whatever ``evaluate`` raised; the rows finished before it are written.

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
        unique.setdefault(point.strong_id(), point)
    existing = store.fold() if store is not None else {}
    todo = [p for p in unique.values() if stored_row(p, existing) is None]
    executor = SerialExecutor() if executor is None else executor
    dispatcher = PointDispatcher(evaluate, executor)
    new_rows: dict[str, Row] = {}
    finished: dict[int, Row] = {}
    index_of = {p.strong_id(): i for i, p in enumerate(todo)}
    next_index = 0

    def write(row: Row) -> None:
        if store is not None:
            store.append(row)
        new_rows[row.strong_id] = row

    bar = make_progress_bar(len(todo), desc="points", enabled=progress)
    if len(unique) > len(todo):
        bar.set_postfix(resumed=len(unique) - len(todo))
    try:
        for point in todo:
            dispatcher.submit(point)
        while len(dispatcher):
            results, error = dispatcher.wait()
            for point, row in results:
                finished[index_of[point.strong_id()]] = row
                bar.update(1)
            while next_index in finished:
                write(finished.pop(next_index))
                next_index += 1
            if error is not None:
                raise error
    except BaseException:
        dispatcher.cancel_all()
        for index in sorted(finished):
            write(finished[index])
        raise
    finally:
        bar.close()
    table: dict[str, Row] = {}
    for sid in unique:
        rows = [r for r in (existing.get(sid), new_rows.get(sid)) if r is not None]
        table[sid] = rows[0] if len(rows) == 1 else rows[0] + rows[1]
    return table
