import contextlib
import math

import pytest

from qmemlearn.analysis.executors import DaskExecutor, LocalPoolExecutor
from qmemlearn.analysis.fit import fit_exponential
from qmemlearn.analysis.points import PointOutcome
from qmemlearn.analysis.search import (
    SampleComplexitySearch, SearchCurve, copies_per_shot, run_searches,
)
from qmemlearn.analysis.store import ResultStore
from qmemlearn.tasks.synthetic import (
    evaluate_synthetic, synthetic_n_star, synthetic_success_probability,
)

META = {"c0": 1.5, "slope": 0.8}


def curves(trials=1000, ns=(1, 2, 3, 4, 5), seed=0, meta=META):
    return [
        SearchCurve(task="synthetic", protocol=protocol, rule="decoy", n=n, trials=trials,
                    seed=seed, json_metadata=meta)
        for protocol in ("single-copy", "two-copy")
        for n in ns
    ]


def exact_synthetic(point):
    """Noise-free evaluation: successes = p(copies) * trials exactly."""
    p = synthetic_success_probability(point.n, point.copies, **point.json_metadata)
    return PointOutcome(successes=p * point.trials, trials=point.trials)


class FailAfter:
    def __init__(self, budget):
        self.budget, self.calls = budget, []

    def __call__(self, point):
        self.calls.append(point.strong_id())
        if len(self.calls) > self.budget:
            raise RuntimeError("simulated kill")
        return evaluate_synthetic(point)


def run_machine(search, passes):
    while (copies := search.propose()) is not None:
        search.observe(copies, 10 if passes(copies) else 0, 10)
    return search.result()


@pytest.mark.parametrize("step", [1, 2, 3])
def test_exact_adjacency_finds_every_threshold(step):
    for threshold in range(1, 300):
        s = SampleComplexitySearch(max_copies=1000, step=step, rel_resolution=None)
        result = run_machine(s, lambda c: c >= threshold)
        expected = step * math.ceil(threshold / step)
        assert result.n_star == expected, threshold
        assert result.lower == (expected - step if expected > step else None)
        assert all(e.copies % step == 0 for e in result.evaluations)
        assert len(result.evaluations) <= 2 * math.log2(expected / step + 1) + 2
        assert len({e.copies for e in result.evaluations}) == len(result.evaluations)


def test_relative_resolution_brackets_the_threshold():
    for threshold in range(1, 2000, 7):
        s = SampleComplexitySearch(max_copies=10**6, rel_resolution=0.125)
        r = run_machine(s, lambda c: c >= threshold)
        assert r.lower is None or r.lower < threshold <= r.n_star
        assert r.n_star - (r.lower or 0) <= max(1, 0.125 * r.n_star) or r.lower is None


def test_cap_start_and_validation():
    r = run_machine(SampleComplexitySearch(max_copies=101, step=2), lambda c: False)
    assert r.n_star is None and not r.reached and r.lower == 100
    assert [e.copies for e in r.evaluations] == [2, 4, 8, 16, 32, 64, 100]
    r = run_machine(SampleComplexitySearch(max_copies=100, start=8, step=2), lambda c: True)
    assert (r.n_star, r.lower, [e.copies for e in r.evaluations]) == (8, None, [8])
    s = SampleComplexitySearch(max_copies=100)
    assert s.propose() == s.propose() == 1
    with pytest.raises(ValueError, match=r"observe\(copies=2\) does not match the proposal 1"):
        s.observe(2, 1, 1)
    with pytest.raises(ValueError, match="start=3 must be a positive multiple of step=2"):
        SampleComplexitySearch(max_copies=100, step=2, start=3)
    with pytest.raises(ValueError, match="max_copies=4 must be an int >= start=8"):
        SampleComplexitySearch(max_copies=4, start=8)
    with pytest.raises(ValueError, match=r"target=1.5 must be in \(0, 1\]"):
        SampleComplexitySearch(max_copies=4, target=1.5)
    with pytest.raises(ValueError, match=r"rel_resolution=1.0 must be in \[0, 1\)"):
        SampleComplexitySearch(max_copies=4, rel_resolution=1)
    assert copies_per_shot("two-copy") == 2 and copies_per_shot("single-copy") == 1
    assert SearchCurve(task="t", protocol="two-copy", rule="r", n=1, trials=1).step == 2
    with pytest.raises(ValueError, match="n=0 must be an int >= 1"):
        SearchCurve(task="t", protocol="p", rule="r", n=0, trials=1)


