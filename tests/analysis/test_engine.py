"""Tests for qmemlearn.analysis.engine: batches, resume after any kill, durability."""

import contextlib
import dataclasses
import time

import pytest

from qmemlearn.analysis.engine import next_batch, run_points
from qmemlearn.analysis.executors import DaskExecutor, LocalPoolExecutor, SerialExecutor
from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.analysis.store import IncompleteRowWarning, ResultStore, Row
from qmemlearn.tasks.synthetic import evaluate_synthetic


def sweep(seed=0, trials=300):
    return [
        SweepPoint(task="synthetic", protocol=protocol, rule="decoy", n=n, copies=copies,
                   trials=trials, seed=seed, json_metadata={"c0": 1.5, "slope": 0.8})
        for protocol in ("single-copy", "two-copy")
        for n in (1, 2, 3)
        for copies in (2, 4, 8, 16)
    ]


class FailAfter:
    """Evaluates normally for ``budget`` calls, then fails every call (a killed run)."""

    def __init__(self, budget):
        self.budget, self.calls = budget, []

    def __call__(self, point):
        self.calls.append((point.strong_id(), point.batch_index, point.trials))
        if len(self.calls) > self.budget:
            raise KeyboardInterrupt("simulated kill")
        return evaluate_synthetic(point)


def table(folded):
    """Folded table without timing: what must not depend on how the sweep ran."""
    return {sid: (r.successes, r.trials, r.batches, r.copies, r.n, r.protocol)
            for sid, r in folded.items()}


def sorted_rows_without_seconds(path):
    lines = path.read_text().splitlines()
    drop = lines[0].split(",").index("seconds")
    return sorted(",".join(f for j, f in enumerate(line.split(",")) if j != drop) for line in lines)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref") / "stats.csv"
    folded = run_points(sweep(), evaluate_synthetic, store=path, progress=False)
    return path, folded


def test_run_points_writes_one_batch_row_per_point(reference):
    path, folded = reference
    rows = ResultStore(path).read()
    assert [r.strong_id for r in rows] == [p.strong_id() for p in sweep()]  # serial: in order
    assert table(folded) == table(ResultStore(path).fold())
    assert all(r.trials == 300 and r.batch_index == 0 and r.seconds >= 0 for r in rows)
    # Successes follow the synthetic curve (sanity, not a precision test).
    by_copies = {r.copies: r.successes / r.trials for r in rows if r.n == 1}
    assert by_copies[16] > by_copies[2]


def test_rerunning_a_finished_sweep_leaves_the_file_byte_identical(reference, tmp_path):
    path, folded = reference
    before = path.read_bytes()
    never = FailAfter(0)
    again = run_points(sweep(), never, store=ResultStore(path, lock_timeout=0), progress=False)
    assert never.calls == []
    assert path.read_bytes() == before
    assert not (path.parent / "stats.csv.lock").exists()  # nothing to do: no lock taken
    assert table(again) == table(folded)
    fewer = run_points(sweep(trials=100), never, store=path, progress=False)  # already covered
    assert never.calls == [] and table(fewer) == table(folded)


@pytest.mark.parametrize("budget", range(0, 13))
def test_killed_after_every_row_count_then_resumed_matches_uninterrupted(tmp_path, budget):
    """A kill after k finished batches, for every k: the resume evaluates exactly the rest."""
    points = sweep()[:12]
    reference = run_points(points, evaluate_synthetic, store=None, progress=False)
    path = tmp_path / "stats.csv"
    killer = FailAfter(budget)
    if budget < len(points):
        with pytest.raises(KeyboardInterrupt):
            run_points(points, killer, store=path, progress=False)
    else:
        run_points(points, killer, store=path, progress=False)
    assert len(ResultStore(path).read()) == budget
    resumer = FailAfter(10**9)
    resumed = run_points(points, resumer, store=path, progress=False)
    assert len(resumer.calls) == len(points) - budget
    assert not set(resumer.calls) & set(killer.calls[:budget])
    rows = ResultStore(path).read()
    assert sorted(r.strong_id for r in rows) == sorted(p.strong_id() for p in points)  # once each
    assert table(ResultStore(path).fold()) == table(reference) == table(resumed)


def test_resume_from_every_cut_of_the_file_matches_uninterrupted(reference, tmp_path):
    """A SIGKILL can leave the file cut anywhere: at a line end or inside a line."""
    ref_path, ref_folded = reference
    data = ref_path.read_bytes()
    ends = [k + 1 for k, byte in enumerate(data) if byte == ord("\n")]
    cuts = sorted({0, *ends[:8], *(e - 17 for e in ends[1:8]), len(data) - 5})
    path = tmp_path / "stats.csv"
    for cut in cuts:
        path.write_bytes(data[:cut])
        torn = data[:cut] and not data[:cut].endswith(b"\n")
        with pytest.warns(IncompleteRowWarning) if torn else contextlib.nullcontext():
            resumed = run_points(sweep(), evaluate_synthetic, store=ResultStore(path, fsync=False),
                                 progress=False)
        assert table(resumed) == table(ref_folded) == table(ResultStore(path).fold()), cut


