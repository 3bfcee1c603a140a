"""Import of the paper's released dynamics files (1D-scramble-{C|Q}-...npy)."""

import cirq
import numpy as np
import pytest

from qmemlearn.records import BellRecord, ShadowRecord
from qmemlearn.records.dynamics_files import (
    group_counts,
    load_dynamics_directory,
    load_dynamics_file,
    parse_dynamics_name,
    write_dynamics_file,
)
from qmemlearn.tasks.dynamics_export import export_paper_files

NAME_C = "1D-scramble-C-size-3-depth-2-type-1-batch-4-number-7.npy"


def test_parse_name_reads_every_field():
    assert parse_dynamics_name(NAME_C) == {
        "n": 3, "depth": 2, "type": 1, "batch": 4, "number": 7,
        "protocol": "single-copy", "label": 1, "kind": "t-symmetric",
    }
    assert parse_dynamics_name("1D-scramble-Q-size-20-depth-14-type-0-batch-0-number-0.npy")["kind"] == "scrambling"
    for bad in ("1D-scramble-X-size-3-depth-2-type-1-batch-0-number-0.npy",
                "1D-scramble-C-size-3-depth-2-type-2-batch-0-number-0.npy",
                "Q-size-3-pauli-XYZ.npy", "1D-scramble-C-size-3-depth-2-type-1-batch-0-number-0.npz"):
        with pytest.raises(ValueError, match="is not a paper dynamics file; expected 1D-scramble-"):
            parse_dynamics_name(bad)
    with pytest.raises(ValueError, match="n=0 must be >= 1"):
        parse_dynamics_name("1D-scramble-C-size-0-depth-2-type-1-batch-0-number-0.npy")


def test_single_copy_bits_are_flipped_to_our_sign_and_recipes_are_y(tmp_path):
    raw = np.array([[1, 0, 1], [0, 0, 1]], dtype=np.int64)  # paper: 1 means Y = +1
    np.save(tmp_path / NAME_C, raw)
    record = load_dynamics_file(tmp_path / NAME_C)
    assert isinstance(record, ShadowRecord)
    np.testing.assert_array_equal(record.bits, 1 - raw)
    assert np.all(record.recipes == 1)
    meta = record.metadata
    assert (meta["n"], meta["depth"], meta["label"], meta["kind"], meta["batch"], meta["number"]) == (3, 2, 1, "t-symmetric", 4, 7)
    assert meta["source_file"] == NAME_C and meta["queries_per_shot"] == 1


def test_sign_against_the_exact_y_expectation(tmp_path):
    """Paper C bits are 1 for Y = +1: the raw file mean is (1 + ⟨Yᵢ⟩)/2, ours (1 − ⟨Yᵢ⟩)/2."""
    qubits = cirq.LineQubit.range(2)
    paths = export_paper_files(tmp_path, protocol="single-copy", n=2, depth=1, per_class=3, shots=8000, seed=11)
    records = [load_dynamics_file(p) for p in paths]
    from qmemlearn.tasks.dynamics import draw_circuits

    circuits = draw_circuits(2, 1, 3, np.random.SeedSequence(11).spawn(2)[0])
    largest = 0.0
    for circuit, record, path in zip(circuits, records, paths):
        psi = cirq.final_state_vector(circuit.circuit(qubits), qubit_order=qubits)
        exact = np.array([cirq.Y(q).expectation_from_state_vector(psi, {q: i for i, q in enumerate(qubits)}).real
                          for q in qubits])
        se = 1 / np.sqrt(8000)
        raw = np.load(path)
        assert raw.dtype == np.int64
        np.testing.assert_array_less(np.abs(raw.mean(axis=0) - (1 + exact) / 2), 4 * se)
        np.testing.assert_array_less(np.abs(record.bits.mean(axis=0) - (1 - exact) / 2), 4 * se)
        assert record.metadata["label"] == circuit.label
        if circuit.kind == "t-symmetric":
            np.testing.assert_allclose(exact, 0.0, atol=1e-6)  # real U: ⟨Yᵢ⟩ = 0 exactly
        largest = max(largest, float(np.max(np.abs(exact))))
    assert largest > 10 / np.sqrt(8000)  # a wrong sign would be seen (off by |⟨Yᵢ⟩| > 8 se)


def test_exported_files_load_back_with_labels_and_two_copy_t_symmetric_is_all_zeros(tmp_path):
    export_paper_files(tmp_path, protocol="two-copy", n=3, depth=3, per_class=2, shots=300, seed=5)
    export_paper_files(tmp_path, protocol="single-copy", n=3, depth=3, per_class=2, shots=4000, seed=5)
    (tmp_path / "notes.txt").write_text("ignored")
    groups = load_dynamics_directory(tmp_path)
    assert list(groups) == [("single-copy", 3, 3), ("two-copy", 3, 3)]
    for (protocol, _, _), records in groups.items():
        assert [r.metadata["label"] for r in records] == [0, 0, 1, 1]  # sorted by type
        for record in records:
            assert isinstance(record, BellRecord if protocol == "two-copy" else ShadowRecord)
            if protocol == "two-copy":
                assert record.bits.shape == (300, 6)
                assert (record.bits.sum() == 0) == (record.metadata["kind"] == "t-symmetric")
            elif record.metadata["kind"] == "t-symmetric":  # ⟨Yᵢ⟩ = 0: P(bit 1) = 1/2
                np.testing.assert_array_less(np.abs(record.bits.mean(axis=0) - 0.5), 4 * 0.5 / np.sqrt(4000))
    ones, shots, labels = group_counts(groups[("two-copy", 3, 3)], shots=100)
    assert shots == 100 and ones.shape == (4, 6) and labels.tolist() == [0, 0, 1, 1]
    np.testing.assert_array_equal(ones[2:], 0)