@pytest.mark.parametrize("rel_resolution", [None, 0.125])
def test_search_recovers_closed_form_on_exact_curve(rel_resolution):
    results = run_searches(curves(ns=range(1, 9)), exact_synthetic, store=None,
                           rel_resolution=rel_resolution, progress=False)
    for r in results:
        c = r.curve
        truth = synthetic_n_star(c.n, 0.9, **META, step=c.step)
        if rel_resolution is None:
            assert r.n_star == truth
        else:
            assert truth <= r.n_star <= truth / (1 - rel_resolution) + c.step


def test_search_recovers_closed_form_with_sampling_noise():
    results = run_searches(curves(trials=4000, ns=range(1, 8)), evaluate_synthetic,
                           store=None, rel_resolution=None, progress=False)
    for r in results:
        truth = synthetic_n_star(r.curve.n, 0.9, **META, step=r.curve.step)
        # rate sd ~ 0.005 at 4000 trials moves the crossing by ~3% of N*
        assert abs(r.n_star - truth) <= 0.06 * truth + r.curve.step, (r.curve, r.n_star, truth)
        low, high = r.n_star_interval()
        assert low < truth <= high


def test_fit_on_searched_n_star_recovers_slope():
    meta = {"c0": 40.0, "slope": 0.8}  # large N*, so grid rounding is negligible
    results = run_searches(curves(trials=4000, ns=range(1, 7), meta=meta)[:6],
                           evaluate_synthetic, store=None, rel_resolution=None, progress=False)
    fit = fit_exponential([r.curve.n for r in results], [r.n_star for r in results])
    assert fit.b_low < 0.8 < fit.b_high and abs(fit.b - 0.8) < 0.05


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref") / "stats.csv"
    return path, run_searches(curves(), evaluate_synthetic, store=path, progress=False)


def summary(results):
    return [(r.n_star, r.lower, r.evaluations) for r in results]


def table(path):
    return {sid: (r.successes, r.trials) for sid, r in ResultStore(path).fold().items()}


def sorted_rows_without_seconds(path):
    lines = path.read_text().splitlines()
    drop = lines[0].split(",").index("seconds")
    return sorted([f for j, f in enumerate(line.split(",")) if j != drop] for line in lines)


def test_reference_file_has_each_point_once(reference):
    path, results = reference
    rows = ResultStore(path).read()
    assert len(rows) == sum(len(r.evaluations) for r in results)
    assert len({r.strong_id for r in rows}) == len(rows)
    assert all(r.batch_index == 0 and r.trials == 1000 for r in rows)
    assert all(r.reached for r in results)


def test_rerunning_finished_search_is_byte_identical(reference):
    path, results = reference
    before = path.read_bytes()
    never = FailAfter(0)
    assert summary(run_searches(curves(), never, store=path, progress=False)) == summary(results)
    assert never.calls == [] and path.read_bytes() == before


@pytest.mark.parametrize("budget", range(0, 11))
def test_search_killed_after_every_row_count_resumes_to_the_same_result(tmp_path, budget):
    few = curves(trials=300, ns=(1,))
    ref_results = run_searches(few, evaluate_synthetic, store=tmp_path / "ref.csv",
                               progress=False)
    total = len(ResultStore(tmp_path / "ref.csv").read())
    assert total == 10  # the budgets above cover every kill point
    path = tmp_path / "stats.csv"
    killer = FailAfter(budget)
    with pytest.raises(RuntimeError, match="simulated kill") if budget < total else contextlib.nullcontext():
        run_searches(few, killer, store=path, progress=False)
    assert len(ResultStore(path).read()) == budget
    resumer = FailAfter(10**9)
    resumed = run_searches(few, resumer, store=path, progress=False)
    assert len(resumer.calls) == total - budget and not set(resumer.calls) & set(killer.calls[:budget])
    assert summary(resumed) == summary(ref_results)
    assert table(path) == table(tmp_path / "ref.csv")
    assert all(r.batches == (0,) for r in ResultStore(path).fold().values())  # each counted once


