"""Dynamics under google:<processor> noise: placed on the comb, compiled, exact, bits in logical order."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from qmemlearn.hardware import google_noise_model, prepare_for_processor
from qmemlearn.hardware.dynamics import device_outcome_probabilities
from qmemlearn.protocols.dynamics import single_copy_dynamics_circuit, two_copy_dynamics_circuit
from qmemlearn.sources.brickwork import BrickworkDynamics
from qmemlearn.tasks.dynamics_outcomes import circuit_outcomes, clear_cache


def _reference(logical: cirq.Circuit, processor_id: str) -> np.ndarray:
    """DensityMatrixSimulator on the placed, compiled circuit with the device noise, read in the
    logical column order (column i = the device qubit of LineQubit(i))."""
    circuit, _, qubit_map = prepare_for_processor(logical, processor_id)
    body = cirq.Circuit(circuit[:-1])  # the last moment holds the one measurement
    assert all(cirq.is_measurement(op) for op in circuit[-1])
    simulator = cirq.DensityMatrixSimulator(noise=google_noise_model(processor_id), dtype=np.complex128)
    order = [qubit_map[q] for q in sorted(logical.all_qubits())]
    rho = simulator.simulate(body, qubit_order=order).final_density_matrix
    # The readout error is a channel before the measurement: apply it as the model does.
    noisy = cirq.Circuit(circuit).with_noise(google_noise_model(processor_id))
    readout = [op for op in noisy[-2].operations if not cirq.has_unitary(op)]
    assert readout and all(op.qubits[0] in order for op in readout)
    rho = cirq.DensityMatrixSimulator(dtype=np.complex128).simulate(
        cirq.Circuit(readout), qubit_order=order, initial_state=rho
    ).final_density_matrix
    return np.real(np.diagonal(rho))


def _ideal(logical: cirq.Circuit) -> np.ndarray:
    state = cirq.final_state_vector(logical[:-1], qubit_order=sorted(logical.all_qubits()), dtype=np.complex128)
    return np.abs(state) ** 2


@pytest.mark.parametrize("protocol", ["two-copy", "single-copy"])
@pytest.mark.parametrize("kind", ["t-symmetric", "scrambling"])
def test_device_noise_outcomes_equal_density_matrix_on_the_placed_circuit(protocol, kind):
    clear_cache()
    u = BrickworkDynamics(n=2, depth=2, kind=kind, seed=3)
    logical = (two_copy_dynamics_circuit if protocol == "two-copy" else single_copy_dynamics_circuit)(u)
    outcomes = circuit_outcomes(u, protocol=protocol, noise="google:willow_pink", backend="exact")
    probabilities = outcomes.probabilities()
    np.testing.assert_allclose(probabilities, _reference(logical, "willow_pink"), atol=1e-6)
    # The noise is real, and small: far closer to the logical distribution than to any reordering
    # of the columns (so the bits are mapped back to the logical order).
    ideal = _ideal(logical)
    distance = 0.5 * np.abs(probabilities - ideal).sum()
    assert 1e-3 < distance < 0.15
    width = outcomes.width
    for perm in ([1, 0, 2, 3], [2, 3, 0, 1], [0, 2, 1, 3])[: 1 if width == 2 else 3]:
        shuffled = ideal.reshape((2,) * width).transpose(perm[:width]).ravel()
        if not np.allclose(shuffled, ideal, atol=1e-3):
            assert 0.5 * np.abs(probabilities - shuffled).sum() > distance


def test_too_wide_a_noisy_circuit_is_refused():
    u = BrickworkDynamics(n=7, depth=2, kind="scrambling", seed=0)
    with pytest.raises(ValueError, match=r"density matrix of 14 qubits; the limit is 12"):
        device_outcome_probabilities(two_copy_dynamics_circuit(u), "google:willow_pink", max_qubits=12)
