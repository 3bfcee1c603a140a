"""Readout mitigation inside the task ``pauli-learning`` (``mitigate``, ``calibration_shots``).

* Off by default, and then bit-identical to before: committed rows of the pauli-learning and
  noise-map tables (written before the parameters existed) keep their strong ids and are
  re-evaluated to the same successes.
* The calibration measures the qubits the records come from: the placed device qubits under
  ``google:willow_pink``, checked against exact density-matrix readout probabilities.
* With it, the task's estimates of tr(Pρ)² lose the readout bias (exact value α²).
"""

from __future__ import annotations

import csv
import json
import pathlib

import cirq
import numpy as np
import pytest

from qmemlearn.analysis import SweepPoint
from qmemlearn.estimators.dispatch import estimate_squared
from qmemlearn.estimators.mitigation import mitigated_squared
from qmemlearn.hardware import DeviceNoiseSampler, compile_circuit, google_noise_model, load_processor
from qmemlearn.protocols import make_protocol, sample_batch
from qmemlearn.protocols.calibration import record_qubits
from qmemlearn.protocols.sampling import stream_sampler
from qmemlearn.sources import PauliMixedState
from qmemlearn.tasks import get_task
from qmemlearn.tasks.pauli_learning import evaluate_pauli_learning, validate_point
from qmemlearn.tasks.readout import calibrate_for_sampler

ROOT = pathlib.Path(__file__).resolve().parents[2]
READOUT = "readout:p01=0.05,p10=0.1"
METADATA = {"alpha": 0.9, "backend": "fast", "memory_wait": 0}


def committed_rows(name: str, keep) -> list[dict]:
    with open(ROOT / "results" / name / "full.csv", newline="", encoding="utf8") as handle:
        return [row for row in csv.DictReader(handle) if keep(row)]


def row_point(row: dict) -> SweepPoint:
    return SweepPoint(
        task=row["task"], protocol=row["protocol"], rule=row["rule"], n=int(row["n"]), copies=int(row["copies"]),
        trials=int(row["trials"]), noise=row["noise"], seed=int(row["seed"]),
        json_metadata=json.loads(row["json_metadata"]), batch_index=int(row["batch"]),
    )


def test_defaults_stay_out_of_the_resolved_parameters_so_strong_ids_keep():
    task = get_task("pauli-learning")
    assert task.resolve_params({"alpha": 0.9, "backend": "fast"}) == METADATA
    assert task.resolve_params({"mitigate": False, "calibration_shots": 10000}) == METADATA
    assert task.resolve_params({"mitigate": True})["mitigate"] is True
    assert task.resolve_params({"mitigate": True, "calibration_shots": 500})["calibration_shots"] == 500
    with pytest.raises(ValueError, match=r"params.mitigate='yes' must be true or false"):
        task.resolve_params({"mitigate": "yes"})
    with pytest.raises(ValueError, match=r"params.calibration_shots=0 must be an int in \[1, inf\]"):
        task.resolve_params({"calibration_shots": 0})


@pytest.mark.parametrize("name, keep", [
    ("pauli-learning", lambda r: int(r["n"]) <= 3 and int(r["copies"]) <= 32),
    ("noise-map", lambda r: r["noise"] == "google:willow_pink" and int(r["n"]) <= 2 and int(r["copies"]) <= 16),
])
def test_default_off_path_reproduces_committed_rows_bit_for_bit(name, keep):
    rows = committed_rows(name, keep)[:6]
    assert len(rows) >= 4
    task = get_task("pauli-learning")
    for row in rows:
        point = row_point(row)
        assert task.resolve_params(point.json_metadata) == point.json_metadata
        assert point.strong_id() == row["strong_id"]
        assert evaluate_pauli_learning(point).successes == float(row["successes"])


def test_mitigation_parameters_are_validated_per_point():
    base = dict(task="pauli-learning", protocol="two-copy", rule="decoy", n=2, copies=8, trials=4)
    with pytest.raises(ValueError, match=r"calibration_shots=100 needs mitigate=true"):
        validate_point(SweepPoint(**base, json_metadata={**METADATA, "calibration_shots": 100}))
    with pytest.raises(ValueError, match=r"mitigate=true with rule='identify'.*decoy rule only"):
        validate_point(SweepPoint(**{**base, "rule": "identify"}, json_metadata={**METADATA, "mitigate": True}))
    validate_point(SweepPoint(**base, json_metadata={**METADATA, "mitigate": True}))


