"""Single-copy (classical shadow) estimators from random local Pauli measurements.

Record convention (DESIGN §3, same as PennyLane ``qml.ClassicalShadow``):
    * ``recipes[t, i]`` in {0: X, 1: Y, 2: Z} is the basis measured on qubit i in shot t;
    * ``bits[t, i]`` in {0, 1}, where 0 means the +1 eigenvalue of that Pauli was seen.

One snapshot t estimates ``<Q>`` without bias as the product over ``supp(Q)`` of
``3·[recipe_i = Q_i]·(-1)^{bit_i}``. Each single-copy shot consumes 1 copy of ρ.
All estimators return values and standard errors (see :mod:`.statistics`).
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from qmemlearn.estimators.statistics import (
    CHUNK_ELEMENTS,
    _as_bits,
    _as_observable_codes,
    _as_recipes,
    _product_magnitudes,
    _sign_log_magnitudes,
    mean_and_stderr,
    median_of_means,
    pair_ustatistic_stderr,
    squared_mean_ustatistic,
)

__all__ = ["shadow_snapshot_values", "shadow_expectation", "shadow_squared", "shadow_purity"]

Observables = Sequence[str] | np.ndarray | str


def _checked(bits: np.ndarray, recipes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    bits = _as_bits(bits)
    return bits, _as_recipes(recipes, bits.shape)


def _snapshot_chunks(
    bits: np.ndarray, recipes: np.ndarray, codes: np.ndarray, sign_values: np.ndarray | None = None
) -> Iterator[tuple[slice, np.ndarray]]:
    """Yields ``(observable slice, float64 [M_chunk, T] snapshot values)`` with bounded memory.

    The values come from two BLAS products: the number of support qubits whose recipe
    matches ``Q_i`` (one-hot recipes), and the parity of the bits on the support. With
    ``sign_values`` (``[n, 2]``, the value standing for ``(-1)^bit`` on each qubit), a third
    product multiplies in the magnitudes ``prod_{i in supp} |sign_values[i, bit_i]|``.
    """
    log_magnitudes = None if sign_values is None else _sign_log_magnitudes(sign_values, bits.shape[1])
    shots, n = bits.shape
    recipe_onehot = np.zeros((shots, n, 3), dtype=np.float32)
    recipe_onehot[np.arange(shots)[:, None], np.arange(n)[None, :], recipes] = 1.0
    recipe_onehot = recipe_onehot.reshape(shots, 3 * n)
    bits_f = bits.astype(np.float32)
    chunk = max(1, CHUNK_ELEMENTS // max(shots, 1))
    for start in range(0, codes.shape[0], chunk):
        part = codes[start : start + chunk]
        support = part > 0
        wanted = np.zeros((part.shape[0], n, 3), dtype=np.float32)
        m_idx, q_idx = np.nonzero(support)
        wanted[m_idx, q_idx, part[m_idx, q_idx].astype(np.intp) - 1] = 1.0
        weight = support.sum(axis=1)
        matches = wanted.reshape(part.shape[0], 3 * n) @ recipe_onehot.T  # [M_chunk, T], exact
        parity = (support.astype(np.float32) @ bits_f.T).astype(np.int32)
        parity &= 1
        values = 1.0 - 2.0 * parity
        values *= np.power(3.0, weight)[:, None]
        values[matches != weight[:, None]] = 0.0
        if log_magnitudes is not None:
            values *= _product_magnitudes(support, bits, log_magnitudes)
        yield slice(start, start + part.shape[0]), values


def shadow_snapshot_values(
    bits: np.ndarray, recipes: np.ndarray, observables: Observables, *, sign_values: np.ndarray | None = None
) -> np.ndarray:
    """One-snapshot estimates of ``<Q>`` for every observable and shot.

    Args:
        bits: uint8 ``[T, n]``, 0 = the +1 eigenvalue of the measured Pauli.
        recipes: uint8 ``[T, n]``, 0: X, 1: Y, 2: Z.
        observables: Pauli strings of length n (a single string counts as one), or a
            ``[M, n]`` code array with ``I=0, X=1, Y=2, Z=3``.
        sign_values: Optional float ``[n, 2]``: ``sign_values[i, b]`` replaces ``(-1)^b`` on
            qubit i (positive for b = 0, negative for b = 1), e.g. readout-corrected signs
            (:mod:`.mitigation`). Defaults to None, the raw ``±1``.

    Returns:
        float64 ``[M, T]``; entries are 0 or ``±3^{weight(Q)}`` (times the magnitudes of
        ``sign_values`` on the support, if given).

    Raises:
        ValueError: On malformed bits, recipes or observables.

    Example:
        >>> shadow_snapshot_values([[0, 1]], [[2, 0]], ["ZX", "ZI", "XI"]).tolist()
        [[-9.0], [3.0], [0.0]]
    """
    bits, recipes = _checked(bits, recipes)
    codes = _as_observable_codes(observables, bits.shape[1])
    out = np.empty((codes.shape[0], bits.shape[0]), dtype=np.float64)
    for rows, values in _snapshot_chunks(bits, recipes, codes, sign_values):
        out[rows] = values
    return out


def shadow_expectation(
    bits: np.ndarray,
    recipes: np.ndarray,
    observables: Observables,
    *,
    method: str = "mean",
    groups: int = 10,
    sign_values: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Estimates ``tr(Qρ)`` for each observable Q from classical shadows.

    Args:
        bits: uint8 ``[T, n]``, 0 = the +1 eigenvalue of the measured Pauli.
        recipes: uint8 ``[T, n]``, 0: X, 1: Y, 2: Z.
        observables: Pauli strings of length n, or a ``[M, n]`` code array.
        method: ``"mean"`` (stderr ``s/sqrt(T)``) or ``"median_of_means"`` (stderr
            ``sqrt(pi/2)·std(group means)/sqrt(K)``). Defaults to ``"mean"``.
        groups: Number of groups K for ``"median_of_means"``, in ``[1, T]``. Defaults to 10.
        sign_values: Optional ``[n, 2]`` values replacing ``(-1)^bit`` (see
            :func:`shadow_snapshot_values`). Defaults to None.

    Returns:
        ``(values, stderrs)``, float64 arrays of shape ``[M]``.

    Raises:
        ValueError: On malformed inputs, an unknown ``method``, or fewer than 2 shots.

    Example:
        >>> values, stderrs = shadow_expectation([[0], [0], [1]], [[2], [2], [0]], ["Z"])
        >>> values.tolist()
        [2.0]
    """
    if method not in ("mean", "median_of_means"):
        raise ValueError(f"method={method!r} must be one of 'mean', 'median_of_means'")
    bits, recipes = _checked(bits, recipes)
    codes = _as_observable_codes(observables, bits.shape[1])
    values = np.empty(codes.shape[0])
    stderrs = np.empty(codes.shape[0])
    for rows, snapshots in _snapshot_chunks(bits, recipes, codes, sign_values):
        if method == "mean":
            values[rows], stderrs[rows] = mean_and_stderr(snapshots)
        else:
            values[rows], stderrs[rows] = median_of_means(snapshots, groups)
    return values, stderrs


