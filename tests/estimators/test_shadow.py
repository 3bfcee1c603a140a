"""Tests for qmemlearn.estimators.shadow on data sampled from exact outcome distributions."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

import qmemlearn.estimators.shadow as shadow_module
from qmemlearn.estimators import (
    shadow_expectation,
    shadow_purity,
    shadow_snapshot_values,
    shadow_squared,
)

PAULI = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}
_H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
_S_DAG = np.diag([1, -1j])
# Rotation taking the eigenbasis of X, Y, Z (recipe 0, 1, 2) to the computational basis,
# with the +1 eigenvector going to |0> (bit 0).
ROTATION = {0: _H, 1: _H @ _S_DAG, 2: np.eye(2, dtype=complex)}


def pauli_matrix(pauli: str) -> np.ndarray:
    return functools.reduce(np.kron, [PAULI[c] for c in pauli])


def pauli_mixed_state(pauli: str, alpha: float, sign: int) -> np.ndarray:
    dim = 2 ** len(pauli)
    return (np.eye(dim) + sign * alpha * pauli_matrix(pauli)) / dim


def random_state(n: int, rank: int, rng: np.random.Generator) -> np.ndarray:
    g = rng.normal(size=(2**n, rank)) + 1j * rng.normal(size=(2**n, rank))
    rho = g @ g.conj().T
    return rho / np.trace(rho).real


def outcome_probabilities(rho: np.ndarray, recipe: tuple[int, ...]) -> np.ndarray:
    """Exact p(bits | recipe); index = bits read with qubit 0 as the most significant bit."""
    u = functools.reduce(np.kron, [ROTATION[r] for r in recipe])
    p = np.real(np.diag(u @ rho @ u.conj().T))
    return np.clip(p, 0, None) / p.clip(0, None).sum()


def index_to_bits(index: np.ndarray, n: int) -> np.ndarray:
    return ((np.asarray(index)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.uint8)


def sample_shadows(rho: np.ndarray, shots: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random recipes, then bits from the exact Born distribution."""
    n = int(np.log2(rho.shape[0]))
    recipes = rng.integers(0, 3, size=(shots, n)).astype(np.uint8)
    bits = np.empty((shots, n), dtype=np.uint8)
    keys = recipes.astype(np.int64) @ (3 ** np.arange(n))
    for key in np.unique(keys):
        rows = np.nonzero(keys == key)[0]
        p = outcome_probabilities(rho, tuple(recipes[rows[0]]))
        bits[rows] = index_to_bits(rng.choice(2**n, size=rows.size, p=p), n)
    return bits, recipes