def test_more_trials_append_a_new_batch_with_fresh_samples(reference, tmp_path):
    ref_path, ref_folded = reference
    path = tmp_path / "stats.csv"
    path.write_bytes(ref_path.read_bytes())
    counter = FailAfter(10**9)
    deeper = run_points(sweep(trials=500), counter, store=path, progress=False)
    assert sorted(c[1:] for c in counter.calls) == [(1, 200)] * len(sweep())
    rows = ResultStore(path).read()
    assert len(rows) == 2 * len(sweep())
    for p in sweep():
        r = deeper[p.strong_id()]
        old = ref_folded[p.strong_id()]
        batch = evaluate_synthetic(dataclasses.replace(p, trials=200, batch_index=1))
        assert (r.trials, r.batches) == (500, (0, 1))
        assert r.successes == old.successes + batch.successes
    counter.calls.clear()
    run_points(sweep(trials=500), counter, store=path, progress=False)
    assert counter.calls == []


def test_next_batch_numbers_batches_after_the_largest_stored_index():
    p = sweep()[0]
    stored = {p.strong_id(): Row.from_point(
        dataclasses.replace(p, trials=40, batch_index=4), PointOutcome(10, 40), seconds=0)}
    b = next_batch(p, stored)
    assert (b.trials, b.batch_index, b.strong_id()) == (260, 5, p.strong_id())
    assert next_batch(p, {}).batch_index == 0
    with pytest.raises(ValueError, match="already has trials=40 >= point.trials=40"):
        next_batch(dataclasses.replace(p, trials=40), stored)


@pytest.mark.parametrize("kind", ["pool2", "dask"])
def test_executors_give_identical_folded_tables(reference, tmp_path, kind):
    ref_path, ref_folded = reference
    path = tmp_path / "stats.csv"
    if kind == "pool2":
        executor = LocalPoolExecutor(max_workers=2)
    else:
        executor = DaskExecutor(None, n_workers=2, threads_per_worker=1, processes=False)
    with executor:
        folded = run_points(sweep(), evaluate_synthetic, store=path, executor=executor,
                            progress=False)
    assert table(folded) == table(ref_folded)
    assert table(ResultStore(path).fold()) == table(ref_folded)
    # Rows are written as they finish; sorted, the files differ only in timing.
    assert sorted_rows_without_seconds(path) == sorted_rows_without_seconds(ref_path)


def test_duplicates_are_evaluated_once_and_the_largest_trials_wins(tmp_path):
    p = sweep()[0]
    counter = FailAfter(10**9)
    out = run_points([p, dataclasses.replace(p, trials=500), p], counter, store=tmp_path / "s.csv",
                     executor=SerialExecutor(), progress=False)
    assert [c[1:] for c in counter.calls] == [(0, 500)] and list(out) == [p.strong_id()]
    assert len(ResultStore(tmp_path / "s.csv").read()) == 1


def test_store_none_keeps_nothing(tmp_path):
    out = run_points(sweep()[:2], evaluate_synthetic, store=None, progress=False)
    assert len(out) == 2 and list(tmp_path.iterdir()) == []


def wrong_trials(point):
    return PointOutcome(successes=0, trials=point.trials + 1)


def not_an_outcome(point):
    return 3


def test_bad_outcomes_are_reported(tmp_path):
    with pytest.raises(ValueError, match=r"evaluate returned trials=301 for a point with trials=300"):
        run_points(sweep()[:1], wrong_trials, store=None, progress=False)
    with pytest.raises(ValueError, match="evaluate returned 3; it must return a PointOutcome"):
        run_points(sweep()[:1], not_an_outcome, store=None, progress=False)


def test_a_failed_run_leaves_no_new_file(tmp_path):
    with pytest.raises(ValueError, match="evaluate returned 3"):
        run_points(sweep()[:1], not_an_outcome, store=tmp_path / "s.csv", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_progress_bar_goes_to_stderr(capsys):
    run_points(sweep()[:3], evaluate_synthetic, store=None, progress=True)
    captured = capsys.readouterr()
    assert "points" in captured.err and "3/3" in captured.err
    assert captured.out == ""
    run_points(sweep()[:3], evaluate_synthetic, store=None, progress=False)
    assert capsys.readouterr().err == ""


WATCHED = {}


def wait_for_rows(point):
    """The slow point: returns only once the fast points' rows are on disk (or after 10 s)."""
    if point.copies == 100:
        path, wanted = WATCHED["path"], WATCHED["rows"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if len(ResultStore(path).read()) >= wanted:
                WATCHED["seen"] = True
                break
            time.sleep(0.01)
    return evaluate_synthetic(point)


def test_finished_points_reach_disk_while_a_slow_one_runs(tmp_path):
    points = [SweepPoint(task="synthetic", protocol="p", rule="r", n=2, copies=c, trials=50)
              for c in (100, *range(1, 9))]
    path = tmp_path / "s.csv"
    WATCHED.update(path=path, rows=8, seen=False)
    with DaskExecutor(None, n_workers=2, threads_per_worker=1, processes=False) as ex:
        run_points(points, wait_for_rows, store=path, executor=ex, progress=False)
    assert WATCHED["seen"]  # the 8 fast rows were durable before the slow point finished
    assert [r.copies for r in ResultStore(path).read()][-1] == 100
