"""The single-copy-random dynamics protocol: exact shots, per-basis counts, task scoring."""

import numpy as np
import pytest

from qmemlearn.analysis.classification import basis_squared_mean_statistic
from qmemlearn.analysis.points import SweepPoint
from qmemlearn.estimators.statistics import squared_mean_ustatistic
from qmemlearn.sources.brickwork import BrickworkDynamics
from qmemlearn.tasks import get_task
from qmemlearn.tasks.dynamics import circuit_family, draw_circuits, evaluate_dynamics
from qmemlearn.tasks.dynamics_random_basis import basis_counts, random_basis_outcomes


def point(**kw):
    base = dict(task="dynamics", protocol="single-copy-random", rule="statistic", n=3, copies=64, trials=2,
                json_metadata={"depth": 3, "circuits_per_class": 3, "backend": "exact", "max_bond": 0})
    base.update(kw)
    return SweepPoint(**base)


def test_counts_are_per_qubit_and_basis_and_add_up():
    outcomes = random_basis_outcomes(BrickworkDynamics(n=3, depth=2, kind="scrambling", seed=2))
    bits, recipes = outcomes.sample_shots(500, np.random.default_rng(0))
    counts = basis_counts(bits, recipes)
    assert counts.shape == (2, 3, 3)
    np.testing.assert_array_equal(counts[1].sum(axis=1), 500)
    np.testing.assert_array_equal(counts[0].sum(axis=1), bits.sum(axis=0))
    again = outcomes.sample_ones(500, np.random.default_rng(0))
    np.testing.assert_array_equal(again, counts)  # one seed, one result


def test_y_statistic_is_the_u_statistic_of_the_y_shots_and_is_unbiased():
    """Equals estimators.statistics.squared_mean_ustatistic on the Y shots; mean over draws = Σᵢ⟨Yᵢ⟩²."""
    import cirq

    u = BrickworkDynamics(n=3, depth=2, kind="scrambling", seed=2)
    outcomes = random_basis_outcomes(u)
    bits, recipes = outcomes.sample_shots(300, np.random.default_rng(1))
    value = basis_squared_mean_statistic(basis_counts(bits, recipes)[None])[0]
    direct = sum(squared_mean_ustatistic(1 - 2.0 * bits[recipes[:, i] == 1, i])[0] for i in range(3))
    assert value == pytest.approx(direct, rel=1e-12)
    qubits = cirq.LineQubit.range(3)
    exact = sum(cirq.Y(q).expectation_from_state_vector(outcomes.state, {q: k for k, q in enumerate(qubits)}).real ** 2
                for q in qubits)
    rng = np.random.default_rng(2)
    draws = np.array([basis_squared_mean_statistic(outcomes.sample_ones(60, rng)[None])[0] for _ in range(400)])
    assert abs(draws.mean() - exact) < 4 * draws.std(ddof=1) / np.sqrt(400)
    # The plug-in Σᵢ mean² would be biased by ~Σᵢ 1/mᵢ ≈ 0.15 here, far above 4 standard errors.


def test_t_symmetric_y_means_vanish():
    u = BrickworkDynamics(n=4, depth=3, kind="t-symmetric", seed=6)
    counts = random_basis_outcomes(u).sample_ones(30000, np.random.default_rng(3))
    y_means = counts[0, :, 1] / counts[1, :, 1]
    np.testing.assert_array_less(np.abs(y_means - 0.5), 4 * 0.5 / np.sqrt(counts[1, :, 1]))
    state = random_basis_outcomes(u).state
    phase = state[np.argmax(np.abs(state))] / np.abs(state).max()
    assert np.abs((state / phase).imag).max() < 1e-5  # real U|0…0⟩ up to a global phase


def test_task_evaluates_the_random_protocol_on_the_same_circuits():
    spec = get_task("dynamics")
    assert spec.shot_cost("single-copy-random") == 1
    spec.validate_point(point())
    p = point()
    assert circuit_family(p).entropy == circuit_family(point(protocol="single-copy")).entropy
    for rule in ("statistic", "kernel-pca"):
        first = evaluate_dynamics(point(rule=rule))
        assert first == evaluate_dynamics(point(rule=rule))
        assert 0.5 <= first.successes / first.trials <= 1.0
    many = evaluate_dynamics(point(copies=6000, trials=2))
    assert many.successes / many.trials >= 0.8  # n = 3: ⟨Yᵢ⟩² ~ 1/8 is resolved by ~2000 Y shots


def test_noise_and_backends_are_refused():
    u = draw_circuits(3, 2, 1, circuit_family(point()).spawn(1)[0])[0]
    with pytest.raises(ValueError, match="noise='depolarizing.*noiseless only"):
        random_basis_outcomes(u, noise="depolarizing(p1=0.01)")
    with pytest.raises(ValueError, match="backend='mps'.*needs a state vector"):
        random_basis_outcomes(u, backend="mps")
