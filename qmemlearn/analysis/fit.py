"""Statistics computed at analysis time: binomial CIs, N* error bars, the exponential fit.

Nothing here is stored as truth (STYLE §4); everything is derived from the additive rows.
"""

from __future__ import annotations

import dataclasses
import math
from statistics import NormalDist
from typing import Any, Sequence

import numpy as np


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be in (0, 1)")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: Any, trials: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval for a binomial proportion.

    Half-integer ``successes`` (ties counted 1/2) are used as is (``p = successes/trials``).
    ``trials == 0`` gives the uninformative ``(0, 1)``. Works on scalars or numpy arrays.

    Args:
        successes: Successes, ``0 <= successes <= trials``.
        trials: Trials, ``>= 0``.
        confidence: Two-sided confidence level in (0, 1). Defaults to 0.95.

    Returns:
        ``(low, high)``, floats for scalar input, else arrays.

    Raises:
        ValueError: If the counts or the confidence are out of range.

    Example:
        >>> low, high = wilson_interval(5, 10)
        >>> round(low, 4), round(high, 4)
        (0.2366, 0.7634)
    """
    z = _z(confidence)
    s = np.asarray(successes, dtype=float)
    t = np.asarray(trials, dtype=float)
    if np.any(t < 0) or np.any(s < 0) or np.any(s > t) or not np.all(np.isfinite(s)):
        raise ValueError(
            f"need 0 <= successes <= trials, got successes={successes!r}, trials={trials!r}"
        )
    safe_t = np.where(t > 0, t, 1.0)
    p = s / safe_t
    denom = 1 + z * z / safe_t
    center = (p + z * z / (2 * safe_t)) / denom
    half = z * np.sqrt(p * (1 - p) / safe_t + z * z / (4 * safe_t * safe_t)) / denom
    low = np.where(t > 0, np.clip(center - half, 0.0, 1.0), 0.0)
    high = np.where(t > 0, np.clip(center + half, 0.0, 1.0), 1.0)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def n_star_interval(
    copies: Sequence[float],
    successes: Sequence[float],
    trials: Sequence[int],
    *,
    target: float = 0.9,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Error bar for N* from the evaluated points of a search.

    A point *clearly fails* if its Wilson upper bound is below ``target``, and *clearly
    passes* if its Wilson lower bound is at or above it; points whose CI overlaps the target
    are undecided. The interval is ``(low, high]`` with ``high`` the smallest clearly passing
    copies (``inf`` if none) and ``low`` the largest clearly failing copies below ``high``
    (``0`` if none): it spans every undecided point, and if the success rate grows with
    copies, N* lies in it at the CI level of each point (no multiple-comparison correction).
    Rows at equal copies are added first.

    Args:
        copies: Copies of each evaluated point.
        successes: Successes of each point.
        trials: Trials of each point.
        target: The success-rate target. Defaults to 0.9.
        confidence: CI level. Defaults to 0.95.

    Returns:
        ``(low, high)``.

    Example:
        >>> n_star_interval([8, 16, 12, 14], [100, 1000, 890, 905], [1000] * 4)
        (8.0, 16.0)
    """
    if not (len(copies) == len(successes) == len(trials)):
        raise ValueError("copies, successes and trials must have the same length")
    totals: dict[float, list[float]] = {}
    for c, s, t in zip(copies, successes, trials):
        total = totals.setdefault(float(c), [0.0, 0.0])
        total[0] += s
        total[1] += t
    xs = sorted(totals)
    s_arr = np.array([totals[c][0] for c in xs])
    t_arr = np.array([totals[c][1] for c in xs])
    if not xs:
        return 0.0, math.inf
    low_ci, high_ci = wilson_interval(s_arr, t_arr, confidence)
    passing = [c for c, lo in zip(xs, low_ci) if lo >= target]
    high = min(passing) if passing else math.inf
    failing = [c for c, hi in zip(xs, high_ci) if hi < target and c < high]
    low = max(failing) if failing else 0.0
    return float(low), float(high)


@dataclasses.dataclass(frozen=True)
class FitResult:
    """Least-squares fit of ``log2 N* = a + b * n``.

    Attributes:
        a: Intercept (log2 copies at n = 0).
        b: Slope: N* grows as ``base**n`` with ``base = 2**b``.
        b_low: Lower end of b's confidence interval.
        b_high: Upper end of b's confidence interval.
        base: ``2**b``.
        dof: Residual degrees of freedom (points - 2).
        confidence: The CI level.
    """

    a: float
    b: float
    b_low: float
    b_high: float
    base: float
    dof: int
    confidence: float

    def predict(self, n: Any) -> Any:
        """Returns the fitted N* at ``n``: ``2**(a + b*n)``."""
        return 2.0 ** (self.a + self.b * np.asarray(n, dtype=float))


def fit_exponential(
    ns: Sequence[float], n_star: Sequence[float], *, confidence: float = 0.95
) -> FitResult:
    """Fits ``log2 N* = a + b*n`` by least squares, with a t-interval for ``b``.

    The CI is ``b ± t_{dof} * se(b)`` with ``se(b)^2 = RSS / dof / sum((n - mean n)^2)`` and
    ``dof = len(ns) - 2``. Fallbacks: with exactly 2 points (``dof = 0``) there is no residual
    to estimate the scatter, so the CI is ``(-inf, inf)``; with zero residual (exact data)
    it collapses to ``(b, b)``. Drop not-reached points (N* None) before calling.

    Args:
        ns: Qubit counts, at least two distinct values.
        n_star: N* at each n, finite and > 0.
        confidence: CI level in (0, 1). Defaults to 0.95.

    Returns:
        A :class:`FitResult`.

    Raises:
        ValueError: On fewer than two distinct ``ns``, mismatched lengths, or N* <= 0, NaN,
            inf or None.

    Example:
        >>> fit = fit_exponential([2, 4, 6], [3 * 2**2, 3 * 2**4, 3 * 2**6])
        >>> round(fit.b, 6), round(fit.base, 6)
        (1.0, 2.0)
    """
    _z(confidence)
    if len(ns) != len(n_star):
        raise ValueError(f"ns and n_star differ in length: {len(ns)} != {len(n_star)}")
    try:
        x = np.asarray(ns, dtype=float)
        y_lin = np.asarray(n_star, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"n_star={list(n_star)!r} must be numbers; drop None entries") from None
    if not np.all(np.isfinite(y_lin)) or np.any(y_lin <= 0):
        raise ValueError(f"n_star={list(n_star)!r} must be finite and > 0; drop None entries")
    if len(np.unique(x)) < 2:
        raise ValueError(f"ns={list(ns)!r} needs at least two distinct values")
    y = np.log2(y_lin)
    sxx = float(np.sum((x - x.mean()) ** 2))
    b = float(np.sum((x - x.mean()) * (y - y.mean())) / sxx)
    a = float(y.mean() - b * x.mean())
    dof = len(x) - 2
    rss = float(np.sum((y - a - b * x) ** 2))
    if dof == 0:
        b_low, b_high = -math.inf, math.inf
    elif rss == 0:
        b_low = b_high = b
    else:
        from scipy.special import stdtrit  # Student-t quantile; lighter than scipy.stats

        half = float(stdtrit(dof, 0.5 + confidence / 2)) * math.sqrt(rss / dof / sxx)
        b_low, b_high = b - half, b + half
    return FitResult(a=a, b=b, b_low=b_low, b_high=b_high, base=2.0**b, dof=dof,
                     confidence=confidence)
