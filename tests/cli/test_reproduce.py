"""Tests for ``qmemlearn reproduce`` and ``qmemlearn figures`` on a tiny Pauli-learning config.

Every run writes under tmp_path (explicit ``--results``/``--figure``, or a working directory
holding its own ``experiments/``), never into the project's committed results or figures.
"""

from __future__ import annotations

import json
import pathlib

import pytest

from qmemlearn.cli.experiments import EXPERIMENTS
from qmemlearn.cli.main import main

TINY = {
    "experiment": "pauli-learning", "task": "pauli-learning", "seed": 5, "params": {"alpha": 0.9, "backend": "fast"},
    "noise": "ideal", "target": 0.8, "trials": 24, "rel_resolution": 0.25,
    "max_copies": 4096,
    "modes": {
        "full": {
            "curves": [
                {"protocol": "single-copy", "rule": "decoy", "n_min": 1, "n_max": 2},
                {"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 2},
            ],
            "success_curve": {"n": 2, "copies": [2, 4, 8]},
        },
        "quick": {
            "curves": [
                {"protocol": "single-copy", "rule": "decoy", "n_min": 1, "n_max": 1},
                {"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 1},
            ],
            "success_curve": {"n": 1, "copies": [2, 4]},
        },
    },
}


def write_config(path: pathlib.Path, **changes) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**TINY, **changes}))
    return path


def reproduce_args(config, tmp_path, *extra):
    return ["reproduce", "pauli-learning", "--config", str(config), "--results", str(tmp_path / "r.csv"),
            "--figure", str(tmp_path / "fig"), "--workers", "1", "--no-progress", *extra]


def test_reproduce_writes_table_summary_and_figure_and_reruns_identically(tmp_path, capsys):
    config = write_config(tmp_path / "tiny.json")
    assert main(command_line_args=reproduce_args(config, tmp_path)) == 0
    captured = capsys.readouterr()
    out = captured.out
    csv, summary = tmp_path / "r.csv", tmp_path / "r-summary.json"
    png, pdf = tmp_path / "fig.png", tmp_path / "fig.pdf"
    assert f"wrote figure: {png}" in out and f"wrote figure: {pdf}" in out
    assert f"wrote results: {csv}" in out and f"wrote summary: {summary}" in out
    assert "N* = fewest copies of ρ with success >= 0.8" in out
    assert "single-copy" in out and "two-copy" in out
    assert "(full mode)" in captured.err and str(csv) in captured.err
    for path in (csv, summary, png, pdf):
        assert path.stat().st_size > 0
    assert csv.read_text().startswith("strong_id,task,protocol,rule,n,copies,batch,trials,successes,seconds,")
    data = json.loads(summary.read_text())
    assert data["unit"] == "copies of ρ consumed (a two-copy shot costs 2)"
    assert (data["experiment"], data["mode"], data["seed"], data["trials_per_point"]) == (
        "pauli-learning", "full", 5, 24)
    assert set(data["curves"]) == {"single-copy/decoy", "two-copy/decoy"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fig.pdf", "fig.png", "r-summary.json", "r.csv", "tiny.json"]  # no temporary files left
    table = out.split("wall time")[0]

    before = csv.read_bytes()
    assert main(command_line_args=reproduce_args(config, tmp_path)) == 0
    assert csv.read_bytes() == before  # nothing recomputed, nothing appended
    assert capsys.readouterr().out.split("wall time")[0] == table
    again = json.loads(summary.read_text())
    del again["seconds"], data["seconds"]
    assert again == data


def test_reproduce_bad_config_path_is_a_usage_error(tmp_path, capsys):
    missing = tmp_path / "nope" / "missing.json"
    assert main(command_line_args=reproduce_args(missing, tmp_path)) == 2
    err = capsys.readouterr().err
    assert "qmemlearn reproduce: error:" in err and str(missing) in err
    assert not (tmp_path / "r.csv").exists()


def test_reproduce_config_with_missing_keys_is_a_usage_error(tmp_path, capsys):
    raw = dict(TINY)
    del raw["seed"]
    config = tmp_path / "bad.json"
    config.write_text(json.dumps(raw))
    assert main(command_line_args=reproduce_args(config, tmp_path)) == 2
    assert "missing keys ['seed']" in capsys.readouterr().err


@pytest.mark.parametrize("workers", ["0", "-3"])
def test_reproduce_rejects_workers_below_one(tmp_path, capsys, workers):
    config = write_config(tmp_path / "tiny.json")
    args = reproduce_args(config, tmp_path)
    args[args.index("--workers") + 1] = workers
    assert main(command_line_args=args) == 2
    assert f"argument --workers: {workers} must be an int >= 1" in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


def test_reproduce_unknown_experiment_is_a_usage_error(capsys):
    assert main(command_line_args=["reproduce", "pauli-learnin"]) == 2
    assert "invalid choice: 'pauli-learnin'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "changes",
    [{"task": "no-such-task"}, {"max_copies": 1}, {"trials": 0}],
    ids=["unknown-task", "max-copies-below-first-point", "zero-trials"],
)
def test_reproduce_bad_config_values_are_usage_errors(tmp_path, capsys, changes):
    config = write_config(tmp_path / "bad.json", **changes)
    assert main(command_line_args=reproduce_args(config, tmp_path)) == 2
    assert "qmemlearn reproduce: error:" in capsys.readouterr().err


