"""Tests for the memory guards (qmemlearn/records/limits.py) and their use by the loaders."""

import io

import numpy as np
import pytest

from qmemlearn.records import BellRecord, limits, load_records, save_records
from qmemlearn.records.recirq import load_recirq_two_copy


@pytest.fixture
def budget_of_100_bytes(monkeypatch):
    """Available memory 200 bytes, so one array may take at most 100."""
    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 200)


def test_format_and_declared_bytes():
    assert limits.format_bytes(512) == "512 B"
    assert limits.format_bytes(1536) == "1.5 KiB"
    assert limits.format_bytes(3 * 2**40) == "3.0 TiB"
    assert limits.declared_bytes((10**12, 4), np.dtype(np.uint8)) == 4 * 10**12
    assert limits.declared_bytes((3, 5), np.dtype(np.float64)) == 120
    assert limits.declared_bytes((0, 7), np.dtype(np.int64)) == 0


def test_available_memory_is_positive():
    assert limits.available_memory_bytes() > 2**20


def test_check_allocation_boundary(budget_of_100_bytes):
    limits.check_allocation(100, "x")  # exactly the budget fits
    with pytest.raises(ValueError, match=r"^--copies=9 needs 101 B \(101 bytes\) of memory, more than the 100 B"):
        limits.check_allocation(101, "--copies=9")


@pytest.mark.parametrize("version", [(1, 0), (2, 0)])
def test_read_npy_header_reads_only_the_header(version):
    buffer = io.BytesIO()
    header = {"descr": "<i8", "fortran_order": False, "shape": (7, 3)}
    writer = np.lib.format.write_array_header_1_0 if version == (1, 0) else np.lib.format.write_array_header_2_0
    writer(buffer, header)
    buffer.seek(0)
    shape, dtype = limits.read_npy_header(buffer)
    assert shape == (7, 3) and dtype == np.dtype("<i8")
    assert buffer.tell() == len(buffer.getvalue())  # nothing past the header was read


def test_records_within_the_budget_load_and_larger_ones_are_refused(tmp_path, budget_of_100_bytes):
    small, big = tmp_path / "small.npz", tmp_path / "big.npz"
    save_records(BellRecord(bits=np.zeros((25, 4), np.uint8)), small)  # 100 bytes of bits
    save_records(BellRecord(bits=np.zeros((26, 4), np.uint8)), big)  # 104 bytes
    assert load_records(small).shots == 25
    with pytest.raises(ValueError, match=r"big\.npz: field 'bits' declares shape \(26, 4\) of uint8, which needs 104 B"):
        load_records(big)


def test_declared_shape_larger_than_the_stored_data_is_refused(tmp_path):
    import zipfile

    good, path = tmp_path / "good.npz", tmp_path / "short.npz"
    save_records(BellRecord(bits=np.zeros((2, 4), np.uint8)), good)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": (1000, 4)})
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            data = header.getvalue() + b"\x00" * 8 if name == "bits.npy" else source.read(name)
            target.writestr(name, data)
    with pytest.raises(ValueError, match=r"declares shape \(1000, 4\) of uint8 \(4000 bytes\) but only 8 bytes"):
        load_records(path)


def test_recirq_npy_header_is_checked_before_loading(tmp_path, budget_of_100_bytes):
    path = tmp_path / "Q-size-1-pauli-X.npy"
    np.save(path, np.zeros((50, 2), np.uint8))  # 100 bytes: fits
    assert load_recirq_two_copy(path).shots == 50
    np.save(path, np.zeros((51, 2), np.uint8))
    with pytest.raises(ValueError, match=r"two-copy bits declare shape \(51, 2\) of uint8, which needs 102 B"):
        load_recirq_two_copy(path)
