"""qmemlearn.paulis: parsing, validation, symplectic form, weight, commutation, sampling."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.stats

from qmemlearn.paulis import (
    codes_to_pauli,
    codes_to_symplectic,
    commutes,
    from_symplectic,
    pauli_to_codes,
    paulis_to_codes,
    random_pauli,
    support,
    symplectic_to_codes,
    to_symplectic,
    validate_pauli,
    weight,
)

MATRICES = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}


def matrix(pauli: str) -> np.ndarray:
    out = np.array([[1.0 + 0j]])
    for c in pauli:
        out = np.kron(out, MATRICES[c])
    return out


def all_paulis(n: int) -> list[str]:
    return ["".join(t) for t in itertools.product("IXYZ", repeat=n)]


# ----- validation -----------------------------------------------------------------------------
def test_validate_returns_the_string():
    assert validate_pauli("XYZI") == "XYZI"
    assert validate_pauli("Y", n=1) == "Y"


@pytest.mark.parametrize(
    "pauli, match",
    [
        ("XAZ", r"pauli='XAZ' has the bad character 'A' at position 1"),
        ("xyz", r"bad character 'x' at position 0"),
        ("XY ", r"bad character ' ' at position 2"),
        ("IIIIIIIIIIW", r"bad character 'W' at position 10"),
        ("", r"pauli='' must contain at least one"),
        (None, r"pauli=None must be a str"),
        (["X", "Y"], r"must be a str"),
    ],
)
def test_bad_pauli_names_character_and_position(pauli, match):
    with pytest.raises(ValueError, match=match):
        validate_pauli(pauli)


def test_wrong_length_is_named():
    with pytest.raises(ValueError, match=r"pauli='XY' has length 2 but must have length n=3"):
        validate_pauli("XY", n=3)
    with pytest.raises(ValueError, match=r"observable='XYZ' has length 3 but must have length n=2"):
        validate_pauli("XYZ", n=2, name="observable")
    with pytest.raises(ValueError, match=r"paulis\[1\]='XYZ' has length 3 but must have length n=2"):
        paulis_to_codes(["XY", "XYZ"])
    with pytest.raises(ValueError, match=r"q='XYZ' has length 3 but must have length n=2"):
        commutes("XY", "XYZ")


# ----- codes and symplectic form --------------------------------------------------------------
def test_codes_and_symplectic_known_values():
    np.testing.assert_array_equal(pauli_to_codes("IXYZ"), [0, 1, 2, 3])
    assert codes_to_pauli([3, 2, 1, 0]) == "ZYXI"
    x, z = to_symplectic("XYZI")
    assert x.tolist() == [1, 1, 0, 0] and z.tolist() == [0, 1, 1, 0]
    np.testing.assert_array_equal(paulis_to_codes(["XY", "ZI"]), [[1, 2], [3, 0]])


@pytest.mark.parametrize("n", [1, 2, 3])
def test_symplectic_round_trip_exhaustive(n):
    for pauli in all_paulis(n):
        x, z = to_symplectic(pauli)
        assert x.dtype == z.dtype == np.uint8
        assert from_symplectic(x, z) == pauli
        assert codes_to_pauli(symplectic_to_codes(x, z)) == pauli
        assert codes_to_pauli(pauli_to_codes(pauli)) == pauli
        # The symplectic form is the one of the matrix: P ∝ X^x Z^z per qubit (Y = iXZ).
        for c, xi, zi in zip(pauli, x, z):
            product = np.linalg.matrix_power(MATRICES["X"], int(xi)) @ np.linalg.matrix_power(MATRICES["Z"], int(zi))
            phases = [product[k, j] / MATRICES[c][k, j] for k, j in zip(*np.nonzero(MATRICES[c]))]
            assert np.allclose(phases, phases[0]) and abs(abs(phases[0]) - 1) < 1e-12


def test_symplectic_round_trip_random_large():
    rng = np.random.default_rng(0)
    for _ in range(20):
        codes = rng.integers(0, 4, size=300)
        pauli = codes_to_pauli(codes)
        assert from_symplectic(*to_symplectic(pauli)) == pauli
        x, z = codes_to_symplectic(codes.reshape(20, 15))
        np.testing.assert_array_equal(symplectic_to_codes(x, z), codes.reshape(20, 15))


def test_symplectic_and_code_errors():
    with pytest.raises(ValueError, match=r"x.shape=\(2,\) and z.shape=\(3,\) must be equal"):
        symplectic_to_codes(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match=r"only bits 0 and 1"):
        symplectic_to_codes(np.array([2]), np.array([0]))
    with pytest.raises(ValueError, match=r"codes="):
        codes_to_pauli([0, 4])
    with pytest.raises(ValueError, match=r"codes="):
        codes_to_pauli([])
    with pytest.raises(ValueError, match=r"at least one Pauli"):
        paulis_to_codes([])


def test_weight_and_support():
    assert weight("IXIYZ") == 3 and support("IXIYZ") == [1, 3, 4]
    assert weight("III") == 0 and support("III") == []
    with pytest.raises(ValueError, match=r"position 1"):
        weight("XQ")


# ----- commutation --------------------------------------------------------------------------
def _matrices_commute(p: str, q: str) -> bool:
    a, b = matrix(p), matrix(q)
    return np.allclose(a @ b, b @ a)


@pytest.mark.parametrize("n", [1, 2])
def test_commutes_matches_matrices_exhaustive(n):
    for p, q in itertools.product(all_paulis(n), repeat=2):
        assert commutes(p, q) == _matrices_commute(p, q), (p, q)


def test_commutes_matches_matrices_random_n3():
    rng = np.random.default_rng(1)
    seen = set()
    for _ in range(300):
        p, q = codes_to_pauli(rng.integers(0, 4, 3)), codes_to_pauli(rng.integers(0, 4, 3))
        result = commutes(p, q)
        assert result == _matrices_commute(p, q), (p, q)
        seen.add(result)
    assert seen == {True, False}


def test_commutes_parity_survives_long_strings():
    """Long strings: the symplectic product must be computed without losing its parity."""
    for n in (255, 256, 257, 1000):
        assert commutes("X" * n, "Z" * n) == (n % 2 == 0)
        assert commutes("Y" * n, "X" * n) == (n % 2 == 0)


# ----- random_pauli -------------------------------------------------------------------------
def test_random_pauli_never_identity_never_excluded_and_uniform():
    rng = np.random.default_rng(2)
    exclude = ["XY", "ZZ", "IY"]
    draws = [random_pauli(2, rng, exclude=exclude) for _ in range(24_000)]
    assert "II" not in draws and not set(exclude) & set(draws)
    allowed = [p for p in all_paulis(2) if p != "II" and p not in exclude]
    counts = np.array([draws.count(p) for p in allowed])
    assert counts.sum() == len(draws)
    assert scipy.stats.chisquare(counts).pvalue > 1e-3, counts


def test_random_pauli_uniform_n1_and_seeded():
    rng = np.random.default_rng(3)
    draws = [random_pauli(1, rng) for _ in range(9000)]
    counts = np.array([draws.count(c) for c in "XYZ"])
    assert counts.sum() == 9000
    assert scipy.stats.chisquare(counts).pvalue > 1e-3
    a = [random_pauli(5, np.random.default_rng(4)) for _ in range(3)]
    b = [random_pauli(5, np.random.default_rng(4)) for _ in range(3)]
    assert a == b and all(len(p) == 5 and set(p) <= set("IXYZ") and set(p) != {"I"} for p in a)


def test_random_pauli_only_one_left():
    rng = np.random.default_rng(5)
    assert {random_pauli(1, rng, exclude=["X", "Y"]) for _ in range(50)} == {"Z"}


def test_random_pauli_large_n():
    p = random_pauli(200, np.random.default_rng(6), exclude=["X" * 200])
    assert len(p) == 200 and set(p) != {"I"}


def test_random_pauli_errors():
    rng = np.random.default_rng(7)
    for n in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match=r"n=.* must be an int >= 1"):
            random_pauli(n, rng)
    with pytest.raises(ValueError, match=r"no Pauli string on n=1 qubits is left"):
        random_pauli(1, rng, exclude=["X", "Y", "Z"])
    with pytest.raises(ValueError, match=r"exclude='XYZ' has length 3 but must have length n=2"):
        random_pauli(2, rng, exclude=["XYZ"])
    with pytest.raises(ValueError, match=r"bad character 'Q' at position 0"):
        random_pauli(2, rng, exclude=["QX"])
