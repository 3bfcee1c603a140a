"""Backend ``auto``: the decision, its log line, and that it runs what it picks."""

from __future__ import annotations

import logging

import cirq
import numpy as np
import pytest

from qmemlearn.backends import choose_backend, make_sampler, sample_bits
from qmemlearn.noise import parse_noise
from qmemlearn.protocols import MEASUREMENT_KEY, TwoCopyProtocol
from qmemlearn.protocols.base import MixtureForm
from qmemlearn.sources import PauliMixedState


def _chain(n: int, *, t_gate: bool = False) -> cirq.Circuit:
    q = cirq.LineQubit.range(n)
    ops = [cirq.H(q[0])] + [cirq.CNOT(q[i], q[i + 1]) for i in range(n - 1)]
    if t_gate:
        ops.append(cirq.T(q[0]))
    return cirq.Circuit(ops, cirq.measure(*q, key=MEASUREMENT_KEY))


DEPOLARIZING = parse_noise("depolarizing:p1=0.01,p2=0.02").model()


@pytest.mark.parametrize(
    "circuit, noise, expected, why",
    [
        (_chain(4), None, "fast", r"clusters of at most 4 qubits"),
        (_chain(40), DEPOLARIZING, "stim", r"Clifford gates and Pauli noise on 40 qubits"),
        (_chain(12, t_gate=True), DEPOLARIZING, "qsim", r"not stim \(operation cirq.T"),
        (_chain(12, t_gate=True), None, "qsim", r"noiseless"),
        (_chain(12), parse_noise("amplitude-damping:gamma=0.01").model(), "qsim", r"amplitude_damp"),
    ],
)
def test_choose_backend_picks_the_fastest_exact_backend(circuit, noise, expected, why):
    name, reason = choose_backend(circuit, noise)
    assert name == expected
    assert reason and __import__("re").search(why, reason), reason


def test_choose_backend_density_matrix_for_tiny_noisy_entangled_circuits(monkeypatch):
    monkeypatch.setattr("qmemlearn.backends.auto.DENSITY_MATRIX_MAX_QUBITS", 12)
    name, reason = choose_backend(_chain(12, t_gate=True), DEPOLARIZING)
    assert name == "density-matrix" and "exact without trajectories" in reason


def test_choose_backend_refuses_what_nothing_fits():
    with pytest.raises(ValueError, match=r"no backend simulates this circuit exactly: 40 qubits in clusters of up to 40.*not stim"):
        choose_backend(_chain(40, t_gate=True), None)


def test_auto_sampler_logs_and_runs_the_mixture_form_on_stim(caplog):
    state = PauliMixedState("XYZ" * 10, alpha=0.9)
    protocol, source = TwoCopyProtocol(), MixtureForm(PauliMixedState("XYZ" * 10, alpha=0.9))
    sampler = make_sampler("auto", noise="depolarizing:p1=0.01,p2=0.02", seed=3)
    columns, _ = protocol.draw_settings(source, np.random.default_rng(0), 500)
    with caplog.at_level(logging.INFO, logger="qmemlearn.backends"):
        bits = sample_bits(sampler, protocol.circuit(source), columns)
    assert bits.shape == (500, 60)
    assert sampler.last_choice[0] == "stim"
    assert any("backend auto -> stim" in r.getMessage() for r in caplog.records)
    # The sweep form is cluster-structured: auto picks fast.
    sweep_columns, _ = protocol.draw_settings(state, np.random.default_rng(0), 50)
    sample_bits(sampler, protocol.circuit(state), sweep_columns)
    assert sampler.last_choice[0] == "fast"


def test_auto_sampler_run_sweep_agrees_with_the_exact_distribution(ref):
    circuit = _chain(3)
    result = make_sampler("auto", noise="readout:p01=0.1,p10=0.1", seed=5).run(circuit, repetitions=5000)
    model = parse_noise("readout:p01=0.1,p10=0.1").model()
    pvalue, _, _ = ref.gof([(ref.counts(ref.result_bits(result, circuit)), ref.exact_distribution(circuit.with_noise(model)))])
    assert pvalue > 1e-4
