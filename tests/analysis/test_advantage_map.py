"""The advantage map: config validation, cell searches, ratios, bounds and the boundary."""

import json
import math

import numpy as np
import pytest

from qmemlearn.analysis.advantage_map import (
    AdvantageMapConfig, format_map_table, load_advantage_map, run_advantage_map, save_advantage_map_figure,
)
from qmemlearn.tasks.synthetic import synthetic_n_star


def _config(tmp_path, **overrides):
    raw = {
        "experiment": "map-test", "kind": "advantage-map", "task": "synthetic", "seed": 3,
        "params": {"c0": 2.0}, "target": 0.9, "trials": 400, "rel_resolution": 0.125, "max_copies": 4096,
        "modes": {"quick": {"panels": [{
            "name": "slopes", "y_label": "two-copy slope", "rule": "decoy", "n": [1, 2, 3],
            "rows": [
                {"y": 0.0, "noise": "ideal", "params": {"single-copy": {"slope": 1.0}, "two-copy": {"slope": 0.0}}},
                {"y": 2.0, "noise": "ideal", "params": {"single-copy": {"slope": 1.0}, "two-copy": {"slope": 2.0}}},
            ],
        }]}},
    }
    raw.update(overrides)
    path = tmp_path / "map.json"
    path.write_text(json.dumps(raw))
    return path


def test_ratio_follows_the_closed_form_and_the_boundary_is_found(tmp_path):
    config = AdvantageMapConfig.from_file(_config(tmp_path), mode="quick")
    results = tmp_path / "map.csv"
    result = run_advantage_map(config, results_path=results, progress=False)
    panel = config.panels[0]
    ratio, bound = result.log2_ratio(panel)
    assert not bound.any()
    for c, n in enumerate(panel.ns):
        # Row 0: single grows as 2^n, two-copy is flat -> log2 ratio ~ n (grid steps 1 and 2 copies).
        exact = math.log2(synthetic_n_star(n, c0=2.0, slope=1.0) / synthetic_n_star(n, c0=2.0, slope=0.0))
        assert abs(ratio[0, c] - exact) < 0.6
        assert ratio[1, c] < 0  # two-copy slope 2 > 1: single-copy wins
    assert result.boundary(panel) == {1: 2.0, 2: 2.0, 3: 2.0}
    text = format_map_table(result)
    assert "boundary (smallest y with ratio <= 1): n=1:2, n=2:2, n=3:2" in text
    again = load_advantage_map(config, results_path=results)
    assert np.array_equal(again.log2_ratio(panel)[0], ratio, equal_nan=True)
    summary = again.summary()
    json.dumps(summary, allow_nan=False)
    assert summary["unit"].startswith("copies of ρ")
    written = save_advantage_map_figure(again, tmp_path / "fig")
    assert [p.suffix for p in written] == [".png", ".pdf"] and all(p.stat().st_size > 0 for p in written)


def test_unreached_search_makes_the_ratio_a_bound(tmp_path):
    path = _config(tmp_path, max_copies=16)
    config = AdvantageMapConfig.from_file(path, mode="quick")
    result = run_advantage_map(config, results_path=tmp_path / "m.csv", progress=False)
    ratio, bound = result.log2_ratio(config.panels[0])
    assert bound[0, -1] == 1  # single-copy at n=3 needs ~ 2*2^3*ln5 > 16 copies: a lower bound
    assert "n=3:>" in format_map_table(result)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"trials": 0}, r"key 'trials'=0 must be an int >= 1"),
        ({"target": 1.5}, r"key 'target'=1.5 must be a number in \(0.5, 1\]"),
        ({"seed": "x"}, r"key 'seed'='x' must be an int >= 0"),
        ({"task": "nope"}, r"key 'task': task='nope' is unknown"),
        ({"colour": 1}, r"unknown keys \['colour'\]"),
        ({"params": {"c0": -1}}, r"params.c0=-1 must be a number in \(0, inf\]"),
    ],
)
def test_bad_config_values_name_the_file_and_key(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        AdvantageMapConfig.from_file(_config(tmp_path, **change), mode="quick")


def test_bad_row_noise_names_the_row(tmp_path):
    path = _config(tmp_path)
    raw = json.loads(path.read_text())
    raw["modes"]["quick"]["panels"][0]["rows"][1]["noise"] = "thermal:x=1"
    path.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match=r"panels\[0\].rows\[1\].noise'.*thermal"):
        AdvantageMapConfig.from_file(path, mode="quick")


def test_missing_mode_and_table(tmp_path):
    with pytest.raises(ValueError, match="has no mode 'full'"):
        AdvantageMapConfig.from_file(_config(tmp_path), mode="full")
    config = AdvantageMapConfig.from_file(_config(tmp_path), mode="quick")
    with pytest.raises(FileNotFoundError, match="run `qmemlearn reproduce` first"):
        load_advantage_map(config, results_path=tmp_path / "absent.csv")
