"""Tests for the output-path checks (qmemlearn/cli/paths.py)."""

import os
import pathlib

import pytest

from qmemlearn.cli.paths import check_figure_stem, check_results_table, check_writable_file


def listing(root: pathlib.Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_writable_paths_pass_and_create_nothing(tmp_path):
    (tmp_path / "old.csv").write_text("x\n")
    before = (tmp_path / "old.csv").stat().st_mtime_ns
    check_writable_file(tmp_path / "new.npz", "--out", create_parents=False)
    check_writable_file(tmp_path / "old.csv", "--out", create_parents=False)
    check_writable_file(tmp_path / "a" / "b" / "c.csv", "--results", create_parents=True)
    check_figure_stem(tmp_path / "figs" / "fig", "--figure")
    assert listing(tmp_path) == ["old.csv"]
    assert (tmp_path / "old.csv").stat().st_mtime_ns == before


@pytest.mark.parametrize(
    "make, flag_path, create, message",
    [
        (None, "", False, "must name a file"),
        (None, "dir", False, "is a directory"),
        (None, "file/x.npz", True, "is a file, not a directory"),
        (None, "missing/x.npz", False, "does not exist"),
    ],
)
def test_bad_paths(tmp_path, make, flag_path, create, message):
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    path = tmp_path / flag_path if flag_path else pathlib.Path("")
    with pytest.raises(ValueError, match=f"^--out=.*{message}"):
        check_writable_file(path, "--out", create_parents=create)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_unwritable_directory():
    with pytest.raises(ValueError, match=r"--results='/proc/x\.csv': cannot create files in '/proc'"):
        check_writable_file(pathlib.Path("/proc/x.csv"), "--results", create_parents=True)


def test_figure_stem_whose_png_is_a_directory(tmp_path):
    (tmp_path / "fig.png").mkdir()
    with pytest.raises(ValueError, match=r"--figure=.*fig\.png' is a directory"):
        check_figure_stem(tmp_path / "fig", "--figure")
    with pytest.raises(ValueError, match=r"--figure=.* is a directory; give a path stem"):
        check_figure_stem(tmp_path, "--figure")


def test_results_table_contents_are_checked(tmp_path):
    check_results_table(tmp_path / "absent.csv", "--results")
    (tmp_path / "empty.csv").write_text("")
    check_results_table(tmp_path / "empty.csv", "--results")
    (tmp_path / "bad.csv").write_text("a,b\n")
    with pytest.raises(ValueError, match=r"--results=.*bad\.csv' is not a qmemlearn results table: .*header"):
        check_results_table(tmp_path / "bad.csv", "--results")
    (tmp_path / "latin1.csv").write_bytes(b"\xe9\n")
    with pytest.raises(ValueError, match=r"not UTF-8"):
        check_results_table(tmp_path / "latin1.csv", "--results")
