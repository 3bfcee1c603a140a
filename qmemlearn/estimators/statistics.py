"""Shared statistics for the estimators: means, medians of means and pair U-statistics.

Every function returns an estimate together with its standard error (the estimated
standard deviation of the estimate), and works along one axis of a samples array whose
length along that axis is the number of ``shots``.

Standard errors (Var = variance of the estimate, T = shots, s² = sample variance, ddof=1):
    * :func:`mean_and_stderr`: ``s / sqrt(T)``.
    * :func:`median_of_means`: ``c_K * std(group means, ddof=1) / sqrt(K)`` with
      ``c_K = sqrt(pi/2)`` (the asymptotic efficiency loss of the median of normal
      variables) for ``K >= 3`` groups and ``c_K = 1`` for ``K <= 2`` (where the median is
      the mean). Against the exact normal-theory factor this is conservative by <= 8 % for
      odd K >= 3 and <= 15 % for even K >= 4 (e.g. K = 4: 15 %, K = 10: 7 %).
    * :func:`squared_mean_ustatistic`: Hoeffding's exact variance of the order-2
      U-statistic with kernel ``x·y``, ``Var = 4 μ² σ² / T + 2 σ⁴ / (T (T-1))``, with the
      unbiased plug-ins ``μ² -> U`` and ``σ² -> s²``, floored at ``σ⁴ / (T (T-1))`` (half
      its value at ``μ = 0``) so that it stays positive.
    * :func:`pair_ustatistic_stderr`: Hoeffding's variance of a general order-2
      U-statistic, ``Var = (4 (T-2) ζ1 + 2 ζ2) / (T (T-1))``, where ``ζ1`` is estimated
      from the row means of the kernel matrix with their own noise removed, and the same floor.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from qmemlearn.paulis import paulis_to_codes, validate_pauli

__all__ = [
    "mean_and_stderr",
    "median_of_means",
    "squared_mean_ustatistic",
    "pair_ustatistic_stderr",
]


def _samples_last(samples: np.ndarray | Sequence[float], axis: int, minimum: int) -> np.ndarray:
    """float64 copy-free view of ``samples`` with ``axis`` moved last; checks the shot count."""
    array = np.asarray(samples, dtype=np.float64)
    if array.ndim == 0:
        raise ValueError("samples must have at least one dimension (the shots axis)")
    array = np.moveaxis(array, axis, -1)
    shots = array.shape[-1]
    if shots < minimum:
        raise ValueError(f"shots={shots} (length of samples along axis={axis}) must be >= {minimum}")
    return array


def mean_and_stderr(samples: np.ndarray | Sequence[float], axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Sample mean and its standard error ``std(ddof=1) / sqrt(shots)``.

    Args:
        samples: Real samples; ``axis`` runs over the shots.
        axis: The shots axis. Defaults to -1.

    Returns:
        ``(mean, stderr)``, float64 with ``axis`` removed.

    Raises:
        ValueError: If there are fewer than 2 shots.

    Example:
        >>> mean, stderr = mean_and_stderr([1.0, 2.0, 3.0])
        >>> float(mean), round(float(stderr), 6)
        (2.0, 0.57735)
    """
    x = _samples_last(samples, axis, 2)
    shots = x.shape[-1]
    return x.mean(axis=-1), x.std(axis=-1, ddof=1) / np.sqrt(shots)


