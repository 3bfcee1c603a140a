"""Frames by linear propagation equal frames injected into stim's flip simulator, exactly."""

from __future__ import annotations

import numpy as np
import pytest
import stim

from qmemlearn.backends import stim_frames
from qmemlearn.backends.stim_frames import FrameBits, apply_frames, pack_rows, padded, propagate

PIECES = [
    stim.Circuit("H 0\nCX 0 1\nS 2"),
    stim.Circuit("SQRT_Y 1\nCX 1 2\nDEPOLARIZE1(0.2) 0 1 2\nM 1\nH 3"),
    stim.Circuit("CZ 0 3\nR 1\nCX 2 1\nSQRT_X_DAG 0\nM 0 1 2 3"),
]


def test_propagation_equals_injection_in_the_simulator():
    rng = np.random.default_rng(0)
    shots, locations = 300, 9
    cut = rng.integers(0, 2, locations)  # frames after piece 0 or 1
    qubit = rng.integers(0, 4, locations)
    code = rng.integers(1, 4, locations)
    bits = rng.integers(0, 2, (locations, shots)).astype(bool)
    # Direct: a noiseless, unrandomized simulator with the frames put in at their cuts.
    direct = stim.FlipSimulator(batch_size=shots, num_qubits=4, disable_stabilizer_randomization=True)
    for k, piece in enumerate(PIECES):
        direct.do(piece.without_noise())
        for j in np.flatnonzero(cut == k):
            mask = np.zeros((4, shots), dtype=bool)
            mask[qubit[j]] = bits[j]
            direct.broadcast_pauli_errors(pauli=int(code[j]), mask=mask)
    expected = direct.get_measurement_flips()
    m, j = propagate(PIECES, cut, qubit, code, 4)
    assert np.all(np.diff(m) >= 0)
    flips = np.zeros((expected.shape[0], padded(shots) // 8), dtype=np.uint8)
    apply_frames(flips, m, j, pack_rows(list(bits), shots))
    got = np.unpackbits(flips, axis=1, count=shots, bitorder="little").astype(bool)
    np.testing.assert_array_equal(got, expected)
    assert expected.any() and not expected.all()  # the check has power


def test_frame_bits_reads_tables_views_and_constants():
    shots = 50
    table = np.random.default_rng(1).integers(0, 4, (shots, 3)).astype(float)
    columns = {
        "t0": table[:, 0], "t1": table[:, 1], "t2": table[:, 2],  # views of one table
        "one": np.broadcast_to(1.0, (shots,)), "zero": np.broadcast_to(0.0, (shots,)),
        "vec": np.arange(shots, dtype=float), "half": np.full(shots, 0.5),
    }
    frames = FrameBits(columns, list(columns))
    assert frames.symbols == {"t0", "t1", "t2", "one", "zero", "vec"}  # 0.5 is not an integer
    assert len(frames.tables) == 1
    names = ["vec", "zero", "t2", "one", "t0"]
    rows = slice(5, 45)
    active, packed = frames.packed(names, rows, 40)
    truth = {name: (np.asarray(columns[name])[rows].astype(int) & 1).astype(bool) for name in names}
    assert sorted(active.tolist()) == [i for i, name in enumerate(names) if truth[name].any()]
    for row, i in zip(packed, active):
        np.testing.assert_array_equal(np.unpackbits(row, count=40, bitorder="little").astype(bool), truth[names[i]])


def test_coin_bits_are_fair_and_seeded():
    a = stim_frames.coin_bits(np.random.default_rng(3), 4, 1000)
    b = stim_frames.coin_bits(np.random.default_rng(3), 4, 1000)
    np.testing.assert_array_equal(a, b)
    bits = np.unpackbits(a, axis=1, count=1000)
    assert a.shape == (4, padded(1000) // 8)
    assert abs(bits.mean() - 0.5) < 4 * 0.5 / np.sqrt(bits.size)


@pytest.mark.parametrize("shots, expected", [(1, 64), (64, 64), (65, 128)])
def test_padded(shots, expected):
    assert padded(shots) == expected


def test_unpack_transposed_is_the_transpose_of_the_bits():
    packed = np.random.default_rng(2).integers(0, 256, (5, 16), dtype=np.uint8)
    bits = stim_frames.unpack_transposed(packed, 100)
    np.testing.assert_array_equal(bits, np.unpackbits(packed, axis=1, count=100, bitorder="little").T)
    assert bits.flags["C_CONTIGUOUS"] and bits.dtype == np.uint8