@pytest.mark.parametrize("budget", [5, 23])
def test_killed_then_resumed_search_matches_uninterrupted(reference, tmp_path, budget):
    ref_path, ref_results = reference
    path = tmp_path / "stats.csv"
    killer = FailAfter(budget)
    with pytest.raises(RuntimeError, match="simulated kill"):
        run_searches(curves(), killer, store=path, progress=False)
    assert len(ResultStore(path).read()) == budget
    resumer = FailAfter(10**9)
    resumed = run_searches(curves(), resumer, store=path, progress=False)
    assert not set(resumer.calls) & set(killer.calls[:budget])  # nothing evaluated twice
    assert len(resumer.calls) + budget == len(ResultStore(path).read())
    assert summary(resumed) == summary(ref_results)
    assert table(path) == table(ref_path)


@pytest.mark.parametrize("kind", ["pool2", "dask"])
def test_executors_give_identical_searches(reference, tmp_path, kind):
    ref_path, ref_results = reference
    path = tmp_path / "stats.csv"
    if kind == "pool2":
        executor = LocalPoolExecutor(max_workers=2)
    else:
        executor = DaskExecutor(None, n_workers=2, threads_per_worker=1, processes=False)
    with executor:
        results = run_searches(curves(), evaluate_synthetic, store=path, executor=executor,
                               progress=False)
    assert summary(results) == summary(ref_results)
    assert table(path) == table(ref_path)
    assert sorted_rows_without_seconds(path) == sorted_rows_without_seconds(ref_path)


def test_identical_curves_share_points(tmp_path):
    counter = FailAfter(10**9)
    c = curves()[0]
    a, b = run_searches([c, c], counter, store=tmp_path / "s.csv", progress=False)
    assert summary([a]) == summary([b])
    assert len(counter.calls) == len(set(counter.calls)) == len(a.evaluations)
    assert len(ResultStore(tmp_path / "s.csv").read()) == len(a.evaluations)


def test_progress_bar_goes_to_stderr(capsys):
    run_searches(curves()[:2], evaluate_synthetic, store=None, progress=True)
    captured = capsys.readouterr()
    assert "search points" in captured.err and captured.out == ""


def test_results_are_the_same_when_one_curve_is_slow(tmp_path):
    slow = dict(META, sleep_per_copy=0.01)
    mixed = [curves(trials=200, ns=(3,), meta=slow)[0], *curves(trials=200, ns=(1, 2, 3, 4))]
    serial_path, dask_path = tmp_path / "serial.csv", tmp_path / "dask.csv"
    serial = run_searches(mixed, evaluate_synthetic, store=serial_path, progress=False)
    with DaskExecutor(None, n_workers=2, threads_per_worker=1, processes=False) as ex:
        parallel = run_searches(mixed, evaluate_synthetic, store=dask_path, executor=ex,
                                progress=False)
    assert summary(parallel) == summary(serial)
    assert table(dask_path) == table(serial_path)
    assert sorted_rows_without_seconds(dask_path) == sorted_rows_without_seconds(serial_path)


def test_more_trials_deepen_stored_points_with_new_batches(tmp_path):
    path = tmp_path / "s.csv"
    shallow = run_searches(curves(trials=300, ns=(2,)), evaluate_synthetic, store=path,
                           progress=False)
    counter = FailAfter(10**9)
    deep = run_searches(curves(trials=800, ns=(2,)), counter, store=path, progress=False)
    folded = ResultStore(path).fold()
    shared = {e.copies for r in shallow for e in r.evaluations} & {
        e.copies for r in deep for e in r.evaluations}
    assert shared  # the deeper search revisits points and tops them up
    for r in deep:
        for e in r.evaluations:
            row = folded[r.curve.point(e.copies).strong_id()]
            assert (e.trials, e.successes) == (row.trials, row.successes) and row.trials >= 800
    topped = [row for row in folded.values() if row.batches == (0, 1)]
    assert topped and all(row.trials == 800 for row in topped)
    assert len(counter.calls) == len(ResultStore(path).read()) - sum(
        len(r.evaluations) for r in shallow)