def test_round_trip_of_the_writer(tmp_path):
    bits = np.random.default_rng(0).integers(0, 2, size=(50, 4)).astype(np.uint8)
    path = write_dynamics_file(tmp_path, bits, protocol="two-copy", n=2, depth=5, label=0, batch=1, number=2)
    assert path.name == "1D-scramble-Q-size-2-depth-5-type-0-batch-1-number-2.npy"
    np.testing.assert_array_equal(np.load(path), bits)  # Q bits unchanged
    np.testing.assert_array_equal(load_dynamics_file(path).bits, bits)
    path = write_dynamics_file(tmp_path, bits[:, :2], protocol="single-copy", n=2, depth=5, label=1)
    np.testing.assert_array_equal(np.load(path), 1 - bits[:, :2])
    np.testing.assert_array_equal(load_dynamics_file(path).bits, bits[:, :2])


@pytest.mark.parametrize("name, array, match", [
    ("1D-scramble-C-size-3-depth-2-type-1-batch-0-number-0.npy", np.zeros((5, 6), np.int64),
     r"a C file of size-3 must hold bits of shape \[shots, n\] = \[shots, 3\], got \(5, 6\)"),
    ("1D-scramble-Q-size-3-depth-2-type-1-batch-0-number-0.npy", np.zeros((5, 3), np.int64),
     r"a Q file of size-3 must hold bits of shape \[shots, 2n\] .* = \[shots, 6\], got \(5, 3\)"),
    ("1D-scramble-C-size-3-depth-2-type-1-batch-0-number-0.npy", np.zeros(5, np.int64), r"got \(5,\)"),
    ("1D-scramble-C-size-3-depth-2-type-1-batch-0-number-0.npy", np.full((2, 3), 0.5), "has dtype float64; expected integers"),
    ("1D-scramble-C-size-2-depth-2-type-1-batch-0-number-0.npy", np.array([[0, 1], [2, 0]]),
     r"bits\[1, 0\] = 2; allowed values are 0 and 1"),
])
def test_bad_files_are_refused_with_the_path(tmp_path, name, array, match):
    np.save(tmp_path / name, array)
    with pytest.raises(ValueError, match=match):
        load_dynamics_file(tmp_path / name)
    with pytest.raises(ValueError, match=match):
        load_dynamics_directory(tmp_path)


def test_truncated_malformed_and_missing_files(tmp_path):
    path = tmp_path / NAME_C
    np.save(path, np.zeros((1000, 3), np.int64))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"declare shape \(1000, 3\) of int64 \(24000 bytes\) but the file stores only"):
        load_dynamics_file(path)
    path.write_bytes(b"not an npy file at all")
    with pytest.raises(ValueError, match="not a readable .npy file"):
        load_dynamics_file(path)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_dynamics_file(tmp_path / NAME_C.replace("number-7", "number-8"))
    bad = tmp_path / "1D-scramble-C-size-three.npy"
    bad.write_bytes(b"")
    with pytest.raises(ValueError, match="is not a paper dynamics file"):
        load_dynamics_file(bad)


def test_directory_errors(tmp_path):
    with pytest.raises(ValueError, match=r"holds no 1D-scramble-\*.npy files"):
        load_dynamics_directory(tmp_path)
    with pytest.raises(ValueError, match="is not a directory"):
        load_dynamics_directory(tmp_path / "missing")
    bad = tmp_path / "1D-scramble-C-size-3-depth-2-type-1-batch-0-number-x.npy"
    np.save(bad, np.zeros((2, 3), np.int64))
    with pytest.raises(ValueError, match="is not a paper dynamics file"):
        load_dynamics_directory(tmp_path)


def test_group_counts_checks_shots(tmp_path):
    for number, shots in ((0, 10), (1, 20)):
        write_dynamics_file(tmp_path, np.zeros((shots, 2), np.uint8), protocol="single-copy", n=2, depth=1,
                            label=0, number=number)
    records = load_dynamics_directory(tmp_path)[("single-copy", 2, 1)]
    assert group_counts(records)[1] == 10  # the fewest
    with pytest.raises(ValueError, match=r"shots=11 must be an int in \[2, 10\]"):
        group_counts(records, shots=11)
    with pytest.raises(ValueError, match=r"shots=1 must be an int in \[2, 10\]"):
        group_counts(records, shots=1)


def test_the_papers_c_basis_change_gives_1_for_y_plus_one():
    """learn_dynamics_C.py ends with S then H before measuring: |+i⟩ (Y = +1) always reads 1."""
    q = cirq.LineQubit(0)
    plus_i = [cirq.H(q), cirq.S(q)]
    bits = cirq.Simulator(seed=0).run(cirq.Circuit(plus_i, cirq.S(q), cirq.H(q), cirq.measure(q, key="m")),
                                      repetitions=50).measurements["m"]
    assert np.all(bits == 1)
