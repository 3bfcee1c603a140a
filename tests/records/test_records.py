"""Tests for ShadowRecord and BellRecord construction, validation and properties."""

import json

import numpy as np
import pytest

from qmemlearn.records import BellRecord, ShadowRecord


def _shadow(seed: int = 0, shots: int = 7, n: int = 3) -> ShadowRecord:
    rng = np.random.default_rng(seed)
    return ShadowRecord(
        bits=rng.integers(0, 2, size=(shots, n)),
        recipes=rng.integers(0, 3, size=(shots, n)),
        metadata={"seed": seed, "protocol": "single-copy"},
    )


def _bell(seed: int = 0, shots: int = 5, n: int = 2) -> BellRecord:
    rng = np.random.default_rng(seed)
    return BellRecord(bits=rng.integers(0, 2, size=(shots, 2 * n)), metadata={"seed": seed})


def test_shadow_properties_and_uint8_readonly():
    record = _shadow(shots=7, n=3)
    assert (record.n, record.shots, record.copies) == (3, 7, 7)
    assert record.bits.dtype == np.uint8 and record.recipes.dtype == np.uint8
    assert not record.bits.flags.writeable and not record.recipes.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        record.bits[0, 0] = 1
    assert ShadowRecord.PROTOCOL == "single-copy"


def test_shadow_copies_input_so_caller_mutation_does_not_leak():
    bits = np.zeros((2, 2), dtype=np.int64)
    record = ShadowRecord(bits=bits, recipes=np.full((2, 2), 2))
    bits[0, 0] = 1
    assert record.bits[0, 0] == 0


def test_bell_properties_pair_order():
    bits = np.array([[1, 0, 0, 1], [0, 1, 1, 1]])  # a0 b0 a1 b1
    record = BellRecord(bits=bits, metadata={})
    assert (record.n, record.shots, record.copies) == (2, 2, 4)
    np.testing.assert_array_equal(record.a, [[1, 0], [0, 1]])
    np.testing.assert_array_equal(record.b, [[0, 1], [1, 1]])
    assert record.bits.dtype == np.uint8 and not record.bits.flags.writeable
    assert BellRecord.PROTOCOL == "two-copy"


def test_bool_and_list_inputs_accepted():
    record = ShadowRecord(bits=[[True, False]], recipes=[[0, 2]])
    np.testing.assert_array_equal(record.bits, [[1, 0]])
    assert BellRecord(bits=np.ones((1, 2), dtype=bool)).bits.dtype == np.uint8


def test_zero_shots_allowed():
    record = ShadowRecord(bits=np.zeros((0, 4), int), recipes=np.zeros((0, 4), int))
    assert (record.n, record.shots, record.copies) == (4, 0, 0)
    assert BellRecord(bits=np.zeros((0, 6), int)).n == 3


def test_equality():
    assert _shadow(1) == _shadow(1)
    assert _shadow(1) != _shadow(2)
    assert _bell(1) == _bell(1)
    assert _bell(1) != _bell(2)
    other_meta = BellRecord(bits=_bell(1).bits, metadata={"seed": 99})
    assert other_meta != _bell(1)
    assert _shadow(1) != _bell(1)


def test_metadata_is_json_normalised():
    record = ShadowRecord(bits=[[0]], recipes=[[0]], metadata={"layout": (1, 2), 3: "x"})
    assert record.metadata == {"layout": [1, 2], "3": "x"}
    json.dumps(record.metadata)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"bits": [[0, 2]], "recipes": [[0, 0]]}, r"ShadowRecord\.bits has the value 2 at \[0, 1\]; allowed values are 0 or 1"),
        ({"bits": [[0, 1]], "recipes": [[3, 0]]}, r"ShadowRecord\.recipes has the value 3 at \[0, 0\]"),
        ({"bits": [[0, 1]], "recipes": [[-1, 0]]}, r"ShadowRecord\.recipes has the value -1"),
        ({"bits": [[0, 1]], "recipes": [[0, 1, 2]]}, r"ShadowRecord\.bits has shape \(1, 2\) but ShadowRecord\.recipes has shape \(1, 3\)"),
        ({"bits": [0, 1], "recipes": [0, 1]}, r"ShadowRecord\.bits has shape \(2,\); it must be 2-D"),
        ({"bits": np.zeros((2, 0), int), "recipes": np.zeros((2, 0), int)}, r"ShadowRecord\.bits .*n >= 1"),
        ({"bits": [[0.0, 1.0]], "recipes": [[0, 1]]}, r"ShadowRecord\.bits has dtype float64"),
        ({"bits": [[0]], "recipes": [[0]], "metadata": {"x": object()}}, r"ShadowRecord\.metadata must be JSON-serialisable"),
        ({"bits": [[0]], "recipes": [[0]], "metadata": {"x": float("nan")}}, r"ShadowRecord\.metadata must be JSON"),
        ({"bits": [[0]], "recipes": [[0]], "metadata": [1]}, r"ShadowRecord\.metadata must be a dict"),
    ],
)
def test_shadow_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ShadowRecord(**kwargs)


@pytest.mark.parametrize(
    "bits, match",
    [
        ([[0, 1, 2, 0]], r"BellRecord\.bits has the value 2 at \[0, 2\]"),
        ([[0, 1, 1]], r"BellRecord\.bits has shape \(1, 3\); the second axis must be 2n"),
        ([0, 1], r"BellRecord\.bits has shape \(2,\); it must be 2-D"),
        (np.zeros((1, 0), int), r"BellRecord\.bits has shape \(1, 0\)"),
        (np.array([["0", "1"]]), r"BellRecord\.bits has dtype <U1"),
    ],
)
def test_bell_validation(bits, match):
    with pytest.raises(ValueError, match=match):
        BellRecord(bits=bits)


def test_frozen():
    record = _bell()
    with pytest.raises(AttributeError):
        record.bits = np.zeros((1, 2), int)
