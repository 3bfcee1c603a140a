"""Two-copy (Bell-basis) estimators.

Record convention (DESIGN §3, ReCirq's order): ``bits[t, 2i] = a_i`` (copy A) and
``bits[t, 2i+1] = b_i`` (copy B), measured after CNOT(a_i -> b_i) then H(a_i). Per pair the
eigenvalues are ``XX = (-1)^a``, ``ZZ = (-1)^b``, ``YY = -(-1)^{a+b}`` and ``SWAP = -1`` only
for ``(a, b) = (1, 1)``. For Q with symplectic bits (x, z) the one-shot value
``(-1)^{x·a + z·b + x·z}`` is unbiased for ``tr(Qρ)²``, and ``(-1)^{Σ_i a_i b_i}`` is unbiased
for ``tr(ρ²)``. Each two-copy shot consumes 2 copies of ρ.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from qmemlearn.estimators.statistics import CHUNK_ELEMENTS, _as_bits, _as_observable_codes, mean_and_stderr
from qmemlearn.paulis import codes_to_symplectic

__all__ = ["bell_pair_values", "bell_squared", "bell_purity"]

Observables = Sequence[str] | np.ndarray | str


def _checked(bits: np.ndarray) -> np.ndarray:
    """Checked two-copy bits, uint8 ``[T, 2n]``."""
    return _as_bits(bits, two_copy=True)


def _pair_values(bits: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """int8 ``[M, T]`` of ±1 from one parity matmul per chunk of shots.

    With ``p = (x0, z0, x1, z1, ...)`` laid out like the columns of ``bits``, the exponent
    ``x·a + z·b`` is ``bits @ p``; float32 sums of 0/1 are exact below 2^24.
    """
    x, z = codes_to_symplectic(codes)
    layout = np.stack([x, z], axis=2).reshape(codes.shape[0], -1).astype(np.float32).T  # [2n, M]
    xz = ((x & z).sum(axis=1) & 1).astype(np.int32)  # one YY sign per Y in Q
    shots, m = bits.shape[0], codes.shape[0]
    out = np.empty((m, shots), dtype=np.int8)
    chunk = max(1, CHUNK_ELEMENTS // max(m, 1))
    for start in range(0, shots, chunk):
        stop = min(start + chunk, shots)
        exponent = (bits[start:stop].astype(np.float32) @ layout).astype(np.int32)  # [T_chunk, M]
        exponent += xz
        exponent &= 1
        out[:, start:stop] = (1 - 2 * exponent).T
    return out


def bell_pair_values(bits: np.ndarray, observables: Observables) -> np.ndarray:
    """One-shot ±1 estimates of ``tr(Qρ)²`` for every observable Q and shot.

    Args:
        bits: uint8 ``[T, 2n]`` two-copy outcomes ``a0, b0, a1, b1, ...``.
        observables: Pauli strings of length n (a single string counts as one), or a
            ``[M, n]`` code array with ``I=0, X=1, Y=2, Z=3``.

    Returns:
        int8 ``[M, T]`` of ±1: ``(-1)^{x·a + z·b + x·z}``.

    Raises:
        ValueError: On malformed bits or observables.

    Example:
        >>> bell_pair_values([[1, 0], [1, 1]], ["X", "Y", "Z"]).tolist()
        [[-1, -1], [1, -1], [1, -1]]
    """
    bits = _checked(bits)
    return _pair_values(bits, _as_observable_codes(observables, bits.shape[1] // 2))


def bell_squared(bits: np.ndarray, observables: Observables) -> tuple[np.ndarray, np.ndarray]:
    """Estimates ``tr(Qρ)²`` for each observable Q: mean of the ±1 one-shot values.

    The standard error is ``std(ddof=1)/sqrt(T)`` (:func:`.statistics.mean_and_stderr`).

    Args:
        bits: uint8 ``[T, 2n]`` two-copy outcomes ``a0, b0, a1, b1, ...``.
        observables: Pauli strings of length n, or a ``[M, n]`` code array.

    Returns:
        ``(values, stderrs)``, float64 arrays of shape ``[M]``.

    Raises:
        ValueError: On malformed inputs or fewer than 2 shots.

    Example:
        >>> bell_squared([[0, 0], [0, 0], [1, 0], [0, 0]], ["X"])[0].tolist()
        [0.5]
    """
    bits = _checked(bits)
    codes = _as_observable_codes(observables, bits.shape[1] // 2)
    values = np.empty(codes.shape[0])
    stderrs = np.empty(codes.shape[0])
    chunk = max(1, CHUNK_ELEMENTS // max(bits.shape[0], 1))
    for start in range(0, codes.shape[0], chunk):
        rows = slice(start, start + chunk)
        values[rows], stderrs[rows] = mean_and_stderr(_pair_values(bits, codes[rows]))
    return values, stderrs


def bell_purity(bits: np.ndarray) -> tuple[float, float]:
    """Estimates ``tr(ρ²)`` as the mean SWAP value ``(-1)^{Σ_i a_i b_i}`` over shots.

    Args:
        bits: uint8 ``[T, 2n]`` two-copy outcomes ``a0, b0, a1, b1, ...``.

    Returns:
        ``(value, stderr)`` as floats; stderr ``std(ddof=1)/sqrt(T)``.

    Raises:
        ValueError: On malformed bits or fewer than 2 shots.

    Example:
        >>> bell_purity([[0, 0, 1, 1], [1, 1, 1, 1], [1, 0, 0, 1], [0, 0, 0, 0]])[0]
        0.5
    """
    bits = _checked(bits)
    a, b = bits[:, 0::2], bits[:, 1::2]
    swap = 1.0 - 2.0 * ((a & b).sum(axis=1, dtype=np.int64) & 1)
    value, stderr = mean_and_stderr(swap)
    return float(value), float(stderr)