def median_of_means(
    samples: np.ndarray | Sequence[float], groups: int, axis: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Median of the means of ``groups`` contiguous, near-equal groups of shots.

    The shots are split with :func:`numpy.array_split` (group sizes differ by at most one,
    no shot is dropped). The standard error is ``c_K * std(group means, ddof=1) / sqrt(K)``
    with ``c_K = sqrt(pi/2)`` for ``K >= 3`` and ``1`` for ``K = 2``; ``K = 1`` is the plain
    mean with :func:`mean_and_stderr`.

    Args:
        samples: Real samples; ``axis`` runs over the shots.
        groups: Number of groups K, an int in ``[1, shots]``.
        axis: The shots axis. Defaults to -1.

    Returns:
        ``(value, stderr)``, float64 with ``axis`` removed.

    Raises:
        ValueError: If ``groups`` is out of range or there are fewer than 2 shots.

    Example:
        >>> median_of_means([1.0, 1.0, 5.0, 5.0, 2.0, 2.0], groups=3)[0]
        np.float64(2.0)
    """
    x = _samples_last(samples, axis, 2)
    shots = x.shape[-1]
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or not 1 <= groups <= shots:
        raise ValueError(f"groups={groups!r} must be an int in [1, shots={shots}]")
    if groups == 1:
        return mean_and_stderr(x)
    group_means = np.stack([g.mean(axis=-1) for g in np.array_split(x, groups, axis=-1)], axis=-1)
    factor = np.sqrt(np.pi / 2) if groups >= 3 else 1.0
    stderr = factor * group_means.std(axis=-1, ddof=1) / np.sqrt(groups)
    return np.median(group_means, axis=-1), stderr


def squared_mean_ustatistic(
    samples: np.ndarray | Sequence[float], axis: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """Unbiased estimate of ``(E x)²``: the mean of ``x_t x_t'`` over distinct shots ``t != t'``.

    Computed in O(T) as ``(S² - Σ x_t²) / (T (T-1)) = mean² - s² / T``, with ``S = Σ x_t``
    and ``s²`` the sample variance. The standard error is the square root of Hoeffding's
    exact variance ``4 μ² σ² / T + 2 σ⁴ / (T (T-1))`` with the unbiased plug-ins
    ``μ² -> U`` and ``σ² -> s²``, floored at ``s⁴ / (T (T-1))``.

    Args:
        samples: Real samples; ``axis`` runs over the shots.
        axis: The shots axis. Defaults to -1.

    Returns:
        ``(value, stderr)``, float64 with ``axis`` removed. The value may be negative.

    Raises:
        ValueError: If there are fewer than 2 shots.

    Example:
        >>> float(squared_mean_ustatistic([1.0, 2.0, 3.0])[0])  # (1*2 + 1*3 + 2*3) / 3
        3.6666666666666665
    """
    x = _samples_last(samples, axis, 2)
    shots = x.shape[-1]
    mean = x.mean(axis=-1)
    var = x.var(axis=-1, ddof=1)
    value = mean * mean - var / shots
    second_order = var * var / (shots * (shots - 1.0))
    variance = np.maximum(4.0 * value * var / shots + 2.0 * second_order, second_order)
    return value, np.sqrt(variance)


def pair_ustatistic_stderr(row_means: np.ndarray | Sequence[float], kernel_variance: float) -> float:
    """Standard error of an order-2 U-statistic ``U = mean_{t != t'} h(t, t')``.

    Uses Hoeffding's variance ``(4 (T-2) ζ1 + 2 ζ2) / (T (T-1))``. ``ζ2 = Var h`` is passed
    in (e.g. the variance of the off-diagonal kernel entries). ``ζ1 = Var_t E[h(t, ·)]`` is
    estimated from the row means ``h1(t) = mean_{t' != t} h(t, t')``, whose sample variance
    has expectation ``(T-2) ((T-4) ζ1 + ζ2) / (T-1)²``; solving gives an unbiased ``ζ1``
    (for ``T < 5`` the plain sample variance is used). The variance is floored at
    ``ζ2 / (T (T-1))`` (half its value at ``ζ1 = 0``).

    Args:
        row_means: ``h1(t)`` for every shot t, shape ``[T]``.
        kernel_variance: ``ζ2``, the variance of the kernel over distinct pairs.

    Returns:
        The standard error of ``U = mean(row_means)``.

    Raises:
        ValueError: If there are fewer than 2 shots.

    Example:
        >>> round(pair_ustatistic_stderr([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 1.0), 4)
        2.3735
    """
    h1 = _samples_last(row_means, -1, 2)
    if h1.ndim != 1:
        raise ValueError(f"row_means must be 1-D, got shape {h1.shape}")
    shots = h1.shape[0]
    zeta2 = float(kernel_variance)
    spread = float(h1.var(ddof=1))
    if shots >= 5:
        zeta1 = (spread * (shots - 1.0) ** 2 / (shots - 2.0) - zeta2) / (shots - 4.0)
    else:
        zeta1 = spread
    floor = zeta2 / (shots * (shots - 1.0))
    variance = max((4.0 * (shots - 2.0) * zeta1 + 2.0 * zeta2) / (shots * (shots - 1.0)), floor)
    return float(np.sqrt(variance))


# ---- Input checks shared by shadow.py and bell.py (private) ----------------------------------

#: Largest number of float entries a chunked intermediate may hold (about 32 MB of float64).
CHUNK_ELEMENTS = 1 << 22


def _as_bits(bits: np.ndarray, *, name: str = "bits", two_copy: bool = False) -> np.ndarray:
    """Checks a ``[T, n]`` (or ``[T, 2n]`` for two-copy) 0/1 array and returns it as uint8."""
    array = np.asarray(bits)
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"{name} must be a 2-D array [shots, qubits] with >= 1 column, got shape {array.shape}")
    if two_copy and array.shape[1] % 2:
        raise ValueError(
            f"{name} has {array.shape[1]} columns but two-copy bits need an even number "
            f"(a0, b0, a1, b1, ...: 2 columns per system qubit)"
        )
    if array.dtype.kind not in "biuf" or not np.all((array == 0) | (array == 1)):
        raise ValueError(f"{name} must contain only the values 0 and 1")
    return array.astype(np.uint8, copy=False)


def _as_recipes(recipes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Checks single-copy ``recipes`` (0:X, 1:Y, 2:Z) of the given shape; returns uint8."""
    array = np.asarray(recipes)
    if array.shape != shape:
        raise ValueError(f"recipes.shape={array.shape} must equal bits.shape={shape}")
    if array.dtype.kind not in "biuf" or not np.all((array == 0) | (array == 1) | (array == 2)):
        raise ValueError("recipes must contain only the values 0 (X), 1 (Y) and 2 (Z)")
    return array.astype(np.uint8, copy=False)


def _as_observable_codes(observables: Sequence[str] | np.ndarray | str, n: int) -> np.ndarray:
    """Pauli strings (or a ``[M, n]`` code array, ``I=0 X=1 Y=2 Z=3``) -> uint8 codes ``[M, n]``."""
    if isinstance(observables, str):
        observables = [observables]
    if isinstance(observables, np.ndarray) and observables.dtype.kind in "biu":
        if observables.ndim != 2 or observables.shape[0] == 0 or observables.shape[1] != n:
            raise ValueError(f"observables code array has shape {observables.shape} but must be [M >= 1, n={n}]")
        if np.any((observables < 0) | (observables > 3)):
            raise ValueError("observables code array must contain only 0 (I), 1 (X), 2 (Y), 3 (Z)")
        return observables.astype(np.uint8)
    observables = list(observables)
    if not observables:
        raise ValueError("observables must contain at least one Pauli string")
    for k, pauli in enumerate(observables):
        validate_pauli(pauli, n=n, name=f"observables[{k}]")
    return paulis_to_codes(observables, n=n)


def _sign_log_magnitudes(sign_values: np.ndarray | Sequence[Sequence[float]], width: int) -> np.ndarray:
    """Checks a per-column table of the values that replace ``(-1)^bit``; returns ``log|value|``.

    ``sign_values[j, b]`` is the value that stands for ``(-1)^b`` in bit column j (raw
    estimators use ``[1, -1]``; readout mitigation uses the corrected values). The sign must
    be that of ``(-1)^b`` (positive for bit 0, negative for bit 1), so a product over columns
    is the raw parity sign times a product of magnitudes.

    Returns:
        float64 ``[width, 2]`` of ``log|sign_values|``.
    """
    table = np.asarray(sign_values, dtype=np.float64)
    if table.shape != (width, 2):
        raise ValueError(f"sign_values has shape {table.shape} but must be [bit columns={width}, 2]")
    if not np.all(np.isfinite(table)) or np.any(table[:, 0] <= 0) or np.any(table[:, 1] >= 0):
        raise ValueError("sign_values must be finite with sign_values[:, 0] > 0 and sign_values[:, 1] < 0")
    return np.log(np.abs(table))


def _product_magnitudes(mask: np.ndarray, bits: np.ndarray, log_magnitudes: np.ndarray) -> np.ndarray:
    """``prod_j |v_j(bits[t, j])|^mask[m, j]`` for every row m of ``mask`` and shot t: ``[M, T]``.

    One matmul in float64: ``mask @ log|v(0)| + (mask * (log|v(1)| - log|v(0)|)) @ bits.T``.
    """
    mask = np.asarray(mask, dtype=np.float64)
    base = mask @ log_magnitudes[:, 0]
    slope = (mask * (log_magnitudes[:, 1] - log_magnitudes[:, 0])) @ bits.T.astype(np.float64)
    slope += base[:, None]
    return np.exp(slope, out=slope)
