"""The accuracy-vs-noise kind: config checks, run, resume, determinism, derived points."""

import json

import pytest

from qmemlearn.analysis.accuracy_vs_noise import (
    AccuracyVsNoiseConfig, AccuracyVsNoiseResult, format_accuracy_table, load_accuracy_vs_noise,
    random_split_accuracy, run_accuracy_vs_noise,
)
from qmemlearn.analysis.executors import LocalPoolExecutor
from qmemlearn.analysis.kinds import kind_of_config
from qmemlearn.analysis.rows import Row
from qmemlearn.analysis.store import ResultStore
from qmemlearn.cli.experiments import EXPERIMENTS, experiment_paths

STAND_IN_DEVICE = "depolarizing:p1=0.002,p2=0.02"  # stands in for google:willow_pink


def tiny(**overrides):
    raw = {
        "experiment": "tiny-noise", "kind": "accuracy-vs-noise", "task": "dynamics", "seed": 5,
        "params": {"depth": 2, "circuits_per_class": 2, "backend": "trajectories"},
        "queries": 4, "trials": 2, "protocols": ["single-copy", "two-copy"], "rules": ["statistic"],
        "baseline": {"x": 0, "noise": "ideal", "params": {"backend": "auto"}},
        "modes": {"quick": {"n": [2], "families": [
            {"name": "gate depolarizing", "x_label": "p2", "rows": [
                {"x": 0.01, "noise": "depolarizing:p1=0.001,p2=0.01"},
                {"x": 0.3, "noise": "depolarizing:p1=0.03,p2=0.3"}]},
            {"name": "device", "x_label": "calibrated device", "axis": "category", "rows": [
                {"x": 0, "noise": STAND_IN_DEVICE, "label": "stand-in"}]},
        ]}},
    }
    raw.update(overrides)
    return raw


def write(tmp_path, raw, name="cfg.json"):
    path = tmp_path / name
    path.write_text(json.dumps(raw))
    return path


def load(tmp_path, raw=None):
    return AccuracyVsNoiseConfig.from_file(write(tmp_path, raw or tiny()), mode="quick")


def test_the_committed_config_loads_in_both_modes_and_is_registered():
    for mode in ("full", "quick"):
        config = AccuracyVsNoiseConfig.from_file("experiments/dynamics_noise.json", mode=mode)
        assert config.queries == 16 and config.protocols == ("single-copy", "two-copy")
    assert EXPERIMENTS["dynamics-noise"] == ("dynamics_noise.json", "dynamics_accuracy_vs_noise")
    paths = experiment_paths("dynamics-noise", quick=False)
    assert kind_of_config(paths.config).name == "accuracy-vs-noise"


def _family(raw, k=0):
    return raw["modes"]["quick"]["families"][k]


@pytest.mark.parametrize("change,message", [
    (lambda r: r.pop("queries"), r"cfg.json: key '\(top level\)' is missing \['queries'\]"),
    (lambda r: r.update(queries=0), r"cfg.json: key 'queries'=0 must be an int >= 1"),
    (lambda r: r.update(rules=["decoy"]), r"cfg.json: key 'rules'=\['decoy'\] must be a non-empty list"),
    (lambda r: r.update(colour=1), r"cfg.json: key '\(top level\)' has unknown keys \['colour'\]"),
    (lambda r: _family(r)["rows"][0].update(noise="depolarizing:p3=0.1"), r"families\[0\].rows\[0\].noise'.*p3"),
    (lambda r: _family(r)["rows"][0].update(x=0), r"families\[0\].rows\[0\].x'=0.0 must be > 0 on a log axis"),
    (lambda r: _family(r, 1)["rows"][0].pop("label"), r"families\[1\].rows\[0\] needs a 'label'"),
    (lambda r: _family(r).update(axis="linear"), r"families\[0\].axis'='linear' must be one of"),
    (lambda r: r["baseline"].update(noise="depolarizing:p2=0.1"), r"key 'baseline.noise'.*must be 'ideal'"),
    (lambda r: r.update(queries=3), r"cfg.json: point .*copies=3 must be a multiple of 2"),
    (lambda r: r["params"].update(backend="gpu"), r"cfg.json: point .*backend"),
])
def test_bad_values_name_the_file_and_key(tmp_path, change, message):
    raw = tiny()
    change(raw)
    with pytest.raises(ValueError, match=message):
        load(tmp_path, raw)


def test_missing_mode_and_missing_table(tmp_path):
    with pytest.raises(ValueError, match=r"cfg.json: key 'modes' has no mode 'full'"):
        AccuracyVsNoiseConfig.from_file(write(tmp_path, tiny()), mode="full")
    with pytest.raises(FileNotFoundError, match="run `qmemlearn reproduce` first"):
        load_accuracy_vs_noise(load(tmp_path), results_path=tmp_path / "none.csv")


def test_random_split_accuracy_closed_form():
    assert random_split_accuracy(1) == pytest.approx(1.0)
    assert random_split_accuracy(2) == pytest.approx(2 / 3)  # k = 0, 1, 2 with 1/6, 4/6, 1/6


@pytest.mark.slow
def test_run_resumes_without_resampling_and_workers_do_not_change_results(tmp_path):
    config = load(tmp_path)
    serial = tmp_path / "serial.csv"
    first = run_accuracy_vs_noise(config, results_path=serial, progress=False)
    assert len(first.rows) == 4 * 2  # (baseline + 3 rows) x 2 protocols, at one n and one rule
    before = serial.read_bytes()
    again = run_accuracy_vs_noise(config, results_path=serial, progress=False)
    assert serial.read_bytes() == before
    assert {k: r.successes for k, r in again.rows.items()} == {k: r.successes for k, r in first.rows.items()}
    with LocalPoolExecutor(2) as pool:
        run_accuracy_vs_noise(config, results_path=tmp_path / "pool.csv", executor=pool, progress=False)
    fold = lambda p: {sid: (r.successes, r.trials) for sid, r in ResultStore(p).fold().items()}  # noqa: E731
    assert fold(serial) == fold(tmp_path / "pool.csv")
    loaded = load_accuracy_vs_noise(config, results_path=serial)
    summary = json.loads(json.dumps(loaded.summary(), allow_nan=False))
    assert summary["queries_per_circuit"] == 4
    assert "stand-in" in format_accuracy_table(loaded)


def _result_with(tmp_path, accuracies):
    """A result (200 trials per point) with the given mean accuracies per (family, x, protocol)."""
    config = load(tmp_path, tiny(trials=200))
    rows = {}
    for key, point in config.keyed_points():
        rows[key] = Row.from_point(point, _outcome(accuracies.get(key[:2] + key[3:4], 1.0), point.trials),
                                   seconds=0.0, versions={})
    return AccuracyVsNoiseResult(config=config, rows=rows, seconds=0.0)


def _outcome(mean, trials):
    from qmemlearn.analysis.points import PointOutcome

    return PointOutcome(successes=mean * trials, trials=trials)


def test_collapse_and_advantage_points_follow_growing_noise(tmp_path):
    dep = "gate depolarizing"
    result = _result_with(tmp_path, {(dep, 0.01, "single-copy"): 0.5, (dep, 0.3, "single-copy"): 0.5,
                                     (dep, 0.01, "two-copy"): 1.0, (dep, 0.3, "two-copy"): 0.5})
    family = result.config.families[0]
    assert result.collapse(family, 2, "single-copy", "statistic") == 0.01
    assert result.collapse(family, 2, "two-copy", "statistic") == 0.3
    assert result.advantage_gone(family, 2, "statistic") == 0.3
