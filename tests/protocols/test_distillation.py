"""Tests of the two-copy virtual-distillation measurement against exact operators and states."""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest

from qmemlearn.protocols import sample_records
from qmemlearn.protocols.distillation import (
    DistillationProtocol,
    distillation_values,
    pair_diagonalizer,
    pair_eigenvalue,
    pair_operator,
    value_distribution,
)
from qmemlearn.sources.principal_component import PrincipalComponentState


def _pauli(letter: str) -> np.ndarray:
    return cirq.unitary(cirq.DensePauliString(letter))


@pytest.mark.parametrize("letter", "IXYZ")
def test_pair_diagonalizer_diagonalizes_the_operator(letter):
    a, b = cirq.LineQubit.range(2)
    w = cirq.unitary(cirq.Circuit(pair_diagonalizer(letter, a, b)))
    eigenvalues = [pair_eigenvalue(letter, x >> 1, x & 1) for x in range(4)]
    np.testing.assert_allclose(w @ pair_operator(letter) @ w.conj().T, np.diag(eigenvalues), atol=1e-12)


def test_pair_operator_is_o_times_swap_and_squares_to_o_o():
    swap = cirq.unitary(cirq.SWAP)
    np.testing.assert_allclose(pair_operator("Y"), np.kron(_pauli("Y"), np.eye(2)) @ swap)
    np.testing.assert_allclose(pair_operator("Y") @ pair_operator("Y"), np.kron(_pauli("Y"), _pauli("Y")), atol=1e-12)


def test_identity_pair_is_the_bell_measurement():
    a, b = cirq.LineQubit.range(2)
    assert pair_diagonalizer("I", a, b) == [cirq.CNOT(a, b), cirq.H(a)]
    assert [pair_eigenvalue("I", x, y) for x, y in itertools.product((0, 1), repeat=2)] == [1, 1, 1, -1]


def test_bad_letter_raises():
    with pytest.raises(ValueError, match="letter='W' must be one of"):
        pair_operator("W")
    with pytest.raises(ValueError, match="letter='Q' must be one of"):
        pair_diagonalizer("Q", *cirq.LineQubit.range(2))


def test_distillation_values_is_real_part_of_eigenvalue_product():
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2, size=(200, 6), dtype=np.uint8)
    observable = "XIZ"
    expected = [np.prod([pair_eigenvalue(c, row[2 * i], row[2 * i + 1]) for i, c in enumerate(observable)]).real
                for row in bits]
    np.testing.assert_array_equal(distillation_values(bits, observable), np.rint(expected).astype(int))


def test_distillation_values_rejects_bad_input():
    with pytest.raises(ValueError, match="bits has shape"):
        distillation_values(np.zeros((3, 3), np.uint8), "XY")
    with pytest.raises(ValueError, match="observable='XYZ' has length 3 but must have length n=2"):
        distillation_values(np.zeros((3, 4), np.uint8), "XYZ")


def _outcome_probabilities(rho: np.ndarray, observable: str) -> np.ndarray:
    """Exact probabilities of the bits a0, b0, a1, b1, ... for the pair state ρ⊗ρ."""
    n = len(observable)
    pairs = [(cirq.LineQubit(2 * i), cirq.LineQubit(2 * i + 1)) for i in range(n)]
    w = cirq.unitary(cirq.Circuit(op for c, (a, b) in zip(observable, pairs) for op in pair_diagonalizer(c, a, b)),)
    if w.shape[0] != 4**n:  # pairs with no gates never appear in the circuit
        raise AssertionError("every pair has gates")
    # ρ⊗ρ with qubit order (A_0..A_{n-1}, B_0..B_{n-1}) -> interleaved a0, b0, a1, b1, ...
    pair_state = np.kron(rho, rho).reshape([2] * (4 * n))
    order = [k for i in range(n) for k in (i, n + i)]
    pair_state = pair_state.transpose(order + [2 * n + k for k in order]).reshape(4**n, 4**n)
    return np.real(np.diagonal(w @ pair_state @ w.conj().T))


def _random_density_matrix(n: int, rng: np.random.Generator) -> np.ndarray:
    g = rng.normal(size=(2**n, 2**n)) + 1j * rng.normal(size=(2**n, 2**n))
    rho = g @ g.conj().T
    return rho / np.trace(rho)