def shadow_squared(
    bits: np.ndarray, recipes: np.ndarray, observables: Observables, *, sign_values: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Unbiased ``tr(Qρ)²``: mean of ``x_t x_t'`` over distinct snapshot pairs, O(T) each.

    Uses :func:`.statistics.squared_mean_ustatistic` on the snapshot values; stderr from
    Hoeffding's variance ``4 μ² σ²/T + 2 σ⁴/(T(T-1))``.

    Args:
        bits: uint8 ``[T, n]``, 0 = the +1 eigenvalue of the measured Pauli.
        recipes: uint8 ``[T, n]``, 0: X, 1: Y, 2: Z.
        observables: Pauli strings of length n, or a ``[M, n]`` code array.
        sign_values: Optional ``[n, 2]`` values replacing ``(-1)^bit`` (see
            :func:`shadow_snapshot_values`). Defaults to None.

    Returns:
        ``(values, stderrs)``, float64 arrays of shape ``[M]``; values may be negative.

    Raises:
        ValueError: On malformed inputs or fewer than 2 shots.

    Example:
        >>> shadow_squared([[0], [1], [0]], [[2], [2], [2]], ["Z"])[0].tolist()  # (-9-9+9)/3
        [-3.0]
    """
    bits, recipes = _checked(bits, recipes)
    codes = _as_observable_codes(observables, bits.shape[1])
    values = np.empty(codes.shape[0])
    stderrs = np.empty(codes.shape[0])
    for rows, snapshots in _snapshot_chunks(bits, recipes, codes, sign_values):
        values[rows], stderrs[rows] = squared_mean_ustatistic(snapshots)
    return values, stderrs


def _encode(bits: np.ndarray, recipes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-hot ``[T, 6n]`` encodings of (basis, bit) per qubit, and of (basis, other bit)."""
    shots, n = bits.shape
    rows, qubits = np.arange(shots)[:, None], np.arange(n)[None, :]
    encodings = []
    for flip in (0, 1):
        encoded = np.zeros((shots, n, 6), dtype=np.float64)
        encoded[rows, qubits, 2 * recipes.astype(np.intp) + (bits ^ flip)] = 1.0
        encodings.append(encoded.reshape(shots, 6 * n))
    return encodings[0], encodings[1]


def _column_logs(bits: np.ndarray, same: np.ndarray, other: np.ndarray, sign_values: np.ndarray | None) -> np.ndarray:
    """``ln|1 + 9 v_i(b) v_i(b')|`` on the encodings of the column snapshots (bits b'), ``[T, 6n]``.

    With ``v`` the values standing for ``(-1)^bit`` (raw ``±1``: ``ln 10`` for the same bit,
    ``ln 8`` for the other), placed at ``(basis, b')`` in ``same`` and ``(basis, 1 - b')`` in
    ``other``; a row snapshot with bit b in the same basis picks the entry for ``(b, b')``.
    """
    shots, n = bits.shape
    table = np.array([[1.0, -1.0]] * n) if sign_values is None else np.asarray(sign_values, dtype=np.float64)
    _sign_log_magnitudes(table, n)  # validates the table
    qubits = np.arange(n)[None, :]
    values, flipped = table[qubits, bits], table[qubits, 1 - bits]
    log_same = np.log(np.abs(1.0 + 9.0 * values * values))
    log_other = np.log(np.abs(1.0 + 9.0 * values * flipped))
    logs = same.reshape(shots, n, 6) * log_same[:, :, None] + other.reshape(shots, n, 6) * log_other[:, :, None]
    return logs.reshape(shots, 6 * n)


def _kernel(rows_same: np.ndarray, cols_log: np.ndarray, cols_other: np.ndarray, n: int) -> np.ndarray:
    """``2^-n · prod |1 + 9 v v'| · (-1)^d`` from encodings and :func:`_column_logs`.

    With raw signs this is ``2^-n · 10^k · (-8)^d``; d counts the same-basis, other-bit qubits.
    """
    kernel = rows_same @ cols_log.T
    kernel -= n * np.log(2.0)
    np.exp(kernel, out=kernel)
    odd = (np.rint(rows_same @ cols_other.T).astype(np.int32) & 1).astype(bool)  # parity of d
    np.negative(kernel, out=kernel, where=odd)
    return kernel


def _overlap_kernel(
    bits_a: np.ndarray, recipes_a: np.ndarray, bits_b: np.ndarray, recipes_b: np.ndarray
) -> np.ndarray:
    """``tr(ρ̂_s ρ̂_t)`` for all snapshot pairs: float64 ``[T_a, T_b]``.

    Local factor per qubit: 5 (same basis, same bit), -4 (same basis, other bit), 1/2
    (other basis), i.e. ``2^-n · 10^k · (-8)^d`` with k (d) the number of qubits with the
    same basis and the same (other) bit; k and d are BLAS products of one-hot encodings.
    """
    same_a, _ = _encode(bits_a, recipes_a)
    same_b, other_b = _encode(bits_b, recipes_b)
    return _kernel(same_a, _column_logs(bits_b, same_b, other_b, None), other_b, bits_a.shape[1])


def _purity_sums(
    bits: np.ndarray, recipes: np.ndarray, sign_values: np.ndarray | None, pair_counts: bool = False
) -> tuple[np.ndarray, float, np.ndarray | None]:
    """Kernel row sums over ``t' != t``, the sum of squared off-diagonal entries, and optionally
    ``E^T H E`` (``[6n, 6n]``: kernel mass between one-hot (qubit, basis, bit) encodings)."""
    shots, n = bits.shape
    row_sums = np.empty(shots)
    total_squares = 0.0
    same, other = _encode(bits, recipes)
    cols_log = _column_logs(bits, same, other, sign_values)
    pairs = np.zeros((6 * n, 6 * n)) if pair_counts else None
    chunk = max(1, CHUNK_ELEMENTS // shots)
    for start in range(0, shots, chunk):
        stop = min(start + chunk, shots)
        kernel = _kernel(same[start:stop], cols_log, other, n)
        kernel[np.arange(stop - start), np.arange(start, stop)] = 0.0  # drop t == t'
        row_sums[start:stop] = kernel.sum(axis=1)
        total_squares += float(np.square(kernel).sum())
        if pairs is not None:
            pairs += same[start:stop].T @ (kernel @ same)
    return row_sums, total_squares, pairs


def shadow_purity(
    bits: np.ndarray, recipes: np.ndarray, *, sign_values: np.ndarray | None = None
) -> tuple[float, float]:
    """Unbiased ``tr(ρ²)``: mean of ``tr(ρ̂_t ρ̂_t')`` over distinct snapshot pairs.

    Costs O(T² n) time through BLAS, with memory bounded by row chunks. The standard error
    is :func:`.statistics.pair_ustatistic_stderr` from the kernel row means and the kernel
    variance over distinct pairs. Kernel entries reach ``5^n``; fine in float64 for n < 200.

    Args:
        bits: uint8 ``[T, n]``, 0 = the +1 eigenvalue of the measured Pauli.
        recipes: uint8 ``[T, n]``, 0: X, 1: Y, 2: Z.
        sign_values: Optional ``[n, 2]`` values replacing ``(-1)^bit`` (see
            :func:`shadow_snapshot_values`); the snapshot ``(I + 3 v P)/2`` per qubit is
            linear in them, and the local kernel factor becomes ``(1 + 9 v v' [same basis])/2``.
            Defaults to None.

    Returns:
        ``(value, stderr)`` as floats.

    Raises:
        ValueError: On malformed inputs or fewer than 2 shots.

    Example:
        >>> round(shadow_purity([[0], [0], [1]], [[2], [2], [0]])[0], 12)  # (5 + 1/2 + 1/2) / 3
        2.0
    """
    bits, recipes = _checked(bits, recipes)
    shots = bits.shape[0]
    if shots < 2:
        raise ValueError(f"shots={shots} must be >= 2 for a pair U-statistic")
    row_sums, total_squares, _ = _purity_sums(bits, recipes, sign_values)
    return _purity_estimate(row_sums, total_squares)


def _purity_estimate(row_sums: np.ndarray, total_squares: float) -> tuple[float, float]:
    """``(U, stderr)`` from :func:`_purity_sums`."""
    shots = row_sums.shape[0]
    pairs = shots * (shots - 1.0)
    row_means = row_sums / (shots - 1.0)
    value = float(row_means.mean())
    kernel_variance = max(total_squares / pairs - value * value, 0.0) * pairs / max(pairs - 1.0, 1.0)
    return value, pair_ustatistic_stderr(row_means, kernel_variance)
