"""Tests for the task ``pauli-learning`` (DESIGN §5.1): instances, success rules, evaluation.

Everything is seeded; counts that depend on sampling are either pinned for a fixed seed (and
the reason they take that value is stated) or checked against an honest binomial tolerance.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import pickle

import numpy as np
import pytest

from qmemlearn import paulis
from qmemlearn.analysis import SweepPoint
from qmemlearn.analysis.points import PointOutcome
from qmemlearn.backends import make_sampler
from qmemlearn.estimators.dispatch import estimate_squared
from qmemlearn.estimators.identification import identify_pauli_two_copy
from qmemlearn.protocols import SingleCopyProtocol, TwoCopyProtocol, sample_batch, sample_records
from qmemlearn.records import BellRecord, ShadowRecord
from qmemlearn.sources import PauliMixedState
from qmemlearn.tasks import pauli_learning as pl
from qmemlearn.tasks import task_evaluator
from qmemlearn.tasks.pauli_learning import (
    PauliLearningInstance,
    draw_instance,
    evaluate_pauli_learning,
    score_decoy,
    score_identify,
    validate_point,
)

METADATA = {"alpha": 0.9, "backend": "fast"}


def point(**changes) -> SweepPoint:
    kwargs = dict(task="pauli-learning", protocol="two-copy", rule="decoy", n=3, copies=200,
                  trials=20, noise="ideal", seed=7, json_metadata=METADATA)
    return SweepPoint(**{**kwargs, **changes})


# ----------------------------------------------------------------------------- instances


@pytest.mark.parametrize("n", [1, 2, 5, 20])
def test_instances_are_valid_and_reproducible(n):
    for seed in range(40):
        inst = draw_instance(n, np.random.default_rng(seed), alpha=0.7)
        p, q = inst.state.pauli, inst.decoy
        assert len(p) == len(q) == n
        assert set(p) <= set("IXYZ") and set(q) <= set("IXYZ")
        assert p != "I" * n and q != "I" * n
        assert q != p
        assert inst.state.sign in (1, -1) and inst.state.alpha == 0.7
        again = draw_instance(n, np.random.default_rng(seed), alpha=0.7)
        assert again == inst
    # Default alpha is the paper's 0.9, and different seeds give different instances.
    assert draw_instance(n, np.random.default_rng(0)).state.alpha == 0.9
    if n >= 2:
        assert len({draw_instance(n, np.random.default_rng(s)).state.pauli for s in range(40)}) > 10


def test_instance_distribution_at_n1_is_uniform():
    """P uniform over X, Y, Z; the decoy uniform over the other two; s = ±1 equally likely."""
    rng = np.random.default_rng(2024)
    draws = [draw_instance(1, rng) for _ in range(3000)]
    p_counts = collections.Counter(d.state.pauli for d in draws)
    pair_counts = collections.Counter((d.state.pauli, d.decoy) for d in draws)
    signs = sum(d.state.sign == 1 for d in draws)
    assert set(p_counts) == {"X", "Y", "Z"}
    for count in p_counts.values():  # mean 1000, sd 25.8: 5 sd
        assert abs(count - 1000) < 130
    assert len(pair_counts) == 6  # every ordered pair P != Q occurs, never P == Q
    for count in pair_counts.values():  # mean 500, sd 20.4
        assert abs(count - 500) < 105
    assert abs(signs - 1500) < 140  # sd 27.4


# ------------------------------------------------------------------------------- scoring


def test_score_decoy_tie_counts_half_with_hand_made_bell_records():
    inst = PauliLearningInstance(PauliMixedState("X", alpha=0.9), decoy="Z")
    # Per pair XX = (-1)^a, ZZ = (-1)^b. Estimates: mean of the per-shot values.
    tie = BellRecord(np.array([[0, 0], [1, 1]]))  # XX: +1, -1 -> 0; ZZ: +1, -1 -> 0
    win = BellRecord(np.array([[0, 1], [0, 1]]))  # XX -> +1, ZZ -> -1
    lose = BellRecord(np.array([[1, 0], [1, 0]]))  # XX -> -1, ZZ -> +1
    both_one = BellRecord(np.array([[0, 0], [0, 0]]))  # XX = ZZ = +1: another tie
    assert estimate_squared(tie, ["X", "Z"])[0].tolist() == [0.0, 0.0]
    assert score_decoy(tie, inst) == 0.5
    assert score_decoy(both_one, inst) == 0.5
    assert score_decoy(win, inst) == 1.0
    assert score_decoy(lose, inst) == 0.0


def test_score_decoy_uses_the_yy_sign_convention():
    # For P = Y, YY = -(-1)^(a+b): outcome (0, 0) gives YY = -1, i.e. estimate of tr(Yρ)² = -1.
    inst = PauliLearningInstance(PauliMixedState("Y"), decoy="X")
    assert score_decoy(BellRecord(np.array([[1, 0], [0, 1]])), inst) == 1.0  # YY=+1, XX=-1,+1
    assert score_decoy(BellRecord(np.array([[0, 0], [0, 0]])), inst) == 0.0  # YY=-1, XX=+1


def test_score_decoy_tie_with_hand_made_shadow_record():
    inst = PauliLearningInstance(PauliMixedState("X"), decoy="Z")
    # Both snapshots measured Y: no snapshot matches X or Z, both estimates are exactly 0.
    blind = ShadowRecord(bits=np.array([[0], [1]]), recipes=np.array([[1], [1]]))
    assert score_decoy(blind, inst) == 0.5
    # Two X-basis snapshots with equal outcomes: est tr(Xρ)² = 9 > 0 = est tr(Zρ)².
    seen = ShadowRecord(bits=np.array([[1], [1]]), recipes=np.array([[0], [0]]))
    assert score_decoy(seen, inst) == 1.0
    opposite = ShadowRecord(bits=np.array([[0], [1]]), recipes=np.array([[0], [0]]))
    assert score_decoy(opposite, inst) == 0.0  # est tr(Xρ)² = -9 < 0


def test_score_identify_with_hand_made_records():
    rng = np.random.default_rng(0)
    x_inst = PauliLearningInstance(PauliMixedState("X"), decoy="Z")
    z_inst = PauliLearningInstance(PauliMixedState("Z"), decoy="X")
    bell = BellRecord(np.array([[0, 0], [0, 1], [0, 0], [0, 1]]))  # XX always +1, ZZ balanced
    assert score_identify(bell, x_inst, rng) == 1.0
    assert score_identify(bell, z_inst, rng) == 0.0
    shadow = ShadowRecord(bits=np.array([[0], [0], [1]]), recipes=np.array([[2], [2], [0]]))
    assert score_identify(shadow, z_inst, rng) == 1.0  # documented example: 'Z'
    assert score_identify(shadow, x_inst, rng) == 0.0


# ---------------------------------------------------------------------------- evaluation


def test_success_is_one_with_generous_copies():
    assert evaluate_pauli_learning(point(copies=200, trials=20)) == PointOutcome(20, 20)
    assert evaluate_pauli_learning(point(protocol="single-copy", n=2, copies=400)) == PointOutcome(20, 20)


def test_success_is_one_half_without_information_single_copy():
    """single-copy, n=6, copies=2: the U-statistic is x_1·x_2, nonzero only if BOTH snapshots
    match the Pauli's bases on its support (prob. 3^(-2w)), so for P and the decoy both
    estimates are almost always exactly 0: a tie, scored ½."""
    p = point(protocol="single-copy", n=6, copies=2, trials=40)
    assert evaluate_pauli_learning(p) == PointOutcome(20.0, 40)  # pinned: every trial tied
    # The same at the level of single trials, through the real pipeline.
    rngs = [np.random.default_rng(s) for s in range(30)]
    instances = [draw_instance(6, r) for r in rngs]
    records = sample_batch([i.state for i in instances], SingleCopyProtocol(), copies=2,
                           sampler=make_sampler("fast", seed=5), rng=rngs)
    scores = []
    for record, inst in zip(records, instances):
        values, _ = estimate_squared(record, [inst.state.pauli, inst.decoy])
        score = score_decoy(record, inst)
        if values[0] == values[1] == 0:
            assert score == 0.5
        scores.append(score)
    assert scores.count(0.5) >= 28


def test_success_is_one_half_when_alpha_is_zero():
    """α = 0: ρ is maximally mixed, the records carry no information about P, so P beats the
    decoy with probability exactly ½ by symmetry (ties included), at any number of copies."""
    p = point(n=2, copies=40, trials=400, json_metadata={"alpha": 0.0, "backend": "fast"})
    rate = evaluate_pauli_learning(p).successes / 400
    assert abs(rate - 0.5) < 4 * math.sqrt(0.25 / 400)  # 4 sd (ties only shrink the variance)


def test_evaluate_is_deterministic_and_seeded_by_the_point():
    p = point(copies=8, trials=40)
    first = evaluate_pauli_learning(p)
    assert first == evaluate_pauli_learning(point(copies=8, trials=40))
    assert first == evaluate_pauli_learning(pickle.loads(pickle.dumps(p)))
    assert first.trials == 40 and 0 < first.successes < 40
    assert (first.successes * 2).is_integer()
    others = {evaluate_pauli_learning(point(copies=8, trials=40, seed=s)).successes for s in range(5)}
    assert len(others) > 1
    assert task_evaluator("pauli-learning") is evaluate_pauli_learning
    assert b"evaluate_pauli_learning" in pickle.dumps(evaluate_pauli_learning)


BATCHING_POINTS = [
    point(copies=8, trials=40),
    point(protocol="single-copy", n=2, copies=6, trials=40),
    point(rule="identify", copies=12, trials=30),
    point(protocol="single-copy", rule="identify", n=2, copies=10, trials=30),
]


def test_batching_limit_is_respected(monkeypatch):
    """With a tiny limit every instance is sampled in its own call (and the count still adds up)."""
    calls = []
    real = pl.sample_batch

    def spy(sources, *args, **kwargs):
        calls.append(len(sources))
        return real(sources, *args, **kwargs)

    monkeypatch.setattr(pl, "sample_batch", spy)
    evaluate_pauli_learning(point(copies=8, trials=10))
    assert calls == [10]
    calls.clear()
    monkeypatch.setattr(pl, "MAX_SHOT_QUBITS_PER_BATCH", 1)
    outcome = evaluate_pauli_learning(point(copies=8, trials=10))
    assert calls == [1] * 10 and outcome.trials == 10
    calls.clear()
    monkeypatch.setattr(pl, "MAX_SHOT_QUBITS_PER_BATCH", 4 * 6 * 3)  # 4 shots x 6 qubits x 3
    evaluate_pauli_learning(point(copies=8, trials=10))
    assert calls == [3, 3, 3, 1]


def _evaluate_with_batch_limit(monkeypatch, p, limit):
    """The outcome of ``p`` under a batch limit, the batch sizes used, and every instance's
    record (in instance order), captured from the real ``sample_batch``."""
    calls, records = [], []

    def spy(sources, *args, **kwargs):
        calls.append(len(sources))
        batch = sample_batch(sources, *args, **kwargs)
        records.extend(batch)
        return batch

    monkeypatch.setattr(pl, "sample_batch", spy)
    monkeypatch.setattr(pl, "MAX_SHOT_QUBITS_PER_BATCH", limit)
    return evaluate_pauli_learning(p), calls, records


def _assert_same_records(first, second):
    assert len(first) == len(second)
    for k, (a, b) in enumerate(zip(first, second)):
        np.testing.assert_array_equal(a.bits, b.bits, err_msg=f"instance {k}")
        if isinstance(a, ShadowRecord):
            np.testing.assert_array_equal(a.recipes, b.recipes, err_msg=f"instance {k}")
        assert a.metadata == b.metadata


@pytest.mark.parametrize("p", BATCHING_POINTS, ids=["two-decoy", "single-decoy", "two-identify", "single-identify"])
def test_results_do_not_depend_on_the_batch_limit(monkeypatch, p):
    """Every instance has its own sampler stream: any batch size gives bit-identical records
    and outcomes (one batch, batches of a few instances, one instance per call)."""
    reference, calls, records = _evaluate_with_batch_limit(monkeypatch, p, 1 << 17)
    assert calls == [p.trials]
    assert 0 < reference.successes < p.trials  # not a trivial outcome
    shots_times_qubits = records[0].bits.size
    for limit in (1 << 9, 7 * shots_times_qubits, 3 * shots_times_qubits, 1):
        outcome, calls, batched = _evaluate_with_batch_limit(monkeypatch, p, limit)
        assert sum(calls) == p.trials and (len(calls) > 1 or limit == 1 << 9)
        assert outcome == reference, limit
        _assert_same_records(batched, records)


def test_cirq_backend_results_do_not_depend_on_the_batch_limit(monkeypatch):
    """A plain cirq.Sampler gets one seeded sampler per instance: also batch-independent, and
    different from the fast backend's bits (they are different samplers with their own streams)."""
    p = point(n=2, copies=8, trials=8, noise="depolarizing:p1=0.05", json_metadata={"alpha": 0.9, "backend": "cirq"})
    reference, calls, records = _evaluate_with_batch_limit(monkeypatch, p, 1 << 17)
    assert calls == [8]
    outcome, calls, batched = _evaluate_with_batch_limit(monkeypatch, p, 1)
    assert calls == [1] * 8 and outcome == reference
    _assert_same_records(batched, records)
    fast = dataclasses.replace(p, json_metadata={"alpha": 0.9, "backend": "fast"})
    _, _, fast_records = _evaluate_with_batch_limit(monkeypatch, fast, 1 << 17)
    assert any(not np.array_equal(a.bits, b.bits) for a, b in zip(fast_records, records))


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(rule="guess"), r"rule='guess' is unknown; allowed: decoy, identify"),
        (dict(task="synthetic"), r"point.task='synthetic' must be 'pauli-learning'"),
        (dict(protocol="three-copy"), r"protocol='three-copy' is unknown"),
        (dict(protocol="single-copy", copies=1),
         r"copies=1 gives 1 shot; .*at least 2 shots \(2 copies for single-copy\)"),
        (dict(copies=2), r"copies=2 gives 1 shot; .*at least 2 shots \(4 copies for two-copy\)"),
        (dict(copies=7), r"copies=7 must be a multiple of 2 for the two-copy protocol"),
        (dict(copies=0), r"copies=0 must be an int > 0"),
    ],
)
def test_validate_point_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        validate_point(point(**changes))
    with pytest.raises(ValueError, match=message):
        evaluate_pauli_learning(point(**changes))


