"""The dynamics task: circuits independent of copies, trials scored without labels."""

import dataclasses

import numpy as np
import pytest

from qmemlearn.analysis.points import SweepPoint
from qmemlearn.sources.brickwork import BrickworkDynamics
from qmemlearn.tasks import get_task
from qmemlearn.tasks.dynamics import circuit_family, draw_circuits, evaluate_dynamics
from qmemlearn.tasks.dynamics_outcomes import circuit_outcomes, clear_cache


def point(**kw):
    base = dict(task="dynamics", protocol="two-copy", rule="statistic", n=3, copies=8, trials=3,
                json_metadata={"depth": 3, "circuits_per_class": 4, "backend": "exact", "max_bond": 0})
    base.update(kw)
    return SweepPoint(**base)


def test_circuits_do_not_depend_on_copies_rule_or_protocol_but_on_the_batch():
    a = circuit_family(point())
    for other in (point(copies=40), point(rule="kernel-pca"), point(protocol="single-copy", copies=8)):
        assert circuit_family(other).entropy == a.entropy
    assert circuit_family(point(n=4)).entropy != a.entropy
    assert circuit_family(point(batch_index=1)).spawn_key == (1,)
    circuits = draw_circuits(3, 2, 2, a.spawn(1)[0])
    assert [c.kind for c in circuits] == ["t-symmetric", "scrambling"] * 2


def test_two_copy_separates_perfectly_noiseless_and_single_copy_needs_more():
    """Noiseless T-symmetric U gives all-zero two-copy bits: 8 shots per circuit separate them."""
    two = evaluate_dynamics(point(copies=16, trials=4))
    assert two.successes / two.trials >= 0.9
    single = evaluate_dynamics(point(protocol="single-copy", copies=16, trials=4))
    assert single.successes / single.trials < two.successes / two.trials
    for circuit in draw_circuits(3, 3, 4, circuit_family(point()).spawn(1)[0]):
        ones = circuit_outcomes(circuit, protocol="two-copy", backend="exact").sample_ones(1000, np.random.default_rng(0))
        assert (ones.sum() == 0) == (circuit.kind == "t-symmetric")


def test_cz_scrambling_variant_separates_and_keeps_default_strong_ids():
    params = {"depth": 3, "circuits_per_class": 4, "backend": "exact", "max_bond": 0}
    spec = get_task("dynamics")
    assert spec.resolve_params(params) == params  # the default entangler is not part of the id
    cz = point(copies=16, trials=4, json_metadata={**params, "scrambling_gate": "cz"})
    assert cz.strong_id() != point(copies=16, trials=4).strong_id()
    outcome = evaluate_dynamics(cz)
    assert outcome.successes / outcome.trials >= 0.9  # T-symmetric U still gives all zeros
    circuits = draw_circuits(3, 3, 2, circuit_family(cz).spawn(1)[0], scrambling_gate="cz")
    assert {c.scrambling_gate for c in circuits if c.kind == "scrambling"} == {"cz"}
    assert {c.scrambling_gate for c in circuits if c.kind == "t-symmetric"} == {"sycamore"}
    with pytest.raises(ValueError, match=r"params.scrambling_gate='iswap'"):
        spec.resolve_params({**params, "scrambling_gate": "iswap"})


def test_outcome_is_independent_of_the_cache_and_deterministic():
    p = point(protocol="single-copy", copies=64, trials=2, rule="kernel-pca")
    clear_cache()
    first = evaluate_dynamics(p)
    assert evaluate_dynamics(p) == first  # from the cache
    clear_cache()
    assert evaluate_dynamics(p) == first


def test_mps_outcomes_agree_with_exact_outcomes():
    u = BrickworkDynamics(n=3, depth=3, kind="scrambling", seed=5)
    exact = circuit_outcomes(u, protocol="two-copy", backend="exact")
    mps = circuit_outcomes(u, protocol="two-copy", backend="mps")
    rng = np.random.default_rng(1)
    p = exact.probabilities()
    width = 6
    marginal = np.array([p.reshape((2,) * width).sum(axis=tuple(a for a in range(width) if a != i))[1]
                         for i in range(width)])
    draws = np.stack([mps.sample_ones(200, rng) for _ in range(100)])
    se = draws.std(axis=0, ddof=1) / np.sqrt(100)
    assert np.all(np.abs(draws.mean(axis=0) - 200 * marginal) < 4 * se + 1e-9)


def test_bad_points_name_the_field():
    spec = get_task("dynamics")
    with pytest.raises(ValueError, match=r"copies=2 must be a multiple of 2 queries of U giving >= 2 shots"):
        spec.validate_point(point(copies=2))
    with pytest.raises(ValueError, match=r"json_metadata.backend='gpu' must be one of"):
        spec.validate_point(point(json_metadata={"backend": "gpu"}))
    with pytest.raises(ValueError, match=r"rule='decoy' is unknown"):
        spec.validate_point(point(rule="decoy"))
