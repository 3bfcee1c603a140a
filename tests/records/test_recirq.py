"""Tests for the import of ReCirq qml_lfe .npy files (Huang et al. 2022 released data)."""

import re
import cirq
import numpy as np
import pytest

from qmemlearn.records import (
    BellRecord,
    ShadowRecord,
    load_any,
    load_recirq,
    load_recirq_single_copy,
    load_recirq_two_copy,
    parse_recirq_name,
)

SEED = 1234


def _save(path, arr):
    np.save(path, arr)  # exactly as ReCirq's run_and_save: np.save(os.path.join(dir, name), arr)
    return path


def test_parse_name():
    assert parse_recirq_name("Q-size-3-pauli-XIZ.npy") == {"kind": "Q", "n": 3, "pauli": "XIZ", "is_basis": False}
    assert parse_recirq_name("C-size-2-pauli-YY-basis.npy")["is_basis"] is True
    assert parse_recirq_name("other.npy") is None
    with pytest.raises(ValueError, match="length 3 but must have length n=2"):
        parse_recirq_name("Q-size-2-pauli-XYZ.npy")
    with pytest.raises(ValueError, match="bad character 'W' at position 1"):
        parse_recirq_name("Q-size-2-pauli-XW.npy")


def test_two_copy_loads_unchanged(tmp_path):
    rng = np.random.default_rng(SEED)
    raw = rng.integers(0, 2, size=(100, 6))  # int64, like pandas .to_numpy() of cirq results
    path = _save(tmp_path / "Q-size-3-pauli-XYZ.npy", raw)
    record = load_recirq_two_copy(path)
    assert isinstance(record, BellRecord)
    assert (record.n, record.shots, record.copies) == (3, 100, 200)
    np.testing.assert_array_equal(record.bits, raw)
    np.testing.assert_array_equal(record.a, raw[:, [0, 2, 4]])  # a_i = column 2i
    np.testing.assert_array_equal(record.b, raw[:, [1, 3, 5]])
    meta = record.metadata
    assert meta["source_format"] == "recirq-qml_lfe"
    assert (meta["n"], meta["pauli"], meta["source_file"]) == (3, "XYZ", "Q-size-3-pauli-XYZ.npy")
    assert load_any(path) == record and load_recirq(path) == record


