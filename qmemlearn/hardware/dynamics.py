"""Exact outcome distributions of the dynamics circuits under a processor's calibrated noise.

The dynamics task (:mod:`qmemlearn.tasks.dynamics_outcomes`) needs, per circuit, the exact
distribution of its measured bits. Under ``google:<processor>`` noise that means: place the
logical circuit on a chain (single-copy) or a comb (two-copy: system chain, memory partner
beside each system qubit, :mod:`qmemlearn.hardware.chain`), compile it to the native gateset,
add the calibrated noise moment by moment, and compute the final density matrix of the
device qubits. The probabilities come back in the *logical* column order: column i is the
device qubit that logical ``LineQubit(i)`` was placed on, so the bits mean what they mean
without noise (system i at column 2i, memory i at 2i+1 for two-copy).
"""

from __future__ import annotations

import cirq
import numpy as np

from qmemlearn.hardware.noise import parse_google_noise, prepare_for_processor


def device_outcome_probabilities(circuit: cirq.AbstractCircuit, noise: str, *, max_qubits: int) -> np.ndarray:
    """Outcome probabilities of a logical dynamics circuit run on a processor's QVM, exactly.

    Args:
        circuit: The logical circuit on ``LineQubit``s with terminal measurements (all qubits
            measured), e.g. ``two_copy_dynamics_circuit(u)``.
        noise: ``"google:<processor_id>"``.
        max_qubits: Largest number of qubits simulated by density matrix.

    Returns:
        float ``[2**w]``, index bit ``w - 1 - i`` is logical qubit i (sorted order, big-endian).

    Raises:
        ValueError: If ``noise`` is not a Google spec, the circuit is wider than
            ``max_qubits``, or it cannot be placed (the message gives the largest n) or compiled.
    """
    spec = parse_google_noise(noise)
    logical = sorted(circuit.all_qubits())
    if len(logical) > max_qubits:
        raise ValueError(
            f"noisy exact outcomes need a density matrix of {len(logical)} qubits; the limit is "
            f"{max_qubits} (use a smaller n)"
        )
    device_circuit, model, qubit_map = prepare_for_processor(circuit, spec.processor_id)
    noisy = cirq.Circuit(device_circuit).with_noise(model)
    body = cirq.Circuit(op for op in noisy.all_operations() if not cirq.is_measurement(op))
    order = [qubit_map[q] for q in logical]
    rho = cirq.final_density_matrix(body, qubit_order=order, dtype=np.complex128)
    return np.clip(np.real(np.diagonal(rho)), 0.0, None)
