"""Tests for config-driven experiments (qmemlearn.analysis.experiment) on the real task
``pauli-learning``, with a tiny config: executors agree, runs resume, reruns are no-ops, and
``load_experiment`` rebuilds every number from the results table alone."""

from __future__ import annotations

import json
import math
import pathlib
import shutil

import pytest

from qmemlearn.analysis import stored_results
from qmemlearn.analysis.executors import DaskExecutor, LocalPoolExecutor, SerialExecutor
from qmemlearn.analysis.experiment import (
    ExperimentConfig, ExperimentResult, confirmation_points, format_table, load_experiment,
    run_experiment,
)
from qmemlearn.analysis.store import ResultStore
from qmemlearn.tasks.pauli_learning import evaluate_pauli_learning

TINY = {
    "experiment": "pauli-learning",
    "description": "tiny test config",
    "task": "pauli-learning",
    "seed": 11,
    "params": {"alpha": 0.9, "backend": "fast"},
    "noise": "ideal",
    "target": 0.8,
    "trials": 30,
    "rel_resolution": 0.25,
    "max_copies": 4096,
    "modes": {
        "full": {
            "curves": [
                {"protocol": "single-copy", "rule": "decoy", "n_min": 1, "n_max": 2},
                {"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 2},
                {"protocol": "two-copy", "rule": "identify", "n_min": 1, "n_max": 2},
            ],
            "success_curve": {"n": 2, "copies": [2, 4, 8, 16]},
        },
        "quick": {
            "curves": [{"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 1}],
            "success_curve": {"n": 1, "copies": [4, 8]},
        },
    },
}


def write_config(directory: pathlib.Path, name: str = "tiny.json", **changes) -> pathlib.Path:
    path = directory / name
    path.write_text(json.dumps({**TINY, **changes}))
    return path


def folded(path) -> dict[str, tuple[float, int, int]]:
    return {sid: (row.successes, row.trials, row.copies) for sid, row in ResultStore(path).fold().items()}


def rows_without_seconds(path) -> list[list[str]]:
    """The file's rows without `seconds`, sorted: rows are written in completion order."""
    lines = pathlib.Path(path).read_text().splitlines()
    header = lines[0].split(",")
    drop = header.index("seconds")
    return sorted([f for i, f in enumerate(line.split(",")) if i != drop] for line in lines)


def search_summary(result: ExperimentResult):
    return [(s.curve.protocol, s.curve.rule, s.curve.n, s.n_star, s.lower, s.evaluations) for s in result.searches]


def row_values(row):
    return (row.strong_id, row.protocol, row.rule, row.n, row.copies, row.successes, row.trials)


class CountingEvaluator:
    """Wraps the real evaluator (for the serial executor): counts calls, optionally fails."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.calls = 0
        self.fail_after = fail_after

    def __call__(self, point):
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise KeyboardInterrupt("simulated kill")
        self.calls += 1
        return evaluate_pauli_learning(point)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """One uninterrupted serial run of the tiny config."""
    directory = tmp_path_factory.mktemp("baseline")
    config = ExperimentConfig.from_file(write_config(directory))
    result = run_experiment(config, results_path=directory / "serial.csv", progress=False)
    return config, result, directory / "serial.csv"


def test_config_reads_and_expands(tmp_path):
    config = ExperimentConfig.from_file(write_config(tmp_path))
    assert (config.mode, config.target, config.trials, config.max_copies) == ("full", 0.8, 30, 4096)
    assert config.task_metadata == {"alpha": 0.9, "backend": "fast", "memory_wait": 0}
    curves = config.search_curves()
    assert [(c.protocol, c.rule, c.n, c.step, c.start) for c in curves] == [
        ("single-copy", "decoy", 1, 1, 2), ("single-copy", "decoy", 2, 1, 2),
        ("two-copy", "decoy", 1, 2, 4), ("two-copy", "decoy", 2, 2, 4),
        ("two-copy", "identify", 1, 2, 4), ("two-copy", "identify", 2, 2, 4),
    ]
    # Success points: two-copy skips copies 2 (< 2 shots).
    points = config.success_points()
    assert [(p.protocol, p.rule, p.copies) for p in points] == [
        ("single-copy", "decoy", 2), ("single-copy", "decoy", 4), ("single-copy", "decoy", 8),
        ("single-copy", "decoy", 16), ("two-copy", "decoy", 4), ("two-copy", "decoy", 8),
        ("two-copy", "decoy", 16), ("two-copy", "identify", 4), ("two-copy", "identify", 8),
        ("two-copy", "identify", 16),
    ]
    assert all(p.n == 2 and p.trials == 30 and p.seed == 11 for p in points)
    quick = ExperimentConfig.from_file(tmp_path / "tiny.json", mode="quick")
    assert [(c.protocol, c.n) for c in quick.search_curves()] == [("two-copy", 1)]


def test_config_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        ExperimentConfig.from_file(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="mode='fast' must be one of"):
        ExperimentConfig.from_file(write_config(tmp_path), mode="fast")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json: not valid JSON"):
        ExperimentConfig.from_file(bad)
    raw = dict(TINY)
    del raw["target"]
    bad.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match=r"missing keys \['target'\]"):
        ExperimentConfig.from_file(bad)
    bad.write_text(json.dumps({**TINY, "modes": {"full": {"curves": [{"protocol": "two-copy", "rule": "decoy"}]}}}))
    with pytest.raises(ValueError, match=r"key 'modes.full.curves\[0\]' is missing keys \['n_min', 'n_max'\]"):
        ExperimentConfig.from_file(bad)
    bad.write_text(json.dumps({**TINY, "modes": {"full": TINY["modes"]["full"]}}))
    with pytest.raises(ValueError, match="has no mode 'quick'"):
        ExperimentConfig.from_file(bad, mode="quick")


def test_baseline_result_is_consistent(baseline):
    config, result, csv = baseline
    assert len(result.searches) == 6 and all(s.reached for s in result.searches)
    for s in result.searches:
        passing = [e for e in s.evaluations if e.copies == s.n_star]
        assert passing and passing[0].successes / passing[0].trials >= config.target
        assert s.n_star % s.curve.step == 0
        assert all(e.trials == 30 for e in s.evaluations)
        low, high = result.n_star_interval(s)
        assert low <= s.n_star or math.isinf(high)
    # Every reached search gets a confirmation point at 2 N*, and it is stored.
    confirm = confirmation_points(result.searches)
    assert [(p.protocol, p.rule, p.n, p.copies) for p in confirm] == [
        (s.curve.protocol, s.curve.rule, s.curve.n, 2 * s.n_star) for s in result.searches
    ]
    assert set(result.confirmation_rows) == {(s.curve.protocol, s.curve.rule, s.curve.n) for s in result.searches}
    assert [(r.protocol, r.rule, r.copies) for r in result.success_rows] == [
        (p.protocol, p.rule, p.copies) for p in config.success_points()
    ]
    table = folded(csv)
    wanted = {p.strong_id() for p in confirm + config.success_points()}
    wanted |= {s.curve.point(e.copies).strong_id() for s in result.searches for e in s.evaluations}
    assert set(table) == wanted
    assert all(trials == 30 for _, trials, _ in table.values())
    # Two-copy decoy is far cheaper than single-copy decoy at n = 2 (the separation).
    by_key = {(s.curve.protocol, s.curve.rule, s.curve.n): s.n_star for s in result.searches}
    assert by_key[("two-copy", "decoy", 2)] < by_key[("single-copy", "decoy", 2)]
    text = format_table(result)
    assert "N* = fewest copies of ρ with success >= 0.8 (30 trials per point" in text
    assert f"n=2:{by_key[('single-copy', 'decoy', 2)]}" in text


def test_summary_is_json_and_states_the_unit(baseline):
    config, result, _ = baseline
    summary = result.summary()
    again = json.loads(json.dumps(summary))
    assert again["unit"] == "copies of ρ consumed (a two-copy shot costs 2)"
    assert (again["target"], again["trials_per_point"], again["seed"]) == (0.8, 30, 11)
    assert set(again["curves"]) == {"single-copy/decoy", "two-copy/decoy", "two-copy/identify"}
    for (protocol, rule), searches in result.curve_groups().items():
        entry = again["curves"][f"{protocol}/{rule}"]
        assert {int(n): v["copies"] for n, v in entry["n_star"].items()} == {
            s.curve.n: s.n_star for s in searches
        }
        fit = result.fits()[(protocol, rule)]
        assert entry["fit_log2"]["b"] == pytest.approx(fit.b)
        assert fit.b == pytest.approx(math.log2(searches[1].n_star / searches[0].n_star))
    assert again["versions"]["qmemlearn"]


def test_summary_is_strict_json(baseline):
    _, result, _ = baseline
    json.dumps(result.summary(), allow_nan=False)


def test_serial_and_pool_executors_agree(baseline, tmp_path):
    config, result, serial_csv = baseline
    with LocalPoolExecutor(max_workers=2) as executor:
        pooled = run_experiment(config, results_path=tmp_path / "pool.csv", executor=executor, progress=False)
    assert folded(tmp_path / "pool.csv") == folded(serial_csv)
    assert search_summary(pooled) == search_summary(result)
    assert pooled.fits() == result.fits()
    # Rows are written as they finish; sorted, the files differ only in `seconds`.
    assert rows_without_seconds(tmp_path / "pool.csv") == rows_without_seconds(serial_csv)


@pytest.mark.parametrize("processes", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_dask_executor_agrees(baseline, tmp_path, processes):
    """A LocalCluster with 2 workers of 1 thread each: in-process workers (threads, fast, and
    a check that concurrent evaluations in one process do not interfere) and, marked slow,
    worker processes."""
    pytest.importorskip("distributed")
    config, result, serial_csv = baseline
    with DaskExecutor(None, n_workers=2, threads_per_worker=1, processes=processes) as executor:
        dasked = run_experiment(config, results_path=tmp_path / "dask.csv", executor=executor, progress=False)
    assert folded(tmp_path / "dask.csv") == folded(serial_csv)
    assert search_summary(dasked) == search_summary(result)
    assert dasked.fits() == result.fits()
    assert rows_without_seconds(tmp_path / "dask.csv") == rows_without_seconds(serial_csv)


@pytest.mark.parametrize("when", ["first search round", "late in the searches", "in the point phase"])
def test_interrupted_run_resumes_to_the_same_table(baseline, tmp_path, monkeypatch, when):
    config, result, serial_csv = baseline
    total = len(folded(serial_csv))
    in_searches = len({(s.curve.point(e.copies)) for s in result.searches for e in s.evaluations})
    assert 3 < in_searches < total - 2
    fail_after = {"first search round": 3, "late in the searches": in_searches - 2,
                  "in the point phase": in_searches + 2}[when]
    csv = tmp_path / "resumed.csv"
    killer = CountingEvaluator(fail_after=fail_after)
    monkeypatch.setattr(stored_results, "task_evaluator", lambda name: killer)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(config, results_path=csv, progress=False)
    assert killer.calls == fail_after
    partial = folded(csv)
    assert len(partial) == fail_after  # every finished point was written before the error
    assert all(folded(serial_csv)[sid] == value for sid, value in partial.items())
    counter = CountingEvaluator()
    monkeypatch.setattr(stored_results, "task_evaluator", lambda name: counter)
    resumed = run_experiment(config, results_path=csv, progress=False)
    assert counter.calls == total - fail_after  # nothing is evaluated twice
    assert folded(csv) == folded(serial_csv)
    assert search_summary(resumed) == search_summary(result)
    assert resumed.fits() == result.fits()
    assert [row_values(r) for r in resumed.success_rows] == [row_values(r) for r in result.success_rows]


def test_rerun_of_a_finished_experiment_changes_nothing(baseline, tmp_path, monkeypatch):
    config, result, serial_csv = baseline
    csv = tmp_path / "again.csv"
    shutil.copy(serial_csv, csv)
    before = csv.read_bytes()
    counter = CountingEvaluator()
    monkeypatch.setattr(stored_results, "task_evaluator", lambda name: counter)
    again = run_experiment(config, results_path=csv, progress=False)
    assert counter.calls == 0
    assert csv.read_bytes() == before
    assert search_summary(again) == search_summary(result)


def test_a_curve_prefix_then_the_full_config_gives_the_same_table(baseline, tmp_path):
    config, result, serial_csv = baseline
    first = dict(TINY["modes"]["full"], curves=TINY["modes"]["full"]["curves"][:1])
    small = ExperimentConfig.from_file(write_config(tmp_path, "small.json", modes={"full": first}))
    csv = tmp_path / "grown.csv"
    run_experiment(small, results_path=csv, progress=False)
    assert set(folded(csv)) < set(folded(serial_csv))
    grown = run_experiment(config, results_path=csv, progress=False)
    assert folded(csv) == folded(serial_csv)
    assert search_summary(grown) == search_summary(result)


def test_load_experiment_rebuilds_without_evaluating(baseline, tmp_path, monkeypatch):
    config, result, serial_csv = baseline
    csv = tmp_path / "copy.csv"
    shutil.copy(serial_csv, csv)
    before = csv.read_bytes()

    def forbidden(point):
        raise AssertionError("load_experiment must not sample")

    monkeypatch.setattr("qmemlearn.tasks.pauli_learning.evaluate_pauli_learning", forbidden)
    loaded = load_experiment(config, results_path=csv)
    assert search_summary(loaded) == search_summary(result)
    assert loaded.fits() == result.fits()
    assert [row_values(r) for r in loaded.success_rows] == [row_values(r) for r in result.success_rows]
    assert {k: row_values(r) for k, r in loaded.confirmation_rows.items()} == {
        k: row_values(r) for k, r in result.confirmation_rows.items()
    }
    assert [result.n_star_interval(s) for s in result.searches] == [
        loaded.n_star_interval(s) for s in loaded.searches
    ]
    a, b = loaded.summary(), result.summary()
    assert loaded.seconds == pytest.approx(sum(r.seconds for r in ResultStore(csv).fold().values()))
    del a["seconds"], b["seconds"]
    assert a == b
    assert format_table(loaded) == format_table(result)
    assert csv.read_bytes() == before


def test_load_experiment_refuses_missing_points(baseline, tmp_path):
    config, _, serial_csv = baseline
    with pytest.raises(FileNotFoundError, match="run `qmemlearn reproduce` first"):
        load_experiment(config, results_path=tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(RuntimeError, match="is not in the results table; run `qmemlearn reproduce` first"):
        load_experiment(config, results_path=empty)
    assert empty.read_text() == ""
    lines = serial_csv.read_text().splitlines(keepends=True)
    for keep in (1, 5, len(lines) - 1):  # header only; a few rows; all but the last row
        partial = tmp_path / f"partial{keep}.csv"
        partial.write_text("".join(lines[:keep]))
        before = partial.read_bytes()
        with pytest.raises(RuntimeError, match="not in the results table"):
            load_experiment(config, results_path=partial)
        assert partial.read_bytes() == before
