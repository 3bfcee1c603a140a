"""Pauli strings: parsing, validation, symplectic form, weight, commutation, sampling.

Conventions (DESIGN §3):
    * A Pauli string uses the characters ``I X Y Z``; character ``i`` acts on system qubit ``i``.
    * The symplectic form of a Pauli is a pair of bit arrays ``(x, z)`` with
      ``I=(0,0)``, ``X=(1,0)``, ``Y=(1,1)``, ``Z=(0,1)``. Phases are dropped: ``Y`` is the
      Hermitian Pauli ``Y``, never ``XZ``.
    * Pauli *codes* are small integers ``I=0, X=1, Y=2, Z=3`` (the index into ``"IXYZ"``).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

PAULI_CHARACTERS = "IXYZ"
_CODE_OF_CHARACTER = {c: k for k, c in enumerate(PAULI_CHARACTERS)}
_X_BIT_OF_CODE = np.array([0, 1, 1, 0], dtype=np.uint8)
_Z_BIT_OF_CODE = np.array([0, 0, 1, 1], dtype=np.uint8)


def validate_pauli(pauli: str, *, n: int | None = None, name: str = "pauli") -> str:
    """Checks that ``pauli`` is a Pauli string and returns it unchanged.

    Args:
        pauli: Candidate Pauli string, e.g. ``"XIZY"``.
        n: If given, the required length (number of system qubits).
        name: The parameter name used in error messages.

    Returns:
        The same string.

    Raises:
        ValueError: If ``pauli`` is not a non-empty ``str`` of ``I X Y Z`` characters, or
            has the wrong length. The message names the bad character and its position.

    Example:
        >>> validate_pauli("XYZ")
        'XYZ'
    """
    if not isinstance(pauli, str):
        raise ValueError(f"{name}={pauli!r} must be a str of the characters I, X, Y, Z")
    if not pauli:
        raise ValueError(f"{name}='' must contain at least one of the characters I, X, Y, Z")
    for position, character in enumerate(pauli):
        if character not in _CODE_OF_CHARACTER:
            raise ValueError(
                f"{name}={pauli!r} has the bad character {character!r} at position {position}; "
                f"allowed characters are I, X, Y, Z"
            )
    if n is not None and len(pauli) != n:
        raise ValueError(f"{name}={pauli!r} has length {len(pauli)} but must have length n={n}")
    return pauli


def pauli_to_codes(pauli: str) -> np.ndarray:
    """Returns the Pauli codes (``I=0, X=1, Y=2, Z=3``) of a Pauli string as a uint8 array."""
    validate_pauli(pauli)
    return np.array([_CODE_OF_CHARACTER[c] for c in pauli], dtype=np.uint8)


def codes_to_pauli(codes: Iterable[int]) -> str:
    """Inverse of :func:`pauli_to_codes`."""
    codes = np.asarray(codes)
    if codes.ndim != 1 or codes.size == 0 or np.any((codes < 0) | (codes > 3)):
        raise ValueError(f"codes={codes!r} must be a non-empty 1-D array of integers in [0, 3]")
    return "".join(PAULI_CHARACTERS[int(c)] for c in codes)


def paulis_to_codes(paulis: Iterable[str], *, n: int | None = None) -> np.ndarray:
    """Stacks several Pauli strings of one length into a ``[M, n]`` uint8 code array.

    Raises:
        ValueError: If a string is not a Pauli string or the lengths differ.
    """
    paulis = list(paulis)
    if not paulis:
        raise ValueError("paulis must contain at least one Pauli string")
    if n is None:
        validate_pauli(paulis[0], name="paulis[0]")
        n = len(paulis[0])
    for k, p in enumerate(paulis):
        validate_pauli(p, n=n, name=f"paulis[{k}]")
    return np.array([[_CODE_OF_CHARACTER[c] for c in p] for p in paulis], dtype=np.uint8)


def to_symplectic(pauli: str) -> tuple[np.ndarray, np.ndarray]:
    """Returns the symplectic bit arrays ``(x, z)`` of a Pauli string (uint8, length n).

    Example:
        >>> x, z = to_symplectic("XYZI")
        >>> x.tolist(), z.tolist()
        ([1, 1, 0, 0], [0, 1, 1, 0])
    """
    codes = pauli_to_codes(pauli)
    return _X_BIT_OF_CODE[codes], _Z_BIT_OF_CODE[codes]


def codes_to_symplectic(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symplectic bits ``(x, z)`` of a code array of any shape (``I=0, X=1, Y=2, Z=3``)."""
    codes = np.asarray(codes, dtype=np.uint8)
    return _X_BIT_OF_CODE[codes], _Z_BIT_OF_CODE[codes]


