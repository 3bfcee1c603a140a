"""LocalNoiseModel: where each term puts its channels, for the old and the new presets."""

from __future__ import annotations

import math

import cirq
import numpy as np
import pytest

from qmemlearn.noise import (
    LocalNoiseModel,
    ReadoutErrorChannel,
    ThermalDecayChannel,
    memory_wait_moments,
    memory_wait_us,
    parse_noise,
)

Q = cirq.LineQubit.range(3)


def _noisy(spec: str) -> cirq.Circuit:
    circuit = cirq.Circuit(cirq.H(Q[0]), cirq.CNOT(Q[0], Q[1]), cirq.X(Q[2]), cirq.measure(Q[0], Q[1], key="m"))
    return circuit.with_noise(parse_noise(spec).model())


def _ops(circuit: cirq.Circuit, kind) -> list[tuple[int, cirq.Operation]]:
    return [(k, op) for k, m in enumerate(circuit) for op in m if isinstance(op.gate, kind)]


def test_depolarizing_placement():
    circuit = _noisy("depolarizing:p1=0.01,p2=0.02")
    by_qubits = {tuple(op.qubits): op.gate for _, op in _ops(circuit, cirq.DepolarizingChannel)}
    assert by_qubits == {(Q[0],): cirq.depolarize(0.01), (Q[2],): cirq.depolarize(0.01), (Q[0], Q[1]): cirq.depolarize(0.02, n_qubits=2)}
    # Each channel comes right after its gate, and nothing follows the measurement.
    for k, op in _ops(circuit, cirq.DepolarizingChannel):
        previous = circuit[k - 1].operation_at(op.qubits[0])
        assert previous is not None and len(previous.qubits) == len(op.qubits) and not cirq.is_measurement(previous)
    assert cirq.is_measurement(circuit[-1].operations[0]) and len(circuit[-1]) == 1


def test_coherent_placement_and_unitary():
    circuit = _noisy("coherent:angle=0.3")
    rotations = [(k, op) for k, m in enumerate(circuit) for op in m if cirq.VirtualTag() in op.tags]
    gates = {tuple(op.qubits): op.untagged for _, op in rotations}
    assert gates == {(Q[0],): cirq.rx(0.3).on(Q[0]), (Q[2],): cirq.rx(0.3).on(Q[2]), (Q[0], Q[1]): cirq.ZZPowGate(exponent=0.3 / np.pi).on(Q[0], Q[1])}
    # ZZ**(θ/π) is exp(-iθ ZZ/2) up to a global phase.
    zz = np.diag([1, -1, -1, 1])
    expected = np.diag(np.exp(-0.5j * 0.3 * np.diag(zz)))
    assert cirq.equal_up_to_global_phase(cirq.unitary(cirq.ZZPowGate(exponent=0.3 / np.pi)), expected, atol=1e-12)
    for k, op in rotations:
        assert not any(cirq.is_measurement(o) for o in circuit[k - 1])


def test_gate_errors_skip_identity_waits_and_noise_ops():
    q = cirq.LineQubit(0)
    circuit = cirq.Circuit(cirq.I(q), cirq.I(q).with_tags("memory_wait"), cirq.depolarize(0.1).on(q).with_tags(cirq.VirtualTag()))
    assert circuit.with_noise(parse_noise("depolarizing:p1=0.2+coherent:angle=0.1").model()) == circuit


def test_readout_placement_before_measurement_only():
    circuit = _noisy("readout:p01=0.03,p10=0.04")
    readout = _ops(circuit, ReadoutErrorChannel)
    assert sorted(op.qubits[0] for _, op in readout) == [Q[0], Q[1]]  # the measured qubits, not q2
    assert all(op.gate == ReadoutErrorChannel(0.03, 0.04) for _, op in readout)
    last = len(circuit) - 1
    assert all(k == last - 1 for k, _ in readout) and cirq.is_measurement(circuit[last].operations[0])


def test_amplitude_damping_placement():
    circuit = _noisy("amplitude-damping:gamma=0.05")
    damping = _ops(circuit, cirq.AmplitudeDampingChannel)
    assert len(damping) == 2 * 3  # one per qubit after each of the 2 gate moments; none at the measurement
    assert all(op.gate == cirq.amplitude_damp(0.05) for _, op in damping)
    measurement_moment = next(k for k, m in enumerate(circuit) if any(cirq.is_measurement(op) for op in m))
    assert all(k < measurement_moment for k, _ in damping)
    assert {op.qubits[0] for _, op in damping} == set(Q)


