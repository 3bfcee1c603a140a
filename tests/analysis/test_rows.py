"""Tests for qmemlearn.analysis.rows: one row per batch, folding, and the CSV line format."""

import csv
import dataclasses
import io

import pytest

from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.analysis.rows import (
    CSV_COLUMNS, OLD_CSV_COLUMNS, Row, check_header, fold_rows, package_versions,
)

VERSIONS = {"numpy": "2.0", "python": "3.11"}


def point(copies=4, **changes):
    kwargs = dict(task="synthetic", protocol="two-copy", rule="decoy", n=2, copies=copies,
                  trials=10, json_metadata={"alpha": 0.9, "note": 'a,"quoted" value'})
    return SweepPoint(**{**kwargs, **changes})


def row(copies=4, successes=7.5, seconds=0.25, versions=VERSIONS, batch=0, **changes):
    p = point(copies, batch_index=batch, **changes)
    return Row.from_point(p, PointOutcome(successes=successes, trials=p.trials),
                          seconds=seconds, versions=versions)


def fields_of(r):
    return next(csv.reader([r.to_csv_line().rstrip("\n")]))


def test_csv_line_round_trip_and_column_order():
    r = row(4, 7.5, batch=3)
    fields = fields_of(r)
    assert dict(zip(CSV_COLUMNS, fields))["batch"] == "3"
    assert CSV_COLUMNS.index("batch") == CSV_COLUMNS.index("trials") - 1
    back = Row.from_csv_fields(fields, origin="f.csv:9")
    assert back == r and back.batch_index == 3 and back.batches == (3,)
    assert back.origin == "f.csv:9"
    assert r.strong_id == point(4).strong_id() == point(4, trials=99).strong_id()


def test_fold_adds_batches_and_merges_versions():
    a = row(4, 7.5, seconds=0.25, batch=0)
    b = row(4, 3, seconds=0.5, batch=2, versions={"numpy": "2.1", "python": "3.11"})
    folded = fold_rows([a, row(8, 2, seconds=1.0), b])
    assert list(folded) == [point(4).strong_id(), point(8).strong_id()]
    r = folded[point(4).strong_id()]
    assert (r.trials, r.successes, r.seconds) == (20, 10.5, 0.75)
    assert (r.batch_index, r.batches, r.next_batch_index) == (None, (0, 2), 3)
    assert r.versions == [{"numpy": "2.0", "python": "3.11"}, {"numpy": "2.1", "python": "3.11"}]
    assert (r + row(4, batch=5)).versions == r.versions
    assert dataclasses.replace(r, successes=0.0).batches == (0, 2)  # folded rows stay valid
    assert fold_rows([]) == {}


def test_duplicate_batch_is_refused_with_both_lines_and_the_strong_id():
    a = dataclasses.replace(row(4, batch=1), origin="stats.csv:3")
    b = dataclasses.replace(row(4, successes=7.5, batch=1), origin="stats.csv:7")
    sid = point(4).strong_id()
    with pytest.raises(ValueError, match=rf"stats.csv:7: duplicate batch 1 of strong_id={sid} "
                                         r"\(first at stats.csv:3\).*never counted twice"):
        fold_rows([a, row(8), b])
    with pytest.raises(ValueError, match=rf"batch 1 of strong_id={sid} appears twice"):
        a + b
    folded = row(4, batch=0) + row(4, batch=1)
    with pytest.raises(ValueError, match="batch 1 of strong_id"):
        folded + b


def test_folded_row_cannot_be_written_and_batches_are_validated():
    folded = row(4, batch=0) + row(4, batch=1)
    with pytest.raises(ValueError, match=r"folded row \(batches \[0, 1\].*cannot be written"):
        folded.to_csv_line()
    base = row().__dict__
    with pytest.raises(ValueError, match="batch_index=-1 must be an int >= 0 or None"):
        Row(**{**base, "batch_index": -1, "batches": ()})
    with pytest.raises(ValueError, match=r"batches=\(1,\) must be \(0,\) for a row of batch 0"):
        Row(**{**base, "batches": (1,)})
    with pytest.raises(ValueError, match="needs its batches"):
        Row(**{**base, "batch_index": None, "batches": ()})
    with pytest.raises(ValueError, match="must be distinct ints >= 0, sorted"):
        Row(**{**base, "batch_index": None, "batches": (2, 1)})


def test_adding_rows_with_different_metadata_for_one_id_raises():
    a = row(4)
    b = Row(**{**a.__dict__, "noise": "depolarizing", "batch_index": 1, "batches": ()})
    with pytest.raises(ValueError, match=r"same strong_id=.* disagree on noise: 'ideal' != "
                                         r"'depolarizing'"):
        fold_rows([a, b])
    c = Row(**{**a.__dict__, "json_metadata": {"alpha": 0.8}, "batch_index": 1, "batches": ()})
    with pytest.raises(ValueError, match="disagree on json_metadata"):
        a + c
    with pytest.raises(ValueError, match="Cannot add rows of different points"):
        a + row(8)


@pytest.mark.parametrize(
    "column,value,reason",
    [
        (None, None, "expected 14 fields, got 13"),
        ("n", "3.0", r"n='3.0' is not an integer"),
        ("batch", "x", r"batch='x' is not an integer"),
        ("batch", "-2", r"batch_index=-2 must be an int >= 0"),
        ("successes", "lots", r"successes='lots' is not a number"),
        ("successes", "11", r"successes=11.0 must be in \[0, trials=10\]"),
        ("json_metadata", '{"a":', "json_metadata=.* is not valid JSON"),
        ("strong_id", "xyz", "strong_id='xyz' must be 64 lowercase hex digits"),
    ],
)
def test_malformed_fields_name_the_field(column, value, reason):
    fields = fields_of(row(8))
    if column is None:
        fields = fields[:-1]
    else:
        fields[CSV_COLUMNS.index(column)] = value
    with pytest.raises(ValueError, match=reason):
        Row.from_csv_fields(fields)


def test_integral_successes_written_without_point_zero():
    line = row(4, 10).to_csv_line()
    assert ",0,10,10,0.25,ideal,0," in line
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(fields_of(row(4, 7.5)))
    assert buffer.getvalue() == row(4, 7.5).to_csv_line()


def test_old_header_gets_a_clear_error_naming_the_expected_columns():
    with pytest.raises(ValueError, match=r"(?s)old.csv:1: CSV header does not match.*expected: "
                                         r"+\['strong_id'.*'batch'.*missing: \['batch'\].*"
                                         r"before rows were batches.*Move it aside"):
        check_header(list(OLD_CSV_COLUMNS), where="old.csv:1")
    check_header(list(CSV_COLUMNS), where="new.csv:1")


def test_package_versions():
    versions = package_versions()
    assert {"python", "numpy", "cirq-core"} <= set(versions)
    assert all(isinstance(v, str) for v in versions.values())
    import importlib.metadata

    for name in ("cirq-google", "qsimcirq", "stim", "stimcirq", "quimb", "scikit-learn"):
        try:
            assert versions[name] == importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            assert name not in versions
