import json
import math
import warnings

import pytest

from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.analysis.store import (
    CSV_COLUMNS, CSV_HEADER, IncompleteRowWarning, ResultStore, Row, fold_rows, package_versions,
)

VERSIONS = {"numpy": "2.0", "python": "3.11"}


def point(copies=4, **changes):
    kwargs = dict(task="synthetic", protocol="two-copy", rule="decoy", n=2, copies=copies,
                  trials=10, json_metadata={"alpha": 0.9, "note": 'a,"quoted" value'})
    return SweepPoint(**{**kwargs, **changes})


def row(copies=4, successes=7.5, seconds=0.25, versions=VERSIONS, **changes):
    p = point(copies, **changes)
    return Row.from_point(p, PointOutcome(successes=successes, trials=p.trials),
                          seconds=seconds, versions=versions)


def test_round_trip_keeps_exact_halves_and_json(tmp_path):
    store = ResultStore(tmp_path / "sub" / "stats.csv")
    rows = [row(4, 7.5), row(8, 10), row(16, 0.5, seconds=1.234567891)]
    for r in rows:
        store.append(r)
    text = (tmp_path / "sub" / "stats.csv").read_text()
    assert text.startswith(CSV_HEADER)
    assert text.count("\n") == 4
    got = store.read()
    assert [r.successes for r in got] == [7.5, 10.0, 0.5]
    assert got[0] == rows[0]
    assert got[2].seconds == 1.234568
    assert got[0].json_metadata == {"alpha": 0.9, "note": 'a,"quoted" value'}
    line = text.splitlines()[1]
    assert ",7.5,0.25,ideal,0," in line
    assert line.endswith('"{""numpy"":""2.0"",""python"":""3.11""}"')
    assert ",10,0.25," in text.splitlines()[2]  # integral successes written without ".0"


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
                       r".*missing: \['rule', 'trials'"):
        ResultStore(path).read()
    with pytest.raises(ValueError, match="CSV header does not match"):
        ResultStore(path).append(row())
    assert path.read_text() == "strong_id,task,protocol,n,copies\n"  # untouched


@pytest.mark.parametrize(
    "mutate,reason",
    [
        (lambda f: f[:-1], "expected 13 fields, got 12"),
        (lambda f: f[:4] + ["3.0"] + f[5:], r"n='3.0' is not an integer"),
        (lambda f: f[:7] + ["lots"] + f[8:], r"successes='lots' is not a number"),
        (lambda f: f[:7] + ["11"] + f[8:], r"successes=11.0 must be in \[0, trials=10\]"),
        (lambda f: f[:11] + ['{"a":'] + f[12:], "json_metadata=.* is not valid JSON"),
        (lambda f: ["xyz"] + f[1:], "strong_id='xyz' must be 64 lowercase hex digits"),
    ],
)
def test_malformed_row_names_file_and_line(tmp_path, mutate, reason):
    import csv
    import io

    path = tmp_path / "stats.csv"
    store = ResultStore(path)
    store.append(row(4))
    fields = next(csv.reader([row(8).to_csv_line().rstrip("\n")]))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(mutate(fields))
    with open(path, "a") as f:
        f.write(buffer.getvalue())
    store.append(row(16))
    with pytest.raises(ValueError, match=rf"stats.csv:3: malformed row \({reason}"):
        store.read()


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


def test_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "stats.csv"
    path.write_text(CSV_HEADER + "\n" + row().to_csv_line() + "\n")
    assert len(ResultStore(path).read()) == 1


def test_fold_adds_rows_and_merges_versions(tmp_path):
    store = ResultStore(tmp_path / "stats.csv")
    store.append(row(4, 7.5, seconds=0.25))
    store.append(row(8, 2, seconds=1.0))
    store.append(row(4, 3, seconds=0.5, versions={"numpy": "2.1", "python": "3.11"}))
    folded = store.fold()
    assert list(folded) == [point(4).strong_id(), point(8).strong_id()]
    r = folded[point(4).strong_id()]
    assert (r.trials, r.successes, r.seconds) == (20, 10.5, 0.75)
    assert r.versions == [{"numpy": "2.0", "python": "3.11"}, {"numpy": "2.1", "python": "3.11"}]
    assert (r + row(4)).versions == r.versions
    assert fold_rows([]) == {}


def test_adding_rows_with_different_metadata_for_one_id_raises():
    a = row(4)
    b = Row(**{**a.__dict__, "noise": "depolarizing"})
    with pytest.raises(ValueError, match=r"same strong_id=.* disagree on noise: 'ideal' != "
                                         r"'depolarizing'"):
        fold_rows([a, b])
    c = Row(**{**a.__dict__, "json_metadata": {"alpha": 0.8}})
    with pytest.raises(ValueError, match="disagree on json_metadata"):
        a + c
    with pytest.raises(ValueError, match="Cannot add rows of different points"):
        a + row(8)


def test_zero_trial_rows_and_dataframe(tmp_path):
    store = ResultStore(tmp_path / "stats.csv")
    zero = Row(**{**row(4).__dict__, "trials": 0, "successes": 0.0})
    store.append(zero)
    store.append(row(8))
    df = store.to_dataframe()
    assert list(df.columns) == [*CSV_COLUMNS, "success_rate"]
    assert math.isnan(df.success_rate[0]) and df.success_rate[1] == 0.75
    assert json.loads(df.json_metadata[1]) == point().json_metadata
    assert len(store.to_dataframe(fold=False)) == 2


def test_package_versions():
    versions = package_versions()
    assert {"python", "numpy"} <= set(versions)
    assert all(isinstance(v, str) for v in versions.values())
