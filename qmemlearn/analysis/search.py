"""Sample-complexity search: the smallest number of copies N* reaching a target success rate.

Per curve (everything of a :class:`~qmemlearn.analysis.points.SweepPoint` but ``copies``),
the search walks the grid ``copies = step * k`` (``step`` = copies per shot):

1. start at ``start`` and double until a point reaches the target (success rate ``>=
   target``) or ``max_copies`` (rounded down to the grid) fails ("not reached", N* = None);
2. bisect between the last failing and the first passing point until they are adjacent grid
   points or ``hi - lo <= rel_resolution * hi``; N* is the smallest passing point found.

If ``start`` already passes, N* = start is only an upper bound (``SearchResult.lower`` is
None). The search assumes the success rate grows with copies; with sampling noise it returns
the bracket it found, and :meth:`SearchResult.n_star_interval` gives the error bar.

:class:`SampleComplexitySearch` is the state machine (``propose`` / ``observe``);
:func:`run_searches` drives many of them at once on an executor: each curve is sequential,
the curves run in parallel. Points already in the store are reused (a point is observed
through its folded row: every stored batch counts), so a killed run resumes and replays the
same decisions. Rows are appended as their batches finish (see
:mod:`qmemlearn.analysis.engine`), so the file order depends on the executor, but the folded
table (:meth:`ResultStore.fold`) and the results are identical for 1 worker, N workers and
Dask, and after any interruption and resume.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Iterable, NamedTuple

from qmemlearn.analysis.engine import (
    Evaluate, PointDispatcher, as_store, make_progress_bar, next_batch, stored_row, writer_lock,
)
from qmemlearn.analysis.executors import SerialExecutor
from qmemlearn.analysis.fit import n_star_interval
from qmemlearn.analysis.points import SweepPoint
from qmemlearn.analysis.rows import Row
from qmemlearn.analysis.store import ResultStore


def copies_per_shot(protocol: str) -> int:
    """Returns 2 for protocols named ``two-copy...``, else 1 (the default grid step).

    Example:
        >>> copies_per_shot("two-copy"), copies_per_shot("single-copy")
        (2, 1)
    """
    return 2 if protocol.startswith("two-copy") else 1


class Evaluation(NamedTuple):
    """One evaluated point of a search: ``successes`` out of ``trials`` at ``copies``."""

    copies: int
    successes: float
    trials: int


def _bisection_steps(lo: int, hi: int, rel_resolution: float) -> int:
    steps = 0
    while not _converged(lo, hi, rel_resolution):
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if hi - mid >= mid - lo else (lo, mid)
        steps += 1
    return steps


def _converged(lo: int, hi: int, rel_resolution: float) -> bool:
    return hi - lo <= 1 or hi - lo <= rel_resolution * hi


class SampleComplexitySearch:
    """Geometric-then-bisection search for N* on one curve, as a propose/observe machine.

    Args:
        max_copies: Cap on copies (rounded down to the grid), >= start.
        step: Grid spacing, copies per shot (1 single-copy, 2 two-copy). Defaults to 1.
        start: First copies tried, a multiple of ``step``. Defaults to None (= step).
        target: Success-rate target in (0, 1]. Defaults to 0.9.
        rel_resolution: Stop bisecting when ``hi - lo <= rel_resolution * hi``; 0 or None
            bisects down to adjacent grid points. Defaults to 1/8.

    Raises:
        ValueError: On invalid arguments, or an ``observe`` that does not match the proposal.

    Example:
        >>> s = SampleComplexitySearch(max_copies=1000, target=0.9, rel_resolution=None)
        >>> while (c := s.propose()) is not None:
        ...     s.observe(c, successes=100 if c >= 37 else 50, trials=100)
        >>> s.result().n_star
        37
    """

    def __init__(
        self,
        *,
        max_copies: int,
        step: int = 1,
        start: int | None = None,
        target: float = 0.9,
        rel_resolution: float | None = 0.125,
    ) -> None:
        if isinstance(step, bool) or not isinstance(step, int) or step < 1:
            raise ValueError(f"step={step!r} must be an int >= 1")
        start = step if start is None else start
        if isinstance(start, bool) or not isinstance(start, int) or start < step or start % step:
            raise ValueError(f"start={start!r} must be a positive multiple of step={step}")
        if isinstance(max_copies, bool) or not isinstance(max_copies, int) or max_copies < start:
            raise ValueError(f"max_copies={max_copies!r} must be an int >= start={start}")
        if not 0 < target <= 1:
            raise ValueError(f"target={target!r} must be in (0, 1]")
        rel_resolution = 0.0 if rel_resolution is None else float(rel_resolution)
        if not 0 <= rel_resolution < 1:
            raise ValueError(f"rel_resolution={rel_resolution!r} must be in [0, 1) or None")
        self.step, self.start, self.target = step, start, float(target)
        self.rel_resolution = rel_resolution
        self.max_copies = max_copies - max_copies % step
        self._start_k, self._cap_k = start // step, self.max_copies // step
        self._lo: int | None = None  # largest failing grid index
        self._hi: int | None = None  # smallest passing grid index
        self._pending: int | None = None
        self.evaluations: list[Evaluation] = []

    def _next_k(self) -> int | None:
        lo, hi = self._lo, self._hi
        if hi is None:
            if lo is None:
                return self._start_k
            return None if lo >= self._cap_k else min(2 * lo, self._cap_k)
        if lo is None or _converged(lo, hi, self.rel_resolution):
            return None
        return (lo + hi) // 2

    @property
    def done(self) -> bool:
        """Whether the search has finished (no proposal pending and none to make)."""
        return self._pending is None and self._next_k() is None

    def propose(self) -> int | None:
        """Returns the copies to evaluate next (the same until observed), or None if done."""
        if self._pending is None:
            self._pending = self._next_k()
        return None if self._pending is None else self._pending * self.step

    def observe(self, copies: int, successes: float, trials: int) -> None:
        """Records the outcome at the proposed ``copies``.

        Args:
            copies: Must equal the last proposal.
            successes: Successful trials (ties count 1/2).
            trials: Trials, >= 1.
        """
        if self._pending is None or copies != self._pending * self.step:
            proposed = None if self._pending is None else self._pending * self.step
            raise ValueError(f"observe(copies={copies}) does not match the proposal {proposed}")
        if trials < 1 or not 0 <= successes <= trials:
            raise ValueError(f"need trials={trials} >= 1 and 0 <= successes={successes} <= trials")
        k, self._pending = self._pending, None
        self.evaluations.append(Evaluation(int(copies), float(successes), int(trials)))
        if successes / trials >= self.target:
            self._hi = k if self._hi is None else min(self._hi, k)
        else:
            self._lo = k if self._lo is None else max(self._lo, k)

    def remaining_estimate(self) -> int:
        """Estimated number of proposals left, counting a pending one (for progress bars)."""
        if self.done:
            return 0
        lo, hi = self._lo, self._hi
        if hi is None:  # assume the next doubling passes
            lo = lo or max(self._start_k // 2, 1)
            return 1 + _bisection_steps(lo, min(2 * lo, self._cap_k), self.rel_resolution)
        return max(_bisection_steps(lo or hi, hi, self.rel_resolution), 1)

    def result(self, curve: SearchCurve | None = None) -> SearchResult:
        """Returns the result so far (final once :attr:`done`)."""
        scale = self.step
        return SearchResult(
            curve=curve, target=self.target,
            n_star=None if self._hi is None else self._hi * scale,
            lower=None if self._lo is None else self._lo * scale,
            evaluations=tuple(self.evaluations),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class SearchCurve:
    """One curve to search: every point field but ``copies``, plus the grid.

    Args:
        task, protocol, rule, n, trials, noise, seed, json_metadata: As in
            :class:`~qmemlearn.analysis.points.SweepPoint`.
        step: Copies per shot (grid spacing). Defaults to None: ``copies_per_shot(protocol)``.
        start: First copies tried. Defaults to None (= step).
        max_copies: Cap on copies. Defaults to 2**20.

    Example:
        >>> c = SearchCurve(task="synthetic", protocol="two-copy", rule="decoy", n=2, trials=100)
        >>> c.step, c.point(8).copies
        (2, 8)
    """

    task: str
    protocol: str
    rule: str
    n: int
    trials: int
    noise: str = "ideal"
    seed: int = 0
    json_metadata: Any = None
    step: int | None = None
    start: int | None = None
    max_copies: int = 2**20

    def __post_init__(self) -> None:
        if self.step is None:
            object.__setattr__(self, "step", copies_per_shot(self.protocol))
        self.new_search()  # validates step, start and max_copies
        self.point(self.step)  # validates the point fields

    def point(self, copies: int) -> SweepPoint:
        """Returns the sweep point of this curve at ``copies``."""
        return SweepPoint(
            task=self.task, protocol=self.protocol, rule=self.rule, n=self.n, copies=copies,
            trials=self.trials, noise=self.noise, seed=self.seed,
            json_metadata=self.json_metadata,
        )

    def new_search(
        self, *, target: float = 0.9, rel_resolution: float | None = 0.125
    ) -> SampleComplexitySearch:
        """Returns a fresh :class:`SampleComplexitySearch` on this curve's grid."""
        return SampleComplexitySearch(
            max_copies=self.max_copies, step=self.step, start=self.start, target=target,
            rel_resolution=rel_resolution,
        )


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """Outcome of one search.

    Attributes:
        curve: The curve searched (None for a bare state machine).
        target: The success-rate target.
        n_star: Smallest passing copies found, or None if ``max_copies`` failed.
        lower: Largest failing copies evaluated (the bracket's lower end), or None if the
            first point passed (then N* <= n_star only).
        evaluations: Every evaluated ``(copies, successes, trials)``, in search order.
    """

    curve: SearchCurve | None
    target: float
    n_star: int | None
    lower: int | None
    evaluations: tuple[Evaluation, ...]

    @property
    def reached(self) -> bool:
        """Whether the target was reached within ``max_copies``."""
        return self.n_star is not None

    def n_star_interval(self, confidence: float = 0.95) -> tuple[float, float]:
        """Error bar for N*: see :func:`qmemlearn.analysis.fit.n_star_interval`."""
        e = self.evaluations
        return n_star_interval(
            [x.copies for x in e], [x.successes for x in e], [x.trials for x in e],
            target=self.target, confidence=confidence,
        )


