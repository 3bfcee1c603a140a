"""Shots of the purity task against exact distributions of ρ (density matrices), the stim
circuit path against the same at small n, and every estimator against exact purities."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qmemlearn.estimators.bell import bell_purity
from qmemlearn.estimators.randomized_measurement import randomized_measurement_purity
from qmemlearn.estimators.shadow import shadow_purity
from qmemlearn.sources.depolarized import DepolarizedState
from qmemlearn.sources.pure_states import PureState
from qmemlearn.tasks.purity_sampling import (
    draw_recipes, sample_instance, setting_labels, single_copy_shots, stim_two_copy_shots, two_copy_shots,
)

PAULIS = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0]).astype(complex)]
_S = 1 / np.sqrt(2)
BELL = {(0, 0): [_S, 0, 0, _S], (0, 1): [0, _S, _S, 0], (1, 0): [_S, 0, 0, -_S], (1, 1): [0, _S, -_S, 0]}


def _index(bits: np.ndarray) -> np.ndarray:
    bits = bits.astype(np.int64)
    return (bits << np.arange(bits.shape[1] - 1, -1, -1)).sum(axis=1)


def _single_probs(rho: np.ndarray, recipe) -> np.ndarray:
    out = []
    for bits in itertools.product((0, 1), repeat=len(recipe)):
        proj = np.array([[1.0 + 0j]])
        for b, r in zip(bits, recipe):
            proj = np.kron(proj, (np.eye(2) + (-1) ** b * PAULIS[r]) / 2)
        out.append(np.real(np.trace(rho @ proj)))
    return np.array(out)


def _two_copy_probs(rho: np.ndarray) -> np.ndarray:
    """p(a0, b0, a1, b1, …) of ρ⊗ρ, pairs (copy A qubit i, copy B qubit i) in the Bell basis."""
    n = int(np.log2(rho.shape[0]))
    joint = np.kron(rho, rho).reshape((2,) * (4 * n))
    order = [k for i in range(n) for k in (i, n + i)]
    joint = joint.transpose(order + [2 * n + k for k in order]).reshape(4**n, 4**n)
    probs = []
    for bits in itertools.product((0, 1), repeat=2 * n):
        vector = np.array([1.0 + 0j])
        for i in range(n):
            vector = np.kron(vector, np.array(BELL[(bits[2 * i], bits[2 * i + 1])], dtype=complex))
        probs.append(np.real(np.vdot(vector, joint @ vector)))
    return np.array(probs)


@pytest.mark.parametrize("family, p", [("brickwork", 0.5), ("ghz", 0.3), ("stabilizer", 1.0)])
def test_single_copy_shots_match_the_density_matrix(family, p, goodness_of_fit):
    source = DepolarizedState(PureState(family, 2, seed=3), p)
    rho = source.density_matrix()
    rng = np.random.default_rng(4)
    groups = []
    for recipe in itertools.product(range(3), repeat=2):
        bits = single_copy_shots(source, np.tile(recipe, (2000, 1)).astype(np.uint8), rng)
        groups.append((np.bincount(_index(bits), minlength=4), _single_probs(rho, recipe)))
    assert goodness_of_fit(groups)[0] > 1e-3


@pytest.mark.parametrize("family, p", [("brickwork", 0.5), ("ghz", 0.0), ("stabilizer", 0.7)])
def test_two_copy_shots_match_the_density_matrix(family, p, goodness_of_fit):
    source = DepolarizedState(PureState(family, 2, seed=5), p)
    bits = two_copy_shots(source, 20_000, np.random.default_rng(6))
    counts = np.bincount(_index(bits), minlength=16)
    assert goodness_of_fit([(counts, _two_copy_probs(source.density_matrix()))])[0] > 1e-3


@pytest.mark.parametrize("family, p", [("ghz", 0.5), ("stabilizer", 0.0), ("stabilizer", 0.6)])
def test_stim_circuit_path_matches_the_density_matrix(family, p, goodness_of_fit):
    source = DepolarizedState(PureState(family, 2, seed=8), p)
    bits = stim_two_copy_shots(source, 8000, np.random.default_rng(9))
    counts = np.bincount(_index(bits), minlength=16)
    assert goodness_of_fit([(counts, _two_copy_probs(source.density_matrix()))])[0] > 1e-3


@pytest.mark.parametrize("family, n, p", [("brickwork", 3, 0.5), ("ghz", 4, 0.0), ("stabilizer", 3, 1.0)])
def test_estimators_on_task_shots_match_exact_purity(family, n, p):
    source = DepolarizedState(PureState(family, n, seed=12), p)
    exact = source.purity()
    rng = np.random.default_rng(13)
    swap = sample_instance(source, rule="swap", shots=4000, backend="statevector", shots_per_setting=16, rng=rng)
    value, stderr = bell_purity(swap["bits"])
    assert abs(value - exact) <= 4 * stderr + 1e-12
    shadow = sample_instance(source, rule="shadow", shots=3000, backend="statevector", shots_per_setting=16, rng=rng)
    value, stderr = shadow_purity(shadow["bits"], shadow["recipes"])
    assert abs(value - exact) < 4 * stderr
    rm = sample_instance(source, rule="randomized", shots=8000, backend="statevector", shots_per_setting=16, rng=rng)
    value, stderr = randomized_measurement_purity(rm["bits"], rm["recipes"], rm["settings"])
    assert abs(value - exact) < 4 * stderr


def test_stim_estimate_at_n_100_matches_exact_purity():
    source = DepolarizedState(PureState("ghz", 100), 0.5)
    value, stderr = bell_purity(stim_two_copy_shots(source, 400, np.random.default_rng(3)))
    assert abs(value - source.purity()) < 4 * stderr


def test_settings_repeat_their_recipes():
    labels = setting_labels(50, 16)
    assert labels.tolist() == sorted(labels.tolist()) and labels.max() == 2
    recipes, settings = draw_recipes(np.random.default_rng(0), 50, 4, "randomized", 16)
    for label in np.unique(settings):
        rows = recipes[settings == label]
        assert len(rows) >= 16 and np.all(rows == rows[0])
    recipes, settings = draw_recipes(np.random.default_rng(0), 50, 4, "shadow", 16)
    assert len(np.unique(settings)) == 50
