"""DeviceNoiseSampler: logical circuits in, calibrated device noise applied, bits in logical order."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from qmemlearn.backends import sample_bits
from qmemlearn.hardware import DeviceNoiseSampler, google_noise_model
from qmemlearn.protocols import MEASUREMENT_KEY, SingleCopyProtocol, TwoCopyProtocol, sample_records
from qmemlearn.sources import PauliMixedState


def _exact(noisy: cirq.Circuit, resolver: cirq.ParamResolver) -> np.ndarray:
    index = next(i for i, moment in enumerate(noisy) if any(cirq.is_measurement(op) for op in moment))
    (measurement,) = noisy[index].operations
    rho = cirq.DensityMatrixSimulator(dtype=np.complex128).simulate(
        cirq.resolve_parameters(noisy[:index], resolver), qubit_order=measurement.qubits
    ).final_density_matrix
    probs = np.clip(np.real(np.diagonal(rho)), 0, None)
    return probs / probs.sum()


@pytest.mark.parametrize("protocol", [TwoCopyProtocol(), SingleCopyProtocol()])
def test_bits_follow_the_device_distribution_in_logical_order(protocol, goodness_of_fit):
    source = PauliMixedState("YX")
    logical = protocol.circuit(source)
    sampler = DeviceNoiseSampler("willow_pink", seed=3)
    circuit, model, qubit_map = sampler.device_circuit(logical)
    (logical_measurement,) = [op for op in logical.all_operations() if cirq.is_measurement(op)]
    (device_measurement,) = circuit[-1].operations
    assert device_measurement.qubits == tuple(qubit_map[q] for q in logical_measurement.qubits)
    assert model is google_noise_model("willow_pink")
    columns, _ = protocol.draw_settings(source, np.random.default_rng(0), 1)
    shots = 20_000
    repeated = {name: np.repeat(values, shots) for name, values in columns.items()}  # one setting, many shots
    bits = sample_bits(sampler, logical, repeated)
    exact = _exact(circuit.with_noise(model), cirq.ParamResolver({k: float(v[0]) for k, v in columns.items()}))
    observed = np.bincount(bits.astype(np.int64) @ (1 << np.arange(bits.shape[1] - 1, -1, -1)), minlength=exact.size)
    pvalue, statistic, dof = goodness_of_fit([(observed, exact)])
    assert pvalue > 1e-3, (statistic, dof)


def test_sample_records_and_run_sweep_work_through_any_inner_simulator():
    source = PauliMixedState("Z")
    record = sample_records(
        source, TwoCopyProtocol(), copies=4000, sampler=DeviceNoiseSampler("rainbow", seed=1), rng=np.random.default_rng(1)
    )
    assert record.bits.shape == (2000, 2)
    # ZZ = (-1)^b estimates tr(Zρ)² = 0.81 (standard error 0.013 at 2000 shots), shrunk by at
    # most a few percent by the calibrated noise (the exact distribution is tested above).
    assert abs(np.mean((-1.0) ** record.bits[:, 1]) - 0.81) < 0.08
    dm = DeviceNoiseSampler(
        "weber", seed=2, sampler_factory=lambda noise, seed: cirq.DensityMatrixSimulator(noise=noise, seed=seed)
    )
    q = cirq.LineQubit.range(2)
    bell = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(*q), cirq.measure(*q, key=MEASUREMENT_KEY))
    bits = dm.run(bell, repetitions=200).measurements[MEASUREMENT_KEY]
    assert 0.8 < np.mean(bits[:, 0] == bits[:, 1]) <= 1.0  # correlated up to calibrated errors


def test_unknown_processor_or_gateset_is_refused():
    with pytest.raises(ValueError, match=r"processor_id='foo' is not shipped"):
        DeviceNoiseSampler("foo")
    with pytest.raises(ValueError, match=r"gateset='cz' is not available on weber"):
        DeviceNoiseSampler("weber", gateset="cz")
