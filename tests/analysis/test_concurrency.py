"""Concurrent writers on one results file: every batch is counted exactly once.

Two (or more) processes started on one results table serialize on its writer lock: the
second waits, re-reads the table, and finds the work done. Tested with whole
``qmemlearn reproduce`` runs and with bare sweeps.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from qmemlearn.analysis.store import ResultStore
from qmemlearn.cli.main import main

TINY = {
    "experiment": "pauli-learning", "task": "pauli-learning", "seed": 5, "params": {"alpha": 0.9, "backend": "fast"},
    "noise": "ideal", "target": 0.8, "trials": 24, "rel_resolution": 0.25,
    "max_copies": 4096,
    "modes": {
        "full": {
            "curves": [
                {"protocol": "single-copy", "rule": "decoy", "n_min": 1, "n_max": 1},
                {"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 2},
            ],
            "success_curve": {"n": 1, "copies": [2, 4]},
        },
    },
}


def folded_without_timing(path: pathlib.Path) -> dict:
    return {sid: (r.successes, r.trials, r.batches) for sid, r in ResultStore(path).fold().items()}


def reproduce_command(config: pathlib.Path, results: pathlib.Path, figure: pathlib.Path) -> list[str]:
    return ["reproduce", "pauli-learning", "--config", str(config), "--results", str(results),
            "--figure", str(figure), "--workers", "1", "--no-progress"]


@pytest.mark.slow  # two cold `qmemlearn reproduce` processes: ~25-40 s on a loaded 2-core box
def test_two_concurrent_reproduce_runs_count_every_point_once(tmp_path, capsys):
    """Two ``qmemlearn reproduce`` processes on one results file, made to collide: both start
    while this test holds the writer lock, then race for it when it is released."""
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps(TINY))
    shared = tmp_path / "shared" / "r.csv"
    cli = [sys.executable, "-c", "import sys; from qmemlearn.cli.main import main; "
           "sys.exit(main(command_line_args=sys.argv[1:]))"]
    with ResultStore(shared).writing():
        runs = [subprocess.Popen(cli + reproduce_command(config, shared, tmp_path / f"fig{k}"),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for k in range(2)]
        for run in runs:  # each blocks on the lock and says who holds it
            lines = [run.stderr.readline() for _ in range(3)]
            assert f"is being written by pid {os.getpid()}" in lines[-1], lines
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    rows = ResultStore(shared).read()
    assert len(rows) == len({r.strong_id for r in rows})  # no point evaluated twice
    assert all(r.batches == (0,) for r in ResultStore(shared).fold().values())
    reference = tmp_path / "alone" / "r.csv"
    assert main(command_line_args=reproduce_command(config, reference, tmp_path / "fig2")) == 0
    alone = capsys.readouterr().out
    assert folded_without_timing(shared) == folded_without_timing(reference)
    tables = [out.split("wall time")[0] for out in (outputs[0][0], outputs[1][0], alone)]
    assert tables[0] == tables[1] == tables[2] and "N* = fewest copies" in tables[0]


SWEEPER = textwrap.dedent("""
    import os, sys, time
    from qmemlearn.analysis.engine import run_points
    from qmemlearn.analysis.points import SweepPoint
    from qmemlearn.tasks.synthetic import evaluate_synthetic
    path, go, trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
    points = [SweepPoint(task="synthetic", protocol="p", rule="r", n=n, copies=c, trials=trials,
                         json_metadata={"sleep_per_copy": 0.0005})
              for n in (1, 2) for c in (2, 8, 32, 64)]
    while not os.path.exists(go):
        time.sleep(0.001)
    run_points(points, evaluate_synthetic, store=path, progress=False)
""")


def test_simultaneous_sweeps_with_different_depths_count_every_batch_once(tmp_path):
    """Four processes start one sweep at once, two asking 100 trials per point, two 250."""
    script, go, path = tmp_path / "sweep.py", tmp_path / "go", tmp_path / "stats.csv"
    script.write_text(SWEEPER)
    procs = [subprocess.Popen([sys.executable, str(script), str(path), str(go), str(trials)],
                              stderr=subprocess.PIPE, text=True)
             for trials in (100, 250, 100, 250)]
    time.sleep(1.0)
    go.write_text("")
    errors = [proc.communicate(timeout=60)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 4, errors
    assert any("waiting for it to finish" in err for err in errors)  # they really collided
    folded = ResultStore(path).fold()  # would raise on a batch counted twice
    assert len(folded) == 8
    for row in folded.values():
        assert row.trials == 250 and row.batches in ((0,), (0, 1))
    assert os.path.exists(path) and not os.path.exists(str(path) + ".lock")


KILLED = textwrap.dedent("""
    import sys
    from qmemlearn.analysis.engine import run_points
    from qmemlearn.analysis.points import SweepPoint
    from qmemlearn.tasks.synthetic import evaluate_synthetic
    points = [SweepPoint(task="synthetic", protocol="p", rule="r", n=n, copies=c, trials=200,
                         json_metadata={"sleep_per_copy": 0.001})
              for n in (1, 2) for c in (8, 16, 32, 64)]
    run_points(points, evaluate_synthetic, store=sys.argv[1], progress=False)
""")


def test_sigkilled_sweep_resumes_to_the_uninterrupted_table(tmp_path):
    """A real SIGKILL once k rows are on disk (k = 1, 4, 7): the resume counts each batch once."""
    script = tmp_path / "sweep.py"
    script.write_text(KILLED)
    reference = tmp_path / "reference.csv"
    subprocess.run([sys.executable, str(script), str(reference)], check=True, timeout=60)
    for k in (1, 4, 7):
        path = tmp_path / f"killed{k}.csv"
        proc = subprocess.Popen([sys.executable, str(script), str(path)])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            not path.exists() or path.read_bytes().count(b"\n") < k + 1
        ):
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert 1 <= len(ResultStore(path).read()) < 8
        subprocess.run([sys.executable, str(script), str(path)], check=True, timeout=60)
        assert folded_without_timing(path) == folded_without_timing(reference)
        assert all(r.batches == (0,) for r in ResultStore(path).fold().values())
