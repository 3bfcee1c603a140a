"""Tests of the pca theory: exact cell distribution and variances against density matrices and sampling."""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest

from qmemlearn.estimators.virtual_distillation import shadow_distilled
from qmemlearn.sources.principal_component import PrincipalComponentState
from qmemlearn.tasks.pca_theory import (
    cell_distribution,
    predicted_n_star,
    shadow_variances,
    two_copy_variances,
    ustatistic_variance,
)


def test_cell_distribution_is_the_born_rule_of_rho():
    state = PrincipalComponentState("YZX", sign=-1, p=0.6, seed=3)
    rho = state.density_matrix()
    probabilities = cell_distribution(state)
    paulis = [cirq.unitary(g) for g in (cirq.X, cirq.Y, cirq.Z)]
    for cells in itertools.product(range(6), repeat=3):
        projector = np.array([[1.0]])
        for c in cells:
            projector = np.kron(projector, (np.eye(2) + (-1) ** (c % 2) * paulis[c // 2]) / 2)
        assert probabilities[cells] == pytest.approx(np.trace(rho @ projector).real / 27, abs=1e-12)


def test_shadow_variance_matches_the_spread_of_the_estimator():
    state = PrincipalComponentState("XZY", sign=1, seed=8)
    zetas = shadow_variances(state)
    rng = np.random.default_rng(2)
    shots, repeats = 400, 300
    numerators, ratios = [], []
    for _ in range(repeats):
        recipes = rng.integers(0, 3, size=(shots, 3), dtype=np.uint8)
        e = shadow_distilled(state.sample_single_copy(recipes, rng), recipes, state.observable, with_stderr=False)
        numerators.append(e.numerator)
        ratios.append(e.value)
    predicted = ustatistic_variance(zetas["zeta1_numerator"], zetas["zeta2_numerator"], shots)
    # Sample variance of 300 draws: relative stderr ~ sqrt(2/299) = 8% (more for heavy tails).
    assert 0.75 < np.var(numerators, ddof=1) / predicted < 1.33
    predicted_ratio = ustatistic_variance(zetas["zeta1_ratio"], zetas["zeta2_ratio"], shots)
    assert 0.7 < np.var(ratios, ddof=1) / predicted_ratio < 1.43


def test_two_copy_variance_does_not_grow_with_n_and_n_star_is_flat():
    small, large = (PrincipalComponentState("X" * n) for n in (5, 20))
    assert two_copy_variances(small, 1000, 0.5)[0] == pytest.approx(two_copy_variances(large, 1000, 0.5)[0], rel=0.1)
    stars = [predicted_n_star(PrincipalComponentState("XYZ" * 4), "two-copy", rule) for rule in ("sign", "epsilon")]
    assert 8 < stars[0] < 200 and 1000 < stars[1] < 10000


def test_single_copy_prediction_grows_with_n():
    stars = [predicted_n_star(PrincipalComponentState(("XYZ" * 3)[:n], seed=1), "single-copy", "sign") for n in (3, 5, 7)]
    assert stars[0] < stars[1] < stars[2]
    with pytest.raises(ValueError, match="rule='best'"):
        predicted_n_star(PrincipalComponentState("XYZ"), "two-copy", "best")
