"""``qmemlearn sample --processor``: offline QVM (fast exact or stock qsim) and the Engine (stand-in)."""

from __future__ import annotations

import cirq
import pytest

from qmemlearn.cli.main import main
from qmemlearn.hardware import load_processor
from qmemlearn.records import load_records

NATIVE_CZ = (cirq.PhasedXZGate, cirq.ZPowGate, cirq.CZPowGate, cirq.MeasurementGate)


def _sample(tmp_path, *extra, n=2, pauli="XY", copies=400):
    out = tmp_path / "r.npz"
    args = ["sample", "pauli-state", "--n", str(n), "--pauli", pauli, "--protocol", "two-copy",
            "--copies", str(copies), "--seed", "3", "--out", str(out), *extra]
    return main(command_line_args=args), out


def test_qvm_records_carry_processor_calibration_and_qubit_map(tmp_path, capsys):
    code, out = _sample(tmp_path, "--processor", "willow_pink", "--qvm", "--calibrate", "500")
    assert code == 0
    assert "running on qvm-fast" in capsys.readouterr().err  # product-structured: the fast exact path
    metadata = load_records(out).metadata
    hardware = metadata["hardware"]
    assert hardware["processor_id"] == "willow_pink" and hardware["execution"] == "qvm-fast"
    assert hardware["device_spec"].startswith("willow_pink") and hardware["calibration_time"].startswith("2024-08-16")
    assert metadata["noise"] == "google:willow_pink" and metadata["backend"] == "qvm-fast"
    placed = [hardware["qubit_map"][f"cirq.LineQubit({i})"] for i in range(4)]
    assert metadata["qubit_layout"] == [placed[:2], placed[2:]]
    # The calibration ran on the very qubits the experiment was placed on, in column order.
    calibration_qubits = metadata["readout_calibration"]["qubits"]
    assert [str(eval(q, {"cirq": cirq})) for q in placed] == calibration_qubits
    assert max(metadata["readout_calibration"]["p10"]) > 0  # willow_pink readout error is real
    assert main(command_line_args=["estimate", str(out), "--observable", "XY", "--mitigate"]) == 0


def test_engine_gets_placed_compiled_validated_circuits(tmp_path, fake_engine, capsys):
    code, out = _sample(
        tmp_path, "--processor", "willow_pink", "--engine", "--project", "my-project",
        "--shots-per-setting", "10", "--calibrate", "50",
    )
    assert code == 0, capsys.readouterr().err
    (engine,) = fake_engine  # one sampler, for the right processor and project
    assert (engine.processor_id, engine.project_id) == ("willow_pink", "my-project")
    device_qubits = set(load_processor("willow_pink").qubits)
    experiment = [(program, points, reps) for program, points, reps in engine.calls if cirq.parameter_names(program)]
    calibration = [program for program, _, _ in engine.calls if not cirq.parameter_names(program)]
    assert len(calibration) == 2  # |0...0> and |1...1>, before the experiment
    assert sum(points * reps for _, points, reps in experiment) == 200 and {reps for _, _, reps in experiment} == {10}
    experiment_qubits = {q for program, _, _ in experiment for q in program.all_qubits()}
    assert {q for program in calibration for q in program.all_qubits()} == experiment_qubits
    for program, _, _ in engine.calls:  # (the stand-in also ran device.validate_circuit on each)
        assert program.all_qubits() <= device_qubits
        assert all(isinstance(op.gate, NATIVE_CZ) for op in program.all_operations()), program
        assert all(cirq.is_measurement(op) for op in program[-1])
    metadata = load_records(out).metadata
    assert metadata["backend"] == "engine" and metadata["noise"] == "device:willow_pink"
    assert metadata["hardware"]["shots_per_setting"] == 10
    assert metadata["hardware"]["processor_id"] == "willow_pink"


def test_stock_qsim_qvm_runs_when_asked(tmp_path, capsys):
    code, out = _sample(tmp_path, "--processor", "rainbow", "--qvm", "--qvm-simulator", "qsim",
                        "--shots-per-setting", "20", n=1, pauli="Z", copies=200)
    assert code == 0, capsys.readouterr().err
    record = load_records(out)
    assert record.metadata["hardware"]["execution"] == "qvm-qsim"
    assert record.metadata["hardware"]["gateset"] == "sqrt_iswap"
    # tr(Z rho)^2 = 0.81: ZZ = (-1)^b, 100 shots in 5 settings (the stderr is ~0.06, the noise small).
    assert abs(((-1.0) ** record.bits[:, 1]).mean() - 0.81) < 0.3


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--qvm"], r"--qvm needs --processor ID"),
        (["--engine"], r"--engine needs --processor ID"),
        (["--processor", "willow_pink"], r"--processor='willow_pink' needs --qvm .* or --engine"),
        (["--processor", "willow_pink", "--qvm", "--project", "p"], r"--project='p' applies only with --engine"),
        (["--qvm-simulator", "qsim"], r"--qvm-simulator='qsim' applies only with --qvm"),
        (["--processor", "willow_pink", "--qvm", "--noise", "depolarizing:p1=0.01"], r"cannot be combined with --processor"),
        (["--processor", "willow_pink", "--qvm", "--backend", "cirq"], r"--backend='cirq' cannot be combined with --processor"),
        (["--shots-per-setting", "7"], r"--shots-per-setting=7 must be an int >= 1 that divides the 200 shots"),
    ],
)
def test_inconsistent_hardware_flags_are_usage_errors(tmp_path, capsys, extra, message):
    import re

    code, out = _sample(tmp_path, *extra)
    assert code == 2 and not out.exists()
    assert re.search(message, capsys.readouterr().err)


def test_unknown_processor_is_a_usage_error(tmp_path, capsys):
    code, _ = _sample(tmp_path, "--processor", "sycamore", "--qvm")
    assert code == 2 and "invalid choice: 'sycamore'" in capsys.readouterr().err


def test_engine_without_credentials_is_a_clear_error_and_writes_nothing(tmp_path, no_engine_credentials, capsys):
    code, out = _sample(tmp_path, "--processor", "willow_pink", "--engine", "--project", "p1")
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "--engine: cannot open Quantum Engine for processor 'willow_pink' (project p1)" in err
    assert "DefaultCredentialsError" in err and "gcloud auth application-default login" in err
    assert list(tmp_path.iterdir()) == []
