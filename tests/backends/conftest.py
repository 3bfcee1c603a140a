"""Shared references for backend tests: exact outcome distributions of circuits with terminal
measurements (from ``cirq.final_density_matrix`` of the resolved, measurement-free circuit),
and a chi-square goodness-of-fit test. Exposed through the ``ref`` fixture because tests
import with ``--import-mode=importlib``."""

from __future__ import annotations

import types

import cirq
import numpy as np
import pytest
import scipy.stats


def measurement_layout(circuit: cirq.AbstractCircuit) -> list[tuple[str, list[cirq.Qid], list[bool]]]:
    """(key, qubits, invert mask) per measurement, keys sorted."""
    layout = []
    for op in circuit.all_operations():
        if cirq.is_measurement(op):
            layout.append((cirq.measurement_key_name(op), list(op.qubits), list(op.gate.full_invert_mask())))
    return sorted(layout, key=lambda entry: entry[0])


def exact_distribution(circuit: cirq.AbstractCircuit, resolver=None) -> np.ndarray:
    """Probabilities of the concatenated bits of all keys (sorted keys, first bit = MSB)."""
    layout = measurement_layout(circuit)
    # Operations after a qubit's (terminal) measurement cannot change its outcome: drop them.
    measured: set = set()
    kept = []
    for op in circuit.all_operations():
        if cirq.is_measurement(op):
            measured.update(op.qubits)
        elif not set(op.qubits) <= measured:
            assert not set(op.qubits) & measured, f"{op} follows a measurement: not a terminal-measurement circuit"
            kept.append(op)
    body = cirq.Circuit(kept)
    body = cirq.resolve_parameters(body, resolver or {})
    qubits = sorted(circuit.all_qubits())
    if len(body):
        rho = cirq.final_density_matrix(body, qubit_order=qubits, dtype=np.complex128)
        diagonal = np.real(np.diagonal(rho)).reshape((2,) * len(qubits))
    else:
        diagonal = np.zeros((2,) * len(qubits))
        diagonal[(0,) * len(qubits)] = 1.0
    order = [qubits.index(q) for _, qs, _ in layout for q in qs]
    invert = [bool(b) for _, _, mask in layout for b in mask]
    rest = tuple(i for i in range(len(qubits)) if i not in order)
    marginal = diagonal.sum(axis=rest) if rest else diagonal
    kept = sorted(order)
    marginal = np.transpose(marginal, [kept.index(i) for i in order])
    for axis, flip in enumerate(invert):
        if flip:
            marginal = np.flip(marginal, axis=axis)
    probs = np.clip(marginal.reshape(-1), 0, None)
    return probs / probs.sum()


def result_bits(result: cirq.Result, circuit: cirq.AbstractCircuit) -> np.ndarray:
    """Concatenated bits of all keys (sorted), ``[repetitions, total width]``."""
    keys = [key for key, _, _ in measurement_layout(circuit)]
    return np.concatenate([np.asarray(result.measurements[key], dtype=np.int64) for key in keys], axis=1)


def outcome_index(bits: np.ndarray) -> np.ndarray:
    bits = np.asarray(bits, dtype=np.int64)
    return (bits << np.arange(bits.shape[1] - 1, -1, -1)).sum(axis=1)


def counts(bits: np.ndarray) -> np.ndarray:
    return np.bincount(outcome_index(bits), minlength=2 ** bits.shape[1])


def two_sample_pvalue(counts_a: np.ndarray, counts_b: np.ndarray, *, min_expected: float = 5.0) -> float:
    """Chi-square test that two count vectors come from one distribution (sparse bins pooled)."""
    a, b = np.asarray(counts_a, float), np.asarray(counts_b, float)
    table = np.stack([a, b])
    table = table[:, table.sum(axis=0) > 0]
    expected_small = table.sum(axis=0) * min(a.sum(), b.sum()) / (a.sum() + b.sum()) < min_expected
    if expected_small.any():
        pooled = table[:, expected_small].sum(axis=1, keepdims=True)
        table = np.concatenate([table[:, ~expected_small], pooled], axis=1)
    if table.shape[1] < 2:
        return 1.0
    return float(scipy.stats.chi2_contingency(table)[1])


@pytest.fixture(scope="session")
def ref(goodness_of_fit):
    return types.SimpleNamespace(
        exact_distribution=exact_distribution,
        measurement_layout=measurement_layout,
        result_bits=result_bits,
        outcome_index=outcome_index,
        counts=counts,
        gof=goodness_of_fit,
        two_sample_pvalue=two_sample_pvalue,
    )
