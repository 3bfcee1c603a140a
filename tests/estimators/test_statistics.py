"""Tests for qmemlearn.estimators.statistics against hand-computed values."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qmemlearn.estimators import (
    mean_and_stderr,
    median_of_means,
    pair_ustatistic_stderr,
    squared_mean_ustatistic,
)


def test_mean_and_stderr_hand_computed():
    mean, stderr = mean_and_stderr([1.0, 2.0, 3.0, 6.0])
    # mean 3, deviations -2,-1,0,3 -> s² = 14/3, stderr = sqrt(14/3/4)
    assert mean == pytest.approx(3.0)
    assert stderr == pytest.approx(np.sqrt(14 / 12))


def test_mean_and_stderr_axis():
    samples = np.array([[1.0, 3.0], [2.0, 2.0], [0.0, 4.0]])  # shots along axis 1
    mean, stderr = mean_and_stderr(samples, axis=1)
    np.testing.assert_allclose(mean, [2.0, 2.0, 2.0])
    np.testing.assert_allclose(stderr, [1.0, 0.0, 2.0])
    mean0, _ = mean_and_stderr(samples, axis=0)
    np.testing.assert_allclose(mean0, [1.0, 3.0])


@pytest.mark.parametrize("func", [mean_and_stderr, squared_mean_ustatistic])
def test_fewer_than_two_shots_raises(func):
    with pytest.raises(ValueError, match=r"shots=1 .* must be >= 2"):
        func([1.0])
    with pytest.raises(ValueError, match=r"shots=0"):
        func(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="at least one dimension"):
        func(1.0)


def test_median_of_means_hand_computed():
    samples = [1.0, 3.0, 10.0, 12.0, 4.0, 6.0]  # group means 2, 11, 5
    value, stderr = median_of_means(samples, groups=3)
    assert value == pytest.approx(5.0)
    assert stderr == pytest.approx(np.sqrt(np.pi / 2) * np.std([2.0, 11.0, 5.0], ddof=1) / np.sqrt(3))


def test_median_of_means_uneven_groups_use_every_shot():
    value, _ = median_of_means([0.0, 0.0, 9.0, 3.0, 3.0, 6.0, 6.0], groups=3)
    # array_split -> [0, 0, 9], [3, 3], [6, 6]: means 3, 3, 6.
    assert value == pytest.approx(3.0)


def test_median_of_means_one_and_two_groups():
    samples = np.array([1.0, 2.0, 4.0, 7.0])
    assert median_of_means(samples, groups=1) == pytest.approx(mean_and_stderr(samples))
    value, stderr = median_of_means(samples, groups=2)  # means 1.5, 5.5
    assert value == pytest.approx(3.5)
    assert stderr == pytest.approx(np.std([1.5, 5.5], ddof=1) / np.sqrt(2))


def test_median_of_means_axis():
    samples = np.array([[1.0, 2.0, 3.0, 100.0, 5.0, 6.0], [0.0] * 6]).T  # shots along axis 0
    value, _ = median_of_means(samples, groups=3, axis=0)
    np.testing.assert_allclose(value, [5.5, 0.0])


@pytest.mark.parametrize("groups", [0, 7, 2.0, True])
def test_median_of_means_bad_groups(groups):
    with pytest.raises(ValueError, match=r"groups=.* must be an int in \[1, shots=6\]"):
        median_of_means(np.ones(6), groups=groups)


def test_squared_mean_ustatistic_equals_brute_force_pairs():
    rng = np.random.default_rng(7)
    samples = rng.normal(0.3, 2.0, size=(3, 9))
    value, stderr = squared_mean_ustatistic(samples)
    for row, v in zip(samples, value):
        brute = np.mean([row[i] * row[j] for i, j in itertools.permutations(range(row.size), 2)])
        assert v == pytest.approx(brute, rel=1e-12)
    assert np.all(stderr > 0)


def test_squared_mean_ustatistic_stderr_formula():
    x = np.array([1.0, 2.0, 3.0, 6.0])
    value, stderr = squared_mean_ustatistic(x)
    pairs = [x[i] * x[j] for i, j in itertools.permutations(range(4), 2)]
    assert value == pytest.approx(np.mean(pairs))  # 47/6
    s2 = np.var(x, ddof=1)
    assert stderr == pytest.approx(np.sqrt(4 * value * s2 / 4 + 2 * s2**2 / 12))


def test_squared_mean_ustatistic_stderr_floor_keeps_it_positive():
    x = np.array([1.0, -1.0, 1.0, -1.0])  # U = -1/3 < 0
    value, stderr = squared_mean_ustatistic(x)
    assert value == pytest.approx(-1 / 3)
    s2 = np.var(x, ddof=1)
    assert stderr == pytest.approx(np.sqrt(s2**2 / 12))


def test_squared_mean_ustatistic_axis():
    samples = np.array([[1.0, 1.0], [2.0, 3.0], [3.0, 5.0]])
    value, _ = squared_mean_ustatistic(samples, axis=0)
    np.testing.assert_allclose(value, [(2 + 3 + 6) / 3, (3 + 5 + 15) / 3])


def test_pair_ustatistic_stderr_hand_computed():
    h1 = np.arange(1.0, 7.0)  # T = 6, s² = 3.5
    zeta1 = (3.5 * 25 / 4 - 1.0) / 2
    expected = np.sqrt((4 * 4 * zeta1 + 2 * 1.0) / 30)
    assert pair_ustatistic_stderr(h1, 1.0) == pytest.approx(expected)
    # Constant row means (ζ1 = 0): the floor ζ2 / (T (T-1)) applies.
    assert pair_ustatistic_stderr(np.ones(6), 3.0) == pytest.approx(np.sqrt(3.0 / 30))


def test_pair_ustatistic_stderr_matches_squared_mean_for_product_kernel():
    # For h(x, y) = x y the general formula must agree with the closed form on average.
    rng = np.random.default_rng(3)
    ratios = []
    for _ in range(50):
        x = rng.normal(1.0, 1.0, size=400)
        _, closed = squared_mean_ustatistic(x)
        kernel = np.outer(x, x)
        np.fill_diagonal(kernel, np.nan)
        h1 = np.nanmean(kernel, axis=1)
        ratios.append(pair_ustatistic_stderr(h1, np.nanvar(kernel)) / closed)
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.05)


def test_pair_ustatistic_stderr_rejects_bad_input():
    with pytest.raises(ValueError, match="shots=1"):
        pair_ustatistic_stderr([1.0], 1.0)
    with pytest.raises(ValueError, match="must be 1-D"):
        pair_ustatistic_stderr(np.ones((3, 3)), 1.0)
