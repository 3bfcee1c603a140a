"""The noise traps of DESIGN §6, each pinned: what the trap does, and that our presets avoid it."""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest
import qsimcirq
import scipy.stats
import stimcirq

from qmemlearn.noise import parse_noise
from qmemlearn.protocols import SingleCopyProtocol, TwoCopyProtocol
from qmemlearn.sources import PauliMixedState

Q = cirq.LineQubit.range(2)
ALL_PRESETS = [
    "depolarizing:p1=0.01,p2=0.02",
    "coherent:angle=0.1",
    "readout:p01=0.03,p10=0.05",
    "amplitude-damping:gamma=0.02",
    "idle:t1_us=10,t2_us=8,meas_ns=500",
    "depolarizing:p1=0.01,p2=0.02+coherent:angle=0.1+readout:p01=0.03,p10=0.05+amplitude-damping:gamma=0.02+idle:t1_us=10,t2_us=8,meas_ns=500",
]


def _ops_after_measurement(circuit: cirq.Circuit) -> list[cirq.Operation]:
    """Operations on a qubit after that qubit was measured."""
    measured: set = set()
    late = []
    for moment in circuit:
        late += [op for op in moment if set(op.qubits) & measured]
        measured |= {q for op in moment if cirq.is_measurement(op) for q in op.qubits}
    return late


def _protocol_circuits() -> list[cirq.Circuit]:
    state = PauliMixedState("XYZ")
    q = cirq.LineQubit.range(4)
    bell = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.measure(q[0], key="a"), cirq.X(q[2]), cirq.measure(*q[1:3], key="b"))
    return [TwoCopyProtocol().circuit(state), TwoCopyProtocol(memory_wait=2).circuit(state), SingleCopyProtocol().circuit(state), bell]


def test_constant_qubit_noise_model_puts_its_channel_after_a_measurement():
    circuit = cirq.Circuit(cirq.H(Q[0]), cirq.measure(*Q, key="m"))
    noisy = circuit.with_noise(cirq.ConstantQubitNoiseModel(cirq.depolarize(0.1)))
    late = _ops_after_measurement(noisy)
    assert late and all(isinstance(op.gate, cirq.DepolarizingChannel) for op in late)
    assert cirq.is_measurement(noisy[-2].operations[0]) and not any(cirq.is_measurement(op) for op in noisy[-1])


@pytest.mark.parametrize("spec", ALL_PRESETS)
def test_our_presets_never_put_noise_after_a_measurement(spec):
    model = parse_noise(spec).model()
    for circuit in _protocol_circuits():
        noisy = cirq.Circuit(circuit).with_noise(model)
        assert _ops_after_measurement(noisy) == []
        assert len(noisy) > len(circuit)  # the preset did add noise


@pytest.mark.parametrize("spec", ALL_PRESETS)
def test_our_presets_never_emit_a_confusion_map(spec):
    model = parse_noise(spec).model()
    for circuit in _protocol_circuits():
        for op in cirq.Circuit(circuit).with_noise(model).all_operations():
            if cirq.is_measurement(op):
                assert op.gate.confusion_map == {}, op


def _confused_circuit() -> cirq.Circuit:
    confusion = np.array([[0.9, 0.1], [0.2, 0.8]])
    return cirq.Circuit(cirq.X(Q[0]), cirq.measure(*Q, key="m", confusion_map={(0,): confusion}))


def test_qsim_crashes_on_a_confusion_map():
    with pytest.raises(ValueError, match="truth value of an array"):
        qsimcirq.QSimSimulator().run(_confused_circuit(), repetitions=10)


def test_stimcirq_ignores_a_confusion_map():
    bits = stimcirq.StimSampler().run(_confused_circuit(), repetitions=2000).measurements["m"]
    assert bits[:, 0].all()  # a 1→0 confusion of 0.2 would flip ~400 of these
    ones = cirq.DensityMatrixSimulator(seed=3).run(_confused_circuit(), repetitions=2000).measurements["m"][:, 0]
    assert abs(ones.mean() - 0.8) < 4 * np.sqrt(0.16 / 2000)  # cirq's own simulators do apply it


@pytest.mark.parametrize("p01, p10", [(0.03, 0.05), (0.2, 0.0), (0.0, 0.35), (0.5, 0.25)])
def test_readout_bit_flip_before_measurement_is_the_confusion_matrix(p01, p10):
    """Exact: P(read r | prepared s) = Π_i C[s_i, r_i] with C = [[1-p01, p01], [p10, 1-p10]]."""
    confusion = np.array([[1 - p01, p01], [p10, 1 - p10]])
    model = parse_noise(f"readout:p01={p01},p10={p10}").model()
    for prepared in itertools.product((0, 1), repeat=2):
        circuit = cirq.Circuit([cirq.X(q) for q, s in zip(Q, prepared) if s], cirq.measure(*Q, key="m")).with_noise(model)
        body = cirq.drop_terminal_measurements(circuit)
        rho = cirq.final_density_matrix(body, qubit_order=Q, dtype=np.complex128) if len(body) else np.diag([1.0, 0, 0, 0])
        expected = np.kron(confusion[prepared[0]], confusion[prepared[1]])
        np.testing.assert_allclose(np.real(np.diagonal(rho)), expected, atol=1e-12)


def test_noisy_qsim_runs_one_trajectory_per_repetition():
    """A 50/50 bit flip is drawn anew in every repetition: outcomes vary and are independent.

    One shared trajectory would give the same bit in all repetitions. Consecutive repetitions
    are tested for independence with a 2x2 contingency table.
    """
    q = cirq.LineQubit(0)
    circuit = cirq.Circuit(cirq.bit_flip(0.5).on(q), cirq.measure(q, key="m"))
    reps = 4000
    bits = qsimcirq.QSimSimulator(seed=11).run(circuit, repetitions=reps).measurements["m"][:, 0]
    mean_sigma = 0.5 / np.sqrt(reps)
    assert abs(bits.mean() - 0.5) < 4 * mean_sigma
    table = np.zeros((2, 2))
    np.add.at(table, (bits[:-1], bits[1:]), 1)
    assert scipy.stats.chi2_contingency(table)[1] > 1e-3
    # The same holds for our own channels in qsim: an idle-decayed |1⟩ is sometimes read 0.
    noisy = cirq.Circuit(cirq.X(q), [cirq.I(q)] * 20, cirq.measure(q, key="m")).with_noise(
        parse_noise("idle:t1_us=1,t2_us=1").model()
    )
    decayed = qsimcirq.QSimSimulator(seed=5).run(noisy, repetitions=2000).measurements["m"][:, 0]
    p_one = np.exp(-21 * 25e-3 / 1.0)
    assert abs(decayed.mean() - p_one) < 4 * np.sqrt(p_one * (1 - p_one) / 2000)