def test_validate_point_accepts_the_smallest_valid_points():
    validate_point(point(protocol="single-copy", copies=2))
    validate_point(point(protocol="two-copy", copies=4, rule="identify"))


def test_single_copy_identify_beyond_n10_is_refused_before_sampling():
    too_big = point(protocol="single-copy", rule="identify", n=11, copies=2, trials=1)
    with pytest.raises(ValueError, match=r"n=11 is too large for single-copy identify.*limit is n <= 10"):
        validate_point(too_big)
    with pytest.raises(ValueError, match=r"n=11 is too large for single-copy identify"):
        evaluate_pauli_learning(too_big)


# ------------------------------------------------------------------------------ identify


ID_PAULIS = [
    ("YYYYYYYYYYYYYYYYYYYY", 1),
    ("Y" + "I" * 19, -1),  # odd number of Ys: the x.z sign of YY matters
    ("IYIYXZ" + "I" * 14, 1),
    ("XYZ" * 6 + "YZ", -1),
    (None, 1),  # random
    (None, -1),
    (None, 1),
]


@pytest.mark.parametrize("k", range(len(ID_PAULIS)))
def test_identify_two_copy_at_n20_through_the_real_pipeline(k):
    pauli, sign = ID_PAULIS[k]
    if pauli is None:
        pauli = paulis.random_pauli(20, np.random.default_rng(100 + k))
    state = PauliMixedState(pauli, alpha=0.9, sign=sign)
    record = sample_records(state, TwoCopyProtocol(), copies=800,
                            sampler=make_sampler("fast", seed=1000 + k), rng=np.random.default_rng(2000 + k))
    assert record.bits.shape == (400, 40)
    assert identify_pauli_two_copy(record.bits, rng=np.random.default_rng(3000 + k)) == pauli


def test_identify_rule_through_evaluate():
    assert evaluate_pauli_learning(point(rule="identify", n=4, copies=200, trials=20)) == PointOutcome(20, 20)
    assert evaluate_pauli_learning(point(rule="identify", n=20, copies=800, trials=8)) == PointOutcome(8, 8)
    assert evaluate_pauli_learning(
        point(protocol="single-copy", rule="identify", n=2, copies=400, trials=20)) == PointOutcome(20, 20)
    # Two shots cannot single out one of 4^6 - 1 candidates: identify fails (decoy would not).
    assert evaluate_pauli_learning(point(rule="identify", n=6, copies=4, trials=20)).successes <= 2
