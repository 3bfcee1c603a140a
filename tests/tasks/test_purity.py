"""Task ``purity``: threshold and scoring, instance draws, point validation, evaluation
(determinism, batches independent, success at many copies), registry parameters."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from qmemlearn.analysis.points import SweepPoint
from qmemlearn.tasks import get_task
from qmemlearn.tasks.purity import (
    Instance, draw_instance, evaluate_purity, families_for, instance_family, resolve_backend, score, threshold,
    validate_point,
)
from qmemlearn.sources.depolarized import DepolarizedState
from qmemlearn.sources.pure_states import PureState

PARAMS = get_task("purity").resolve_params({})


def _point(**changes) -> SweepPoint:
    fields = dict(task="purity", protocol="two-copy", rule="swap", n=3, copies=16, trials=40, json_metadata=PARAMS)
    fields.update(changes)
    return SweepPoint(**fields)


def test_threshold_is_midway():
    assert threshold(1, 1.0) == pytest.approx(0.75)
    assert threshold(50, 0.5) == pytest.approx((1 + 0.25) / 2)


def test_score():
    pure = Instance(DepolarizedState(PureState("ghz", 2), 0.0), pure=True)
    mixed = Instance(DepolarizedState(PureState("ghz", 2), 1.0), pure=False)
    assert score(0.9, pure, 0.6) == 1 and score(0.5, pure, 0.6) == 0
    assert score(0.5, mixed, 0.6) == 1 and score(0.6, mixed, 0.6) == 0.5


def test_instances_are_balanced_and_seeded():
    seeds = np.random.SeedSequence(1).spawn(600)
    instances = [draw_instance(4, PARAMS, s) for s in seeds]
    pure = np.mean([i.pure for i in instances])
    assert abs(pure - 0.5) < 4 * np.sqrt(0.25 / 600)
    mixed_p = [i.source.p for i in instances if not i.pure]
    assert set(mixed_p) == {0.5, 1.0}
    assert {i.source.pure.family for i in instances} == {"brickwork", "ghz", "stabilizer"}
    assert all(i.source.p == 0.0 for i in instances if i.pure)
    again = draw_instance(4, PARAMS, np.random.SeedSequence(1).spawn(600)[7])
    assert again == instances[7]


def test_stim_draws_only_clifford_families():
    assert families_for("all", "stim") == ("ghz", "stabilizer")
    assert families_for("all", "statevector") == ("brickwork", "ghz", "stabilizer")


def test_instances_do_not_depend_on_copies_or_rule():
    a = instance_family(_point(copies=16))
    b = instance_family(_point(copies=64, protocol="single-copy", rule="shadow"))
    assert a.generate_state(4).tolist() == b.generate_state(4).tolist()


def test_validate_point_errors():
    with pytest.raises(ValueError, match="rule='shadow' does not apply to protocol='two-copy'"):
        validate_point(_point(rule="shadow"))
    with pytest.raises(ValueError, match="copies=3 must be a multiple of 2"):
        validate_point(_point(copies=3))
    with pytest.raises(ValueError, match="noise='depolarizing"):
        validate_point(_point(noise="depolarizing:p1=0.01"))
    with pytest.raises(ValueError, match="backend='stim' serves the two-copy protocol only"):
        validate_point(_point(protocol="single-copy", rule="shadow", n=20))
    with pytest.raises(ValueError, match="over the state-vector limit"):
        resolve_backend(20, dict(PARAMS, backend="statevector"), "two-copy")
    with pytest.raises(ValueError, match="json_metadata.mixedness=0 must be"):
        get_task("purity").resolve_params({"mixedness": 0}, where="json_metadata")


def test_evaluate_is_deterministic_and_batches_are_independent():
    point = _point(copies=8, trials=30)
    first, again = evaluate_purity(point), evaluate_purity(point)
    assert first == again
    other_batch = evaluate_purity(dataclasses.replace(point, batch_index=1))
    assert 0 <= other_batch.successes <= 30


@pytest.mark.parametrize("protocol, rule, n, copies", [("two-copy", "swap", 3, 64), ("single-copy", "shadow", 2, 1000),
                                                      ("single-copy", "randomized", 3, 4000)])
def test_many_copies_succeed(protocol, rule, n, copies):
    outcome = evaluate_purity(_point(protocol=protocol, rule=rule, n=n, copies=copies, trials=30))
    assert outcome.successes >= 28


def test_two_shots_are_not_enough():
    # Two two-copy shots at n = 3: a mixed state gives SWAP = +1 twice w.p. 0.316 (maximally
    # mixed) or 0.451 (p = 0.5), and is then called pure; pure states are always right:
    # success = 1/2 + (0.684 + 0.549)/4 = 0.808.
    outcome = evaluate_purity(_point(copies=4, trials=400))
    assert abs(outcome.successes / 400 - 0.808) < 4 * np.sqrt(0.808 * 0.192 / 400)