def test_two_copy_shape_mismatch(tmp_path):
    path = _save(tmp_path / "Q-size-3-pauli-XYZ.npy", np.zeros((10, 4), dtype=np.int64))
    with pytest.raises(ValueError, match=r"n=3, so two-copy bits must have shape \[shots, 6\].*\(10, 4\)"):
        load_recirq_two_copy(path)
    path = _save(tmp_path / "Q-size-2-pauli-XY.npy", np.zeros((10, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="single-copy data"):
        load_any(path)


def test_two_copy_bad_values_and_unnamed_file(tmp_path):
    path = _save(tmp_path / "Q-size-1-pauli-Z.npy", np.array([[0, 2]]))
    with pytest.raises(ValueError, match=r"Q-size-1-pauli-Z\.npy.*BellRecord\.bits has the value 2"):
        load_recirq_two_copy(path)
    path = _save(tmp_path / "mydata.npy", np.ones((3, 4), dtype=np.int64))
    record = load_recirq_two_copy(path)
    assert record.n == 2 and "pauli" not in record.metadata


@pytest.mark.parametrize("prefix", ["C", "Q"])
def test_single_copy_sign_and_basis_conversion(tmp_path, prefix):
    # ReCirq basis: 0 = Z, 1 = -X, 2 = -Y. Our recipes: 0 = X, 1 = Y, 2 = Z.
    raw_bits = np.array([[1, 1, 1], [0, 0, 0], [1, 0, 1]])
    raw_basis = np.array([[1, 2, 0], [1, 2, 0], [0, 1, 2]])
    data = _save(tmp_path / f"{prefix}-size-3-pauli-XYZ.npy", raw_bits)
    _save(tmp_path / f"{prefix}-size-3-pauli-XYZ-basis.npy", raw_basis)
    record = load_recirq_single_copy(data)
    assert isinstance(record, ShadowRecord)
    np.testing.assert_array_equal(record.recipes, [[0, 1, 2], [0, 1, 2], [2, 0, 1]])
    # a ReCirq X-basis (their 1) shot with their bit 1 is our bit 0; Z bits are unchanged
    np.testing.assert_array_equal(record.bits, [[0, 0, 1], [1, 1, 0], [1, 1, 0]])
    meta = record.metadata
    assert meta["sign_conversion"].startswith("recirq: flipped bits where basis is X or Y")
    assert (meta["n"], meta["pauli"], meta["source_format"]) == (3, "XYZ", "recirq-qml_lfe")
    assert meta["basis_file"] == f"{prefix}-size-3-pauli-XYZ-basis.npy"
    # dispatch: the companion decides single-copy, also via the basis file itself
    assert load_any(data) == record
    assert load_any(tmp_path / f"{prefix}-size-3-pauli-XYZ-basis.npy") == record


def test_single_copy_random_conversion_is_xor(tmp_path):
    rng = np.random.default_rng(SEED)
    raw_bits, raw_basis = rng.integers(0, 2, (200, 4)), rng.integers(0, 3, (200, 4))
    data = _save(tmp_path / "C-size-4-pauli-IXYZ.npy", raw_bits)
    basis = _save(tmp_path / "elsewhere.npy", raw_basis)
    record = load_recirq_single_copy(data, basis_path=basis)
    np.testing.assert_array_equal(record.recipes, np.choose(raw_basis, [2, 0, 1]))
    np.testing.assert_array_equal(record.bits, np.where(raw_basis == 0, raw_bits, 1 - raw_bits))
    assert record.copies == 200


def test_single_copy_n1_squeezed_bits(tmp_path):
    # With n = 1, ReCirq's np.squeeze leaves the bits 1-D; the basis stays [shots, 1].
    data = _save(tmp_path / "C-size-1-pauli-Y.npy", np.array([0, 1, 1]))
    _save(tmp_path / "C-size-1-pauli-Y-basis.npy", np.array([[2], [2], [0]]))
    record = load_any(data)
    np.testing.assert_array_equal(record.recipes, [[1], [1], [2]])
    np.testing.assert_array_equal(record.bits, [[1], [0], [1]])


def test_single_copy_errors(tmp_path):
    data = _save(tmp_path / "C-size-2-pauli-XY.npy", np.zeros((5, 2), dtype=np.int64))
    with pytest.raises(FileNotFoundError, match="C-size-2-pauli-XY-basis.npy"):
        load_any(data)
    basis = _save(tmp_path / "C-size-2-pauli-XY-basis.npy", np.zeros((4, 2), dtype=np.int64))
    with pytest.raises(ValueError, match=r"shape \(5, 2\) but the basis file .* shape \(4, 2\)"):
        load_recirq_single_copy(data)
    _save(basis, np.full((5, 2), 3))
    with pytest.raises(ValueError, match=r"ReCirq basis has the value 3 at \[0, 0\]"):
        load_recirq_single_copy(data)
    data3 = _save(tmp_path / "C-size-3-pauli-XYZ.npy", np.zeros((5, 2), dtype=np.int64))
    _save(tmp_path / "C-size-3-pauli-XYZ-basis.npy", np.zeros((5, 2), dtype=np.int64))
    with pytest.raises(ValueError, match=r"n=3, so single-copy bits must have shape \[shots, 3\]"):
        load_recirq_single_copy(data3)


def test_corrupt_npy(tmp_path):
    path = tmp_path / "Q-size-1-pauli-X.npy"
    path.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ValueError, match=r"Q-size-1-pauli-X\.npy.*truncated or corrupt"):
        load_any(path)


@pytest.mark.parametrize(
    "prep, recirq_basis, expected_recipe",
    [
        ([cirq.H], 1, 0),  # |+>  : +1 eigenstate of X
        ([cirq.H, cirq.S], 2, 1),  # |+i> : +1 eigenstate of Y
        ([], 0, 2),  # |0>  : +1 eigenstate of Z
    ],
)
def test_sign_pinned_by_simulating_recirq_basis_change(tmp_path, prep, recirq_basis, expected_recipe):
    """Simulate ReCirq's measurement basis change on a +1 eigenstate: we must report bits == 0."""
    # Parameters of ReCirq learn_states_c._create_basis_sweeps: basis 1 -> (a=0.5, x=0.5),
    # basis 2 -> (a=-1.0, x=0.5), basis 0 -> identity.
    axis, x_exp = {0: (0.0, 0.0), 1: (0.5, 0.5), 2: (-1.0, 0.5)}[recirq_basis]
    q = cirq.LineQubit(0)
    circuit = cirq.Circuit(
        [g(q) for g in prep],
        cirq.PhasedXZGate(axis_phase_exponent=axis, x_exponent=x_exp, z_exponent=0.0)(q),
        cirq.measure(q, key="q0"),
    )
    shots = 50
    raw = cirq.Simulator(seed=SEED).run(circuit, repetitions=shots).measurements["q0"]
    if recirq_basis:
        assert np.all(raw == 1)  # ReCirq's raw bit is 1 on the +1 eigenstate of X / Y
    data = _save(tmp_path / "C-size-1-pauli-X.npy", raw.astype(np.int64))
    _save(tmp_path / "C-size-1-pauli-X-basis.npy", np.full((shots, 1), recirq_basis))
    record = load_recirq_single_copy(data)
    assert np.all(record.recipes == expected_recipe)
    assert np.all(record.bits == 0)


@pytest.mark.parametrize("name", ["Q-size-0-pauli-X.npy", "C-size-00-pauli-Z.npy", "Q-size-0-pauli-X-basis.npy"])
def test_size_zero_names_are_rejected(name):
    with pytest.raises(ValueError, match=rf"^{re.escape(name)}: size-0+ in the file name gives n=0; .* n >= 1"):
        parse_recirq_name(name)
