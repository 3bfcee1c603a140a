"""Tests for save_records / load_records / load_any (our own .npz format)."""

import json
import zipfile

import numpy as np
import pytest

from qmemlearn.records import BellRecord, ShadowRecord, io, load_any, load_records, save_records

SEED = 20240611


def _shadow() -> ShadowRecord:
    rng = np.random.default_rng(SEED)
    return ShadowRecord(
        bits=rng.integers(0, 2, size=(50, 4)),
        recipes=rng.integers(0, 3, size=(50, 4)),
        metadata={"protocol": "single-copy", "seed": SEED, "versions": {"numpy": np.__version__}},
    )


def _bell() -> BellRecord:
    rng = np.random.default_rng(SEED + 1)
    return BellRecord(bits=rng.integers(0, 2, size=(40, 6)), metadata={"copies": 80, "n": 3})


def _write_npz(path, **arrays):
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return path


def _valid_arrays(record=None):
    record = record or _shadow()
    return {
        "format": np.array(io.FORMAT),
        "format_version": np.array(io.FORMAT_VERSION),
        "protocol": np.array(record.PROTOCOL),
        "metadata": np.array(json.dumps(record.metadata)),
        "bits": record.bits,
        "recipes": record.recipes,
    }


@pytest.mark.parametrize("make", [_shadow, _bell])
def test_round_trip_single_file(tmp_path, make):
    record = make()
    path = save_records(record, tmp_path / "run.npz")
    assert path == tmp_path / "run.npz"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]
    assert zipfile.is_zipfile(path)
    loaded = load_records(path)
    assert type(loaded) is type(record)
    assert loaded == record
    np.testing.assert_array_equal(loaded.bits, record.bits)
    assert loaded.metadata == record.metadata
    assert load_any(path) == record


def test_suffix_appended_and_overwrite(tmp_path):
    path = save_records(_bell(), tmp_path / "run")
    assert path == tmp_path / "run.npz" and path.is_file()
    path2 = save_records(_shadow(), tmp_path / "run")
    assert path2 == path and load_records(path) == _shadow()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


def test_file_is_self_describing_without_pickle(tmp_path):
    path = save_records(_shadow(), tmp_path / "r.npz")
    with np.load(path, allow_pickle=False) as data:
        assert str(data["format"]) == "qmemlearn-records"
        assert int(data["format_version"]) == 1
        assert str(data["protocol"]) == "single-copy"
        assert json.loads(str(data["metadata"]))["seed"] == SEED
        assert data["bits"].dtype == np.uint8


def test_truncated_file(tmp_path):
    path = save_records(_shadow(), tmp_path / "r.npz")
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match=r"r\.npz.*truncated or corrupt"):
        load_records(path)


def test_garbage_file(tmp_path):
    path = tmp_path / "junk.npz"
    path.write_bytes(np.random.default_rng(SEED).bytes(300))
    with pytest.raises(ValueError, match=r"junk\.npz.*truncated or corrupt"):
        load_records(path)


def test_npy_instead_of_npz(tmp_path):
    path = tmp_path / "x.npz"
    with open(path, "wb") as handle:
        np.save(handle, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"x\.npz.*single \.npy array"):
        load_records(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_records(tmp_path / "nope.npz")


def test_missing_keys(tmp_path):
    arrays = _valid_arrays()
    del arrays["recipes"]
    path = _write_npz(tmp_path / "a.npz", **arrays)
    with pytest.raises(ValueError, match=r"a\.npz: missing required keys \['recipes'\]"):
        load_records(path)
    arrays = _valid_arrays()
    del arrays["format"], arrays["metadata"]
    path = _write_npz(tmp_path / "b.npz", **arrays)
    with pytest.raises(ValueError, match=r"missing required keys \['format', 'metadata'\]"):
        load_records(path)


@pytest.mark.parametrize(
    "key, value, match",
    [
        ("format", np.array("other"), r"format is 'other', expected 'qmemlearn-records'"),
        ("format_version", np.array(2), r"format_version is 2"),
        ("format_version", np.array("1"), r"field 'format_version' must be a 0-d integer"),
        ("protocol", np.array("three-copy"), r"protocol is 'three-copy'"),
        ("metadata", np.array("{not json"), r"field 'metadata' is not valid JSON"),
        ("metadata", np.array("[1, 2]"), r"field 'metadata' must be a JSON object"),
        ("metadata", np.array(["{}"]), r"field 'metadata' must be a 0-d unicode array"),
        ("bits", np.full((50, 4), 2, dtype=np.uint8), r"ShadowRecord\.bits has the value 2"),
        ("bits", np.zeros((50, 4), dtype=np.float64), r"ShadowRecord\.bits has dtype float64"),
        ("bits", np.zeros(50, dtype=np.uint8), r"ShadowRecord\.bits has shape \(50,\)"),
        ("recipes", np.full((50, 4), 3, dtype=np.uint8), r"ShadowRecord\.recipes has the value 3"),
        ("recipes", np.zeros((50, 5), dtype=np.uint8), r"recipes has shape \(50, 5\)"),
        ("extra", np.zeros(1), r"unexpected keys \['extra'\]"),
    ],
)
def test_invalid_contents(tmp_path, key, value, match):
    arrays = _valid_arrays()
    arrays[key] = value
    path = _write_npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=match) as info:
        load_records(path)
    assert str(path) in str(info.value)


def test_atomic_write_failure_keeps_existing_file(tmp_path, monkeypatch):
    path = save_records(_bell(), tmp_path / "keep.npz")
    before = path.read_bytes()

    def failing_savez(file, **arrays):
        file.write(b"PK\x03\x04 partial")  # half a zip, then a crash
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(io.np, "savez", failing_savez)
    with pytest.raises(OSError, match="disk full"):
        save_records(_shadow(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.npz"]
    monkeypatch.undo()
    assert load_records(path) == _bell()


def test_atomic_write_failure_leaves_no_new_file(tmp_path, monkeypatch):
    def failing_savez(file, **arrays):
        raise KeyboardInterrupt

    monkeypatch.setattr(io.np, "savez", failing_savez)
    with pytest.raises(KeyboardInterrupt):
        save_records(_shadow(), tmp_path / "new.npz")
    assert list(tmp_path.iterdir()) == []


def test_save_rejects_non_record(tmp_path):
    with pytest.raises(TypeError, match="ShadowRecord or BellRecord"):
        save_records({"bits": [[0]]}, tmp_path / "x.npz")


def test_load_any_rejects_unknown_suffix(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("0,1\n")
    with pytest.raises(ValueError, match=r"data\.csv.*'\*\.npz'.*'\*\.npy'"):
        load_any(path)
