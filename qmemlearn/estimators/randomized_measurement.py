"""Purity from randomized measurements with repeated settings (Brydges et al., Science 364,
260 (2019); Elben et al., PRA 99, 052323 (2019)).

Each *setting* u = ⊗ᵢ uᵢ is a product of single-qubit unitaries drawn from a unitary 2-design
and is measured M_u times in the computational basis. Within one setting,

    tr(ρ²) = 2ⁿ Σ_{s,s'} (−2)^{−D(s,s')} E_u[P_u(s) P_u(s')],

D the Hamming distance, and P_u(s)P_u(s') is estimated without bias by distinct shot pairs of
the same setting. Per qubit the kernel is 2 (same bit) or −1 (other bit).

Local random Pauli bases (the single-copy protocol's recipes; 0 = X, 1 = Y, 2 = Z, bit 0 = +1
eigenvalue) serve as the unitaries: the basis change of a random Pauli basis is a random local
Clifford, a unitary 2-design, up to a Pauli flip of the outcome, and the kernel depends only
on s ⊕ s', so those flips (and the fixed sign convention) change nothing. So this estimator
reads the same records as :func:`~qmemlearn.estimators.shadow.shadow_purity`, provided each
basis setting is repeated. Unlike the shadow estimator it uses only pairs within a setting.
"""

from __future__ import annotations

import numpy as np

from qmemlearn.estimators.statistics import mean_and_stderr


def _setting_groups(recipes: np.ndarray, settings: np.ndarray | None) -> np.ndarray:
    if settings is None:
        _, inverse = np.unique(recipes, axis=0, return_inverse=True)
        return inverse.reshape(-1)
    settings = np.asarray(settings)
    if settings.shape != (recipes.shape[0],) or not np.issubdtype(settings.dtype, np.integer):
        raise ValueError(f"settings has shape {settings.shape}; it must be [shots] integers, one label per shot")
    return settings


def setting_purities(bits: np.ndarray, recipes: np.ndarray, settings: np.ndarray | None = None) -> np.ndarray:
    """One unbiased estimate of tr(ρ²) per setting that has >= 2 shots.

    Args:
        bits: uint8 ``[T, n]``, 0 = the +1 eigenvalue of the measured Pauli.
        recipes: ``[T, n]`` in {0: X, 1: Y, 2: Z}.
        settings: Optional ``[T]`` setting label per shot; shots of one label must share
            their recipe row. Defaults to None (shots with equal recipe rows form a setting).

    Returns:
        float64 ``[settings with >= 2 shots]``.

    Raises:
        ValueError: On malformed inputs, or a label whose shots have different recipes.
    """
    bits = np.asarray(bits)
    recipes = np.asarray(recipes)
    if bits.ndim != 2 or recipes.shape != bits.shape:
        raise ValueError(f"bits {bits.shape} and recipes {recipes.shape} must both be [T, n]")
    if bits.size and (bits.min() < 0 or bits.max() > 1):
        raise ValueError("bits must hold 0 or 1")
    n = bits.shape[1]
    labels = _setting_groups(recipes, settings)
    order = np.argsort(labels, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(labels[order]) != 0])
    stops = np.r_[starts[1:], len(order)]
    values = []
    signs = 1.0 - 2.0 * bits.astype(np.float64)  # (−1)^bit
    for start, stop in zip(starts, stops):
        rows = order[start:stop]
        if len(rows) < 2:
            continue
        if settings is not None and np.any(recipes[rows] != recipes[rows[0]]):
            raise ValueError(f"settings label {labels[rows[0]]} has shots with different recipes")
        # Hamming distances from ±1 agreement: D = (n − s·s')/2.
        agreement = signs[rows] @ signs[rows].T
        distance = (n - agreement) / 2
        kernel = 2.0**n * (-0.5) ** distance
        m = len(rows)
        values.append((kernel.sum() - np.trace(kernel)) / (m * (m - 1)))
    return np.asarray(values, dtype=np.float64)


def randomized_measurement_purity(
    bits: np.ndarray, recipes: np.ndarray, settings: np.ndarray | None = None
) -> tuple[float, float]:
    """Brydges et al.'s tr(ρ²): the mean over settings of the within-setting pair estimate.

    Args:
        bits: uint8 ``[T, n]``, 0 = the +1 eigenvalue of the measured Pauli.
        recipes: ``[T, n]`` in {0: X, 1: Y, 2: Z}.
        settings: Optional ``[T]`` setting labels (see :func:`setting_purities`).

    Returns:
        ``(value, stderr)``; stderr is the spread over settings / √(settings), NaN for one setting.

    Raises:
        ValueError: If no setting has 2 shots.

    Example:
        >>> randomized_measurement_purity([[0], [0], [1], [1]], [[2], [2], [0], [0]])[0]
        2.0
    """
    values = setting_purities(bits, recipes, settings)
    if values.size == 0:
        raise ValueError("no setting has >= 2 shots; repeat each measurement setting at least twice")
    if values.size == 1:
        return float(values[0]), float("nan")
    value, stderr = mean_and_stderr(values)
    return float(value), float(stderr)
