"""``qmemlearn reproduce --processor``: the same config on a processor's QVM or (stand-in) Engine."""

from __future__ import annotations

import argparse
import json
import pathlib

import cirq
import pytest

from qmemlearn.cli.main import main
from qmemlearn.cli.reproduce import hardware_config
from qmemlearn.hardware import load_processor

TINY = {
    "experiment": "pauli-learning", "task": "pauli-learning", "seed": 5, "params": {"alpha": 0.9, "backend": "fast"},
    "noise": "ideal", "target": 0.8, "trials": 8, "rel_resolution": 0.25, "max_copies": 64,
    "modes": {
        "full": {
            "curves": [{"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 60}],
            "success_curve": {"n": 1, "copies": [4]},
        },
    },
}


def _args(**changes) -> argparse.Namespace:
    defaults = {"processor": "willow_pink", "qvm": True, "engine": False, "qvm_simulator": "auto", "project": None}
    return argparse.Namespace(**{**defaults, **changes})


def test_hardware_config_sets_device_noise_backend_and_caps_n(capsys):
    raw = hardware_config(TINY, _args())
    assert raw["noise"] == "google:willow_pink" and raw["params"]["backend"] == "fast"
    assert raw["modes"]["full"]["curves"][0]["n_max"] == 49  # willow_pink hosts 49 pairs
    assert "capped at n_max=49 (was 60)" in capsys.readouterr().err
    assert TINY["modes"]["full"]["curves"][0]["n_max"] == 60  # the input is not modified
    assert hardware_config(TINY, _args(qvm_simulator="qsim"))["params"]["backend"] == "qsim"
    rainbow = hardware_config(TINY, _args(processor="rainbow"))
    assert rainbow["modes"]["full"]["curves"][0]["n_max"] == 8


def test_hardware_config_for_dynamics_caps_at_comb_and_density_matrix_limits():
    raw = json.loads((pathlib.Path(__file__).parents[2] / "experiments" / "dynamics.json").read_text())
    capped = hardware_config(raw, _args())
    assert capped["noise"] == "google:willow_pink" and capped["params"]["backend"] == raw["params"]["backend"]
    limits = {c["protocol"]: c["n_max"] for c in capped["modes"]["full"]["curves"]}
    assert limits == {"two-copy": 6, "single-copy": 12}  # 2n <= 12 qubits by density matrix
    with pytest.raises(ValueError, match=r"--engine: the dynamics task computes exact outcome distributions"):
        hardware_config(raw, _args(qvm=False, engine=True))


def test_noise_map_refuses_processor():
    with pytest.raises(ValueError, match=r"sweeps its own noise"):
        hardware_config({**TINY, "kind": "advantage-map"}, _args())


def _run(tmp_path, *extra):
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({**TINY, "modes": {"full": {**TINY["modes"]["full"], "curves": [
        {"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 2}]}}}))
    args = ["reproduce", "pauli-learning", "--config", str(config), "--results", str(tmp_path / "r.csv"),
            "--figure", str(tmp_path / "fig"), "--no-progress", *extra]
    return main(command_line_args=args)


def test_reproduce_on_the_qvm_writes_its_config_and_results(tmp_path, capsys):
    assert _run(tmp_path, "--workers", "1", "--processor", "rainbow", "--qvm") == 0
    run_config = json.loads((tmp_path / "r-config.json").read_text())
    assert run_config["noise"] == "google:rainbow"
    assert "google:rainbow" in (tmp_path / "r.csv").read_text()
    assert "exact QVM path" in capsys.readouterr().err


def test_reproduce_on_the_engine_sends_device_circuits(tmp_path, fake_engine, capsys):
    assert _run(tmp_path, "--processor", "weber", "--engine", "--project", "p1") == 0, capsys.readouterr().err
    assert fake_engine and all((s.processor_id, s.project_id) == ("weber", "p1") for s in fake_engine)
    # The instances of a point go out interleaved in one batch (8 trials -> 8 sweeps per batch).
    assert all(s.batches and set(s.batches) == {8} for s in fake_engine), [s.batches for s in fake_engine]
    device_qubits = set(load_processor("weber").qubits)
    calls = [call for sampler in fake_engine for call in sampler.calls]
    assert calls and all(program.all_qubits() <= device_qubits for program, _, _ in calls)
    assert all(
        isinstance(op.gate, (cirq.PhasedXZGate, cirq.ZPowGate, cirq.ISwapPowGate, cirq.MeasurementGate))
        for program, _, _ in calls for op in program.all_operations()
    )


def test_engine_refuses_parallel_workers(tmp_path, capsys):
    assert _run(tmp_path, "--processor", "weber", "--engine", "--workers", "2") == 2
    assert "--engine runs serially in this process" in capsys.readouterr().err


def test_engine_without_credentials_is_a_clear_error_and_writes_nothing(tmp_path, no_engine_credentials, capsys):
    assert _run(tmp_path, "--processor", "weber", "--engine", "--project", "p1") == 2
    err = capsys.readouterr().err
    assert "--engine: cannot open Quantum Engine for processor 'weber' (project p1)" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.json"]  # no run config, table or lock


def test_run_config_is_written_only_after_every_check(tmp_path, capsys):
    figure_dir = tmp_path / "fig.png"
    figure_dir.mkdir()  # the figure path is a directory: refused before the run config is written
    assert _run(tmp_path, "--processor", "rainbow", "--qvm", "--workers", "1") == 2
    assert "--figure" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png", "tiny.json"]