def test_figures_without_results_points_to_reproduce(tmp_path, monkeypatch, capsys):
    write_config(tmp_path / "experiments" / "pauli_learning.json")
    monkeypatch.chdir(tmp_path)
    assert main(command_line_args=["figures", "pauli-learning"]) == 2
    err = capsys.readouterr().err
    assert "qmemlearn figures: error: pauli-learning:" in err and "run `qmemlearn reproduce` first" in err
    assert str(tmp_path / "results" / "pauli-learning" / "full.csv") in err
    # Redrawing everything skips an experiment that was never reproduced, and fails if none was.
    for name in (config for key, (config, _) in EXPERIMENTS.items() if key != "pauli-learning"):
        (tmp_path / "experiments" / name).write_bytes((pathlib.Path(__file__).parents[2] / "experiments" / name).read_bytes())
    assert main(command_line_args=["figures"]) == 2
    err = capsys.readouterr().err
    assert "skipped pauli-learning: no results table" in err and "no experiment has a results table" in err
    assert not (tmp_path / "figures").exists()


def test_quick_reproduce_then_figures_in_a_project_directory(tmp_path, monkeypatch, capsys):
    """Default paths resolve under the working directory when it has experiments/."""
    write_config(tmp_path / "experiments" / "pauli_learning.json")
    monkeypatch.chdir(tmp_path)
    assert main(command_line_args=["reproduce", "pauli-learning", "--quick", "--workers", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    csv = tmp_path / "results" / "quick" / "pauli-learning.csv"
    summary = tmp_path / "results" / "quick" / "pauli-learning-summary.json"
    stem = tmp_path / "figures" / "quick" / "pauli_learning_sample_complexity"
    assert f"wrote results: {csv}" in out and f"wrote summary: {summary}" in out
    assert json.loads(summary.read_text())["mode"] == "quick"
    png = stem.with_suffix(".png")
    png_bytes = png.read_bytes()
    png.unlink()
    csv_bytes = csv.read_bytes()
    # `figures --quick` redraws from the table alone.
    assert main(command_line_args=["figures", "pauli-learning", "--quick"]) == 0
    assert f"wrote figure: {png}" in capsys.readouterr().out
    assert png.read_bytes() == png_bytes
    assert csv.read_bytes() == csv_bytes
    # The full-mode table is absent: `figures` (full) still fails cleanly.
    assert main(command_line_args=["figures", "pauli-learning"]) == 2
    assert "run `qmemlearn reproduce` first" in capsys.readouterr().err
    # A partial table is refused too, and left untouched.
    lines = csv.read_text().splitlines(keepends=True)
    csv.write_text("".join(lines[:3]))
    assert main(command_line_args=["figures", "pauli-learning", "--quick"]) == 2
    assert "not in the results table" in capsys.readouterr().err
    assert csv.read_text() == "".join(lines[:3])


def test_unreachable_dask_scheduler_fails_within_the_timeout(tmp_path, capsys, monkeypatch):
    import time

    from qmemlearn.cli import reproduce

    monkeypatch.setattr(reproduce, "DASK_CONNECT_TIMEOUT_SECONDS", 1.0)
    config = write_config(tmp_path / "tiny.json")
    args = reproduce_args(config, tmp_path)
    args[args.index("--workers") : args.index("--workers") + 2] = ["--dask", "tcp://127.0.0.1:9"]
    import distributed  # noqa: F401  (imported before the clock starts: the bound is on the connect, not the import)

    start = time.perf_counter()
    assert main(command_line_args=args) == 2
    assert time.perf_counter() - start < 5
    err = capsys.readouterr().err
    assert "--dask='tcp://127.0.0.1:9': cannot connect to the Dask scheduler within 1 s" in err
    assert "Traceback" not in err and not (tmp_path / "r.csv").exists()


def test_default_dask_timeout_is_a_few_seconds():
    from qmemlearn.cli import reproduce

    assert 1 <= reproduce.DASK_CONNECT_TIMEOUT_SECONDS <= 10