def _replay(curves: list[SearchCurve], searches: list[SampleComplexitySearch],
            known: dict[str, Row]) -> bool:
    """Advances every search on stored rows alone; returns whether all finished."""
    finished = True
    for curve, search in zip(curves, searches):
        while (copies := search.propose()) is not None:
            row = stored_row(curve.point(copies), known)
            if row is None:
                finished = False
                break
            search.observe(copies, row.successes, row.trials)
    return finished


def run_searches(
    curves: Iterable[SearchCurve],
    evaluate: Evaluate,
    *,
    store: ResultStore | str | os.PathLike[str] | None,
    executor: Any = None,
    target: float = 0.9,
    rel_resolution: float | None = 0.125,
    progress: bool = True,
) -> list[SearchResult]:
    """Runs one sample-complexity search per curve, the curves concurrently; resumable.

    Each proposed point is observed through its folded stored row if that has ``>=
    curve.trials`` trials; otherwise one new batch of the missing trials is evaluated and
    appended as soon as it finishes. Anything to evaluate happens under the store's writer
    lock, after re-reading the file; a finished search takes no lock and writes nothing.

    Args:
        curves: The curves.
        evaluate: Picklable module-level ``evaluate(point) -> PointOutcome``.
        store: A :class:`ResultStore`, a CSV path, or None (keep nothing on disk).
        executor: An executor; the caller owns it. Defaults to None (serial).
        target: Success-rate target. Defaults to 0.9.
        rel_resolution: Bisection resolution, see :class:`SampleComplexitySearch`.
            Defaults to 1/8.
        progress: Show a tqdm bar on stderr (its total is an estimate). Defaults to True.

    Returns:
        One :class:`SearchResult` per curve, in the given order.

    Raises:
        ValueError: On a malformed store (e.g. a duplicate batch) or a bad outcome.
        StoreLockedError: If another writer holds the store past its ``lock_timeout``.
        Exception: Whatever ``evaluate`` raised; finished batches are on disk already.

    Example:
        >>> from qmemlearn.tasks.synthetic import evaluate_synthetic
        >>> curves = [SearchCurve(task="synthetic", protocol="single-copy", rule="r", n=n,
        ...                       trials=2000) for n in (1, 2)]
        >>> [r.n_star for r in run_searches(curves, evaluate_synthetic, store=None,
        ...                                 progress=False)]
        [7, 14]
    """
    curves = list(curves)
    store = as_store(store)

    def fresh() -> list[SampleComplexitySearch]:
        return [c.new_search(target=target, rel_resolution=rel_resolution) for c in curves]

    searches = fresh()
    if not _replay(curves, searches, store.fold() if store is not None else {}):
        with writer_lock(store):
            searches = fresh()
            known = store.fold() if store is not None else {}
            _drive(curves, searches, known, evaluate, store, executor, progress)
    return [s.result(c) for s, c in zip(searches, curves)]