def all_snapshots(rho: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (bits, recipe) with its exact probability."""
    n = int(np.log2(rho.shape[0]))
    bits, recipes, probs = [], [], []
    for recipe in itertools.product(range(3), repeat=n):
        p = outcome_probabilities(rho, recipe)
        for index in range(2**n):
            bits.append(index_to_bits(np.array([index]), n)[0])
            recipes.append(recipe)
            probs.append(p[index] / 3**n)
    return np.array(bits, dtype=np.uint8), np.array(recipes, dtype=np.uint8), np.array(probs)


def all_paulis(n: int) -> list[str]:
    return ["".join(p) for p in itertools.product("IXYZ", repeat=n)]


def expectation(rho: np.ndarray, pauli: str) -> float:
    return float(np.real(np.trace(pauli_matrix(pauli) @ rho)))


# ---- sign convention ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, recipe, bit",
    [
        (np.array([1, 1j]) / np.sqrt(2), 1, 0),  # |+i> in Y -> 0
        (np.array([1, -1j]) / np.sqrt(2), 1, 1),  # |-i> in Y -> 1
        (np.array([1, 1]) / np.sqrt(2), 0, 0),  # |+> in X -> 0
        (np.array([1, -1]) / np.sqrt(2), 0, 1),  # |-> in X -> 1
        (np.array([0, 1]), 2, 1),  # |1> in Z -> 1
    ],
)
def test_sampler_sign_convention_bit0_is_plus_one_eigenvalue(state, recipe, bit):
    rho = np.outer(state, state.conj())
    p = outcome_probabilities(rho, (recipe,))
    assert p[bit] == pytest.approx(1.0)


def test_plus_i_state_gives_bits_zero_in_y_and_positive_y_estimate():
    psi = np.array([1, 1j]) / np.sqrt(2)
    bits, recipes = sample_shadows(np.outer(psi, psi.conj()), 3000, np.random.default_rng(11))
    assert np.all(bits[recipes[:, 0] == 1] == 0)
    values, stderrs = shadow_expectation(bits, recipes, ["Y", "X", "Z"])
    assert values[0] == pytest.approx(1.0, abs=4 * stderrs[0])
    assert np.all(np.abs(values[1:]) <= 4 * stderrs[1:])


# ---- exact expectations over every snapshot -------------------------------------------------


@pytest.mark.parametrize("n, rank", [(2, 1), (2, 3), (3, 2)])
def test_snapshot_values_unbiased_for_every_pauli(n, rank):
    rho = random_state(n, rank, np.random.default_rng(100 + n + rank))
    bits, recipes, probs = all_snapshots(rho)
    paulis = all_paulis(n)
    exact_means = shadow_snapshot_values(bits, recipes, paulis) @ probs
    np.testing.assert_allclose(exact_means, [expectation(rho, q) for q in paulis], atol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_overlap_kernel_unbiased_for_purity_and_overlap(n):
    rng = np.random.default_rng(200 + n)
    rho, sigma = random_state(n, 2, rng), random_state(n, 1, rng)
    bits_r, recipes_r, p_r = all_snapshots(rho)
    bits_s, recipes_s, p_s = all_snapshots(sigma)
    kernel = shadow_module._overlap_kernel(bits_r, recipes_r, bits_r, recipes_r)
    assert p_r @ kernel @ p_r == pytest.approx(np.real(np.trace(rho @ rho)), abs=1e-12)
    kernel = shadow_module._overlap_kernel(bits_r, recipes_r, bits_s, recipes_s)
    assert p_r @ kernel @ p_s == pytest.approx(np.real(np.trace(rho @ sigma)), abs=1e-12)


def test_snapshot_values_match_naive_loop_and_code_array():
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2, size=(50, 4), dtype=np.uint8)
    recipes = rng.integers(0, 3, size=(50, 4), dtype=np.uint8)
    codes = rng.integers(0, 4, size=(30, 4), dtype=np.uint8)
    naive = np.ones((30, 50))
    for m, t, i in itertools.product(range(30), range(50), range(4)):
        if codes[m, i]:
            naive[m, t] *= 3.0 * (recipes[t, i] == codes[m, i] - 1) * (-1.0) ** bits[t, i]
    np.testing.assert_array_equal(shadow_snapshot_values(bits, recipes, codes), naive)
    strings = ["".join("IXYZ"[c] for c in row) for row in codes]
    np.testing.assert_array_equal(shadow_snapshot_values(bits, recipes, strings), naive)


def test_chunking_gives_identical_results(monkeypatch):
    rng = np.random.default_rng(6)
    bits, recipes = sample_shadows(random_state(3, 2, rng), 300, rng)
    paulis = all_paulis(3)
    before = (
        shadow_snapshot_values(bits, recipes, paulis),
        shadow_squared(bits, recipes, paulis),
        shadow_purity(bits, recipes),
    )
    monkeypatch.setattr(shadow_module, "CHUNK_ELEMENTS", 1000)
    after = (
        shadow_snapshot_values(bits, recipes, paulis),
        shadow_squared(bits, recipes, paulis),
        shadow_purity(bits, recipes),
    )
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_allclose(before[1], after[1], rtol=1e-12)
    np.testing.assert_allclose(before[2], after[2], rtol=1e-9)


def test_shadow_purity_equals_brute_force_pair_average():
    rng = np.random.default_rng(8)
    bits, recipes = sample_shadows(random_state(2, 2, rng), 40, rng)
    total = 0.0
    for s, t in itertools.permutations(range(40), 2):
        same_basis = recipes[s] == recipes[t]
        local = np.where(same_basis, np.where(bits[s] == bits[t], 5.0, -4.0), 0.5)
        total += np.prod(local)
    assert shadow_purity(bits, recipes)[0] == pytest.approx(total / (40 * 39), rel=1e-12)


# ---- sampled data against exact values ------------------------------------------------------

CASES = [("XYZ", 1), ("XYZ", -1), ("YIX", 1), ("YIX", -1)]
OTHERS = {"XYZ": ["XYI", "ZZZ", "XII", "IYZ", "YXZ", "ZYX"], "YIX": ["YII", "IIX", "YZX", "XIY", "ZIZ", "YXX"]}


@pytest.mark.parametrize("method", ["mean", "median_of_means"])
@pytest.mark.parametrize("pauli, sign", CASES)
def test_shadow_expectation_pauli_mixed_state(pauli, sign, method):
    rng = np.random.default_rng(1000 + 10 * sign + len(pauli) + ord(pauli[0]))
    bits, recipes = sample_shadows(pauli_mixed_state(pauli, 0.9, sign), 20000, rng)
    observables = [pauli] + OTHERS[pauli]
    values, stderrs = shadow_expectation(bits, recipes, observables, method=method, groups=10)
    exact = np.array([sign * 0.9] + [0.0] * len(OTHERS[pauli]))
    assert values.shape == stderrs.shape == (len(observables),)
    assert np.all(np.abs(values - exact) <= 4 * stderrs), (values, stderrs)


@pytest.mark.parametrize("pauli, sign", CASES)
def test_shadow_squared_pauli_mixed_state(pauli, sign):
    rng = np.random.default_rng(2000 + 10 * sign + ord(pauli[0]))
    bits, recipes = sample_shadows(pauli_mixed_state(pauli, 0.9, sign), 20000, rng)
    observables = [pauli] + OTHERS[pauli]
    values, stderrs = shadow_squared(bits, recipes, observables)
    exact = np.array([0.81] + [0.0] * len(OTHERS[pauli]))
    assert np.all(np.abs(values - exact) <= 4 * stderrs), (values, stderrs)


@pytest.mark.parametrize("n, rank, seed", [(2, 1, 1), (2, 2, 2), (3, 1, 3), (3, 4, 4)])
def test_shadow_purity_random_state(n, rank, seed):
    rng = np.random.default_rng(3000 + seed)
    rho = random_state(n, rank, rng)
    bits, recipes = sample_shadows(rho, 3000, rng)
    value, stderr = shadow_purity(bits, recipes)
    assert isinstance(value, float) and isinstance(stderr, float)
    assert abs(value - np.real(np.trace(rho @ rho))) <= 4 * stderr


def test_shadow_expectation_and_squared_random_state_all_paulis():
    rng = np.random.default_rng(4000)
    rho = random_state(2, 2, rng)
    bits, recipes = sample_shadows(rho, 20000, rng)
    paulis = all_paulis(2)[1:]
    exact = np.array([expectation(rho, q) for q in paulis])
    values, stderrs = shadow_expectation(bits, recipes, paulis)
    assert np.all(np.abs(values - exact) <= 4 * stderrs)
    values, stderrs = shadow_squared(bits, recipes, paulis)
    assert np.all(np.abs(values - exact**2) <= 4 * stderrs)


# ---- honesty of the reported standard errors ------------------------------------------------


def _honesty(estimate, rho, shots, repetitions=200):
    """Empirical std of the estimates over repetitions / mean reported stderr, per output."""
    values, stderrs = [], []
    for rep in range(repetitions):
        bits, recipes = sample_shadows(rho, shots, np.random.default_rng([77, rep]))
        v, s = estimate(bits, recipes)
        values.append(np.atleast_1d(v))
        stderrs.append(np.atleast_1d(s))
    return np.std(values, axis=0, ddof=1) / np.mean(stderrs, axis=0)


@pytest.mark.parametrize("method", ["mean", "median_of_means"])
def test_shadow_expectation_stderr_is_honest(method):
    rho = pauli_mixed_state("XYZ", 0.9, 1)
    ratio = _honesty(
        lambda b, r: shadow_expectation(b, r, ["XYZ", "XYI", "ZZI"], method=method, groups=10), rho, 2000
    )
    np.testing.assert_allclose(ratio, 1.0, atol=0.25)


def test_shadow_squared_stderr_is_honest():
    rho = pauli_mixed_state("XYZ", 0.9, -1)
    ratio = _honesty(lambda b, r: shadow_squared(b, r, ["XYZ", "XYI", "ZZI"]), rho, 2000)
    np.testing.assert_allclose(ratio, 1.0, atol=0.25)


@pytest.mark.slow  # ~2 s each alone, but > 10 s when BLAS threads compete for the cores
@pytest.mark.parametrize("rank", [1, 8])  # pure, and maximally mixed (ζ1 = 0)
def test_shadow_purity_stderr_is_honest(rank):
    rho = random_state(3, 1, np.random.default_rng(9)) if rank == 1 else np.eye(8) / 8
    ratio = _honesty(shadow_purity, rho, 300)
    np.testing.assert_allclose(ratio, 1.0, atol=0.25)


# ---- bad inputs -----------------------------------------------------------------------------


def test_bad_inputs_raise_value_errors():
    bits = np.zeros((4, 3), dtype=np.uint8)
    recipes = np.zeros((4, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"bits must be a 2-D array"):
        shadow_expectation(np.zeros(3), recipes, ["XYZ"])
    with pytest.raises(ValueError, match=r"bits must contain only the values 0 and 1"):
        shadow_expectation(bits + 2, recipes, ["XYZ"])
    with pytest.raises(ValueError, match=r"recipes must contain only the values 0 \(X\), 1 \(Y\) and 2 \(Z\)"):
        shadow_expectation(bits, recipes + 3, ["XYZ"])
    with pytest.raises(ValueError, match=r"recipes.shape=\(4, 2\) must equal bits.shape=\(4, 3\)"):
        shadow_squared(bits, recipes[:, :2], ["XYZ"])
    with pytest.raises(ValueError, match=r"observables\[1\]='XY' has length 2 but must have length n=3"):
        shadow_snapshot_values(bits, recipes, ["XYZ", "XY"])
    with pytest.raises(ValueError, match=r"observables\[0\]='XAZ' has the bad character 'A' at position 1"):
        shadow_snapshot_values(bits, recipes, ["XAZ"])
    with pytest.raises(ValueError, match=r"observables must contain at least one"):
        shadow_snapshot_values(bits, recipes, [])
    with pytest.raises(ValueError, match=r"observables code array has shape \(2, 2\) but must be \[M >= 1, n=3\]"):
        shadow_snapshot_values(bits, recipes, np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"only 0 \(I\), 1 \(X\), 2 \(Y\), 3 \(Z\)"):
        shadow_snapshot_values(bits, recipes, np.full((1, 3), 4, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"method='median' must be one of 'mean', 'median_of_means'"):
        shadow_expectation(bits, recipes, ["XYZ"], method="median")
    with pytest.raises(ValueError, match=r"groups=5 must be an int in \[1, shots=4\]"):
        shadow_expectation(bits, recipes, ["XYZ"], method="median_of_means", groups=5)
    with pytest.raises(ValueError, match=r"shots=1"):
        shadow_purity(bits[:1], recipes[:1])
    with pytest.raises(ValueError, match=r"shots=1"):
        shadow_squared(bits[:1], recipes[:1], ["XYZ"])


def test_single_string_and_bool_bits_accepted():
    bits = np.array([[True, False], [False, False]])
    recipes = np.array([[2, 2], [2, 2]])
    np.testing.assert_array_equal(shadow_snapshot_values(bits, recipes, "ZZ"), [[-9.0, 9.0]])
