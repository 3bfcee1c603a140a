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

from qmemlearn.estimators.statistics import (
    CHUNK_ELEMENTS,
    _as_bits,
    _as_observable_codes,
    _product_magnitudes,
    _sign_log_magnitudes,
    mean_and_stderr,
)
from qmemlearn.paulis import codes_to_symplectic

__all__ = ["bell_pair_values", "bell_squared", "bell_purity"]

Observables = Sequence[str] | np.ndarray | str


def _checked(bits: np.ndarray) -> np.ndarray:
    """Checked two-copy bits, uint8 ``[T, 2n]``."""
    return _as_bits(bits, two_copy=True)


def _column_mask(codes: np.ndarray) -> np.ndarray:
    """uint8 ``[M, 2n]`` with columns ``(x0, z0, x1, z1, ...)`` laid out like ``bits``.

    Column j enters the one-shot value of Q exactly when ``mask[m, j] = 1``: ``a_i`` for an X
    or Y on qubit i, ``b_i`` for a Z or Y.
    """
    x, z = codes_to_symplectic(codes)
    return np.stack([x, z], axis=2).reshape(codes.shape[0], -1)


def _pair_values(bits: np.ndarray, codes: np.ndarray, sign_values: np.ndarray | None = None) -> np.ndarray:
    """``[M, T]`` one-shot values from one parity matmul per chunk of shots.

    With ``p = (x0, z0, x1, z1, ...)`` laid out like the columns of ``bits``, the exponent
    ``x·a + z·b`` is ``bits @ p``; float32 sums of 0/1 are exact below 2^24. Without
    ``sign_values`` the result is int8 ±1; with them (``[2n, 2]``, the value standing for
    ``(-1)^bit`` per bit column) it is float64, the sign times ``prod_j |sign_values[j, bit_j]|``
    over the columns in ``p``.
    """
    mask = _column_mask(codes)
    layout = mask.astype(np.float32).T  # [2n, M]
    xz = ((mask[:, 0::2] & mask[:, 1::2]).sum(axis=1) & 1).astype(np.int32)  # one YY sign per Y in Q
    log_magnitudes = None if sign_values is None else _sign_log_magnitudes(sign_values, bits.shape[1])
    shots, m = bits.shape[0], codes.shape[0]
    out = np.empty((m, shots), dtype=np.int8 if log_magnitudes is None else np.float64)
    chunk = max(1, CHUNK_ELEMENTS // max(m, 1))
    for start in range(0, shots, chunk):
        stop = min(start + chunk, shots)
        exponent = (bits[start:stop].astype(np.float32) @ layout).astype(np.int32)  # [T_chunk, M]
        exponent += xz
        exponent &= 1
        out[:, start:stop] = (1 - 2 * exponent).T
        if log_magnitudes is not None:
            out[:, start:stop] *= _product_magnitudes(mask, bits[start:stop], log_magnitudes)
    return out


def _swap_factors(bits: np.ndarray, sign_values: np.ndarray | None = None) -> np.ndarray:
    """Per-pair SWAP values ``(1 + s_a + s_b - s_a s_b)/2``, float64 ``[T, n]``.

    ``s_a, s_b`` stand for ``(-1)^a, (-1)^b`` (raw ±1, or ``sign_values[j, bit]`` per bit
    column); with raw signs this is ``(-1)^{a b}`` exactly, from SWAP = (II + XX + YY + ZZ)/2.
    """
    table = np.array([[1.0, -1.0]] * bits.shape[1]) if sign_values is None else np.asarray(sign_values)
    _sign_log_magnitudes(table, bits.shape[1])  # validates the table
    signs = table[np.arange(bits.shape[1])[None, :], bits]  # [T, 2n]
    s_a, s_b = signs[:, 0::2], signs[:, 1::2]
    return (1.0 + s_a + s_b - s_a * s_b) / 2.0


def bell_pair_values(
    bits: np.ndarray, observables: Observables, *, sign_values: np.ndarray | None = None
) -> np.ndarray:
    """One-shot ±1 estimates of ``tr(Qρ)²`` for every observable Q and shot.

    Args:
        bits: uint8 ``[T, 2n]`` two-copy outcomes ``a0, b0, a1, b1, ...``.
        observables: Pauli strings of length n (a single string counts as one), or a
            ``[M, n]`` code array with ``I=0, X=1, Y=2, Z=3``.
        sign_values: Optional float ``[2n, 2]``: ``sign_values[j, b]`` replaces ``(-1)^b`` in
            bit column j (positive for b = 0, negative for b = 1), e.g. readout-corrected
            signs (:mod:`.mitigation`). Defaults to None, the raw ``±1``.

    Returns:
        int8 ``[M, T]`` of ±1: ``(-1)^{x·a + z·b + x·z}``; float64 with ``sign_values``, where
        each ``(-1)^{a_i}``, ``(-1)^{b_i}`` in the product is replaced by its table value.

    Raises:
        ValueError: On malformed bits or observables.

    Example:
        >>> bell_pair_values([[1, 0], [1, 1]], ["X", "Y", "Z"]).tolist()
        [[-1, -1], [1, -1], [1, -1]]
    """
    bits = _checked(bits)
    return _pair_values(bits, _as_observable_codes(observables, bits.shape[1] // 2), sign_values)


def bell_squared(
    bits: np.ndarray, observables: Observables, *, sign_values: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Estimates ``tr(Qρ)²`` for each observable Q: mean of the ±1 one-shot values.

    The standard error is ``std(ddof=1)/sqrt(T)`` (:func:`.statistics.mean_and_stderr`).

    Args:
        bits: uint8 ``[T, 2n]`` two-copy outcomes ``a0, b0, a1, b1, ...``.
        observables: Pauli strings of length n, or a ``[M, n]`` code array.
        sign_values: Optional ``[2n, 2]`` values replacing ``(-1)^bit`` (see
            :func:`bell_pair_values`). Defaults to None.

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
        values[rows], stderrs[rows] = mean_and_stderr(_pair_values(bits, codes[rows], sign_values))
    return values, stderrs


def bell_purity(bits: np.ndarray, *, sign_values: np.ndarray | None = None) -> tuple[float, float]:
    """Estimates ``tr(ρ²)`` as the mean SWAP value ``(-1)^{Σ_i a_i b_i}`` over shots.

    Args:
        bits: uint8 ``[T, 2n]`` two-copy outcomes ``a0, b0, a1, b1, ...``.
        sign_values: Optional ``[2n, 2]`` values replacing ``(-1)^bit`` (see
            :func:`bell_pair_values`); each pair then contributes ``(1 + s_a + s_b - s_a s_b)/2``.
            Defaults to None.

    Returns:
        ``(value, stderr)`` as floats; stderr ``std(ddof=1)/sqrt(T)``.

    Raises:
        ValueError: On malformed bits or fewer than 2 shots.

    Example:
        >>> bell_purity([[0, 0, 1, 1], [1, 1, 1, 1], [1, 0, 0, 1], [0, 0, 0, 0]])[0]
        0.5
    """
    bits = _checked(bits)
    value, stderr = mean_and_stderr(_swap_factors(bits, sign_values).prod(axis=1))
    return float(value), float(stderr)
