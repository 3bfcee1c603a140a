import pytest

from qmemlearn.analysis.engine import run_points
from qmemlearn.analysis.executors import DaskExecutor, LocalPoolExecutor, SerialExecutor
from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.analysis.store import ResultStore, Row
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
        self.calls.append(point.strong_id())
        if len(self.calls) > self.budget:
            raise KeyboardInterrupt("simulated kill")
        return evaluate_synthetic(point)


def table(folded):
    """Folded table without timing: what must not depend on how the sweep ran."""
    return {sid: (r.successes, r.trials, r.copies, r.n, r.protocol) for sid, r in folded.items()}


def strip_seconds(path):
    lines = path.read_text().splitlines()
    return [",".join(f for j, f in enumerate(line.split(",")) if j != 8) for line in lines]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref") / "stats.csv"
    folded = run_points(sweep(), evaluate_synthetic, store=path, progress=False)
    return path, folded


def test_run_points_writes_one_row_per_point_in_input_order(reference):
    path, folded = reference
    rows = ResultStore(path).read()
    assert [r.strong_id for r in rows] == [p.strong_id() for p in sweep()]
    assert table(folded) == table(ResultStore(path).fold())
    assert all(r.trials == 300 and r.seconds >= 0 for r in rows)
    # Successes follow the synthetic curve (sanity, not a precision test).
    by_copies = {r.copies: r.successes / r.trials for r in rows if r.n == 1}
    assert by_copies[16] > by_copies[2]


def test_rerunning_a_finished_sweep_leaves_the_file_byte_identical(reference, tmp_path):
    path, folded = reference
    before = path.read_bytes()
    never = FailAfter(0)
    again = run_points(sweep(), never, store=path, progress=False)
    assert never.calls == []
    assert path.read_bytes() == before
    assert table(again) == table(folded)


def test_killed_then_resumed_run_matches_uninterrupted(reference, tmp_path):
    ref_path, ref_folded = reference
    path = tmp_path / "stats.csv"
    killer = FailAfter(7)
    with pytest.raises(KeyboardInterrupt):
        run_points(sweep(), killer, store=path, progress=False)
    assert len(ResultStore(path).read()) == 7
    resumer = FailAfter(10**9)
    resumed = run_points(sweep(), resumer, store=path, progress=False)
    assert len(resumer.calls) == len(sweep()) - 7
    assert not set(resumer.calls) & set(killer.calls[:7])
    rows = ResultStore(path).read()
    assert sorted(r.strong_id for r in rows) == sorted(p.strong_id() for p in sweep())  # no dupes
    assert table(ResultStore(path).fold()) == table(ref_folded) == table(resumed)


@pytest.mark.parametrize("kind", ["pool2", "dask"])
def test_executors_give_identical_tables_and_files(reference, tmp_path, kind):
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
    # Rows are written in input order whatever the completion order: same file but timing.
    assert strip_seconds(path) == strip_seconds(ref_path)


def test_duplicates_are_evaluated_once_and_serial_executor_is_default(tmp_path):
    p = sweep()[0]
    counter = FailAfter(10**9)
    out = run_points([p, p, p], counter, store=tmp_path / "s.csv", executor=SerialExecutor(),
                     progress=False)
    assert len(counter.calls) == 1 and list(out) == [p.strong_id()]
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


def test_partial_stored_rows_are_refused(tmp_path):
    p = sweep()[0]
    store = ResultStore(tmp_path / "s.csv")
    store.append(Row.from_point(p, PointOutcome(successes=10, trials=100), seconds=0))
    with pytest.raises(ValueError, match=r"trials=100 < point.trials=300"):
        run_points([p], evaluate_synthetic, store=store, progress=False)


def test_progress_bar_goes_to_stderr(capsys):
    run_points(sweep()[:3], evaluate_synthetic, store=None, progress=True)
    captured = capsys.readouterr()
    assert "points" in captured.err and "3/3" in captured.err
    assert captured.out == ""
    run_points(sweep()[:3], evaluate_synthetic, store=None, progress=False)
    assert capsys.readouterr().err == ""


def test_file_order_is_input_order_even_when_completion_order_is_not(tmp_path):
    slow = {"c0": 1.5, "slope": 0.8, "sleep_per_copy": 0.004}  # first point sleeps 0.4 s
    points = [SweepPoint(task="synthetic", protocol="p", rule="r", n=2, copies=100, trials=50,
                         json_metadata=slow)]
    points += [SweepPoint(task="synthetic", protocol="p", rule="r", n=2, copies=c, trials=50)
               for c in range(1, 9)]
    path = tmp_path / "s.csv"
    with DaskExecutor(None, n_workers=2, threads_per_worker=1, processes=False) as ex:
        run_points(points, evaluate_synthetic, store=path, executor=ex, progress=False)
    assert [r.copies for r in ResultStore(path).read()] == [100, *range(1, 9)]
    assert ResultStore(path).read()[0].seconds >= 0.3
