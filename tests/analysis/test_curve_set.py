"""Curve sets: per-curve parameters, searches and fits against the synthetic closed form, bounds,
reload from the table alone, the figure, and config errors naming the key."""

import json

import pytest

from qmemlearn.analysis.curve_set import (
    CurveSetConfig, format_curve_table, load_curve_set, run_curve_set, save_curve_set_figure,
)
from qmemlearn.analysis.kinds import KINDS, kind_of_config
from qmemlearn.cli.experiments import EXPERIMENTS, project_root
from qmemlearn.tasks.synthetic import synthetic_n_star


def _raw(**overrides):
    raw = {
        "experiment": "curves-test", "kind": "curve-set", "task": "synthetic", "seed": 3, "noise": "ideal",
        "params": {"c0": 2.0}, "target": 0.9, "trials": 400, "rel_resolution": 0.125, "max_copies": 256,
        "modes": {"quick": {"curves": [
            {"label": "steep", "protocol": "single-copy", "rule": "decoy", "n_min": 1, "n_max": 7,
             "params": {"slope": 1.0}},
            {"label": "flat", "protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 4,
             "params": {"slope": 0.0}},
        ]}},
    }
    raw.update(overrides)
    return raw


def _write(tmp_path, raw):
    path = tmp_path / "curves.json"
    path.write_text(json.dumps(raw))
    return path


def test_curves_follow_the_closed_form_stop_at_max_copies_and_reload(tmp_path):
    config = CurveSetConfig.from_file(_write(tmp_path, _raw()), mode="quick")
    assert kind_of_config(tmp_path / "curves.json") is KINDS["curve-set"]
    assert [c.params["slope"] for c in config.curves] == [1.0, 0.0]
    results = tmp_path / "c.csv"
    result = run_curve_set(config, results_path=results, progress=False)
    steep = {s.curve.n: s for s in result.searches["steep"]}
    # c0 = 2, slope 1: N* = 2·2^n·ln 5 ≈ 3.2·2^n exceeds 256 copies at n = 7 only.
    assert result.bound_ns("steep") == [7] == [n for n in range(1, 8) if synthetic_n_star(n, c0=2.0, slope=1.0) > 256]
    for n, search in steep.items():
        if search.reached:
            exact = synthetic_n_star(n, c0=2.0, slope=1.0)
            assert 0.7 * exact < search.n_star < 1.45 * exact
    fit = result.fit("steep")
    assert fit.b_low < 1.0 < fit.b_high
    assert result.fit("flat").b_low <= 0.0 <= result.fit("flat").b_high  # all N* equal: b = 0 exactly
    text = format_curve_table(result)
    assert "steep: n=1:" in text and "n=7:>256" in text
    again = load_curve_set(config, results_path=results)
    assert again.summary()["curves"] == result.summary()["curves"]
    summary = again.summary()
    json.dumps(summary, allow_nan=False)
    assert summary["curves"]["steep"]["n_star"]["7"] == {"copies": None, "lower_bound": 256}
    written = save_curve_set_figure(again, tmp_path / "fig")
    assert [p.suffix for p in written] == [".png", ".pdf"] and all(p.stat().st_size > 0 for p in written)


def test_reload_without_the_table_or_with_a_missing_point_refuses(tmp_path):
    config = CurveSetConfig.from_file(_write(tmp_path, _raw()), mode="quick")
    with pytest.raises(FileNotFoundError, match="run `qmemlearn reproduce` first"):
        load_curve_set(config, results_path=tmp_path / "absent.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(RuntimeError, match=r"is not in the results table"):
        load_curve_set(config, results_path=tmp_path / "empty.csv")


@pytest.mark.parametrize("change, message", [
    ({"colour": 1}, r"unknown keys \['colour'\]"),
    ({"trials": 0}, r"key 'trials'=0 must be an int >= 1"),
    ({"noise": "fog"}, r"curves.json: .*fog"),
    ({"modes": {"quick": {"curves": []}}}, r"key 'modes.quick.curves' must be a non-empty list"),
    ({"modes": {"quick": {"curves": [{"label": "a", "protocol": "two-copy", "rule": "decoy", "n_min": 3,
                                      "n_max": 2}]}}}, r"key 'modes.quick.curves\[0\].n_max'=2 must be an int >= 3"),
    ({"modes": {"quick": {"curves": [{"label": "a", "protocol": "two-copy", "rule": "decoy", "n_min": 1,
                                      "n_max": 2, "params": {"slope": "x"}}]}}},
     r"key modes.quick.curves\[0\].params.slope='x' must be a number"),
    ({"modes": {"quick": {"curves": [{"label": "a", "protocol": "three-copy", "rule": "decoy", "n_min": 1,
                                      "n_max": 2}]}}}, r"curves\[0\]'.*protocol='three-copy' is unknown"),
    ({"modes": {"quick": {"curves": [{"label": "a", "protocol": "two-copy", "rule": "decoy", "n_min": 1,
                                      "n_max": 2}] * 2}}}, r"labels \['a', 'a'\] must be distinct"),
])
def test_bad_configs_name_the_key(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        CurveSetConfig.from_file(_write(tmp_path, _raw(**change)), mode="quick")
    with pytest.raises(ValueError, match=r"has no mode 'full'"):
        CurveSetConfig.from_file(_write(tmp_path, _raw()), mode="full")


def test_committed_qvm_config_has_four_decoy_curves_raw_and_mitigated():
    config_name, figure = EXPERIMENTS["qvm-willow-pink"]
    assert figure == "qvm_willow_pink"
    for mode in ("full", "quick"):
        config = CurveSetConfig.from_file(project_root() / "experiments" / config_name, mode=mode)
        assert config.noise == "google:willow_pink"
        kinds = {(c.protocol, bool(c.params.get("mitigate", False))) for c in config.curves}
        assert kinds == {(p, m) for p in ("single-copy", "two-copy") for m in (False, True)}
        assert all(c.rule == "decoy" for c in config.curves)
    two = [c for c in CurveSetConfig.from_file(project_root() / "experiments" / config_name).curves
           if c.protocol == "two-copy"]
    assert all(max(c.ns) == 49 for c in two)  # the most disjoint coupler pairs willow_pink hosts
