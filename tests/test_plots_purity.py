"""Tests for qmemlearn.plots_purity on a tiny real run of the purity task (config -> table -> figure)."""

from __future__ import annotations

import json

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from qmemlearn.analysis.experiment import ExperimentConfig, run_experiment  # noqa: E402
from qmemlearn.analysis.kinds import KINDS  # noqa: E402
from qmemlearn.plots_purity import plot_purity_sample_complexity  # noqa: E402

TINY = {
    "experiment": "purity", "task": "purity", "figure": "purity", "seed": 3,
    "params": {"mixedness": 0.5}, "noise": "ideal", "target": 0.9, "trials": 10,
    "rel_resolution": 0.25, "max_copies": 16,
    "modes": {"full": {"curves": [
        {"protocol": "two-copy", "rule": "swap", "n_min": 3, "n_max": 4},
        {"protocol": "two-copy", "rule": "swap", "n_min": 20, "n_max": 20},
        {"protocol": "single-copy", "rule": "shadow", "n_min": 3, "n_max": 3},
    ]}},
}


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory):
    directory = tmp_path_factory.mktemp("purity")
    path = directory / "tiny.json"
    path.write_text(json.dumps(TINY))
    return run_experiment(ExperimentConfig.from_file(path), results_path=directory / "tiny.csv", progress=False)


def test_panels_split_state_vector_and_stim_points(tiny_result):
    fig = Figure()
    small, large = fig.subplots(1, 2)
    plot_purity_sample_complexity(small=small, large=large, result=tiny_result)
    groups = tiny_result.curve_groups()
    two = groups[("two-copy", "swap")]
    assert all(s.reached for s in two)  # two-copy needs a handful of copies at any n
    assert not any(s.reached for s in groups[("single-copy", "shadow")])  # 16 copies are too few
    (small_bars,) = [c for c in small.containers if isinstance(c, ErrorbarContainer)]
    np.testing.assert_allclose(small_bars.lines[0].get_xdata(), [3, 4])
    (large_bars,) = [c for c in large.containers if isinstance(c, ErrorbarContainer)]
    np.testing.assert_allclose(large_bars.lines[0].get_xdata(), [20])
    assert "copies of ρ" in small.get_ylabel()
    texts = [t.get_text() for t in small.get_legend().get_texts()]
    assert any("N* > 16 copies (not reached)" in t for t in texts)
    assert small.get_legend().get_bbox_to_anchor().y1 < small.get_window_extent().y0  # below the axes


def test_writer_is_selected_by_the_config(tiny_result, tmp_path):
    written = KINDS["sample-complexity"].save_figure(tiny_result, tmp_path / "purity_sample_complexity")
    assert sorted(p.name for p in written) == ["purity_sample_complexity.pdf", "purity_sample_complexity.png"]
    assert all(p.stat().st_size > 1000 for p in written)
