"""Tests for qmemlearn.plots_dynamics: the dynamics figures on a tiny real run, and the embedding."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from qmemlearn.analysis.experiment import ExperimentConfig, run_experiment  # noqa: E402
from qmemlearn.analysis.kinds import KINDS  # noqa: E402
from qmemlearn.plots_dynamics import (  # noqa: E402
    embedding_scores, embedding_stem, plot_dynamics_sample_complexity, plot_embedding, save_dynamics_figures,
)

TINY = {
    "experiment": "dynamics", "task": "dynamics", "figure": "dynamics", "seed": 5,
    "params": {"depth": 2, "circuits_per_class": 3}, "noise": "ideal", "target": 0.9, "trials": 2,
    "rel_resolution": 0.25, "max_copies": 32,
    "embedding": {"n": 3, "queries": 8, "circuits_per_class": 4, "seed": 9},
    "modes": {"full": {"curves": [
        {"protocol": "single-copy", "rule": "kernel-pca", "n_min": 2, "n_max": 3},
        {"protocol": "two-copy", "rule": "statistic", "n_min": 2, "n_max": 3},
    ]}},
}


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory):
    directory = tmp_path_factory.mktemp("dynamics")
    path = directory / "tiny.json"
    path.write_text(json.dumps(TINY))
    return run_experiment(ExperimentConfig.from_file(path), results_path=directory / "tiny.csv", progress=False)


def test_sample_complexity_panel_marks_reached_and_unreached_points(tiny_result):
    ax = Figure().subplots()
    plot_dynamics_sample_complexity(ax=ax, result=tiny_result)
    assert ax.get_yscale() == "log"
    assert "queries of U" in ax.get_ylabel()
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().y1 < ax.get_window_extent().y0  # legend below the axes, not over data
    texts = [t.get_text() for t in legend.get_texts()]
    assert any("2ⁿ" in t for t in texts)
    # This tiny run: two-copy reaches N* at n = 2 and 3; single-copy never does within 32 queries.
    groups = tiny_result.curve_groups()
    two = groups[("two-copy", "statistic")]
    assert all(s.reached for s in two) and not any(s.reached for s in groups[("single-copy", "kernel-pca")])
    (bars,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    np.testing.assert_allclose(bars.lines[0].get_xdata(), [2.07, 3.07])  # statistic: shifted right
    assert list(bars.lines[0].get_ydata()) == [s.n_star for s in two]
    assert any("N* > 32 queries (not reached" in t for t in texts)
    lower_bounds = [line for line in ax.lines if line.get_marker() == "^" and line.get_label() != "_child"]
    assert [32, 32] in [list(line.get_ydata()) for line in lower_bounds]


def test_dynamics_writer_is_selected_by_the_config_and_writes_both_figures(tiny_result, tmp_path):
    stem = tmp_path / "figs" / "dynamics_sample_complexity"
    written = KINDS["sample-complexity"].save_figure(tiny_result, stem)
    names = sorted(p.name for p in written)
    assert names == ["dynamics_embedding.pdf", "dynamics_embedding.png",
                     "dynamics_sample_complexity.pdf", "dynamics_sample_complexity.png"]
    assert all(p.stat().st_size > 1000 for p in written)
    assert not list(stem.parent.glob(".*tmp*"))


def test_writer_without_embedding_section_writes_one_figure(tiny_result, tmp_path):
    import dataclasses

    config = dataclasses.replace(tiny_result.config, sections={})
    written = save_dynamics_figures(dataclasses.replace(tiny_result, config=config), tmp_path / "x")
    assert sorted(p.name for p in written) == ["x.pdf", "x.png"]


def test_embedding_stem():
    assert embedding_stem(pathlib.Path("f/dynamics_sample_complexity")) == pathlib.Path("f/dynamics_embedding")
    assert embedding_stem(pathlib.Path("f/other")) == pathlib.Path("f/other_embedding")


EMBED = {"n": 3, "depth": 3, "queries": 16, "circuits_per_class": 5}


def test_embedding_is_deterministic_for_a_seed_and_changes_with_it():
    a = embedding_scores(**EMBED, seed=3, protocol="single-copy")
    b = embedding_scores(**EMBED, seed=3, protocol="single-copy")
    c = embedding_scores(**EMBED, seed=4, protocol="single-copy")
    np.testing.assert_array_equal(a.scores, b.scores)
    assert a.accuracy == b.accuracy and a.kinds == b.kinds
    assert not np.allclose(a.scores, c.scores)


def test_two_copy_embedding_separates_noiseless_classes_on_the_same_circuits():
    single = embedding_scores(**EMBED, seed=3, protocol="single-copy")
    two = embedding_scores(**EMBED, seed=3, protocol="two-copy")
    assert single.kinds == two.kinds and sorted(set(two.kinds)) == ["scrambling", "t-symmetric"]
    symmetric = np.array([k == "t-symmetric" for k in two.kinds])
    # Noiseless T-symmetric U: every two-copy bit is 0, so their features and scores coincide.
    assert np.ptp(two.scores[symmetric]) < 1e-9
    assert two.accuracy == 1.0
    assert two.scores[~symmetric].mean() > two.scores[symmetric].mean()


def test_embedding_rejects_bad_queries():
    with pytest.raises(ValueError, match=r"queries=3 must be a multiple of 2"):
        embedding_scores(**{**EMBED, "queries": 3}, seed=1, protocol="two-copy")
    with pytest.raises(ValueError, match=r"protocol='three-copy'"):
        embedding_scores(**EMBED, seed=1, protocol="three-copy")


def test_plot_embedding_titles_the_accuracy():
    ax = Figure().subplots()
    embedding = embedding_scores(**EMBED, seed=3, protocol="two-copy")
    plot_embedding(ax=ax, embedding=embedding)
    assert "accuracy 1.00" in ax.get_title() and "16 queries of U" in ax.get_title()
    assert len(ax.collections) == 2
