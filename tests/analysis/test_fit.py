import math

import numpy as np
import pytest

from qmemlearn.analysis.fit import fit_exponential, n_star_interval, wilson_interval

# Roots of (p_hat - p)^2 = z^2 p (1 - p) / n, solved by hand (quadratic formula).
WILSON_CASES = [
    (0, 10, 0.95, 0.0, 0.27753280),
    (10, 10, 0.95, 0.72246720, 1.0),
    (5, 10, 0.95, 0.23659309, 0.76340691),
    (2.5, 5, 0.95, 0.17042358, 0.82957642),
    (81, 100, 0.95, 0.72221155, 0.87485248),
    (180.5, 200, 0.95, 0.85349246, 0.93633706),
    (0, 10, 0.99, 0.0, 0.39885409),
    (81, 100, 0.99, 0.69097289, 0.89045028),
]


@pytest.mark.parametrize("s,n,conf,low,high", WILSON_CASES)
def test_wilson_known_values(s, n, conf, low, high):
    got = wilson_interval(s, n, conf)
    assert got == pytest.approx((low, high), abs=1e-8)
    assert isinstance(got[0], float)


def test_wilson_edge_cases_and_arrays():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(np.array([0, 5, 0]), np.array([10, 10, 0]))
    assert low == pytest.approx([0.0, 0.23659309, 0.0], abs=1e-8)
    assert high == pytest.approx([0.27753280, 0.76340691, 1.0], abs=1e-8)
    for bad in [(11, 10), (-1, 10), (1, -1)]:
        with pytest.raises(ValueError, match="need 0 <= successes <= trials"):
            wilson_interval(*bad)
    with pytest.raises(ValueError, match=r"confidence=1.0 must be in \(0, 1\)"):
        wilson_interval(1, 2, 1.0)


def test_fit_exact_data_recovers_slope():
    ns = np.arange(2, 9)
    fit = fit_exponential(ns, 3.0 * 2 ** (0.7 * ns))
    assert fit.b == pytest.approx(0.7, abs=1e-12)
    assert fit.a == pytest.approx(math.log2(3.0), abs=1e-12)
    assert fit.base == pytest.approx(2**0.7)
    assert fit.b_high - fit.b_low < 1e-9 and fit.dof == 5
    assert fit.predict(10) == pytest.approx(3.0 * 2**7)


def test_fit_noisy_data_ci_covers_slope():
    rng = np.random.default_rng(1234)
    ns = np.repeat(np.arange(2, 12), 3)
    covered = 0
    for _ in range(200):
        n_star = 5.0 * 2 ** (0.5 * ns + rng.normal(0, 0.3, size=ns.size))
        fit = fit_exponential(ns, n_star)
        covered += fit.b_low <= 0.5 <= fit.b_high
        assert abs(fit.b - 0.5) < 0.15
    assert 180 <= covered <= 200  # nominal 95% coverage of the t-interval


def test_fit_fallbacks_and_errors():
    two = fit_exponential([2, 4], [8, 32])
    assert two.b == pytest.approx(1.0) and two.dof == 0
    assert (two.b_low, two.b_high) == (-math.inf, math.inf)
    exact = fit_exponential([1, 2, 3], [2, 4, 8])
    assert exact.b_low == exact.b_high == exact.b == 1.0
    with pytest.raises(ValueError, match="at least two distinct values"):
        fit_exponential([3, 3], [8, 9])
    with pytest.raises(ValueError, match="drop None entries"):
        fit_exponential([1, 2, 3], [2, None, 8])
    with pytest.raises(ValueError, match="must be finite and > 0"):
        fit_exponential([1, 2, 3], [2, 0, 8])
    with pytest.raises(ValueError, match="differ in length"):
        fit_exponential([1, 2], [2])


def test_n_star_interval():
    # 8 clearly fails, 12 and 14 overlap the target, 16 clearly passes.
    assert n_star_interval([8, 16, 12, 14], [100, 1000, 890, 905], [1000] * 4) == (8.0, 16.0)
    # Nothing decided: unbounded on both sides.
    assert n_star_interval([4], [9, ], [10]) == (0.0, math.inf)
    # Sharp transition: the interval is the bracket.
    assert n_star_interval([4, 5], [0, 100], [100, 100]) == (4.0, 5.0)
    # Rows at equal copies are added: 2 x (45/50) is 90/100, still undecided.
    assert n_star_interval([4, 4, 8], [45, 45, 100], [50, 50, 100]) == (0.0, 8.0)
    # A clearly failing point above the first clearly passing one is ignored (noise).
    assert n_star_interval([4, 8, 16], [0, 100, 0], [100, 100, 100]) == (4.0, 8.0)
    with pytest.raises(ValueError, match="same length"):
        n_star_interval([1], [1, 2], [3])
