"""Google noise presets: spec strings, the placed-and-compiled guard, locality, and exact sampling.

The smoke test of the fast cluster sampler: on the placed, compiled two-copy circuit under the
willow_pink calibration, its samples follow the exact distribution of the same noisy circuit
computed by ``cirq.DensityMatrixSimulator``.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from qmemlearn.backends import ClusterSampler
from qmemlearn.hardware import (
    GOOGLE_PROCESSORS,
    GoogleNoiseSpec,
    google_noise_model,
    is_google_noise,
    load_processor,
    parse_google_noise,
    prepare_for_processor,
)
from qmemlearn.protocols import MEASUREMENT_KEY, TwoCopyProtocol
from qmemlearn.sources import PauliMixedState

REPETITIONS = 20_000


def _exact_distribution(noisy: cirq.Circuit, resolver: cirq.ParamResolver) -> np.ndarray:
    """Exact probabilities of key ``m`` (first measured qubit = most significant bit)."""
    index = next(i for i, moment in enumerate(noisy) if any(cirq.is_measurement(op) for op in moment))
    (measurement,) = noisy[index].operations  # one measurement, alone in its moment
    body = cirq.resolve_parameters(noisy[:index], resolver)  # channels after it cannot matter
    rho = cirq.DensityMatrixSimulator(dtype=np.complex128).simulate(body, qubit_order=measurement.qubits).final_density_matrix
    probs = np.clip(np.real(np.diagonal(rho)), 0, None)
    return probs / probs.sum()


def _outcomes(bits: np.ndarray) -> np.ndarray:
    return bits.astype(np.int64) @ (1 << np.arange(bits.shape[1] - 1, -1, -1))


def _two_copy(n: int, processor_id: str = "willow_pink"):
    source = PauliMixedState("XYZY"[:n], alpha=0.9)
    protocol = TwoCopyProtocol()
    return source, protocol, prepare_for_processor(protocol.circuit(source), processor_id)


@pytest.mark.parametrize("processor_id", GOOGLE_PROCESSORS)
def test_spec_strings_round_trip(processor_id):
    spec = parse_google_noise(f" google:{processor_id} ")
    assert spec == GoogleNoiseSpec(processor_id) and not spec.is_ideal
    assert parse_google_noise(spec.to_string()) == spec
    assert spec.model() is google_noise_model(processor_id)
    assert is_google_noise(spec.to_string()) and not is_google_noise("depolarizing:p1=0.1")


@pytest.mark.parametrize(
    "spec, message",
    [
        ("google:sycamore", r"names processor 'sycamore', which cirq-google does not ship; allowed: google:rainbow, google:weber, google:willow_pink"),
        ("google:willow_pink+readout:p01=0.1", r"cannot be combined with other terms"),
        ("depolarizing:p1=0.1", r"is not a Google noise spec"),
    ],
)
def test_bad_specs_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_google_noise(spec)


def test_logical_circuit_is_refused_not_silently_noiseless():
    """The trap: the calibrated model adds nothing on LineQubits or on uncalibrated gates."""
    source = PauliMixedState("XY")
    logical = TwoCopyProtocol().circuit(source)
    model = google_noise_model("willow_pink")
    with pytest.raises(ValueError, match=r"is not a qubit of willow_pink.*prepare_for_processor"):
        cirq.Circuit(logical).with_noise(model)
    a, b = load_processor("willow_pink").couplers[0]
    with pytest.raises(ValueError, match=r"has no calibrated error on willow_pink"):
        cirq.Circuit(cirq.CNOT(a, b), cirq.measure(a, b, key="m")).with_noise(model)
    sqrt_iswap = cirq.Circuit(cirq.SQRT_ISWAP(a, b), cirq.measure(a, b, key="m"))
    with pytest.raises(ValueError, match=r"has no calibrated error on willow_pink"):
        sqrt_iswap.with_noise(model)


@pytest.mark.parametrize("processor_id", GOOGLE_PROCESSORS)
def test_noise_is_local_to_pairs_and_to_the_circuit_qubits(processor_id):
    n = 4
    _, _, (circuit, model, qubit_map) = _two_copy(n, processor_id)
    noisy = circuit.with_noise(model)
    pairs = [frozenset((qubit_map[cirq.LineQubit(2 * i)], qubit_map[cirq.LineQubit(2 * i + 1)])) for i in range(n)]
    assert noisy.all_qubits() == circuit.all_qubits()  # no idle noise on unused device qubits
    channels = 0
    for op in noisy.all_operations():
        if cirq.is_measurement(op):
            continue
        assert any(set(op.qubits) <= pair for pair in pairs), f"{op!r} crosses pairs"
        channels += not cirq.has_unitary(op)
    assert channels > 10 * n  # thermal, depolarizing and readout channels are really there


@pytest.mark.parametrize("n", [2, 3, 4])
def test_fast_sampler_matches_density_matrix_under_willow_pink_noise(n, goodness_of_fit):
    source, protocol, (circuit, model, _) = _two_copy(n)
    noisy = circuit.with_noise(model)
    columns, _ = protocol.draw_settings(source, np.random.default_rng(n), 3)
    sampler = ClusterSampler(noise=model, seed=100 + n)
    groups = []
    for t in range(3):
        resolver = cirq.ParamResolver({name: float(values[t]) for name, values in columns.items()})
        exact = _exact_distribution(noisy, resolver)
        ideal = _exact_distribution(cirq.Circuit(circuit), resolver)
        assert 0.5 * np.abs(exact - ideal).sum() > 0.03  # the calibrated noise matters (TV 0.04-0.08 here)
        bits = sampler.run(circuit, resolver, repetitions=REPETITIONS).measurements[MEASUREMENT_KEY]
        groups.append((np.bincount(_outcomes(bits), minlength=4**n), exact))
    pvalue, statistic, dof = goodness_of_fit(groups)
    assert pvalue > 1e-3, (statistic, dof)
