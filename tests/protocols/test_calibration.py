"""Tests for qmemlearn.protocols.calibration: readout calibration circuits and estimates."""

from __future__ import annotations

from typing import Sequence

import cirq
import numpy as np
import pytest

from qmemlearn.backends import make_sampler
from qmemlearn.noise import ReadoutErrorChannel
from qmemlearn.protocols import MEASUREMENT_KEY, SingleCopyProtocol, TwoCopyProtocol
from qmemlearn.protocols.calibration import (
    ReadoutCalibration,
    calibrate_readout,
    readout_calibration_circuits,
    record_qubits,
)
from qmemlearn.records import BellRecord, load_records, save_records

P01, P10 = 0.02, 0.05


class PerQubitReadout(cirq.NoiseModel):
    """Readout error with a different (p01, p10) on every qubit, before each measurement."""

    def __init__(self, confusion: dict[cirq.Qid, tuple[float, float]]) -> None:
        self.confusion = confusion

    def noisy_moment(self, moment: cirq.Moment, system_qubits: Sequence[cirq.Qid]) -> cirq.OP_TREE:
        measured = [q for op in moment for q in op.qubits if cirq.is_measurement(op)]
        if not measured:
            return moment
        return [cirq.Moment(ReadoutErrorChannel(*self.confusion[q]).on(q) for q in measured), moment]


def test_circuits_prepare_zeros_and_ones_and_measure_in_the_given_order():
    qubits = [cirq.LineQubit(3), cirq.LineQubit(0), cirq.GridQubit(1, 2)]
    zeros, ones = readout_calibration_circuits(qubits)
    for circuit in (zeros, ones):
        (measurement,) = [op for op in circuit.all_operations() if cirq.is_measurement(op)]
        assert measurement.qubits == tuple(qubits)
        assert cirq.measurement_key_name(measurement) == MEASUREMENT_KEY
        assert not cirq.is_parameterized(circuit)
    assert [op for op in zeros.all_operations() if not cirq.is_measurement(op)] == []
    assert [op for op in ones.all_operations() if not cirq.is_measurement(op)] == [cirq.X(q) for q in qubits]
    simulator = cirq.Simulator(seed=1)
    assert not simulator.run(zeros, repetitions=5).measurements["m"].any()
    assert simulator.run(ones, repetitions=5).measurements["m"].all()
    assert cirq.measurement_key_names(readout_calibration_circuits(qubits, key="cal")[1]) == {"cal"}


def test_record_qubits_follow_the_record_columns():
    assert record_qubits(SingleCopyProtocol(), 3) == tuple(cirq.LineQubit.range(3))
    assert record_qubits(TwoCopyProtocol(), 2) == tuple(cirq.LineQubit.range(4))  # a0, b0, a1, b1
    pairs = ((cirq.LineQubit(5), cirq.LineQubit(1)), (cirq.LineQubit(7), cirq.LineQubit(2)))
    assert record_qubits(TwoCopyProtocol(layout=pairs), 2) == (
        cirq.LineQubit(5), cirq.LineQubit(1), cirq.LineQubit(7), cirq.LineQubit(2)
    )
    with pytest.raises(ValueError, match="no pairs"):
        record_qubits(object(), 2)


def test_calibration_recovers_the_noise_preset_on_the_fast_sampler():
    sampler = make_sampler("fast", noise=f"readout:p01={P01},p10={P10}", seed=3)
    qubits = record_qubits(TwoCopyProtocol(), 4)
    shots = 100_000
    calibration = calibrate_readout(sampler, qubits, shots=shots)
    assert calibration.width == 8 and calibration.shots.tolist() == [shots] * 8
    assert calibration.qubits == tuple(str(q) for q in qubits)
    np.testing.assert_allclose(calibration.p01_stderr, np.sqrt(P01 * (1 - P01) / shots), rtol=0.05)
    np.testing.assert_allclose(calibration.p10_stderr, np.sqrt(P10 * (1 - P10) / shots), rtol=0.05)
    assert np.all(np.abs(calibration.p01 - P01) < 4 * calibration.p01_stderr)
    assert np.all(np.abs(calibration.p10 - P10) < 4 * calibration.p10_stderr)
    # The pooled estimate over 8 independent columns is tighter still.
    assert abs(calibration.p01.mean() - P01) < 4 * np.sqrt(P01 * (1 - P01) / (8 * shots))
    assert abs(calibration.p10.mean() - P10) < 4 * np.sqrt(P10 * (1 - P10) / (8 * shots))