def test_idle_placement_durations_and_measured_qubits():
    circuit = _noisy("idle:t1_us=10,t2_us=8,t1q_ns=20,t2q_ns=50,meas_ns=400")
    decay = _ops(circuit, ThermalDecayChannel)
    # Moment H+X lasts 20 ns, CNOT 50 ns, measurement 400 ns on the unmeasured q2 only.
    by_moment: dict[float, set] = {}
    for _, op in decay:
        assert (op.gate.t1_us, op.gate.t2_us) == (10.0, 8.0)
        by_moment.setdefault(op.gate.duration_ns, set()).add(op.qubits[0])
    assert by_moment == {20.0: set(Q), 50.0: set(Q), 400.0: {Q[2]}}
    assert len(decay) == 7
    # Decay always follows the moment and its gate errors.
    spec = "idle:t1_us=10,t2_us=8+depolarizing:p1=0.1"
    circuit = _noisy(spec)
    first_decay = min(k for k, _ in _ops(circuit, ThermalDecayChannel))
    first_depolarizing = min(k for k, _ in _ops(circuit, cirq.DepolarizingChannel))
    assert first_depolarizing < first_decay


def test_idle_skips_empty_moments_but_not_identity_moments():
    q = cirq.LineQubit(0)
    model = parse_noise("idle:t1_us=1,t2_us=1").model()
    assert cirq.Circuit(cirq.Moment(), cirq.Moment()).with_noise(model) == cirq.Circuit(cirq.Moment(), cirq.Moment())
    waited = cirq.Circuit(cirq.I(q), cirq.I(q)).with_noise(model)
    assert [op.gate for _, op in _ops(waited, ThermalDecayChannel)] == [ThermalDecayChannel(25.0, 1.0, 1.0)] * 2
    assert memory_wait_us(2, "idle:t1_us=1,t2_us=1") == pytest.approx(0.05)


def test_idle_decay_of_a_waiting_qubit_matches_t1_and_t2():
    """|1⟩ keeps exp(-t/T1) of its population and |+⟩ exp(-t/T2) of its coherence over k waits."""
    q = cirq.LineQubit(0)
    model = parse_noise("idle:t1_us=2,t2_us=1.5,t1q_ns=30").model()
    k = 7
    t_us = k * 30e-3
    excited = cirq.final_density_matrix(cirq.Circuit(cirq.X(q), [cirq.I(q)] * k).with_noise(model), dtype=np.complex128)
    plus = cirq.final_density_matrix(cirq.Circuit(cirq.H(q), [cirq.I(q)] * k).with_noise(model), dtype=np.complex128)
    # The X and H moments last 30 ns too: k + 1 moments in all.
    t_us += 30e-3
    assert excited[1, 1].real == pytest.approx(math.exp(-t_us / 2), abs=1e-12)
    assert abs(plus[0, 1]) == pytest.approx(0.5 * math.exp(-t_us / 1.5), abs=1e-12)


def test_noise_operations_are_virtual():
    circuit = _noisy("depolarizing:p1=0.01,p2=0.02+coherent:angle=0.1+readout:p01=0.03,p10=0.04+amplitude-damping:gamma=0.05+idle:t1_us=1,t2_us=1")
    original = {op for op in _noisy("ideal").all_operations()}
    for op in circuit.all_operations():
        assert (op in original) == (cirq.VirtualTag() not in op.tags), op


def test_ideal_spec_changes_nothing():
    circuit = cirq.Circuit(cirq.H(Q[0]), cirq.CNOT(Q[0], Q[1]), cirq.measure(Q[0], Q[1], key="m"))
    assert parse_noise("ideal").model() is None
    assert parse_noise("depolarizing:p1=0").model() is None


def test_model_rejects_a_non_spec_and_has_a_stable_repr():
    with pytest.raises(ValueError, match=r"spec='depolarizing:p1=0.1' must be a NoiseSpec"):
        LocalNoiseModel("depolarizing:p1=0.1")
    model = parse_noise("readout:p10=0.1,p01=0.2").model()
    assert repr(model) == "LocalNoiseModel(qmemlearn.noise.parse_noise('readout:p01=0.2,p10=0.1'))"


def test_memory_wait_us_bad_inputs():
    with pytest.raises(ValueError, match=r"has no idle term"):
        memory_wait_us(3, "depolarizing:p1=0.1")
    with pytest.raises(ValueError, match=r"memory_wait=-1 must be an int >= 0"):
        memory_wait_us(-1, "idle:t1_us=1,t2_us=1")


def test_memory_wait_moments_inverts_memory_wait_us():
    spec = "idle:t1_us=100,t2_us=80,t1q_ns=20"
    for k in (0, 1, 7, 400):
        assert memory_wait_moments(memory_wait_us(k, spec), spec) == k
    assert memory_wait_moments(1.0, "idle:t1_us=100,t2_us=80") == 40
    with pytest.raises(ValueError, match=r"wait_us=0.03 is not a whole number of 20 ns moments; nearest: 0.02 or 0.04 µs"):
        memory_wait_moments(0.03, spec)
    with pytest.raises(ValueError, match=r"has no idle term with t1q_ns > 0"):
        memory_wait_moments(1.0, "idle:t1_us=1,t2_us=1,t1q_ns=0,t2q_ns=5")
    with pytest.raises(ValueError, match=r"noise parameter wait_us=-1 must be a number in \[0, inf\)"):
        memory_wait_moments(-1, spec)