@pytest.mark.parametrize("observable", ["XZ", "IY", "ZI", "YX"])
def test_value_law_matches_the_exact_outcome_distribution(observable):
    n = len(observable)
    rho = _random_density_matrix(n, np.random.default_rng(11))
    probabilities = _outcome_probabilities(rho, observable)
    outcomes = np.array(list(itertools.product((0, 1), repeat=2 * n)), dtype=np.uint8)
    values = distillation_values(outcomes, observable)
    law = [probabilities[values == v].sum() for v in (-1, 0, 1)]
    op = _pauli(observable)
    o_rho2, o_rho = np.trace(op @ rho @ rho).real, np.trace(op @ rho).real
    np.testing.assert_allclose(law, value_distribution(o_rho2, o_rho), atol=1e-12)
    assert probabilities @ values == pytest.approx(o_rho2, abs=1e-12)


def test_value_distribution_rejects_impossible_moments():
    with pytest.raises(ValueError, match="are not tr"):
        value_distribution(0.9, 0.0)


def _setting_law(state: PrincipalComponentState) -> list[tuple[dict[str, int], float]]:
    """Every per-copy setting (f, g) of the source with its probability."""
    t, n = int(state.sign == -1), state.n
    law = []
    for values in itertools.product((0, 1), repeat=n):
        f, g = values[:-1], values[-1]
        weight = state.p / 2 ** (n - 1) * ((1 + state.q) / 2 if g != t else (1 - state.q) / 2)
        weight += (1 - state.p) * (not any(f) and g == t)
        law.append(({**{f"f_{i}": v for i, v in enumerate(f)}, "g": g}, weight))
    return law


def test_circuit_outcome_law_over_all_settings_matches_the_closed_forms():
    """The whole circuit (both preparations, diagonalizers), averaged exactly over the settings."""
    state = PrincipalComponentState("YXZ", sign=-1, p=0.6, depth=2, seed=4)
    circuit = cirq.drop_terminal_measurements(cirq.Circuit(DistillationProtocol(state.observable).circuit(state)))
    qubits = cirq.LineQubit.range(6)
    law = _setting_law(state)
    assert sum(w for _, w in law) == pytest.approx(1.0)
    probabilities = np.zeros(64)
    for (set_a, w_a), (set_b, w_b) in itertools.product(law, repeat=2):
        resolver = {**{f"a_{k}": v for k, v in set_a.items()}, **{f"b_{k}": v for k, v in set_b.items()}}
        psi = cirq.final_state_vector(cirq.resolve_parameters(circuit, resolver), qubit_order=qubits)
        probabilities += w_a * w_b * np.abs(psi) ** 2
    outcomes = np.array(list(itertools.product((0, 1), repeat=6)), dtype=np.uint8)
    values = distillation_values(outcomes, state.observable)
    law_values = [probabilities[values == v].sum() for v in (-1, 0, 1)]
    np.testing.assert_allclose(law_values, value_distribution(state.observable_on_square(), state.expectation()), atol=1e-9)


@pytest.mark.slow
def test_circuit_sampled_by_density_matrix_simulator_estimates_tr_o_rho_squared():
    state = PrincipalComponentState("XYZ", sign=-1, p=0.5, depth=2, seed=4)
    protocol = DistillationProtocol(state.observable)
    record = sample_records(state, protocol, copies=1200, sampler=cirq.DensityMatrixSimulator(seed=5),
                            rng=np.random.default_rng(6))
    values = distillation_values(record.bits, state.observable)
    mean, stderr = values.mean(), values.std(ddof=1) / np.sqrt(len(values))
    assert record.bits.shape == (600, 6)
    assert abs(mean - state.observable_on_square()) < 4 * stderr


def test_circuit_has_the_two_copy_layout_and_metadata():
    state = PrincipalComponentState("XYZ", seed=1, depth=1)
    circuit = DistillationProtocol("XYZ").circuit(state)
    measurement = list(circuit.findall_operations(cirq.is_measurement))[-1][1]
    assert measurement.qubits == tuple(cirq.LineQubit.range(6))
    assert DistillationProtocol("XYZ").metadata()["observable"] == "XYZ"
    with pytest.raises(ValueError, match="observable='XY' has length 2 but must have length n=3"):
        DistillationProtocol("XY").circuit(state)
