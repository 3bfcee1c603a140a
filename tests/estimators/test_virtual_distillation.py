"""Tests of the virtual-distillation estimators against exact values."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qmemlearn.estimators import shadow_purity
from qmemlearn.estimators import product_kernel as pk
from qmemlearn.estimators.virtual_distillation import (
    distilled_from_values,
    optimal_numerator_fraction,
    ratio_with_stderr,
    shadow_distilled,
    shadow_kernel_tables,
    split_shots,
    two_copy_distilled,
)
from qmemlearn.protocols.distillation import value_distribution
from qmemlearn.sources.principal_component import PrincipalComponentState


def test_purity_table_is_the_design_kernel():
    _, tables = shadow_kernel_tables("XYZ")
    for c, d in itertools.product(range(6), repeat=2):
        expected = 0.5 if c // 2 != d // 2 else (5.0 if c == d else -4.0)
        assert tables[0][c, d] == pytest.approx(expected)


def test_kernel_sums_equal_the_explicit_pair_sums():
    rng = np.random.default_rng(2)
    bits = rng.integers(0, 2, size=(40, 3), dtype=np.uint8)
    recipes = rng.integers(0, 3, size=(40, 3), dtype=np.uint8)
    observable = "YIZ"
    snaps = pk.local_snapshots()
    cells = pk.snapshot_cells(bits, recipes)
    big = [np.kron(np.kron(snaps[c[0]], snaps[c[1]]), snaps[c[2]]) for c in cells]
    from cirq import DensePauliString, unitary

    op = unitary(DensePauliString(observable))
    numerator = np.mean([np.trace(op @ a @ b).real for s, a in enumerate(big) for t, b in enumerate(big) if s != t])
    denominator = np.mean([np.trace(a @ b).real for s, a in enumerate(big) for t, b in enumerate(big) if s != t])
    estimate = shadow_distilled(bits, recipes, observable)
    assert estimate.numerator == pytest.approx(numerator, rel=1e-10, abs=1e-10)
    assert estimate.denominator == pytest.approx(denominator, rel=1e-10)
    assert estimate.denominator == pytest.approx(shadow_purity(bits, recipes)[0], rel=1e-10)


def _shadow_estimates(state: PrincipalComponentState, shots: int, repeats: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(repeats):
        recipes = rng.integers(0, 3, size=(shots, state.n), dtype=np.uint8)
        e = shadow_distilled(state.sample_single_copy(recipes, rng), recipes, state.observable)
        out.append((e.value, e.stderr, e.numerator, e.denominator))
    return np.array(out)


def test_shadow_estimates_are_unbiased_with_calibrated_stderr():
    state = PrincipalComponentState("XZY", sign=-1, p=0.5, depth=3, seed=1)
    results = _shadow_estimates(state, shots=3000, repeats=60, seed=3)
    values, stderrs, numerators, denominators = results.T
    m = len(values)
    # The U-statistics are unbiased: their means over repeats agree with the exact values.
    assert abs(numerators.mean() - state.observable_on_square()) < 4 * numerators.std(ddof=1) / np.sqrt(m)
    assert abs(denominators.mean() - state.purity()) < 4 * denominators.std(ddof=1) / np.sqrt(m)
    # The ratio is within a few stderr of the exact one, and the stderr matches the spread
    # (the sample std of 60 values is itself uncertain by ~9%).
    assert abs(values.mean() - state.distilled()) < 4 * values.std(ddof=1) / np.sqrt(m)
    assert 0.75 < np.median(stderrs) / values.std(ddof=1) < 1.33


def test_two_copy_ratio_from_the_exact_value_law_is_calibrated():
    state = PrincipalComponentState("XXYZ", sign=1, p=0.5)
    rng = np.random.default_rng(5)
    law = value_distribution(state.observable_on_square(), state.expectation())
    swap = [(1 - state.purity()) / 2, (1 + state.purity()) / 2]
    estimates = [
        distilled_from_values(rng.choice([-1, 0, 1], size=2000, p=law), rng.choice([-1, 1], size=2000, p=swap))
        for _ in range(300)
    ]
    values = np.array([e.value for e in estimates])
    stderrs = np.array([e.stderr for e in estimates])
    assert abs(values.mean() - state.distilled()) < 4 * values.std(ddof=1) / np.sqrt(len(values))
    assert 0.85 < np.median(stderrs) / values.std(ddof=1) < 1.18


def test_two_copy_distilled_reads_bits():
    # numerator bits: values 1, -1, 0, 1 (pairs (a, b) with O = Z: i^b (-1)^a); SWAP bits: +1, -1.
    numerator_bits = np.array([[0, 0], [1, 0], [0, 1], [0, 0]], np.uint8)
    swap_bits = np.array([[0, 0], [1, 1], [0, 0], [0, 0]], np.uint8)
    estimate = two_copy_distilled(numerator_bits, swap_bits, "Z")
    assert estimate.numerator == 0.25 and estimate.denominator == 0.5
    assert estimate.value == pytest.approx(0.5)


def test_ratio_helpers():
    assert ratio_with_stderr(0.1, 0.1, -0.2, 0.1) == (pytest.approx(float("nan"), nan_ok=True),) * 2
    assert split_shots(9, 0.4) == (4, 5)
    assert split_shots(4, 0.01) == (2, 2)
    # f* from the variance formula: brute-force minimum of v1/f + r^2 v2/(1 - f).
    m1, m2, purity = 0.2, 0.1, 0.3
    grid = np.linspace(0.01, 0.99, 9801)
    v1, v2, r = 0.5 * (1 + m2**2) - m1**2, 1 - purity**2, m1 / purity
    assert optimal_numerator_fraction(m1, m2, purity) == pytest.approx(grid[np.argmin(v1 / grid + r**2 * v2 / (1 - grid))], abs=1e-3)
    with pytest.raises(ValueError, match="shots=3 must be an int >= 4"):
        split_shots(3, 0.5)
    with pytest.raises(ValueError, match=r"fraction=1.5 must be in \(0, 1\)"):
        split_shots(10, 1.5)


def test_shadow_distilled_rejects_bad_input():
    with pytest.raises(ValueError, match="shots=2 must be >= 3 for the pair U-statistics and their stderr"):
        shadow_distilled(np.zeros((2, 3), np.uint8), np.zeros((2, 3), np.uint8), "XYZ")
    with pytest.raises(ValueError, match="n=10 is too large"):
        shadow_distilled(np.zeros((4, 10), np.uint8), np.zeros((4, 10), np.uint8), "X" * 10)
