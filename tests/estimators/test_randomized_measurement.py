"""Brydges et al.'s randomized-measurement purity on Pauli-basis settings: exactly unbiased
(the average over all 3ⁿ settings of the exact within-setting expectation is tr(ρ²)), sampled
estimates within a few standard errors, bad input."""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest

from qmemlearn.backends.local_basis_shots import sample_local_bases_density
from qmemlearn.estimators.randomized_measurement import randomized_measurement_purity, setting_purities

PAULIS = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0]).astype(complex)]


def _probs(rho, recipe):
    n = len(recipe)
    out = []
    for bits in itertools.product((0, 1), repeat=n):
        proj = np.array([[1.0 + 0j]])
        for b, r in zip(bits, recipe):
            proj = np.kron(proj, (np.eye(2) + (-1) ** b * PAULIS[r]) / 2)
        out.append(np.real(np.trace(rho @ proj)))
    return np.array(out)


@pytest.mark.parametrize("n, seed", [(1, 1), (2, 2), (3, 3)])
def test_exact_expectation_over_pauli_settings_is_the_purity(n, seed):
    rho = cirq.testing.random_density_matrix(2**n, random_state=seed)
    outcomes = np.array(list(itertools.product((0, 1), repeat=n)))
    distance = (outcomes[:, None, :] != outcomes[None, :, :]).sum(axis=2)
    kernel = 2.0**n * (-0.5) ** distance
    values = [(_probs(rho, r) @ kernel @ _probs(rho, r)) for r in itertools.product(range(3), repeat=n)]
    assert np.mean(values) == pytest.approx(np.real(np.trace(rho @ rho)), abs=1e-12)


@pytest.mark.parametrize("n, seed", [(2, 4), (4, 5)])
def test_sampled_estimate_within_standard_errors(n, seed):
    rng = np.random.default_rng(seed)
    rho = cirq.testing.random_density_matrix(2**n, random_state=seed)
    settings, per = 3000, 8
    recipes = np.repeat(rng.integers(0, 3, size=(settings, n)), per, axis=0)
    labels = np.repeat(np.arange(settings), per)
    bits = sample_local_bases_density(rho, recipes, rng)
    value, stderr = randomized_measurement_purity(bits, recipes, labels)
    assert abs(value - np.real(np.trace(rho @ rho))) < 4 * stderr
    assert stderr < 0.05


def test_one_setting_by_hand():
    # Two qubits, three shots: pair kernels 2^2 (-1/2)^D: D(00,01)=1 -> -2, D(00,11)=2 -> 1, D(01,11)=1 -> -2.
    bits = np.array([[0, 0], [0, 1], [1, 1]])
    values = setting_purities(bits, np.zeros((3, 2), int))
    assert values.tolist() == [pytest.approx(2 * (-2 + 1 - 2) / 6)]


def test_bad_inputs():
    with pytest.raises(ValueError, match="no setting has >= 2 shots"):
        randomized_measurement_purity([[0], [1]], [[0], [1]])
    with pytest.raises(ValueError, match="different recipes"):
        setting_purities([[0], [1]], [[0], [1]], np.array([0, 0]))
    with pytest.raises(ValueError, match="must both be"):
        setting_purities([[0, 1]], [[0]])
    with pytest.raises(ValueError, match="settings has shape"):
        setting_purities([[0], [1]], [[0], [0]], np.array([0]))