def symplectic_to_codes(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Pauli codes (``I=0, X=1, Y=2, Z=3``) from symplectic bits of any (equal) shape."""
    x = np.asarray(x, dtype=np.uint8)
    z = np.asarray(z, dtype=np.uint8)
    if x.shape != z.shape:
        raise ValueError(f"x.shape={x.shape} and z.shape={z.shape} must be equal")
    if np.any(x > 1) or np.any(z > 1):
        raise ValueError("x and z must contain only bits 0 and 1")
    # (x, z): (0,0)->I=0, (1,0)->X=1, (1,1)->Y=2, (0,1)->Z=3.
    return np.where(z == 0, x, 3 - x).astype(np.uint8)


def from_symplectic(x: Iterable[int], z: Iterable[int]) -> str:
    """Pauli string with symplectic bits ``(x, z)``; inverse of :func:`to_symplectic`."""
    return codes_to_pauli(symplectic_to_codes(np.asarray(list(x)), np.asarray(list(z))))


def weight(pauli: str) -> int:
    """Number of non-identity characters of a Pauli string."""
    validate_pauli(pauli)
    return sum(c != "I" for c in pauli)


def support(pauli: str) -> list[int]:
    """Indices of the qubits on which ``pauli`` acts non-trivially."""
    validate_pauli(pauli)
    return [i for i, c in enumerate(pauli) if c != "I"]


def commutes(p: str, q: str) -> bool:
    """Whether the Pauli strings ``p`` and ``q`` (same length) commute.

    They commute exactly when the symplectic product ``x_p·z_q + z_p·x_q`` is even.
    """
    validate_pauli(p, name="p")
    validate_pauli(q, n=len(p), name="q")
    xp, zp = to_symplectic(p)
    xq, zq = to_symplectic(q)
    return int(xp @ zq + zp @ xq) % 2 == 0


def random_pauli(n: int, rng: np.random.Generator, *, exclude: Iterable[str] = ()) -> str:
    """A uniformly random non-identity Pauli string on ``n`` qubits.

    Args:
        n: Number of qubits, at least 1.
        rng: Source of randomness (never the global ``np.random``).
        exclude: Pauli strings that must not be returned (e.g. the hidden Pauli, when
            drawing a decoy). The identity is always excluded.

    Returns:
        A Pauli string drawn uniformly from the ``4**n - 1 - len(exclude)`` allowed strings.

    Raises:
        ValueError: If ``n < 1`` or nothing is left to draw from.

    Example:
        >>> random_pauli(3, np.random.default_rng(0))  # doctest: +SKIP
        'ZXY'
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n={n!r} must be an int >= 1")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng={rng!r} must be a np.random.Generator, e.g. np.random.default_rng(seed)")
    excluded = {validate_pauli(e, n=n, name="exclude") for e in exclude}
    excluded.add("I" * n)
    if n <= 30 and len(excluded) >= 4**n:
        raise ValueError(f"no Pauli string on n={n} qubits is left after excluding {len(excluded)}")
    while True:  # Rejection sampling: the acceptance probability is at least 3/4 here.
        candidate = codes_to_pauli(rng.integers(0, 4, size=n))
        if candidate not in excluded:
            return candidate
