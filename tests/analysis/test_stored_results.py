"""Loading from a results table: a missing table or point is an error that names it."""

import pytest

from qmemlearn.analysis.points import SweepPoint
from qmemlearn.analysis.stored_results import existing_store, refuse_missing


def test_missing_table_is_a_file_not_found_error_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.csv does not exist; run `qmemlearn reproduce` first"):
        existing_store(tmp_path / "nope.csv")
    assert not (tmp_path / "nope.csv").exists()


def test_an_existing_table_opens(tmp_path):
    (tmp_path / "r.csv").write_text("")
    assert existing_store(tmp_path / "r.csv").path.endswith("r.csv")


def test_a_missing_point_names_its_fields():
    point = SweepPoint(task="synthetic", protocol="two-copy", rule="decoy", n=3, copies=8, trials=1,
                       noise="ideal", json_metadata={"c0": 2.0})
    with pytest.raises(RuntimeError, match=r"n=3 copies=8 \(two-copy/decoy, noise ideal, params \{'c0': 2.0\}\) is not in"):
        refuse_missing(point)
