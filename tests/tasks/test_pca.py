"""Tests of the pca task: estimators against exact values, scoring, validation, seeding."""

from __future__ import annotations

import numpy as np
import pytest

from qmemlearn.analysis.points import SweepPoint
from qmemlearn.sources.principal_component import PrincipalComponentState
from qmemlearn.tasks import get_task
from qmemlearn.tasks.pca import (
    direct_estimate,
    draw_instance,
    evaluate_pca,
    score,
    single_copy_estimate,
    two_copy_estimate,
)

PARAMS = get_task("pca").resolve_params({})


def _point(**changes) -> SweepPoint:
    fields = dict(task="pca", protocol="two-copy", rule="sign", n=4, copies=64, trials=40, noise="ideal", seed=3,
                  json_metadata=dict(PARAMS))
    fields.update(changes)
    return SweepPoint(**fields)


def test_two_copy_estimate_concentrates_on_the_distilled_value():
    state = PrincipalComponentState("XYZY", sign=-1)
    rng = np.random.default_rng(1)
    values = np.array([two_copy_estimate(state, 4000, 0.5, rng)[0] for _ in range(200)])
    # 2000 numerator shots (variance 1/2 - m1^2) and 2000 SWAP shots; delta-method stderr.
    m1, purity = state.observable_on_square(), state.purity()
    se = np.sqrt((0.5 - m1**2) / 2000 / purity**2 + (m1 / purity) ** 2 * (1 - purity**2) / 2000 / purity**2)
    assert abs(values.mean() - state.distilled()) < 4 * se / np.sqrt(len(values)) + 0.01 * se
    assert 0.85 < values.std(ddof=1) / se < 1.15


def test_single_copy_estimate_is_close_to_the_distilled_value():
    state = PrincipalComponentState("ZXY", sign=1, seed=2)
    rng = np.random.default_rng(4)
    values = np.array([single_copy_estimate(state, 4000, rng)[0] for _ in range(30)])
    assert abs(values.mean() - state.distilled()) < 4 * values.std(ddof=1) / np.sqrt(len(values))


def test_direct_estimate_is_blind_under_balanced_noise_and_exact_otherwise():
    rng = np.random.default_rng(6)
    balanced = PrincipalComponentState("XYZ", sign=-1)
    mixed = PrincipalComponentState("XYZ", sign=-1, noise_state="maximally-mixed")
    blind = np.array([direct_estimate(balanced, 1000, rng)[0] for _ in range(400)])
    seen = np.array([direct_estimate(mixed, 1000, rng)[0] for _ in range(400)])
    assert abs(blind.mean()) < 4 * blind.std(ddof=1) / 20
    assert abs(seen.mean() - mixed.target()) < 4 * seen.std(ddof=1) / 20


def test_score_rules():
    nan = float("nan")
    assert score((0.9, 0.2), 1.0, "epsilon", 0.25) == 1.0
    assert score((0.7, 0.2), 1.0, "epsilon", 0.25) == 0.0
    assert score((nan, 0.2), 1.0, "epsilon", 0.25) == 0.0
    assert score((nan, -0.1), -1.0, "sign", 0.25) == 1.0  # the sign is the numerator's
    assert score((-0.5, 0.1), -1.0, "sign", 0.25) == 0.0
    assert score((nan, 0.0), -1.0, "sign", 0.25) == 0.5


def test_instances_cover_signs_and_full_weight_observables():
    rng = np.random.default_rng(0)
    states = [draw_instance(5, rng, PARAMS) for _ in range(200)]
    assert {s.sign for s in states} == {1, -1}
    assert all(len(s.observable) == 5 and "I" not in s.observable for s in states)
    letters = "".join(s.observable for s in states)  # 1000 letters, each X, Y, Z with probability 1/3
    for letter in "XYZ":
        assert abs(letters.count(letter) - 1000 / 3) < 4 * np.sqrt(1000 * 2 / 9)


def test_evaluate_is_deterministic_and_separates_small_from_large_budgets():
    first = evaluate_pca(_point(copies=1024))
    assert evaluate_pca(_point(copies=1024)) == first
    assert first.successes >= 38  # sign from 512 shots: success ~1
    small = evaluate_pca(_point(copies=4, trials=200))
    assert 0.35 < small.successes / small.trials < 0.75  # 1 numerator shot: mostly ties or guesses


def test_single_copy_point_runs():
    outcome = evaluate_pca(_point(protocol="single-copy", copies=64, n=3, trials=5))
    assert outcome.trials == 5


def test_bad_points_raise():
    with pytest.raises(ValueError, match="n=2 must be >= 3"):
        evaluate_pca(_point(n=2))
    with pytest.raises(ValueError, match="n=10 is too large for the single-copy shadow estimator"):
        evaluate_pca(_point(protocol="single-copy", n=10))
    with pytest.raises(ValueError, match="copies=5 must be a multiple of 2 and >= 4"):
        evaluate_pca(_point(copies=5))
    with pytest.raises(ValueError, match=r"p=0.3 must be in \[0.5, 1\) for noise_state='balanced'"):
        evaluate_pca(_point(json_metadata={**PARAMS, "p": 0.3}))
    with pytest.raises(ValueError, match="json_metadata.single_copy_estimator='best' must be one of"):
        evaluate_pca(_point(json_metadata={**PARAMS, "single_copy_estimator": "best"}))
