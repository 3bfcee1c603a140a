"""Protocol circuits give exactly the outcome distributions of DESIGN §3 (n ≤ 3).

References are computed with numpy from ``PauliMixedState.density_matrix()`` only (see
conftest.py): Bell-basis projections of ρ⊗ρ for two-copy, Pauli-eigenprojectors of ρ for
single-copy. Three checks per protocol:

* exact: resolve the protocol circuit for every flip setting, average the
  ``cirq.final_density_matrix`` diagonals with DESIGN §4's flip weights, compare to 1e-10;
* sampled, fast backend (``ClusterSampler``): 2e5 shots, chi-square p > 1e-3;
* sampled, ``cirq.Simulator`` through ``make_sampler("cirq")``: a few thousand shots.
"""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest

from qmemlearn.backends import ClusterSampler, make_sampler
from qmemlearn.protocols import MEASUREMENT_KEY, SingleCopyProtocol, TwoCopyProtocol, sample_records
from qmemlearn.protocols.two_copy import COPY_PREFIXES
from qmemlearn.sources import PauliMixedState
from qmemlearn.sources.pauli_mixed import preparation_symbol_names

EXACT_CASES = [
    (p, alpha, sign)
    for p in ["X", "Y", "Z", "YX", "ZY", "YY", "IY"]
    for alpha in (0.9, 0.5)
    for sign in (1, -1)
] + [("XYZ", 0.9, 1), ("XYZ", 0.5, -1), ("YIY", 0.9, -1), ("IZX", 0.5, 1)]
SAMPLED_CASES = [("Y", 0.9, 1), ("YX", 0.9, -1), ("ZY", 0.5, 1), ("YY", 0.5, -1), ("XYZ", 0.9, 1), ("YIY", 0.9, -1), ("IZX", 0.5, -1)]


def _flip_weight(state: PauliMixedState, flips) -> float:
    parity = sum(f for f, c in zip(flips, state.pauli) if c != "I") % 2
    sa = state.sign * state.alpha
    return ((1 + sa) / 2 if parity == 0 else (1 - sa) / 2) / 2 ** (state.n - 1)


def _measured_qubits(circuit) -> list:
    (op,) = [op for op in circuit.all_operations() if cirq.is_measurement(op)]
    assert cirq.measurement_key_name(op) == MEASUREMENT_KEY
    return list(op.qubits)


def _exact_circuit_distribution(circuit, base: dict[str, float], flip_groups) -> np.ndarray:
    """Σ_settings weight · diag(final ρ) over the product of the flip groups.

    Args:
        base: values of every non-flip symbol.
        flip_groups: list of (flip symbol names, state) — one per copy.
    """
    measured = _measured_qubits(circuit)
    unitary_part = cirq.drop_terminal_measurements(cirq.Circuit(circuit))
    total = np.zeros(2 ** len(measured))
    weights = 0.0
    per_copy = [list(itertools.product((0, 1), repeat=state.n)) for _, state in flip_groups]
    for combo in itertools.product(*per_copy):
        values = dict(base)
        weight = 1.0
        for (names, state), flips in zip(flip_groups, combo):
            weight *= _flip_weight(state, flips)
            values.update({name: float(f) for name, f in zip(names, flips)})
        rho = cirq.final_density_matrix(
            cirq.resolve_parameters(unitary_part, values), qubit_order=measured, dtype=np.complex128
        )
        total += weight * np.real(np.diagonal(rho))
        weights += weight
    assert weights == pytest.approx(1.0, abs=1e-12)
    return total


# ----- references sanity (the numpy references themselves) --------------------------------
def test_reference_two_copy_probabilities_of_bell_projectors(ref):
    # ρ = |0><0| on one qubit: |00> = (Φ+ + Φ-)/√2 -> outcomes 00 and 10, half each.
    np.testing.assert_allclose(ref.two_copy_probs(np.diag([1.0, 0.0])), [0.5, 0, 0.5, 0], atol=1e-15)
    # Maximally mixed ρ: uniform over the 4 Bell states.
    np.testing.assert_allclose(ref.two_copy_probs(np.eye(2) / 2), [0.25] * 4, atol=1e-15)


# ----- exact circuit checks -----------------------------------------------------------------
@pytest.mark.parametrize("pauli, alpha, sign", EXACT_CASES)
def test_two_copy_circuit_is_exact(pauli, alpha, sign, ref):
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    protocol = TwoCopyProtocol()
    circuit = protocol.circuit(state)
    columns, extras = protocol.draw_settings(state, np.random.default_rng(0), 1)
    assert extras == {}
    base = {name: float(v[0]) for name, v in columns.items()}
    groups = [(preparation_symbol_names(state.n, prefix)["flip"], state) for prefix in COPY_PREFIXES]
    assert set(cirq.parameter_names(circuit)) == set(columns)
    got = _exact_circuit_distribution(circuit, base, groups)
    np.testing.assert_allclose(got, ref.two_copy_probs(state.density_matrix()), atol=1e-10)


