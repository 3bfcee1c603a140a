"""qmemlearn.noise: spec strings, NoiseSpec, LocalNoiseModel placement, ReadoutErrorChannel."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from qmemlearn.noise import LocalNoiseModel, NoiseSpec, ReadoutErrorChannel, parse_noise


# ----- spec strings ---------------------------------------------------------------------------
def test_parse_known_specs():
    assert parse_noise(None) == NoiseSpec() and parse_noise("ideal") == NoiseSpec() and parse_noise(" ideal ") == NoiseSpec()
    spec = parse_noise("depolarizing:p1=0.001,p2=0.01+readout:p01=0.02,p10=0.03+amplitude-damping:gamma=0.004")
    assert spec == NoiseSpec(p1=0.001, p2=0.01, p01=0.02, p10=0.03, gamma=0.004)
    assert parse_noise("readout:p10=0.2") == NoiseSpec(p10=0.2)
    assert parse_noise(" depolarizing : p1 = 0.5 ".replace(" : ", ":").replace(" = ", "=")) == NoiseSpec(p1=0.5)
    assert parse_noise(spec) is spec
    assert NoiseSpec().is_ideal and not spec.is_ideal
    assert NoiseSpec().model() is None and parse_noise("ideal").to_string() == "ideal"
    assert isinstance(spec.model(), LocalNoiseModel)


@pytest.mark.parametrize(
    "spec",
    [
        NoiseSpec(),
        NoiseSpec(p1=0.001),
        NoiseSpec(p2=0.25),
        NoiseSpec(p01=0.02, p10=0.05),
        NoiseSpec(gamma=1e-4),
        NoiseSpec(p1=0.1, p2=0.2, p01=0.3, p10=0.4, gamma=0.5),
        NoiseSpec(p1=1 / 3, gamma=0.1 + 0.2),  # values that need full repr precision
        NoiseSpec(p1=1.0, p10=1.0),
    ],
)
def test_to_string_round_trip(spec):
    text = spec.to_string()
    assert parse_noise(text) == spec
    assert parse_noise(text).to_string() == text


def test_to_string_round_trip_random():
    rng = np.random.default_rng(0)
    for _ in range(50):
        values = {k: float(v) if rng.random() < 0.6 else 0.0 for k, v in zip(["p1", "p2", "p01", "p10", "gamma"], rng.random(5))}
        spec = NoiseSpec(**values)
        assert parse_noise(spec.to_string()) == spec


def test_to_string_round_trip_numpy_floats():
    spec = NoiseSpec(p1=np.float64(0.1), gamma=np.float64(0.25))  # e.g. values from np.linspace in a sweep
    assert parse_noise(spec.to_string()) == spec


def test_to_string_of_ints_parses_back_equal():
    assert parse_noise(NoiseSpec(p1=1, p10=0).to_string()) == NoiseSpec(p1=1, p10=0)


def test_to_string_is_canonical_for_equal_specs():
    assert NoiseSpec(p1=1) == NoiseSpec(p1=1.0)
    assert NoiseSpec(p1=1).to_string() == NoiseSpec(p1=1.0).to_string()


@pytest.mark.parametrize(
    "text, match",
    [
        ("dephasing:p=0.1", r"noise term 'dephasing' in noise='dephasing:p=0.1' is unknown; allowed: ideal, depolarizing, readout, amplitude-damping"),
        ("depolarizing:p1=0.1+bogus:x=1", r"noise term 'bogus'"),
        ("depolarizing:p3=0.1", r"noise term 'depolarizing' has no parameter 'p3'; allowed: p1, p2"),
        ("readout:p1=0.1", r"noise term 'readout' has no parameter 'p1'; allowed: p01, p10"),
        ("amplitude-damping:g=0.1", r"has no parameter 'g'; allowed: gamma"),
        ("depolarizing:p1=abc", r"noise parameter p1='abc' must be a number in \[0, 1\]"),
        ("depolarizing:p1=", r"noise parameter p1='' must be a number"),
        ("readout:p01=1.5", r"noise parameter p01=1.5 must be a number in \[0, 1\]"),
        ("amplitude-damping:gamma=-0.1", r"noise parameter gamma=-0.1 must be a number in \[0, 1\]"),
        ("depolarizing:p2=nan", r"noise parameter p2=nan"),
        ("", r"noise='' must be 'ideal' or terms"),
        ("   ", r"must be 'ideal' or terms"),
    ],
)
def test_bad_specs_are_named(text, match):
    with pytest.raises(ValueError, match=match):
        parse_noise(text)


def test_bad_spec_types_and_values():
    with pytest.raises(ValueError, match=r"noise=0.1 must be 'ideal'"):
        parse_noise(0.1)
    with pytest.raises(ValueError, match=r"noise parameter p10=2 must be a number in \[0, 1\]"):
        NoiseSpec(p10=2)
    with pytest.raises(ValueError, match=r"noise parameter gamma='0.1'"):
        NoiseSpec(gamma="0.1")
    with pytest.raises(ValueError, match=r"noise parameter p01=1.01"):
        ReadoutErrorChannel(1.01, 0.0)


# ----- placement of the channels --------------------------------------------------------------
def _noisy(spec: str) -> cirq.Circuit:
    q = cirq.LineQubit.range(3)
    circuit = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.X(q[2]), cirq.measure(q[0], q[1], key="m"))
    return circuit.with_noise(parse_noise(spec).model())


def _gates(moment: cirq.Moment) -> list:
    return sorted((type(op.gate).__name__, tuple(op.qubits)) for op in moment)


def test_depolarizing_placement():
    circuit = _noisy("depolarizing:p1=0.01,p2=0.02")
    q = cirq.LineQubit.range(3)
    depolarizing = [op for op in circuit.all_operations() if isinstance(op.gate, cirq.DepolarizingChannel)]
    by_qubits = {tuple(op.qubits): op.gate for op in depolarizing}
    assert by_qubits == {(q[0],): cirq.depolarize(0.01), (q[2],): cirq.depolarize(0.01), (q[0], q[1]): cirq.depolarize(0.02, n_qubits=2)}
    # Each channel comes right after its gate, and nothing follows the measurement.
    for k, moment in enumerate(circuit):
        for op in moment:
            if isinstance(op.gate, cirq.DepolarizingChannel):
                previous = circuit[k - 1].operation_at(op.qubits[0])
                assert previous is not None and len(previous.qubits) == len(op.qubits) and not cirq.is_measurement(previous)
    assert cirq.is_measurement(circuit[-1].operations[0]) and len(circuit[-1]) == 1


def test_readout_placement_before_measurement_only():
    circuit = _noisy("readout:p01=0.03,p10=0.04")
    readout = [(k, op) for k, m in enumerate(circuit) for op in m if isinstance(op.gate, ReadoutErrorChannel)]
    q = cirq.LineQubit.range(3)
    assert sorted(op.qubits[0] for _, op in readout) == [q[0], q[1]]  # the measured qubits, not q2
    assert all(op.gate == ReadoutErrorChannel(0.03, 0.04) for _, op in readout)
    last = len(circuit) - 1
    assert all(k == last - 1 for k, _ in readout) and cirq.is_measurement(circuit[last].operations[0])
    assert not any(m.operation_at(q[0]) is not None and not cirq.is_measurement(m.operation_at(q[0])) for m in circuit[last:])


def test_amplitude_damping_placement():
    circuit = _noisy("amplitude-damping:gamma=0.05")
    q = cirq.LineQubit.range(3)
    damping = [(k, op) for k, m in enumerate(circuit) for op in m if isinstance(op.gate, cirq.AmplitudeDampingChannel)]
    # One per qubit after each of the 2 gate moments; none at the measurement.
    assert len(damping) == 2 * 3
    assert all(op.gate == cirq.amplitude_damp(0.05) for _, op in damping)
    measurement_moment = next(k for k, m in enumerate(circuit) if any(cirq.is_measurement(op) for op in m))
    assert all(k < measurement_moment for k, _ in damping)
    assert {op.qubits[0] for _, op in damping} == set(q)


def test_noise_channels_are_virtual():
    circuit = _noisy("depolarizing:p1=0.01,p2=0.02+readout:p01=0.03,p10=0.04+amplitude-damping:gamma=0.05")
    for op in circuit.all_operations():
        is_channel = not cirq.has_unitary(op) and not cirq.is_measurement(op)
        assert is_channel == (cirq.VirtualTag() in op.tags), op


def test_ideal_spec_changes_nothing():
    q = cirq.LineQubit.range(2)
    circuit = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(*q), cirq.measure(*q, key="m"))
    assert parse_noise("ideal").model() is None
    assert circuit.with_noise(parse_noise("depolarizing:p1=0").model() or None) == circuit


# ----- the readout channel ----------------------------------------------------------------------
@pytest.mark.parametrize("p01, p10", [(0.0, 0.0), (0.1, 0.0), (0.0, 0.3), (0.02, 0.07), (1.0, 1.0)])
def test_readout_channel_flips_with_the_given_probabilities(p01, p10):
    channel = ReadoutErrorChannel(p01, p10)
    kraus = cirq.kraus(channel)
    np.testing.assert_allclose(sum(k.conj().T @ k for k in kraus), np.eye(2), atol=1e-12)
    q = cirq.LineQubit(0)
    for prepared, wrong, p in ((0, 1, p01), (1, 0, p10)):
        circuit = cirq.Circuit(cirq.X(q) ** prepared, channel.on(q))
        rho = cirq.final_density_matrix(circuit, qubit_order=[q], dtype=np.complex128)
        assert np.real(rho[wrong, wrong]) == pytest.approx(p, abs=1e-12)
    assert cirq.num_qubits(channel) == 1
    assert channel == ReadoutErrorChannel(p01, p10) and hash(channel) == hash(ReadoutErrorChannel(p01, p10))
    assert channel != ReadoutErrorChannel(p01, min(p10 + 0.1, 1.0)) or p10 == 1.0
    assert "ReadoutErrorChannel" in repr(channel)


def test_readout_noise_through_a_simulator():
    q = cirq.LineQubit.range(2)
    circuit = cirq.Circuit(cirq.X(q[1]), cirq.measure(*q, key="m")).with_noise(parse_noise("readout:p01=0.1,p10=0.3").model())
    rho = cirq.final_density_matrix(cirq.drop_terminal_measurements(circuit), qubit_order=q, dtype=np.complex128)
    probs = np.real(np.diagonal(rho))
    # q0 prepared 0 (reads 1 w.p. 0.1), q1 prepared 1 (reads 0 w.p. 0.3).
    np.testing.assert_allclose(probs, [0.9 * 0.3, 0.9 * 0.7, 0.1 * 0.3, 0.1 * 0.7], atol=1e-12)