def _drive(
    curves: list[SearchCurve], searches: list[SampleComplexitySearch], known: dict[str, Row],
    evaluate: Evaluate, store: ResultStore | None, executor: Any, progress: bool,
) -> None:
    """Runs the searches to the end, evaluating missing batches (under the writer lock)."""
    waiting: dict[str, list[int]] = {}  # strong id in flight -> curves waiting for it
    dispatcher = PointDispatcher(evaluate, SerialExecutor() if executor is None else executor)
    evaluated = 0

    def advance(i: int) -> None:
        while (copies := searches[i].propose()) is not None:
            point = curves[i].point(copies)
            row = stored_row(point, known)
            if row is not None:
                searches[i].observe(copies, row.successes, row.trials)
                continue
            sid = point.strong_id()
            if sid not in waiting:
                dispatcher.submit(next_batch(point, known))
            waiting.setdefault(sid, []).append(i)
            return

    bar = make_progress_bar(None, desc="search points", enabled=progress)

    def update_bar() -> None:
        bar.total = evaluated + sum(s.remaining_estimate() for s in searches)
        bar.n = evaluated
        bar.refresh()

    try:
        for i in range(len(curves)):
            advance(i)
        update_bar()
        while len(dispatcher):
            results, error = dispatcher.wait()
            for _, row in results:
                if store is not None:
                    store.append(row)
                sid = row.strong_id
                known[sid] = known[sid] + row if sid in known else row
                evaluated += 1
                for i in waiting.pop(sid):
                    advance(i)  # observes the folded row, or asks for a further batch
            update_bar()
            if error is not None:
                raise error
    except BaseException:
        dispatcher.cancel_all()
        raise
    finally:
        bar.close()