@pytest.mark.parametrize("pauli, alpha, sign", EXACT_CASES)
def test_single_copy_circuit_is_exact_in_every_basis(pauli, alpha, sign, ref):
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    letters_list = ["".join(t) for t in itertools.product("XYZ", repeat=state.n)]
    if state.n == 3:  # keep the run short: every letter at every qubit, and P's own basis
        letters_list = ["XYZ", "YZX", "ZXY", "YYY", pauli.replace("I", "Z")]
    flips = preparation_symbol_names(state.n)["flip"]
    for letters in letters_list:
        protocol = SingleCopyProtocol(basis=letters)
        circuit = protocol.circuit(state)
        columns, extras = protocol.draw_settings(state, np.random.default_rng(0), 1)
        np.testing.assert_array_equal(extras["recipes"][0], ["XYZ".index(c) for c in letters])
        base = {name: float(v[0]) for name, v in columns.items()}
        got = _exact_circuit_distribution(circuit, base, [(flips, state)])
        np.testing.assert_allclose(
            got, ref.single_copy_probs(state.density_matrix(), letters), atol=1e-10, err_msg=letters
        )


# ----- sampled checks, fast backend -------------------------------------------------------
def _two_copy_gof(bits, state, ref):
    width = bits.shape[1]
    counts = np.bincount(ref.outcome_index(bits), minlength=2**width)
    return ref.gof([(counts, ref.two_copy_probs(state.density_matrix()))])


def _single_copy_gof(bits, recipes, state, ref):
    n = state.n
    codes = (recipes.astype(np.int64) * (3 ** np.arange(n - 1, -1, -1))).sum(axis=1)
    outcomes = ref.outcome_index(bits)
    rho = state.density_matrix()
    groups = []
    for code, letters in enumerate("".join(t) for t in itertools.product("XYZ", repeat=n)):
        rows = codes == code
        groups.append((np.bincount(outcomes[rows], minlength=2**n), ref.single_copy_probs(rho, letters)))
    return ref.gof(groups)


@pytest.mark.parametrize("pauli, alpha, sign", SAMPLED_CASES)
def test_two_copy_fast_samples_match_exact(pauli, alpha, sign, ref):
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    record = sample_records(
        state, TwoCopyProtocol(), copies=400_000, sampler=ClusterSampler(seed=11), rng=np.random.default_rng(12)
    )
    assert record.bits.shape == (200_000, 2 * state.n)
    pvalue, stat, dof = _two_copy_gof(record.bits, state, ref)
    assert pvalue > 1e-3, (stat, dof)


@pytest.mark.parametrize("pauli, alpha, sign", SAMPLED_CASES)
def test_single_copy_fast_samples_match_exact(pauli, alpha, sign, ref):
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    record = sample_records(
        state, SingleCopyProtocol(), copies=200_000, sampler=ClusterSampler(seed=21), rng=np.random.default_rng(22)
    )
    assert record.bits.shape == record.recipes.shape == (200_000, state.n)
    # Random recipes: uniform over X, Y, Z per qubit and shot.
    counts = np.bincount(record.recipes.ravel(), minlength=3)
    assert ref.gof([(counts, [1 / 3] * 3)])[0] > 1e-3
    pvalue, stat, dof = _single_copy_gof(record.bits, record.recipes, state, ref)
    assert pvalue > 1e-3, (stat, dof)


@pytest.mark.parametrize("pauli, alpha, sign", SAMPLED_CASES)
def test_fixed_y_basis_fast_samples_match_exact(pauli, alpha, sign, ref):
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    record = sample_records(
        state, SingleCopyProtocol(basis="Y"), copies=200_000, sampler=ClusterSampler(seed=31), rng=np.random.default_rng(32)
    )
    assert np.all(record.recipes == 1)
    counts = np.bincount(ref.outcome_index(record.bits), minlength=2**state.n)
    pvalue, stat, dof = ref.gof([(counts, ref.single_copy_probs(state.density_matrix(), "Y" * state.n))])
    assert pvalue > 1e-3, (stat, dof)


# ----- sampled checks, cirq.Simulator (about 300 shots/s: few shots) ----------------------
CIRQ_SHOTS = [1500, pytest.param(20_000, marks=pytest.mark.slow)]


@pytest.mark.parametrize("shots", CIRQ_SHOTS)
def test_two_copy_cirq_samples_match_exact(shots, ref):
    state = PauliMixedState("YX", alpha=0.9, sign=-1)
    record = sample_records(
        state, TwoCopyProtocol(), copies=2 * shots, sampler=make_sampler("cirq", seed=41), rng=np.random.default_rng(42)
    )
    pvalue, stat, dof = _two_copy_gof(record.bits, state, ref)
    assert pvalue > 1e-3, (stat, dof)


@pytest.mark.parametrize("shots", CIRQ_SHOTS)
def test_single_copy_cirq_samples_match_exact(shots, ref):
    state = PauliMixedState("ZY", alpha=0.9, sign=1)
    record = sample_records(
        state, SingleCopyProtocol(), copies=shots, sampler=make_sampler("cirq", seed=51), rng=np.random.default_rng(52)
    )
    pvalue, stat, dof = _single_copy_gof(record.bits, record.recipes, state, ref)
    assert pvalue > 1e-3, (stat, dof)


@pytest.mark.parametrize("shots", [500, pytest.param(5000, marks=pytest.mark.slow)])
def test_fixed_y_basis_cirq_samples_match_exact(shots, ref):
    state = PauliMixedState("YY", alpha=0.9, sign=-1)
    record = sample_records(
        state, SingleCopyProtocol(basis="Y"), copies=shots, sampler=make_sampler("cirq", seed=61), rng=np.random.default_rng(62)
    )
    counts = np.bincount(ref.outcome_index(record.bits), minlength=4)
    pvalue, stat, dof = ref.gof([(counts, ref.single_copy_probs(state.density_matrix(), "YY"))])
    assert pvalue > 1e-3, (stat, dof)
