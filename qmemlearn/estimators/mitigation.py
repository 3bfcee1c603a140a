"""Readout-error mitigation: unbiased Pauli estimators under a calibrated per-qubit confusion.

Model: each measured bit column j reads the true bit t wrongly, independently of the other
columns given the true bits, with ``P(1 | 0) = p01[j]`` and ``P(0 | 1) = p10[j]`` (a
readout channel before the measurement, :mod:`qmemlearn.noise`). Then

    ``E[(-1)^o | t] = (1 - p01)·[t = 0] - (1 - p10)·[t = 1] = a·(-1)^t + c``,
    ``a = 1 - p01 - p10``, ``c = p10 - p01``,

so ``v(o) = ((-1)^o - c) / a`` has ``E[v(o) | t] = (-1)^t``: ``v(0) = (1 + p01 - p10)/a > 0``
and ``v(1) = -(1 - p01 + p10)/a < 0``. Every estimator here is a multilinear polynomial in
the signs ``(-1)^{bit_j}`` of distinct columns (of one shot, or of distinct independent
shots), so replacing each sign by its ``v`` keeps it unbiased (the corrections are
independent given the true bits):

* single-copy ⟨Q⟩: the snapshot ``prod_{supp Q} 3·[recipe_i = Q_i]·v_i(bit_i)``;
* single-copy tr(Qρ)²: the U-statistic of those snapshots over distinct (independent) shots;
* two-copy tr(Qρ)²: ``(-1)^{x·z} prod v_{a_i}^{x_i} v_{b_i}^{z_i}``, so XX -> v_a, ZZ -> v_b and
  YY -> -v_a·v_b;
* two-copy tr(ρ²): per pair ``(1 + v_a + v_b - v_a v_b)/2`` (SWAP = (II + XX + YY + ZZ)/2);
* single-copy tr(ρ²): snapshots ``⊗ (I + 3 v P)/2`` are linear in v, so the pair U-statistic
  with local factor ``(1 + 9 v v' [same basis])/2`` stays unbiased.

The per-shot corrected values reuse the raw estimators through their ``sign_values`` table.
They are i.i.d. given the calibration, so the usual sample standard errors
(:mod:`.statistics`) are correct *conditional on the calibration*. With
``include_calibration_error=True`` (the default) the calibration's binomial uncertainty is
added by the delta method, ``Var = Var_shots + sum_j (dE/dp01_j)² σ²(p01_j) + (dE/dp10_j)² σ²(p10_j)``,
with the exact gradient of the estimate in the calibrated probabilities (p01, p10 of
different columns and circuits are independent binomial estimates).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from qmemlearn.estimators.bell import _column_mask, _swap_factors, bell_pair_values
from qmemlearn.estimators.shadow import _purity_estimate, _purity_sums, shadow_snapshot_values
from qmemlearn.estimators.statistics import (
    CHUNK_ELEMENTS,
    _as_observable_codes,
    mean_and_stderr,
    squared_mean_ustatistic,
)
from qmemlearn.protocols.calibration import ReadoutCalibration
from qmemlearn.records import BellRecord, ShadowRecord

__all__ = [
    "corrected_signs",
    "corrected_sign_gradients",
    "mitigated_expectation",
    "mitigated_squared",
    "mitigated_purity",
]

Observables = Sequence[str] | np.ndarray | str


def corrected_signs(calibration: ReadoutCalibration) -> np.ndarray:
    """The unbiased stand-ins ``v_j(o)`` for ``(-1)^{t}`` given the read bit o, ``[k, 2]``.

    ``v_j(0) = (1 + p01 - p10)/a`` and ``v_j(1) = -(1 - p01 + p10)/a`` with
    ``a = 1 - p01 - p10``; without readout error they are ``+1, -1``.

    Example:
        >>> corrected_signs(ReadoutCalibration(p01=[0.0], p10=[0.5], shots=[1])).tolist()
        [[1.0, -3.0]]
    """
    p01, p10 = calibration.p01, calibration.p10
    a = 1.0 - p01 - p10
    return np.stack([(1.0 + p01 - p10) / a, -(1.0 - p01 + p10) / a], axis=1)


def corrected_sign_gradients(calibration: ReadoutCalibration) -> np.ndarray:
    """Derivatives of :func:`corrected_signs`, ``[k, 2 (read bit), 2 (d/dp01, d/dp10)]``.

    ``dv(0)/dp01 = 2(1 - p10)/a²``, ``dv(0)/dp10 = 2 p01/a²``, ``dv(1)/dp01 = -2 p10/a²``,
    ``dv(1)/dp10 = -2(1 - p01)/a²``.
    """
    p01, p10 = calibration.p01, calibration.p10
    a2 = (1.0 - p01 - p10) ** 2
    read0 = np.stack([2.0 * (1.0 - p10), 2.0 * p01], axis=1) / a2[:, None]
    read1 = np.stack([-2.0 * p10, -2.0 * (1.0 - p01)], axis=1) / a2[:, None]
    return np.stack([read0, read1], axis=1)


def _checked(record: ShadowRecord | BellRecord, calibration: ReadoutCalibration) -> None:
    if not isinstance(record, (ShadowRecord, BellRecord)):
        raise TypeError(f"record must be a ShadowRecord or BellRecord, not {type(record).__name__}")
    if not isinstance(calibration, ReadoutCalibration):
        raise TypeError(f"calibration must be a ReadoutCalibration, not {type(calibration).__name__}")
    width = record.bits.shape[1]
    if calibration.width != width:
        raise ValueError(
            f"calibration has {calibration.width} columns but the {record.PROTOCOL} record has {width} "
            f"bit columns; calibrate the record's measured qubits in column order (record_qubits)"
        )


def _calibration_variances(calibration: ReadoutCalibration) -> np.ndarray:
    """``[k, 2]`` variances of (p01, p10) per column."""
    return np.stack([calibration.p01_stderr, calibration.p10_stderr], axis=1) ** 2


def _log_derivative_sums(
    weights: np.ndarray, bits: np.ndarray, mask: np.ndarray, log_derivatives: np.ndarray
) -> np.ndarray:
    """``sum_t weights[m, t] · mask[m, j] · dlog|v_j(bits[t, j])|/dθ``: ``[M, k, 2]``.

    ``log_derivatives[j, b, p] = (dv_j(b)/dθ_p) / v_j(b)``; for a product of corrected signs
    over the masked columns, ``dx_t/dθ_{j,p} = x_t · mask[m, j] · log_derivatives[j, bits[t, j], p]``.
    """
    total = weights.sum(axis=1)
    on_one = weights @ bits.astype(np.float64)  # [M, k]
    sums = total[:, None, None] * log_derivatives[None, :, 0, :]
    sums += on_one[:, :, None] * (log_derivatives[:, 1, :] - log_derivatives[:, 0, :])[None]
    return sums * mask[:, :, None]


def _product_estimates(
    record: ShadowRecord | BellRecord,
    observables: Observables,
    calibration: ReadoutCalibration,
    squared: bool,
    include_calibration_error: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean (or pair U-statistic) of the corrected one-shot products, with the delta method."""
    _checked(record, calibration)
    bits = record.bits
    shots = bits.shape[0]
    two_copy = isinstance(record, BellRecord)
    codes = _as_observable_codes(observables, record.n)
    table = corrected_signs(calibration)
    log_derivatives = corrected_sign_gradients(calibration) / table[:, :, None]
    variances = _calibration_variances(calibration)
    values = np.empty(codes.shape[0])
    stderrs = np.empty(codes.shape[0])
    chunk = max(1, CHUNK_ELEMENTS // max(shots, 1))
    for start in range(0, codes.shape[0], chunk):
        rows = slice(start, start + chunk)
        part = codes[rows]
        if two_copy:
            x = bell_pair_values(bits, part, sign_values=table)
            mask = _column_mask(part).astype(np.float64)
        else:
            x = shadow_snapshot_values(bits, record.recipes, part, sign_values=table)
            mask = (part > 0).astype(np.float64)
        if squared and not two_copy:
            values[rows], shot_errors = squared_mean_ustatistic(x)
            if include_calibration_error:
                first = _log_derivative_sums(x, bits, mask, log_derivatives)
                second = _log_derivative_sums(x * x, bits, mask, log_derivatives)
                gradient = (2.0 * x.sum(axis=1)[:, None, None] * first - 2.0 * second) / (shots * (shots - 1.0))
        else:
            values[rows], shot_errors = mean_and_stderr(x)
            if include_calibration_error:
                gradient = _log_derivative_sums(x, bits, mask, log_derivatives) / shots
        variance = shot_errors**2
        if include_calibration_error:
            variance = variance + np.einsum("mjp,jp->m", gradient**2, variances)
        stderrs[rows] = np.sqrt(variance)
    return values, stderrs


def mitigated_expectation(
    record: ShadowRecord,
    observables: Observables,
    calibration: ReadoutCalibration,
    *,
    include_calibration_error: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Readout-corrected shadow estimates of ``tr(Qρ)`` (single-copy records only).

    Args:
        record: Single-copy shots.
        observables: Pauli strings of length n, or a ``[M, n]`` code array.
        calibration: Confusion of the record's n bit columns.
        include_calibration_error: Add the calibration's uncertainty to the standard error
            (delta method). False gives the error conditional on the calibration.

    Returns:
        ``(values, stderrs)``, float64 ``[M]``.

    Raises:
        TypeError: If ``record`` is not a ``ShadowRecord``.
        ValueError: If the calibration width is not n, or on malformed observables.
    """
    if not isinstance(record, ShadowRecord):
        raise TypeError("tr(Qρ) itself needs single-copy records; two-copy records give tr(Qρ)² only")
    return _product_estimates(record, observables, calibration, False, include_calibration_error)


def mitigated_squared(
    record: ShadowRecord | BellRecord,
    observables: Observables,
    calibration: ReadoutCalibration,
    *,
    include_calibration_error: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Readout-corrected unbiased estimates of ``tr(Qρ)²`` for either protocol.

    Single-copy: the U-statistic of corrected snapshots over distinct shots. Two-copy: the
    mean of the corrected Bell products. See the module docstring.

    Args:
        record: Single-copy or two-copy shots.
        observables: Pauli strings of length n, or a ``[M, n]`` code array.
        calibration: Confusion of the record's bit columns (n single-copy, 2n two-copy, in the
            order a0, b0, a1, b1, ...).
        include_calibration_error: Add the calibration's uncertainty (delta method).

    Returns:
        ``(values, stderrs)``, float64 ``[M]``; values may be negative.

    Raises:
        TypeError: If ``record`` is neither record type.
        ValueError: If the calibration width does not match the record.
    """
    return _product_estimates(record, observables, calibration, True, include_calibration_error)


def mitigated_purity(
    record: ShadowRecord | BellRecord, calibration: ReadoutCalibration, *, include_calibration_error: bool = True
) -> tuple[float, float]:
    """Readout-corrected estimate of ``tr(ρ²)`` for either protocol.

    Two-copy: the SWAP product with ``(1 + v_a + v_b - v_a v_b)/2`` per pair; the calibration
    gradient uses leave-one-pair-out products, ``dw/dv_a = (1 - v_b)/2``. Single-copy: the
    shadow pair U-statistic with local factor ``(1 + 9 v v' [same basis])/2``; its gradient
    comes from the kernel mass between (qubit, basis, bit) encodings.

    Returns:
        ``(value, stderr)`` as floats.

    Raises:
        TypeError: If ``record`` is neither record type.
        ValueError: If the calibration width does not match the record.
    """
    _checked(record, calibration)
    if isinstance(record, BellRecord):
        value, shot_error, gradient = _bell_purity(record.bits, calibration, include_calibration_error)
    else:
        value, shot_error, gradient = _shadow_purity(record, calibration, include_calibration_error)
    variance = shot_error**2
    if gradient is not None:
        variance += float(np.sum(gradient**2 * _calibration_variances(calibration)))
    return value, float(np.sqrt(variance))


def _bell_purity(
    bits: np.ndarray, calibration: ReadoutCalibration, with_gradient: bool
) -> tuple[float, float, np.ndarray | None]:
    """SWAP-product value, its shot stderr, and its ``[2n, 2]`` gradient in (p01, p10)."""
    table = corrected_signs(calibration)
    factors = _swap_factors(bits, table)  # [T, n]
    value, shot_error = mean_and_stderr(factors.prod(axis=1))
    if not with_gradient:
        return float(value), float(shot_error), None
    ones = np.ones((bits.shape[0], 1))
    before = np.cumprod(np.hstack([ones, factors[:, :-1]]), axis=1)
    after = np.cumprod(np.hstack([ones, factors[:, :0:-1]]), axis=1)[:, ::-1]
    others = np.repeat(before * after, 2, axis=1)  # [T, 2n]: product over the other pairs
    columns = np.arange(bits.shape[1])
    signs = table[columns[None, :], bits]
    partner = (1.0 - signs[:, columns ^ 1]) / 2.0  # dw/dv_j
    dv = corrected_sign_gradients(calibration)[columns[None, :], bits]  # [T, 2n, 2]
    gradient = ((others * partner)[:, :, None] * dv).mean(axis=0)
    return float(value), float(shot_error), gradient


def _shadow_purity(
    record: ShadowRecord, calibration: ReadoutCalibration, with_gradient: bool
) -> tuple[float, float, np.ndarray | None]:
    """Shadow purity value, its shot stderr, and its ``[n, 2]`` gradient in (p01, p10).

    ``dU/dθ = mean_{t != t'} h(t, t') sum_j [same basis] d ln|1 + 9 v_j(b) v_j(b')|/dθ``, and
    the kernel mass per (qubit, basis, bit, bit') is a block of ``E^T H E``.
    """
    shots, n = record.bits.shape
    if shots < 2:
        raise ValueError(f"shots={shots} must be >= 2 for a pair U-statistic")
    table = corrected_signs(calibration)
    row_sums, total_squares, pairs = _purity_sums(record.bits, record.recipes, table, pair_counts=with_gradient)
    value, shot_error = _purity_estimate(row_sums, total_squares)
    if pairs is None:
        return value, shot_error, None
    dv = corrected_sign_gradients(calibration)  # [n, 2 (b), 2 (p)]
    product = table[:, :, None] * table[:, None, :]  # [n, b, b']
    d_product = dv[:, :, None, :] * table[:, None, :, None] + table[:, :, None, None] * dv[:, None, :, :]
    d_log = 9.0 * d_product / (1.0 + 9.0 * product)[:, :, :, None]  # [n, b, b', p]
    blocks = pairs.reshape(n, 6, n, 6)[np.arange(n), :, np.arange(n), :]  # [n, 6, 6]
    per_basis = blocks.reshape(n, 3, 2, 3, 2)[:, np.arange(3), :, np.arange(3), :]  # [3, n, b, b']
    gradient = np.einsum("rnab,nabp->np", per_basis, d_log) / (shots * (shots - 1.0))
    return value, shot_error, gradient