@pytest.mark.parametrize("protocol", ["single-copy", "two-copy"])
def test_calibration_recovers_the_readout_error_of_a_readout_channel(protocol):
    proto = make_protocol(protocol)
    sampler = stream_sampler("fast", noise=READOUT)
    circuit = proto.circuit(PauliMixedState("ZZ", alpha=0.9))
    shots = 20000
    calibration = calibrate_for_sampler(sampler, circuit, proto, 2, backend="fast", noise=READOUT, shots=shots,
                                        rng=np.random.default_rng(3))
    width = 2 * proto.copies_per_shot
    assert calibration.width == width
    assert calibration.qubits == tuple(str(q) for q in record_qubits(proto, 2))
    for exact, got in ((0.05, calibration.p01), (0.1, calibration.p10)):
        sigma = np.sqrt(exact * (1 - exact) / shots)
        assert np.all(np.abs(got - exact) < 4 * sigma), (got, exact)


def _exact_read_one(qubit: cirq.GridQubit, prepare_one: bool) -> float:
    """P(read 1) for |0⟩ or X|0⟩ on one device qubit, exact, under the calibrated noise."""
    processor = load_processor("willow_pink")
    ops = ([cirq.X(qubit)] if prepare_one else []) + [cirq.measure(qubit, key="m")]
    compiled = compile_circuit(cirq.Circuit(ops), processor)
    noisy = compiled.with_noise(google_noise_model("willow_pink"))
    unmeasured = cirq.Circuit(cirq.Moment(op for op in m if not cirq.is_measurement(op)) for m in noisy)
    rho = cirq.final_density_matrix(unmeasured, qubit_order=[qubit])
    return float(np.real(rho[1, 1]))


def test_device_calibration_measures_the_placed_qubits_with_their_calibrated_error():
    proto = make_protocol("two-copy")
    sampler = stream_sampler("fast", noise="google:willow_pink")
    assert isinstance(sampler, DeviceNoiseSampler)
    circuit = proto.circuit(PauliMixedState("ZZ", alpha=0.9))
    shots = 20000
    calibration = calibrate_for_sampler(sampler, circuit, proto, 2, backend="fast", noise="google:willow_pink",
                                        shots=shots, rng=np.random.default_rng(4))
    qubit_map = sampler.device_circuit(circuit).qubit_map
    placed = [qubit_map[q] for q in record_qubits(proto, 2)]
    assert calibration.qubits == tuple(str(q) for q in placed)
    for j, qubit in enumerate(placed):
        p01 = _exact_read_one(qubit, prepare_one=False)
        p10 = 1.0 - _exact_read_one(qubit, prepare_one=True)
        for exact, got in ((p01, calibration.p01[j]), (p10, calibration.p10[j])):
            assert abs(got - exact) < 4 * np.sqrt(exact * (1 - exact) / shots) + 1e-12, (qubit, got, exact)
    assert np.any(calibration.p01 + calibration.p10 > 0.005)  # the device's readout error is not negligible


@pytest.mark.parametrize("protocol, pauli, copies", [("two-copy", "XZ", 40000), ("single-copy", "Z", 80000)])
def test_task_calibration_removes_the_readout_bias_of_tr_p_rho_squared(protocol, pauli, copies):
    proto = make_protocol(protocol)
    sampler = stream_sampler("fast", noise=READOUT)
    state = PauliMixedState(pauli, alpha=0.9)
    record = sample_batch([state], proto, copies=copies, sampler=sampler, rng=[np.random.default_rng(5)],
                          sampler_rngs=[np.random.default_rng(6)])[0]
    calibration = calibrate_for_sampler(sampler, proto.circuit(state), proto, len(pauli), backend="fast",
                                        noise=READOUT, shots=50000, rng=np.random.default_rng(7))
    exact = 0.81  # tr(Pρ)² = α²
    raw, raw_error = estimate_squared(record, [pauli])
    fixed, fixed_error = mitigated_squared(record, [pauli], calibration)
    assert abs(raw[0] - exact) > 5 * raw_error[0]  # biased towards 0 by (1 - p01 - p10) per column
    assert abs(fixed[0] - exact) < 4 * fixed_error[0]


def test_mitigated_points_are_seeded_and_have_their_own_strong_id():
    def make(metadata):
        return SweepPoint(task="pauli-learning", protocol="two-copy", rule="decoy", n=3, copies=16, trials=40,
                          noise=READOUT, seed=2, json_metadata=metadata)

    mitigated = make({**METADATA, "mitigate": True})
    assert mitigated.strong_id() != make(METADATA).strong_id()
    first = evaluate_pauli_learning(mitigated)
    assert evaluate_pauli_learning(mitigated) == first
    assert 0 <= first.successes <= 40
