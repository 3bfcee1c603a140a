"""Tests for qmemlearn.plots on real (tiny) Pauli-learning results and on degenerate ones."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import warnings

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from qmemlearn.analysis.experiment import ExperimentConfig, ExperimentResult, run_experiment  # noqa: E402
from qmemlearn.plots import (  # noqa: E402
    PROTOCOL_STYLE, plot_sample_complexity, plot_success_curve, save_pauli_learning_figure,
)

TINY = {
    "experiment": "pauli-learning", "task": "pauli-learning", "seed": 11, "params": {"alpha": 0.9, "backend": "fast"},
    "noise": "ideal", "target": 0.8, "trials": 30, "rel_resolution": 0.25,
    "max_copies": 4096,
    "modes": {"full": {
        "curves": [
            {"protocol": "single-copy", "rule": "decoy", "n_min": 1, "n_max": 2},
            {"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 2},
            {"protocol": "two-copy", "rule": "identify", "n_min": 1, "n_max": 2},
        ],
        "success_curve": {"n": 2, "copies": [2, 4, 8, 16]},
    }},
}


def run_tiny(directory: pathlib.Path, name: str, **changes) -> ExperimentResult:
    path = directory / f"{name}.json"
    path.write_text(json.dumps({**TINY, **changes}))
    return run_experiment(ExperimentConfig.from_file(path), results_path=directory / f"{name}.csv", progress=False)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    directory = tmp_path_factory.mktemp("plots")
    normal = run_tiny(directory, "normal")
    # max_copies = 4 and target 0.99 (40/40 needed): no curve reaches N*.
    unreached = run_tiny(directory, "unreached", target=0.99, trials=40, max_copies=4, modes={"full": {
        "curves": TINY["modes"]["full"]["curves"][:2], "success_curve": {"n": 2, "copies": [2, 4]}}})
    single_n = run_tiny(directory, "single", modes={"full": {"curves": [
        {"protocol": "single-copy", "rule": "decoy", "n_min": 1, "n_max": 1},
        {"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 1}]}})
    return {"normal": normal, "unreached": unreached, "single_n": single_n}


def new_axes():
    return Figure(figsize=(6, 4)).subplots()


def labelled_errorbars(ax):
    return {c.get_label(): c for c in ax.containers if isinstance(c, ErrorbarContainer)
            and c.get_label() and not c.get_label().startswith("_")}


def test_sample_complexity_panel_draws_every_reached_n_star(results):
    result = results["normal"]
    ax = new_axes()
    assert plot_sample_complexity(ax=ax, result=result) is ax
    bars = labelled_errorbars(ax)
    assert len(bars) == 3
    for (protocol, rule), searches in result.curve_groups().items():
        (label,) = [k for k in bars if k.startswith(PROTOCOL_STYLE[protocol]["label"])
                    and (rule == "decoy") == ("identify" not in k)]
        line = bars[label].lines[0]
        assert list(line.get_xdata()) == [s.curve.n for s in searches]
        assert list(line.get_ydata()) == [s.n_star for s in searches]
        assert "N* ∝" in label  # two reached n: a fit is drawn and named
    assert ax.get_yscale() == "log"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("2ⁿ" in t for t in legend) and any("3^(3n/4)" in t for t in legend)
    assert "0.8" in ax.get_ylabel()


def test_success_panel_draws_rates(results):
    result = results["normal"]
    ax = new_axes()
    assert plot_success_curve(ax=ax, result=result) is ax
    curves = [line for line in ax.lines if line.get_marker() not in (None, "None", "")]
    assert len(curves) == 3  # single-copy decoy, two-copy decoy, two-copy identify
    rows = {(r.protocol, r.rule): [] for r in result.success_rows}
    for r in result.success_rows:
        rows[(r.protocol, r.rule)].append(r)
    expected = sorted(
        ([r.copies for r in rs], [r.successes / r.trials for r in rs]) for rs in rows.values()
    )
    drawn = sorted((list(line.get_xdata()), list(line.get_ydata())) for line in curves)
    assert drawn == expected
    assert ax.get_xscale() == "log"
    assert "n = 2 qubits, 30 instances per point" in ax.get_title()


def test_save_figure_writes_png_and_pdf_without_temporary_files(results, tmp_path):
    stem = tmp_path / "out" / "pauli"
    written = save_pauli_learning_figure(results["normal"], stem)
    assert written == [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    png, pdf = (p.read_bytes() for p in written)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    assert sorted(p.name for p in stem.parent.iterdir()) == ["pauli.pdf", "pauli.png"]
    # Redrawing the same result gives the same bytes (no timestamps).
    save_pauli_learning_figure(results["normal"], stem)
    assert [p.read_bytes() for p in written] == [png, pdf]
    assert sorted(p.name for p in stem.parent.iterdir()) == ["pauli.pdf", "pauli.png"]


def test_save_figure_keeps_a_dotted_stem(results, tmp_path):
    written = save_pauli_learning_figure(results["single_n"], tmp_path / "fig_alpha0.9")
    assert sorted(p.name for p in written) == ["fig_alpha0.9.pdf", "fig_alpha0.9.png"]


def test_degenerate_never_reached(results, tmp_path):
    result = results["unreached"]
    assert result.searches and not any(s.reached for s in result.searches)
    assert result.confirmation_rows == {} and all(f is None for f in result.fits().values())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "No artists with labels" (empty legend)
        ax = new_axes()
        plot_sample_complexity(ax=ax, result=result)
        assert labelled_errorbars(ax) == {}
        # ... and a success curve with zero successes everywhere.
        zero = dataclasses.replace(
            result, success_rows=[dataclasses.replace(r, successes=0.0) for r in result.success_rows])
        ax = new_axes()
        plot_success_curve(ax=ax, result=zero)
        for line in ax.lines:
            if line.get_marker() not in (None, "None", ""):
                assert set(np.asarray(line.get_ydata())) == {0.0}
        written = save_pauli_learning_figure(zero, tmp_path / "zero")
    assert all(p.stat().st_size > 0 for p in written)


def test_degenerate_single_n_and_no_success_curve(results, tmp_path):
    result = results["single_n"]
    assert [s.curve.n for s in result.searches] == [1, 1] and all(s.reached for s in result.searches)
    assert result.success_rows == [] and all(f is None for f in result.fits().values())
    ax = new_axes()
    plot_sample_complexity(ax=ax, result=result)
    bars = labelled_errorbars(ax)
    assert len(bars) == 2 and not any("N* ∝" in k for k in bars)  # no fit from one n
    ax = new_axes()
    plot_success_curve(ax=ax, result=result)  # only the target line
    assert len(ax.lines) == 1
    written = save_pauli_learning_figure(result, tmp_path / "single")
    assert all(p.stat().st_size > 0 for p in written)


def test_degenerate_empty_result(results, tmp_path):
    empty = ExperimentResult(config=results["normal"].config, searches=[], success_rows=[],
                             confirmation_rows={}, seconds=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        plot_sample_complexity(ax=new_axes(), result=empty)
        plot_success_curve(ax=new_axes(), result=empty)
        written = save_pauli_learning_figure(empty, tmp_path / "empty")
    assert all(p.stat().st_size > 0 for p in written)
