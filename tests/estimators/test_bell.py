"""Tests for qmemlearn.estimators.bell on data sampled from exact Bell-basis distributions."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

import qmemlearn.estimators.bell as bell_module
from qmemlearn.estimators import bell_pair_values, bell_purity, bell_squared

PAULI = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}
_H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
_CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)  # control a
# One pair (a, b), a the most significant: CNOT(a -> b), then H(a).
PAIR_UNITARY = np.kron(_H, np.eye(2)) @ _CNOT
BELL = {
    "phi+": np.array([1, 0, 0, 1]) / np.sqrt(2),
    "psi+": np.array([0, 1, 1, 0]) / np.sqrt(2),
    "phi-": np.array([1, 0, 0, -1]) / np.sqrt(2),
    "psi-": np.array([0, 1, -1, 0]) / np.sqrt(2),
}


def pauli_matrix(pauli: str) -> np.ndarray:
    return functools.reduce(np.kron, [PAULI[c] for c in pauli])


def pauli_mixed_state(pauli: str, alpha: float, sign: int) -> np.ndarray:
    dim = 2 ** len(pauli)
    return (np.eye(dim) + sign * alpha * pauli_matrix(pauli)) / dim


def random_state(n: int, rank: int, rng: np.random.Generator) -> np.ndarray:
    g = rng.normal(size=(2**n, rank)) + 1j * rng.normal(size=(2**n, rank))
    rho = g @ g.conj().T
    return rho / np.trace(rho).real


def bell_probabilities(rho: np.ndarray) -> np.ndarray:
    """Exact outcome distribution of rho⊗rho; index = bits a0 b0 a1 b1 ... (a0 most significant)."""
    n = int(np.log2(rho.shape[0]))
    both = np.kron(rho, rho).reshape([2] * (4 * n))  # row axes A0..A_{n-1}, B0..B_{n-1}, then columns
    order = [q for i in range(n) for q in (i, n + i)]  # interleave a_i, b_i
    both = both.transpose(order + [2 * n + q for q in order]).reshape(4**n, 4**n)
    u = functools.reduce(np.kron, [PAIR_UNITARY] * n)
    p = np.real(np.diag(u @ both @ u.conj().T))
    return np.clip(p, 0, None) / p.clip(0, None).sum()


def index_to_bits(index: np.ndarray, width: int) -> np.ndarray:
    return ((np.asarray(index)[:, None] >> np.arange(width - 1, -1, -1)) & 1).astype(np.uint8)


def sample_bell(rho: np.ndarray, shots: int, rng: np.random.Generator, p: np.ndarray | None = None) -> np.ndarray:
    """Two-copy bits sampled from the exact distribution ``p`` (computed from rho if None)."""
    n = int(np.log2(rho.shape[0]))
    p = bell_probabilities(rho) if p is None else p
    return index_to_bits(rng.choice(4**n, size=shots, p=p), 2 * n)


def all_paulis(n: int) -> list[str]:
    return ["".join(p) for p in itertools.product("IXYZ", repeat=n)]


def expectation(rho: np.ndarray, pauli: str) -> float:
    return float(np.real(np.trace(pauli_matrix(pauli) @ rho)))


# ---- conventions ----------------------------------------------------------------------------


@pytest.mark.parametrize("name, outcome", [("phi+", (0, 0)), ("psi+", (0, 1)), ("phi-", (1, 0)), ("psi-", (1, 1))])
def test_bell_states_map_to_documented_outcomes_and_eigenvalues(name, outcome):
    state = BELL[name]
    out = PAIR_UNITARY @ state
    assert abs(out[2 * outcome[0] + outcome[1]]) == pytest.approx(1.0)
    values = bell_pair_values(np.array([outcome], dtype=np.uint8), ["X", "Y", "Z"])[:, 0]
    eigenvalues = [np.real(state.conj() @ np.kron(PAULI[c], PAULI[c]) @ state) for c in "XYZ"]
    np.testing.assert_allclose(values, eigenvalues)
    swap = np.eye(4)[[0, 2, 1, 3]]
    assert bell_purity(np.array([outcome, outcome], dtype=np.uint8))[0] == pytest.approx(
        np.real(state.conj() @ swap @ state)
    )


@pytest.mark.parametrize("n, rank", [(1, 1), (2, 2), (3, 1), (3, 3)])
def test_exact_expectations_over_every_outcome(n, rank):
    rho = random_state(n, rank, np.random.default_rng(10 * n + rank))
    p = bell_probabilities(rho)
    outcomes = index_to_bits(np.arange(4**n), 2 * n)
    paulis = all_paulis(n)
    exact = bell_pair_values(outcomes, paulis).astype(float) @ p
    np.testing.assert_allclose(exact, [expectation(rho, q) ** 2 for q in paulis], atol=1e-12)
    swap = 1.0 - 2.0 * ((outcomes[:, 0::2] & outcomes[:, 1::2]).sum(axis=1) % 2)
    assert swap @ p == pytest.approx(np.real(np.trace(rho @ rho)), abs=1e-12)


def test_distribution_of_pauli_mixed_state_does_not_depend_on_sign():
    for pauli in ["XYZ", "YIX"]:
        np.testing.assert_allclose(
            bell_probabilities(pauli_mixed_state(pauli, 0.9, 1)),
            bell_probabilities(pauli_mixed_state(pauli, 0.9, -1)),
            atol=1e-14,
        )


def test_pair_values_match_naive_loop_code_array_and_chunking(monkeypatch):
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2, size=(60, 8), dtype=np.uint8)
    codes = rng.integers(0, 4, size=(25, 4), dtype=np.uint8)
    eigen = {1: lambda a, b: (-1) ** a, 2: lambda a, b: -((-1) ** (a + b)), 3: lambda a, b: (-1) ** b}
    naive = np.ones((25, 60), dtype=int)
    for m, t, i in itertools.product(range(25), range(60), range(4)):
        if codes[m, i]:
            naive[m, t] *= eigen[codes[m, i]](int(bits[t, 2 * i]), int(bits[t, 2 * i + 1]))
    values = bell_pair_values(bits, codes)
    assert values.dtype == np.int8 and values.shape == (25, 60)
    np.testing.assert_array_equal(values, naive)
    strings = ["".join("IXYZ"[c] for c in row) for row in codes]
    np.testing.assert_array_equal(bell_pair_values(bits, strings), naive)
    before = bell_squared(bits, codes)
    monkeypatch.setattr(bell_module, "CHUNK_ELEMENTS", 7)
    np.testing.assert_array_equal(bell_pair_values(bits, codes), naive)
    np.testing.assert_allclose(bell_squared(bits, codes), before, rtol=1e-12)


def test_bell_squared_and_purity_hand_computed():
    bits = np.array([[0, 0, 1, 1], [1, 1, 1, 1], [1, 0, 0, 1], [0, 0, 0, 0]], dtype=np.uint8)
    # XI values: (-1)^{a0} = 1, -1, -1, 1; SWAP values: -1, 1, 1, 1.
    values, stderrs = bell_squared(bits, ["XI"])
    assert values.tolist() == [0.0]
    assert stderrs[0] == pytest.approx(np.std([1, -1, -1, 1], ddof=1) / 2)
    value, stderr = bell_purity(bits)
    assert isinstance(value, float) and isinstance(stderr, float)
    assert value == pytest.approx(0.5)
    assert stderr == pytest.approx(np.std([-1, 1, 1, 1], ddof=1) / 2)


# ---- sampled data against exact values ------------------------------------------------------

OTHERS = {"XYZ": ["XYI", "ZZZ", "XII", "IYZ", "YXZ", "ZYX"], "YIX": ["YII", "IIX", "YZX", "XIY", "ZIZ", "YXX"]}


@pytest.mark.parametrize("pauli", ["XYZ", "YIX"])
@pytest.mark.parametrize("sign", [1, -1])
def test_bell_squared_pauli_mixed_state(pauli, sign):
    rng = np.random.default_rng(500 + sign + ord(pauli[0]))
    bits = sample_bell(pauli_mixed_state(pauli, 0.9, sign), 20000, rng)
    observables = [pauli] + OTHERS[pauli]
    values, stderrs = bell_squared(bits, observables)
    exact = np.array([0.81] + [0.0] * len(OTHERS[pauli]))
    assert values.shape == stderrs.shape == (len(observables),)
    assert np.all(np.abs(values - exact) <= 4 * stderrs), (values, stderrs)
    value, stderr = bell_purity(bits)
    assert abs(value - (1 + 0.81) / 8) <= 4 * stderr


@pytest.mark.parametrize("n, rank, seed", [(2, 1, 1), (2, 3, 2), (3, 2, 3)])
def test_bell_estimators_random_state(n, rank, seed):
    rng = np.random.default_rng(600 + seed)
    rho = random_state(n, rank, rng)
    bits = sample_bell(rho, 20000, rng)
    paulis = all_paulis(n)
    values, stderrs = bell_squared(bits, paulis)
    exact = np.array([expectation(rho, q) ** 2 for q in paulis])
    assert np.all(np.abs(values - exact) <= 4 * np.maximum(stderrs, 1e-12))
    value, stderr = bell_purity(bits)
    assert abs(value - np.real(np.trace(rho @ rho))) <= 4 * stderr


def test_bell_stderr_is_honest():
    rho = pauli_mixed_state("XYZ", 0.9, 1)
    p = bell_probabilities(rho)
    values, stderrs = [], []
    for rep in range(200):
        bits = sample_bell(rho, 500, np.random.default_rng([88, rep]), p)
        v, s = bell_squared(bits, ["XYZ", "XYI"])
        pv, ps = bell_purity(bits)
        values.append([*v, pv])
        stderrs.append([*s, ps])
    ratio = np.std(values, axis=0, ddof=1) / np.mean(stderrs, axis=0)
    np.testing.assert_allclose(ratio, 1.0, atol=0.25)


# ---- bad inputs -----------------------------------------------------------------------------


def test_bad_inputs_raise_value_errors():
    bits = np.zeros((4, 6), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"bits has 5 columns but two-copy bits need an even number"):
        bell_purity(bits[:, :5])
    with pytest.raises(ValueError, match=r"bits must be a 2-D array"):
        bell_squared(np.zeros(6), ["XYZ"])
    with pytest.raises(ValueError, match=r"bits must contain only the values 0 and 1"):
        bell_pair_values(bits - 1.5, ["XYZ"])
    with pytest.raises(ValueError, match=r"observables\[0\]='XYZI' has length 4 but must have length n=3"):
        bell_squared(bits, ["XYZI"])
    with pytest.raises(ValueError, match=r"observables\[1\]='XQZ' has the bad character 'Q' at position 1"):
        bell_pair_values(bits, ["XYZ", "XQZ"])
    with pytest.raises(ValueError, match=r"observables code array has shape \(1, 6\) but must be \[M >= 1, n=3\]"):
        bell_pair_values(bits, np.zeros((1, 6), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"shots=1"):
        bell_purity(bits[:1])
    with pytest.raises(ValueError, match=r"shots=1"):
        bell_squared(bits[:1], ["XYZ"])
