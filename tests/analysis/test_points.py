import dataclasses
import pickle

import numpy as np
import pytest

from qmemlearn.analysis import points as points_module
from qmemlearn.analysis.points import PROTOCOL_VERSION, PointOutcome, SweepPoint, canonical_json

BASE = dict(task="pauli-learning", protocol="two-copy", rule="decoy", n=3, copies=16, trials=200)


def make(**changes):
    return SweepPoint(**{**BASE, **changes})


def test_strong_id_is_pinned():
    # If this changes, every results file on disk stops resuming: bump PROTOCOL_VERSION
    # deliberately instead of changing the hashing.
    p = make(json_metadata={"alpha": 0.9})
    assert PROTOCOL_VERSION == 2
    assert p.strong_id() == "4f3e142dab48b18f5efc451c6c615421f13500c33266e8f69b30ab6cae991d12"
    blob = {k: v for k, v in p.to_json().items() if k not in ("trials", "batch_index")}
    text = canonical_json({**blob, "protocol_version": PROTOCOL_VERSION})
    assert text == (
        '{"copies":16,"json_metadata":{"alpha":0.9},"n":3,"noise":"ideal",'
        '"protocol":"two-copy","protocol_version":2,"rule":"decoy","seed":0,'
        '"task":"pauli-learning"}'
    )
    import hashlib

    assert p.strong_id() == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    "field,value",
    [("task", "other"), ("protocol", "single-copy"), ("rule", "identify"), ("n", 4),
     ("copies", 17), ("noise", "depolarizing"), ("seed", 1),
     ("json_metadata", {"alpha": 0.8})],
)
def test_every_field_changes_the_strong_id(field, value):
    assert make(**{field: value}).strong_id() != make().strong_id()


def test_trials_and_batch_index_are_not_in_the_strong_id_but_in_equality():
    a, b = make(), make(trials=7, batch_index=3)
    assert a.strong_id() == b.strong_id() and hash(a) == hash(b)
    assert a != b and a != make(batch_index=1) and a != make(trials=201)
    assert dataclasses.replace(b, trials=200, batch_index=0) == a


def test_protocol_version_changes_the_strong_id(monkeypatch):
    before = make().strong_id()
    monkeypatch.setattr(points_module, "PROTOCOL_VERSION", 3)
    assert make().strong_id() != before


def test_metadata_key_order_does_not_matter():
    a = make(json_metadata={"a": 1, "b": [1, 2]})
    b = make(json_metadata={"b": [1, 2], "a": 1})
    assert a.strong_id() == b.strong_id()


def test_equality_and_hash_follow_the_strong_id():
    assert make() == make() and hash(make()) == hash(make())
    assert len({make(), make(), make(copies=17), make(batch_index=1)}) == 3
    assert make(json_metadata={"a": 1}) != make(json_metadata={"a": 1.0})
    assert make() != "not a point"


def test_numpy_ints_are_accepted_and_converted():
    p = make(n=np.int64(3), copies=np.int32(16), trials=np.uint16(200), seed=np.int64(7),
             batch_index=np.int64(2))
    assert type(p.n) is int and type(p.copies) is int and type(p.trials) is int
    assert type(p.seed) is int and type(p.batch_index) is int
    assert p.strong_id() == make(seed=7).strong_id()


@pytest.mark.parametrize(
    "changes,match",
    [
        (dict(n=0), r"n=0 must be an int >= 1"),
        (dict(n=2.0), r"n=2.0 must be an int >= 1"),
        (dict(n=True), r"n=True must be an int >= 1"),
        (dict(copies=-1), r"copies=-1 must be an int >= 0"),
        (dict(trials=0), r"trials=0 must be an int >= 1"),
        (dict(seed=-3), r"seed=-3 must be an int >= 0"),
        (dict(batch_index=-1), r"batch_index=-1 must be an int >= 0"),
        (dict(batch_index=1.0), r"batch_index=1.0 must be an int >= 0"),
        (dict(task=""), r"task='' must be a non-empty single-line str"),
        (dict(rule="a\nb"), r"rule='a\\nb' must be a non-empty"),
        (dict(noise=None), r"noise=None must be a non-empty"),
        (dict(json_metadata={"a": (1, 2)}), r"json_metadata=.* must be JSON-native"),
        (dict(json_metadata={1: "x"}), r"json_metadata=.* must be JSON-native"),
        (dict(json_metadata={"a": float("nan")}), r"is not JSON-native"),
        (dict(json_metadata={"a": {1, 2}}), r"is not JSON-native"),
    ],
)
def test_validation_names_field_and_range(changes, match):
    with pytest.raises(ValueError, match=match):
        make(**changes)


def test_keyword_only_and_frozen():
    with pytest.raises(TypeError):
        SweepPoint("t", "p", "r", 1, 1, 1)  # type: ignore[misc]
    p = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.n = 4  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(p)) == p


def test_rng_depends_only_on_strong_id_and_batch():
    def draw(point, batch=None):
        return np.random.default_rng(point.rng_for_trials(batch)).integers(2**62, size=4).tolist()

    p = make()
    assert draw(p) == draw(make())
    assert draw(p) == draw(pickle.loads(pickle.dumps(p)))
    assert draw(p, 1) != draw(p, 0)
    assert draw(make(batch_index=1)) == draw(p, 1)  # the default is the point's batch_index
    assert draw(make(batch_index=1), 0) == draw(p)
    assert draw(make(trials=7)) == draw(p)  # trials is how many, not which samples
    seq = make(batch_index=5).rng_for_trials()
    assert (seq.entropy, seq.spawn_key) == (int(p.strong_id(), 16), (5,))
    assert draw(make(seed=1)) != draw(p)
    assert draw(make(copies=17)) != draw(p)
    with pytest.raises(ValueError, match="batch_index=-1 must be an int >= 0"):
        p.rng_for_trials(-1)


def test_point_outcome_validation():
    assert PointOutcome(successes=np.int64(3), trials=np.int64(4)) == PointOutcome(3.0, 4)
    assert PointOutcome(successes=2.5, trials=5).successes == 2.5
    with pytest.raises(ValueError, match=r"successes=6.0 must be in \[0, trials=5\]"):
        PointOutcome(successes=6, trials=5)
    with pytest.raises(ValueError, match="trials=-1 must be an int >= 0"):
        PointOutcome(successes=0, trials=-1)
