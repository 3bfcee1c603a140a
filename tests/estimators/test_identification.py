"""Tests for qmemlearn.estimators.identification (task "identify", DESIGN §5.1).

The record samplers below are exact and live here (not in the package): they draw Bell outcomes
of rho (x) rho and single-copy shadow snapshots of rho = (I + s alpha P) / 2**n without 4**n
memory, and are checked against density-matrix enumeration for n = 1, 2.
"""

from __future__ import annotations

import doctest
import itertools
import time

import numpy as np
import pytest
from scipy.stats import chisquare

from qmemlearn.estimators import identification
from qmemlearn.estimators.identification import (
    certification_threshold,
    identify_pauli_single_copy,
    identify_pauli_two_copy,
)
from qmemlearn.paulis import random_pauli, to_symplectic

# ---------------------------------------------------------------- exact samplers (test helpers)


def pauli_vector(pauli: str) -> tuple[np.ndarray, int]:
    """Interleaved symplectic vector p = (x_0, z_0, x_1, z_1, ...) and the constant x.z mod 2."""
    x, z = to_symplectic(pauli)
    p = np.empty(2 * len(pauli), dtype=np.int64)
    p[0::2], p[1::2] = x, z
    return p, int(x.astype(np.int64) @ z) % 2


def sample_two_copy(pauli: str, alpha: float, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Exact Bell-measurement records of rho (x) rho, shape [shots, 2n].

    P(v) = (1 + alpha**2 (-1)**(p.v + c)) / 4**n: the parity p.v equals c with probability
    (1 + alpha**2) / 2, and given the parity v is uniform on that coset of {p.v = 0}. Draw v
    uniform, then flip the fixed coordinate j0 (p[j0] = 1) when the parity is wrong: a bijection
    between the two cosets, so v is uniform on the drawn coset. (The sign s drops out.)
    """
    p, c = pauli_vector(pauli)
    v = rng.integers(0, 2, size=(shots, p.size), dtype=np.uint8)
    target = c ^ (rng.random(shots) < (1 - alpha**2) / 2)
    wrong = (v.astype(np.int64) @ p) % 2 != target
    v[:, np.flatnonzero(p)[0]] ^= wrong.astype(np.uint8)
    return v


def sample_single_copy(
    pauli: str, alpha: float, sign: int, shots: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Exact random-Pauli-basis snapshots of rho: (bits, recipes), each [shots, n].

    P(bits | recipes) = (1 + s alpha [recipes match P on supp P] (-1)**(sum_supp bits)) / 2**n.
    Bits are uniform; where the bases match, the parity on supp P is set to the +-1 outcome
    s with probability (1 + alpha) / 2 by flipping one bit of the support.
    """
    codes = np.array(["IXYZ".index(ch) for ch in pauli])
    support = np.flatnonzero(codes)
    recipes = rng.integers(0, 3, size=(shots, len(pauli)), dtype=np.uint8)
    bits = rng.integers(0, 2, size=(shots, len(pauli)), dtype=np.uint8)
    match = np.all(recipes[:, support] == codes[support] - 1, axis=1)
    want_odd = (sign == -1) ^ (rng.random(shots) >= (1 + alpha) / 2)  # odd parity: eigenvalue -1
    wrong = match & (bits[:, support].sum(axis=1) % 2 != want_odd)
    bits[:, support[0]] ^= wrong.astype(np.uint8)
    return bits, recipes


# ----------------------------------------------------------- density-matrix references (n <= 2)

_I2 = np.eye(2, dtype=complex)
_SIGMA = {
    "I": _I2,
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def kron_all(ops) -> np.ndarray:
    out = np.eye(1, dtype=complex)
    for op in ops:
        out = np.kron(out, op)
    return out


def rho_of(pauli: str, alpha: float, sign: int) -> np.ndarray:
    n = len(pauli)
    return (np.eye(2**n) + sign * alpha * kron_all(_SIGMA[ch] for ch in pauli)) / 2**n


def bell_probabilities(pauli: str, alpha: float, sign: int) -> np.ndarray:
    """P(v), v = sum_i a_i 2**(2i) + b_i 2**(2i+1), from rho (x) rho: CNOT(A_i -> B_i), H(A_i).

    Qubits are ordered A_0..A_{n-1}, B_0..B_{n-1}, big-endian (qubit 0 most significant).
    """
    n, q = len(pauli), 2 * len(pauli)
    h = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
    p0, p1 = np.diag([1, 0]).astype(complex), np.diag([0, 1]).astype(complex)
    u = np.eye(2**q, dtype=complex)
    for i in range(n):
        cnot = kron_all(p0 if k == i else _I2 for k in range(q)) + kron_all(
            p1 if k == i else (_SIGMA["X"] if k == n + i else _I2) for k in range(q)
        )
        u = kron_all(h if k == i else _I2 for k in range(q)) @ cnot @ u
    rho2 = np.kron(rho_of(pauli, alpha, sign), rho_of(pauli, alpha, sign))
    diag = np.real(np.diag(u @ rho2 @ u.conj().T))
    probs = np.zeros(4**n)
    for k, value in enumerate(diag):
        qubit_bits = [(k >> (q - 1 - j)) & 1 for j in range(q)]
        v = sum(qubit_bits[i] << (2 * i) | qubit_bits[n + i] << (2 * i + 1) for i in range(n))
        probs[v] += value
    return probs


def shadow_probabilities(pauli: str, alpha: float, sign: int) -> np.ndarray:
    """P(recipes, bits) for uniform recipes; index = recipe index * 2**n + bit index."""
    n = len(pauli)
    rho = rho_of(pauli, alpha, sign)
    probs = []
    for recipe in itertools.product(range(3), repeat=n):
        for bits in itertools.product(range(2), repeat=n):
            proj = kron_all((_I2 + (-1) ** b * _SIGMA["XYZ"[r]]) / 2 for r, b in zip(recipe, bits))
            probs.append(np.real(np.trace(rho @ proj)) / 3**n)
    return np.array(probs)


def agreements(bits: np.ndarray, pauli: str, *, use_constant: bool = True) -> int:
    """Number of shots with p.v = c (or p.v = 0 when the x.z constant is ignored)."""
    p, c = pauli_vector(pauli)
    return int(np.sum((bits.astype(np.int64) @ p) % 2 == (c if use_constant else 0)))


def all_paulis(n: int) -> list[str]:
    return ["".join(t) for t in itertools.product("IXYZ", repeat=n)][1:]


# -------------------------------------------------------------------------- sampler checks


@pytest.mark.parametrize("pauli", ["X", "Y", "Z", "XY", "YY", "ZI", "IY"])
@pytest.mark.parametrize("sign", [1, -1])
def test_two_copy_sampler_matches_density_matrix(pauli: str, sign: int) -> None:
    alpha, n = 0.9, len(pauli)
    exact = bell_probabilities(pauli, alpha, sign)
    p, c = pauli_vector(pauli)
    v_bits = (np.arange(4**n)[:, None] >> np.arange(2 * n)) & 1
    parity = (v_bits @ p) % 2
    np.testing.assert_allclose(exact, (1 + alpha**2 * (-1.0) ** (parity + c)) / 4**n, atol=1e-12)
    shots = 200_000
    bits = sample_two_copy(pauli, alpha, shots, np.random.default_rng(7))
    index = bits.astype(np.int64) @ (1 << np.arange(2 * n))
    counts = np.bincount(index, minlength=4**n)
    assert chisquare(counts, exact * shots).pvalue > 1e-4


@pytest.mark.parametrize("pauli", ["X", "Y", "Z", "XY", "YZ", "IZ"])
@pytest.mark.parametrize("sign", [1, -1])
def test_single_copy_sampler_matches_density_matrix(pauli: str, sign: int) -> None:
    alpha, n, shots = 0.9, len(pauli), 200_000
    exact = shadow_probabilities(pauli, alpha, sign)
    bits, recipes = sample_single_copy(pauli, alpha, sign, shots, np.random.default_rng(3))
    index = (recipes.astype(np.int64) @ 3 ** np.arange(n - 1, -1, -1)) * 2**n + (
        bits.astype(np.int64) @ 2 ** np.arange(n - 1, -1, -1))
    counts = np.bincount(index, minlength=6**n)
    assert chisquare(counts, exact * shots).pvalue > 1e-4


def test_single_copy_sign_convention_plus_i_in_y_basis() -> None:
    """|+i><+i| = (I + Y)/2: basis Y must read bit 0 (the +1 eigenvalue), DESIGN §3."""
    bits, recipes = sample_single_copy("Y", 1.0, +1, 1000, np.random.default_rng(0))
    assert np.all(bits[recipes[:, 0] == 1] == 0)
    assert identify_pauli_single_copy(bits, recipes) == "Y"


# ----------------------------------------------------------------------------- two-copy


def test_two_copy_recovers_p_at_n20_with_400_shots() -> None:
    rng = np.random.default_rng(2024)
    for _ in range(5):
        pauli = random_pauli(20, rng)
        bits = sample_two_copy(pauli, 0.9, 400, rng)
        start = time.perf_counter()
        assert identify_pauli_two_copy(bits, rng=rng) == pauli
        assert time.perf_counter() - start < 10  # ~0.01-0.1 s on an idle core


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_exhaustive_is_maximum_likelihood_and_isd_agrees(n: int) -> None:
    rng = np.random.default_rng(100 + n)
    candidates = all_paulis(n)
    for alpha, shots in [(0.9, 12 * n), (0.6, 6 * n + 4)]:  # easy and hard (ties, wrong ML)
        pauli = random_pauli(n, rng)
        bits = sample_two_copy(pauli, alpha, shots, rng)
        scores = np.array([agreements(bits, q) for q in candidates])
        best = scores.max()
        exhaustive = identify_pauli_two_copy(bits, rng=rng, method="exhaustive")
        assert exhaustive == min(q for q, s in zip(candidates, scores) if s == best)  # ML, lex tie
        isd = identify_pauli_two_copy(bits, rng=rng, method="isd")
        assert agreements(bits, isd) == best
        if np.sum(scores == best) == 1:
            assert isd == exhaustive


@pytest.mark.parametrize("method", ["exhaustive", "isd"])
def test_two_copy_needs_the_yy_sign_constant(method: str) -> None:
    """With an odd number of Y's the parity is biased to 1; ignoring x.z picks another Pauli."""
    rng = np.random.default_rng(11)
    for pauli in ["Y", "YXZ", "ZYYY"]:
        bits = sample_two_copy(pauli, 0.9, 300, rng)
        candidates = all_paulis(len(pauli))
        naive = max(candidates, key=lambda q: agreements(bits, q, use_constant=False))
        if pauli.count("Y") % 2:
            assert naive != pauli
        assert identify_pauli_two_copy(bits, rng=rng, method=method) == pauli


def test_two_copy_yy_constant_at_n20() -> None:
    rng = np.random.default_rng(5)
    pauli = "YXYZYIIXZYYZXIYXZYXI"  # seven Y's: x.z = 1
    bits = sample_two_copy(pauli, 0.9, 400, rng)
    assert agreements(bits, pauli, use_constant=False) < 200  # the naive score ranks P last
    assert identify_pauli_two_copy(bits, rng=rng) == pauli


def test_two_copy_budget_stops_on_pure_noise() -> None:
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, size=(300, 60), dtype=np.uint8)  # alpha = 0: nothing to find
    start = time.perf_counter()
    answer = identify_pauli_two_copy(bits, rng=rng, max_seconds=0.3)
    assert len(answer) == 30 and set(answer) <= set("IXYZ") and answer != "I" * 30
    assert time.perf_counter() - start < 5


def test_two_copy_decoder_with_fewer_shots_than_unknowns() -> None:
    rng = np.random.default_rng(4)
    bits = sample_two_copy("XZ" * 8, 0.9, 10, rng)  # 10 shots, 33 unknowns: many perfect fits
    answer = identify_pauli_two_copy(bits, rng=rng)
    assert len(answer) == 16 and agreements(bits, answer) == 10


def test_two_copy_exhaustive_tie_break_is_lexicographic() -> None:
    bits = np.array([[0, 0], [0, 1], [1, 0], [0, 0]], dtype=np.uint8)  # X, Z: 3 agree; Y: 2
    assert identify_pauli_two_copy(bits, rng=np.random.default_rng(0)) == "X"
    assert identify_pauli_two_copy(bits[::-1], rng=np.random.default_rng(0)) == "X"


def test_certification_threshold() -> None:
    a = certification_threshold(400, 20)
    assert 0.6 * 400 < a < 0.8 * 400  # below (1 + 0.81)/2 = 0.905 of the shots at alpha = 0.9
    assert certification_threshold(10, 20) == 11  # too few shots: never certified
    assert certification_threshold(1000, 50) > certification_threshold(1000, 20)


# --------------------------------------------------------------------------- single-copy


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_single_copy_recovers_p(n: int) -> None:
    rng = np.random.default_rng(40 + n)
    for pauli in [random_pauli(n, rng), "XYZ" * (n // 3) + "Y" * (n % 3)]:
        sign = int(rng.choice([-1, 1]))
        bits, recipes = sample_single_copy(pauli, 0.9, sign, 25 * 3**n, rng)
        assert identify_pauli_single_copy(bits, recipes) == pauli


def test_single_copy_matches_brute_force_u_statistic() -> None:
    rng = np.random.default_rng(9)
    bits, recipes = sample_single_copy("ZY", 0.5, -1, 40, rng)
    best, best_q = -np.inf, None
    for q in all_paulis(2):  # all ties resolved to the first (lexicographic) candidate
        x = np.prod([3.0 * (recipes[:, i] == "XYZ".index(ch)) * (-1.0) ** bits[:, i]
                     for i, ch in enumerate(q) if ch != "I"], axis=0)
        u = (x.sum() ** 2 - (x**2).sum()) / (40 * 39)
        if u > best + 1e-12:
            best, best_q = u, q
    assert identify_pauli_single_copy(bits, recipes) == best_q


def test_single_copy_tie_break_is_lexicographic() -> None:
    bits = np.zeros((4, 1), dtype=np.uint8)
    recipes = np.array([[2], [2], [0], [0]], dtype=np.uint8)  # X and Z both estimate 1.5
    assert identify_pauli_single_copy(bits, recipes) == "X"
    bits2 = np.zeros((4, 2), dtype=np.uint8)
    recipes2 = np.array([[2, 1], [2, 1], [1, 0], [1, 0]], dtype=np.uint8)  # ZY and YX: 13.5
    assert identify_pauli_single_copy(bits2, recipes2) == "YX"
    assert identify_pauli_single_copy(bits2[::-1], recipes2[::-1]) == "YX"


# -------------------------------------------------------------------------------- errors


def test_two_copy_input_errors() -> None:
    rng = np.random.default_rng(0)
    good = np.zeros((5, 4), dtype=np.uint8)
    with pytest.raises(ValueError, match="bits.*2-D"):
        identify_pauli_two_copy(good[0], rng=rng)
    with pytest.raises(ValueError, match="bits.*T=0"):
        identify_pauli_two_copy(good[:0], rng=rng)
    with pytest.raises(ValueError, match="bits.*even"):
        identify_pauli_two_copy(np.zeros((5, 3), np.uint8), rng=rng)
    with pytest.raises(ValueError, match="bits.*0 and 1"):
        identify_pauli_two_copy(good + 2, rng=rng)
    with pytest.raises(ValueError, match="bits.*dtype"):
        identify_pauli_two_copy(good.astype(float), rng=rng)
    with pytest.raises(ValueError, match="rng"):
        identify_pauli_two_copy(good, rng=0)
    with pytest.raises(ValueError, match="method"):
        identify_pauli_two_copy(good, rng=rng, method="fast")
    with pytest.raises(ValueError, match="max_seconds"):
        identify_pauli_two_copy(good, rng=rng, max_seconds=0)
    with pytest.raises(ValueError, match="max_trials"):
        identify_pauli_two_copy(good, rng=rng, max_trials=0)
    with pytest.raises(ValueError, match="n=12"):
        identify_pauli_two_copy(np.zeros((5, 24), np.uint8), rng=rng, method="exhaustive")


def test_single_copy_input_errors() -> None:
    good = np.zeros((5, 2), dtype=np.uint8)
    with pytest.raises(ValueError, match="bits.*2-D"):
        identify_pauli_single_copy(good[0], good[0])
    with pytest.raises(ValueError, match="bits.*T=0"):
        identify_pauli_single_copy(good[:0], good[:0])
    with pytest.raises(ValueError, match="T=1"):
        identify_pauli_single_copy(good[:1], good[:1])
    with pytest.raises(ValueError, match="bits.*0 and 1"):
        identify_pauli_single_copy(good + 1 + 1, good)
    with pytest.raises(ValueError, match="recipes.*shape"):
        identify_pauli_single_copy(good, good[:, :1])
    with pytest.raises(ValueError, match="recipes"):
        identify_pauli_single_copy(good, good + 3)
    with pytest.raises(ValueError, match=r"n=11.*n <= 10"):
        identify_pauli_single_copy(np.zeros((5, 11), np.uint8), np.zeros((5, 11), np.uint8))


def test_docstring_examples() -> None:
    assert doctest.testmod(identification, raise_on_error=False).failed == 0
