"""The accuracy-vs-noise figure, drawn from a tiny hand-made table (nothing sampled)."""

import json

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402

from qmemlearn.analysis.accuracy_vs_noise import AccuracyVsNoiseConfig, AccuracyVsNoiseResult  # noqa: E402
from qmemlearn.analysis.points import PointOutcome  # noqa: E402
from qmemlearn.analysis.rows import Row  # noqa: E402
from qmemlearn.plots_noise_accuracy import save_accuracy_vs_noise_figure  # noqa: E402

CONFIG = {
    "experiment": "tiny", "kind": "accuracy-vs-noise", "task": "dynamics", "seed": 1,
    "params": {"depth": 2, "circuits_per_class": 4, "backend": "trajectories"}, "queries": 4, "trials": 10,
    "protocols": ["single-copy", "two-copy"], "rules": ["kernel-pca", "statistic"],
    "baseline": {"x": 0, "noise": "ideal", "params": {"backend": "auto"}},
    "modes": {"quick": {"n": [2, 3], "families": [
        {"name": "idle", "x_label": "T1 = T2 (µs)", "noise_grows": "against-x", "rows": [
            {"x": 10, "noise": "idle:t1_us=10,t2_us=10"}, {"x": 1, "noise": "idle:t1_us=1,t2_us=1"},
            {"x": 0.1, "noise": "idle:t1_us=0.1,t2_us=0.1"}]},
        {"name": "device", "x_label": "calibrated device", "axis": "category", "rows": [
            {"x": 0, "noise": "depolarizing:p1=0.002,p2=0.02", "label": "stand-in"}]},
    ]}},
}


def test_figure_draws_every_curve_with_chance_lines(tmp_path, monkeypatch):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(CONFIG))
    config = AccuracyVsNoiseConfig.from_file(path, mode="quick")
    rows = {key: Row.from_point(p, PointOutcome(successes=5 + (key[3] == "two-copy") * 4, trials=10),
                                seconds=0.0, versions={})
            for key, p in config.keyed_points()}
    result = AccuracyVsNoiseResult(config=config, rows=rows, seconds=0.0)
    figures = []
    monkeypatch.setattr(plt, "subplots", _recording(plt.subplots, figures))
    paths = save_accuracy_vs_noise_figure(result, tmp_path / "fig")
    assert sorted(p.suffix for p in paths) == [".pdf", ".png"] and all(p.stat().st_size > 0 for p in paths)
    axes = figures[0].axes
    assert len(axes) == 2 * 2  # n rows x families
    for ax in axes:
        bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert len(bars) == 4  # protocols x rules
        levels = sorted(line.get_ydata()[0] for line in ax.get_lines() if len(set(line.get_ydata())) == 1
                        and line.get_color() == "0.45")
        assert levels == pytest.approx([0.5, result.chance])
    idle = axes[0]
    assert idle.get_xscale() == "log" and idle.xaxis_inverted()
    assert [t.get_text() for t in axes[1].get_xticklabels()] == ["stand-in"]
    two_copy = [c for c in idle.containers if isinstance(c, ErrorbarContainer)][2]
    assert list(two_copy.lines[0].get_ydata()) == pytest.approx([0.9, 0.9, 0.9])
    assert "4 queries of U per circuit" in figures[0]._suptitle.get_text()


def _recording(subplots, figures):
    def wrapped(*args, **kwargs):
        fig, axes = subplots(*args, **kwargs)
        figures.append(fig)
        return fig, axes
    return wrapped
