"""Tests for qmemlearn.analysis.store: the append-only results file and its writer lock."""

import json
import math
import os
import warnings

import pytest

from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.analysis.rows import CSV_COLUMNS, CSV_HEADER, OLD_CSV_COLUMNS, Row
from qmemlearn.analysis.store import IncompleteRowWarning, ResultStore

VERSIONS = {"numpy": "2.0", "python": "3.11"}


def point(copies=4, **changes):
    kwargs = dict(task="synthetic", protocol="two-copy", rule="decoy", n=2, copies=copies,
                  trials=10, json_metadata={"alpha": 0.9, "note": 'a,"quoted" value'})
    return SweepPoint(**{**kwargs, **changes})


def row(copies=4, successes=7.5, seconds=0.25, versions=VERSIONS, batch=0, **changes):
    p = point(copies, batch_index=batch, **changes)
    return Row.from_point(p, PointOutcome(successes=successes, trials=p.trials),
                          seconds=seconds, versions=versions)


def test_round_trip_keeps_exact_halves_json_and_line_origins(tmp_path):
    store = ResultStore(tmp_path / "sub" / "stats.csv")
    rows = [row(4, 7.5), row(8, 10), row(16, 0.5, seconds=1.234567891)]
    for r in rows:
        store.append(r)
    text = (tmp_path / "sub" / "stats.csv").read_text()
    assert text.startswith(CSV_HEADER) and text.count("\n") == 4
    got = store.read()
    assert [r.successes for r in got] == [7.5, 10.0, 0.5]
    assert got[0] == rows[0] and got[2].seconds == 1.234568
    assert [r.origin for r in got] == [f"{store.path}:{k}" for k in (2, 3, 4)]
    assert got[0].json_metadata == {"alpha": 0.9, "note": 'a,"quoted" value'}
    assert not os.path.exists(store.holder_path)  # the holder note goes with the lock


def test_header_only_written_once_and_missing_file_reads_empty(tmp_path):
    store = ResultStore(tmp_path / "stats.csv")
    assert store.read() == [] and store.fold() == {}
    assert not (tmp_path / "stats.csv").exists()
    store.append(row())
    ResultStore(tmp_path / "stats.csv").append(row(8))
    assert (tmp_path / "stats.csv").read_text().count("strong_id") == 1


def test_wrong_header_lists_got_and_expected(tmp_path):
    path = tmp_path / "stats.csv"
    path.write_text("strong_id,task,protocol,n,copies\n")
    with pytest.raises(ValueError, match=r"(?s)stats.csv:1: CSV header.*got: +\['strong_id', "
                       r"'task', 'protocol', 'n', 'copies'\].*expected: +\['strong_id'.*'versions'\]"
                       r".*missing: \['rule', 'batch', 'trials'"):
        ResultStore(path).read()
    with pytest.raises(ValueError, match="CSV header does not match"):
        ResultStore(path).append(row())
    assert path.read_text() == "strong_id,task,protocol,n,copies\n"  # untouched


def test_old_format_table_gets_a_clear_error(tmp_path):
    path = tmp_path / "full.csv"
    path.write_text(",".join(OLD_CSV_COLUMNS) + "\n")
    with pytest.raises(ValueError, match=r"(?s)full.csv:1: CSV header does not match.*"
                                         r"missing: \['batch'\].*before rows were batches"):
        ResultStore(path).fold()


def test_malformed_row_names_file_and_line(tmp_path):
    path = tmp_path / "stats.csv"
    store = ResultStore(path)
    store.append(row(4))
    with open(path, "a") as f:
        f.write(row(8).to_csv_line().replace(",0,10,7.5,", ",0,10,lots,"))
    store.append(row(16))
    with pytest.raises(ValueError, match=r"stats.csv:3: malformed row \(successes='lots' is not"):
        store.read()


def test_duplicate_batch_in_a_file_names_file_lines_and_strong_id(tmp_path):
    path = tmp_path / "stats.csv"
    store = ResultStore(path)
    for r in (row(4, batch=0), row(8), row(4, batch=1), row(4, successes=2, batch=0)):
        store.append(r)
    sid = point(4).strong_id()
    with pytest.raises(ValueError, match=rf"stats.csv:5: duplicate batch 0 of strong_id={sid} "
                                         rf"\(first at .*stats.csv:2\)"):
        store.fold()
    assert len(store.read()) == 4  # reading rows is fine; only counting them twice is not


def test_truncated_last_line_is_ignored_then_cut_before_next_append(tmp_path):
    path = tmp_path / "stats.csv"
    store = ResultStore(path)
    store.append(row(4))
    store.append(row(8))
    complete = path.read_bytes()
    with open(path, "ab") as f:  # a killed write: the first half of a row
        f.write(row(16).to_csv_line().encode()[:40])
    with pytest.warns(IncompleteRowWarning, match=r"stats.csv:4: ignoring an incomplete last line"):
        assert [r.copies for r in store.read()] == [4, 8]
    fresh = ResultStore(path)
    with pytest.warns(IncompleteRowWarning, match="removing an incomplete last line"):
        fresh.append(row(32))
    assert path.read_bytes() == complete + row(32).to_csv_line().encode()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [r.copies for r in fresh.read()] == [4, 8, 32]


def test_complete_row_missing_only_its_newline_is_also_incomplete(tmp_path):
    path = tmp_path / "stats.csv"
    path.write_text(CSV_HEADER + row(4).to_csv_line().rstrip("\n"))
    with pytest.warns(IncompleteRowWarning):
        assert ResultStore(path).read() == []


def test_truncated_header_is_rewritten(tmp_path):
    path = tmp_path / "stats.csv"
    path.write_text(CSV_HEADER[:10])
    with pytest.warns(IncompleteRowWarning):
        assert ResultStore(path).read() == []
    with pytest.warns(IncompleteRowWarning, match="incomplete header"):
        ResultStore(path).append(row())
    assert path.read_text() == CSV_HEADER + row().to_csv_line()
    path.write_text("garbage")
    with pytest.raises(ValueError, match="CSV header does not match"):
        ResultStore(path).read()


def test_blank_lines_are_skipped_and_non_utf8_is_an_error(tmp_path):
    path = tmp_path / "stats.csv"
    path.write_text(CSV_HEADER + "\n" + row().to_csv_line() + "\n")
    assert len(ResultStore(path).read()) == 1
    path.write_bytes(CSV_HEADER.encode() + b"\xff\xfe\n")
    with pytest.raises(ValueError, match="stats.csv: not UTF-8 text"):
        ResultStore(path).read()


def test_zero_trial_rows_and_dataframe(tmp_path):
    store = ResultStore(tmp_path / "stats.csv")
    zero = Row(**{**row(4).__dict__, "trials": 0, "successes": 0.0})
    store.append(zero)
    store.append(row(8))
    store.append(row(8, successes=2.5, batch=1))
    df = store.to_dataframe()
    assert list(df.columns) == [*CSV_COLUMNS, "batches", "success_rate"]
    assert math.isnan(df.success_rate[0]) and df.success_rate[1] == 0.5
    assert list(df.batches) == [1, 2] and df.batch[0] == 0 and math.isnan(df.batch[1])  # folded
    assert json.loads(df.json_metadata[1]) == point().json_metadata
    assert len(store.to_dataframe(fold=False)) == 3


def test_lock_timeout_is_validated():
    for bad in (-1, "soon", True):
        with pytest.raises(ValueError, match=rf"lock_timeout={bad!r} must be None or a number"):
            ResultStore("x.csv", lock_timeout=bad)
