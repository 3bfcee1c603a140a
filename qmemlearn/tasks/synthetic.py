"""A synthetic task with a known success curve, for tests and documentation.

The success probability at ``c`` copies on ``n`` qubits is

    p(c) = 1 - 0.5 * exp(-c / (c0 * 2**(slope * n)))

(a coin flip at ``c = 0``, tending to 1), so the sample complexity grows as ``2**(slope*n)``
and has the closed form :func:`synthetic_n_star`. ``c0`` and ``slope`` come from
``point.json_metadata`` (defaults ``c0 = 2``, ``slope = 1``). An optional
``"sleep_per_copy"`` (seconds, default 0) makes an evaluation sleep ``copies`` times that,
to mimic a real task whose cost grows with copies (for executor demos and ordering tests).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from qmemlearn.analysis.points import PointOutcome, SweepPoint

DEFAULT_C0 = 2.0
DEFAULT_SLOPE = 1.0


def _parameters(json_metadata: Any) -> tuple[float, float, float]:
    metadata = json_metadata if isinstance(json_metadata, dict) else {}
    c0 = float(metadata.get("c0", DEFAULT_C0))
    slope = float(metadata.get("slope", DEFAULT_SLOPE))
    sleep = float(metadata.get("sleep_per_copy", 0.0))
    if not c0 > 0 or not math.isfinite(slope) or not sleep >= 0:
        raise ValueError(f"need c0={c0} > 0, a finite slope={slope} and sleep_per_copy={sleep} >= 0")
    return c0, slope, sleep


def synthetic_success_probability(
    n: int, copies: float, *, c0: float = DEFAULT_C0, slope: float = DEFAULT_SLOPE
) -> float:
    """Returns p(copies) = 1 - 0.5 exp(-copies / (c0 2^(slope n))).

    Example:
        >>> synthetic_success_probability(1, 0)
        0.5
    """
    return 1.0 - 0.5 * math.exp(-copies / (c0 * 2.0 ** (slope * n)))


def synthetic_n_star(
    n: int,
    target: float = 0.9,
    c0: float = DEFAULT_C0,
    slope: float = DEFAULT_SLOPE,
    *,
    step: int | None = None,
) -> float:
    """Closed-form sample complexity of the synthetic curve.

    Args:
        n: Qubits.
        target: Success-rate target in (0, 1). Defaults to 0.9.
        c0: Scale. Defaults to 2.
        slope: Exponent per qubit (log2 growth). Defaults to 1.
        step: If given, round up to the grid ``step * k`` (``k >= 1``) and return an int.

    Returns:
        The real ``c`` with ``p(c) = target`` (0 if ``target <= 0.5``), or the smallest grid
        point with ``p >= target`` when ``step`` is given.

    Example:
        >>> round(synthetic_n_star(1), 3)  # 4 ln 5
        6.438
        >>> synthetic_n_star(1, step=2)
        8
    """
    if not 0 < target < 1:
        raise ValueError(f"target={target!r} must be in (0, 1)")
    exact = c0 * 2.0 ** (slope * n) * math.log(0.5 / (1 - target)) if target > 0.5 else 0.0
    if step is None:
        return exact
    k = max(1, math.ceil(exact / step - 1e-12))
    while synthetic_success_probability(n, k * step, c0=c0, slope=slope) < target:
        k += 1
    while k > 1 and synthetic_success_probability(n, (k - 1) * step, c0=c0, slope=slope) >= target:
        k -= 1
    return k * step


def evaluate_synthetic(point: SweepPoint) -> PointOutcome:
    """Draws ``point.trials`` Bernoulli(p(point.copies)) trials, seeded by the point.

    Module-level, so it pickles under ``spawn`` and Dask.

    Args:
        point: The point; ``c0``, ``slope`` and ``sleep_per_copy`` are read from
            ``point.json_metadata``.

    Returns:
        The :class:`~qmemlearn.analysis.points.PointOutcome`.

    Example:
        >>> p = SweepPoint(task="synthetic", protocol="single-copy", rule="r", n=1,
        ...                copies=1000, trials=50)
        >>> evaluate_synthetic(p)
        PointOutcome(successes=50.0, trials=50)
    """
    c0, slope, sleep = _parameters(point.json_metadata)
    p = synthetic_success_probability(point.n, point.copies, c0=c0, slope=slope)
    if sleep > 0:
        time.sleep(sleep * point.copies)
    rng = np.random.default_rng(point.rng_for_trials())
    return PointOutcome(successes=float(rng.binomial(point.trials, p)), trials=point.trials)
