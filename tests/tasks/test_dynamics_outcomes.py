"""Exact outcome sampling for the dynamics task: bit order, both sampling paths, backends."""

import cirq
import numpy as np
import pytest
import scipy.stats

from qmemlearn.noise import parse_noise
from qmemlearn.tasks.dynamics_outcomes import ExactOutcomes, _exact, choose_backend


def test_bit_order_is_big_endian_qubit_0_first():
    # All probability on outcome index 0b100 of 3 bits: qubit 0 is 1, qubits 1 and 2 are 0.
    p = np.zeros(8)
    p[0b100] = 1.0
    outcomes = ExactOutcomes.from_probabilities(p, 3)
    rng = np.random.default_rng(0)
    assert outcomes.sample_ones(5, rng).tolist() == [5, 0, 0]  # inverse-CDF path
    assert outcomes.sample_ones(500, rng).tolist() == [500, 0, 0]  # multinomial path


@pytest.mark.parametrize("shots", [3, 40, 4000])  # 3, 40: inverse CDF; 4000: multinomial
def test_counts_follow_the_marginals(shots):
    rng = np.random.default_rng(11)
    p = rng.dirichlet(np.ones(16))
    outcomes = ExactOutcomes.from_probabilities(p, 4)
    marginal = np.array([p.reshape((2,) * 4).sum(axis=tuple(a for a in range(4) if a != i))[1] for i in range(4)])
    draws = np.stack([outcomes.sample_ones(shots, rng) for _ in range(400)])
    mean, se = draws.mean(axis=0), draws.std(axis=0, ddof=1) / np.sqrt(400)
    assert np.all(np.abs(mean - shots * marginal) < 4 * se + 1e-9)


def test_joint_distribution_of_one_shot_matches():
    """With one shot, the ones vector IS the outcome: chi-square against p (inverse-CDF path)."""
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(8))
    outcomes = ExactOutcomes.from_probabilities(p, 3)
    observed = np.zeros(8)
    for _ in range(4000):
        bits = outcomes.sample_ones(1, rng)
        observed[bits[0] * 4 + bits[1] * 2 + bits[2]] += 1
    assert scipy.stats.chisquare(observed, 4000 * p).pvalue > 1e-3


def test_exact_matches_cirq_for_a_small_circuit_with_and_without_noise():
    q = cirq.LineQubit.range(3)
    circuit = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.rx(0.3).on(q[2]), cirq.measure(*q, key="m"))
    ideal = _exact(circuit, "ideal").probabilities()
    state = cirq.final_state_vector(circuit[:-1], qubit_order=q)
    assert ideal == pytest.approx(np.abs(state) ** 2, abs=1e-6)
    noisy = _exact(circuit, "depolarizing:p1=0.1,p2=0.2").probabilities()
    noisy_circuit = cirq.Circuit(circuit[:-1]).with_noise(parse_noise("depolarizing:p1=0.1,p2=0.2").model())
    rho = cirq.final_density_matrix(noisy_circuit, qubit_order=q, dtype=np.complex128)
    assert noisy == pytest.approx(np.real(np.diagonal(rho)), abs=1e-12)


def test_auto_backend_choice_and_errors():
    assert choose_backend(20, "ideal", "auto") == "exact"
    assert choose_backend(40, "ideal", "auto") == "mps"
    assert choose_backend(8, "depolarizing:p1=0.01", "auto") == "exact"
    with pytest.raises(ValueError, match="beyond the trajectory limit"):
        choose_backend(24, "depolarizing:p1=0.01", "auto")
    with pytest.raises(ValueError, match="backend='gpu' is unknown"):
        choose_backend(4, "ideal", "gpu")