def test_calibration_is_per_qubit_in_the_given_order_on_a_density_matrix_simulator():
    qubits = cirq.LineQubit.range(3)
    confusion = {qubits[0]: (0.01, 0.2), qubits[1]: (0.1, 0.0), qubits[2]: (0.3, 0.05)}
    sampler = cirq.DensityMatrixSimulator(noise=PerQubitReadout(confusion), seed=4)
    order = [qubits[2], qubits[0], qubits[1]]
    shots = 20_000
    calibration = calibrate_readout(sampler, order, shots=shots)
    expected01 = np.array([confusion[q][0] for q in order])
    expected10 = np.array([confusion[q][1] for q in order])
    exact01 = np.sqrt(expected01 * (1 - expected01) / shots)
    exact10 = np.sqrt(expected10 * (1 - expected10) / shots)
    assert np.all(np.abs(calibration.p01 - expected01) <= 4 * exact01)
    assert np.all(np.abs(calibration.p10 - expected10) <= 4 * exact10)  # exact 0 where p10 = 0


def test_reported_stderr_matches_spread_over_repeated_calibrations():
    sampler = make_sampler("fast", noise=f"readout:p01={P01},p10={P10}", seed=5)
    qubits = cirq.LineQubit.range(2)
    estimates = np.array([calibrate_readout(sampler, qubits, shots=2000).p10 for _ in range(200)])
    reported = np.sqrt(P10 * (1 - P10) / 2000)
    # The std of a sample std over 400 values is about 3.5 %; allow about 4 of those.
    assert abs(estimates.std(ddof=1) / reported - 1) < 0.15


def test_json_round_trip_and_record_metadata(tmp_path):
    calibration = ReadoutCalibration(p01=[0.01, 0.02], p10=[0.03, 0.04], shots=[100, 200], qubits=("q(0)", "q(1)"))
    assert ReadoutCalibration.from_json(calibration.to_json()) == calibration
    assert ReadoutCalibration.from_json_dict(calibration.to_json_dict()) == calibration
    path = calibration.save(tmp_path / "calibration.json")
    assert ReadoutCalibration.load(path) == calibration
    assert [p.name for p in tmp_path.iterdir()] == ["calibration.json"]  # no temporary file left
    record = BellRecord(np.zeros((3, 2), dtype=np.uint8), metadata={"readout_calibration": calibration.to_json_dict()})
    loaded = load_records(save_records(record, tmp_path / "with_calibration"))
    assert ReadoutCalibration.from_json_dict(loaded.metadata["readout_calibration"]) == calibration
    assert ReadoutCalibration(p01=[0.1], p10=[0.2], shots=7).shots.tolist() == [7]  # a scalar broadcasts
    assert calibration != ReadoutCalibration(p01=[0.01, 0.02], p10=[0.03, 0.04], shots=[100, 201])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(p01=[1.5], p10=[0.0], shots=[1]), r"p01\[0\]=1.5 must be a probability in \[0, 1\]"),
        (dict(p01=[0.0], p10=[-0.1], shots=[1]), r"p10\[0\]=-0.1 must be a probability"),
        (dict(p01=[], p10=[], shots=[]), "p01 has shape"),
        (dict(p01=[0.1, 0.1], p10=[0.1], shots=[1, 1]), "p10 has 1 entries but p01 has 2"),
        (dict(p01=[0.6], p10=[0.4], shots=[1]), r"p01\[0\] \+ p10\[0\] = 1.0 must be < 1"),
        (dict(p01=[0.1], p10=[0.1], shots=[0]), "shots=.* must be an int >= 1"),
        (dict(p01=[0.1], p10=[0.1], shots=[1.5]), "shots=.* must be an int >= 1"),
        (dict(p01=[0.1], p10=[0.1], shots=[1, 2]), "shots=.* must be an int >= 1 or 1 such ints"),
        (dict(p01=[0.1], p10=[0.1], shots=1, qubits=("a", "b")), "qubits has 2 names but there are 1 columns"),
    ],
)
def test_bad_calibrations_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReadoutCalibration(**kwargs)


def test_bad_calibrate_arguments_raise():
    simulator = cirq.Simulator()
    with pytest.raises(ValueError, match="shots=0 must be an int >= 1"):
        calibrate_readout(simulator, cirq.LineQubit.range(2), shots=0)
    with pytest.raises(ValueError, match="shots=True must be an int >= 1"):
        calibrate_readout(simulator, cirq.LineQubit.range(2), shots=True)
    with pytest.raises(ValueError, match="at least one qubit"):
        readout_calibration_circuits([])
    with pytest.raises(ValueError, match="repeats a qubit"):
        readout_calibration_circuits([cirq.LineQubit(0)] * 2)
    with pytest.raises(ValueError, match="missing the keys"):
        ReadoutCalibration.from_json_dict({"p01": [0.1]})
    with pytest.raises(ValueError, match="not valid JSON"):
        ReadoutCalibration.from_json("{")
