"""Tests for ``qmemlearn estimate`` (qmemlearn/cli/estimate.py), run in-process."""

import json

import numpy as np
import pytest

from qmemlearn.cli.estimate import format_estimate
from qmemlearn.cli.main import main
from qmemlearn.estimators import bell_squared, shadow_expectation, shadow_squared
from qmemlearn.records import load_any

ALPHA = 0.9
TWO_COPY_KEYS = ["observable", "squared", "squared_stderr"]
SINGLE_COPY_KEYS = ["observable", "squared", "squared_stderr", "expectation", "expectation_stderr"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Runs ``qmemlearn *args`` in-process; returns (exit code, stdout, stderr)."""
    code = main(command_line_args=list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sampled(tmp_path, capsys, protocol: str, *, copies: str, sign: str = "1") -> str:
    """Samples ρ = (I + sign·0.9·XYZ)/8 noiselessly and returns the records path."""
    out = str(tmp_path / f"{protocol}.npz")
    args = ["sample", "pauli-state", "--n", "3", "--pauli", "XYZ", "--alpha", str(ALPHA), "--sign", sign,
            "--protocol", protocol, "--copies", copies, "--seed", "2024", "--out", out]
    code, _, err = run(capsys, *args)
    assert code == 0, err
    return out


def estimate_json(capsys, path: str, *observables: str) -> list[dict]:
    args = ["estimate", path, "--json"] + [a for q in observables for a in ("--observable", q)]
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return json.loads(out)


def test_two_copy_sample_then_estimate_matches_closed_form(tmp_path, capsys):
    path = sampled(tmp_path, capsys, "two-copy", copies="8000")
    rows = estimate_json(capsys, path, "XYZ", "ZZI", "XYI", "IIZ")
    assert [list(row) for row in rows] == [TWO_COPY_KEYS] * 4
    assert [row["observable"] for row in rows] == ["XYZ", "ZZI", "XYI", "IIZ"]
    hidden, *others = rows
    assert abs(hidden["squared"] - ALPHA**2) < 4 * hidden["squared_stderr"]
    for row in others:  # tr(Qρ) = 0 for every Q other than I and P
        assert abs(row["squared"]) < 4 * row["squared_stderr"]
        assert row["squared_stderr"] > 0


def test_single_copy_sample_then_estimate_matches_closed_form(tmp_path, capsys):
    path = sampled(tmp_path, capsys, "single-copy", copies="20000", sign="-1")
    rows = estimate_json(capsys, path, "XYZ", "ZZI")
    assert [list(row) for row in rows] == [SINGLE_COPY_KEYS] * 2
    hidden, other = rows
    assert abs(hidden["expectation"] - (-ALPHA)) < 4 * hidden["expectation_stderr"]
    assert abs(hidden["squared"] - ALPHA**2) < 4 * hidden["squared_stderr"]
    assert abs(other["expectation"]) < 4 * other["expectation_stderr"]
    assert abs(other["squared"]) < 4 * other["squared_stderr"]


def test_estimate_equals_the_library_estimators_on_our_file(tmp_path, capsys):
    path = sampled(tmp_path, capsys, "single-copy", copies="500")
    record = load_any(path)
    rows = estimate_json(capsys, path, "XYZ", "IYI")
    values, stderrs = shadow_expectation(record.bits, record.recipes, ["XYZ", "IYI"])
    squared, squared_stderrs = shadow_squared(record.bits, record.recipes, ["XYZ", "IYI"])
    assert [row["expectation"] for row in rows] == values.tolist()
    assert [row["expectation_stderr"] for row in rows] == stderrs.tolist()
    assert [row["squared"] for row in rows] == squared.tolist()
    assert [row["squared_stderr"] for row in rows] == squared_stderrs.tolist()


def _recirq_two_copy_bits(shots: int = 40) -> np.ndarray:
    """A deterministic [shots, 4] 0/1 array (columns a0, b0, a1, b1), not symmetric in any pair."""
    t = np.arange(shots)
    code = (7 * t + t // 5) % 16
    return ((code[:, None] >> np.arange(4)) & 1).astype(np.int64)


def test_reads_a_recirq_two_copy_file(tmp_path, capsys):
    bits = _recirq_two_copy_bits()
    path = tmp_path / "Q-size-2-pauli-XZ.npy"
    np.save(path, bits)
    observables = ["XZ", "ZZ", "YI", "IY", "XX"]
    rows = estimate_json(capsys, str(path), *observables)
    values, stderrs = bell_squared(bits, observables)
    assert [list(row) for row in rows] == [TWO_COPY_KEYS] * len(observables)
    assert [row["observable"] for row in rows] == observables
    assert [row["squared"] for row in rows] == values.tolist()
    assert [row["squared_stderr"] for row in rows] == stderrs.tolist()


def test_reads_a_recirq_single_copy_file(tmp_path, capsys):
    rng = np.random.default_rng(3)
    np.save(tmp_path / "C-size-2-pauli-XZ.npy", rng.integers(0, 2, size=(30, 2)))
    np.save(tmp_path / "C-size-2-pauli-XZ-basis.npy", rng.integers(0, 3, size=(30, 2)))
    path = str(tmp_path / "C-size-2-pauli-XZ.npy")
    record = load_any(path)  # converts ReCirq's bases and signs to ours
    rows = estimate_json(capsys, path, "XZ")
    assert list(rows[0]) == SINGLE_COPY_KEYS
    assert rows[0]["expectation"] == shadow_expectation(record.bits, record.recipes, ["XZ"])[0][0]
    assert rows[0]["squared"] == shadow_squared(record.bits, record.recipes, ["XZ"])[0][0]


def test_table_states_meaning_units_protocol_shots_and_copies(tmp_path, capsys):
    path = sampled(tmp_path, capsys, "two-copy", copies="400")
    code, out, _ = run(capsys, "estimate", path, "--observable", "XYZ", "--observable", "IIZ")
    assert code == 0
    lines = out.splitlines()
    assert "two-copy" in lines[0]
    assert "200 shots = 400 copies of rho consumed (2 per shot)" in out
    assert "value +- 1 standard error" in out
    header = next(line for line in lines if line.startswith("observable"))
    assert "tr(Q rho)^2" in header and "tr(Q rho) " not in header + " "
    rows = [line for line in lines if line.startswith(("XYZ", "IIZ"))]
    assert len(rows) == 2 and len({len(line) for line in rows + [header]}) == 1  # aligned


def test_single_copy_table_has_both_columns(tmp_path, capsys):
    path = sampled(tmp_path, capsys, "single-copy", copies="300")
    code, out, _ = run(capsys, "estimate", path, "--observable", "XYZ")
    assert code == 0
    assert "300 shots = 300 copies of rho consumed (1 per shot)" in out
    header = next(line for line in out.splitlines() if line.startswith("observable"))
    assert "tr(Q rho)^2" in header and "tr(Q rho) " in header


@pytest.mark.parametrize(
    "observable, message",
    [
        ("XQZ", "--observable='XQZ' has the bad character 'Q' at position 1; allowed characters are I, X, Y, Z"),
        ("XZ", "--observable='XZ' has 2 characters but the records are on n=3 qubits"),
        ("xyz", "--observable='xyz' has the bad character 'x' at position 0"),
    ],
)
def test_bad_observable_is_named(tmp_path, capsys, observable, message):
    path = sampled(tmp_path, capsys, "two-copy", copies="40")
    code, out, err = run(capsys, "estimate", path, "--observable", "XYZ", "--observable", observable)
    assert code == 2 and out == ""
    assert f"qmemlearn estimate: error: {message}" in err
    assert "Traceback" not in err


def test_missing_file_is_an_error(tmp_path, capsys):
    missing = tmp_path / "missing.npz"
    code, out, err = run(capsys, "estimate", str(missing), "--observable", "XX")
    assert code == 2 and out == ""
    assert err.startswith("qmemlearn estimate: error: ") and str(missing) in err


def test_unreadable_suffix_is_an_error(tmp_path, capsys):
    path = tmp_path / "data.csv"
    path.write_text("0,1\n")
    code, _, err = run(capsys, "estimate", str(path), "--observable", "X")
    assert code == 2
    assert "qmemlearn estimate: error: " in err and "accepted are '*.npz'" in err


def test_observable_is_required(tmp_path, capsys):
    code, _, err = run(capsys, "estimate", str(tmp_path / "x.npz"))
    assert code == 2
    assert "the following arguments are required: --observable" in err


def test_estimate_help_states_units(capsys):
    code, out, _ = run(capsys, "estimate", "--help")
    assert code == 0
    out = " ".join(out.split())
    assert "copies of rho consumed" in out and "two-copy shot costs 2 copies" in out
    assert "standard error" in out


@pytest.mark.parametrize(
    "value, stderr, expected",
    [(0.80412, 0.0059466, ("0.8041", "0.0059")), (-0.9072, 0.0366, ("-0.907", "0.037")),
     (12.345, 3.2, ("12.3", "3.2")), (0.0, 0.0, ("0.0000", "0.0000"))],
)
def test_format_estimate_rounds_to_two_digits_of_the_stderr(value, stderr, expected):
    assert format_estimate(value, stderr) == expected


def test_metadata_that_disagrees_with_the_arrays_is_warned_about(tmp_path, capsys):
    from qmemlearn.records import BellRecord, save_records

    bits = np.zeros((6, 4), np.uint8)
    consistent = save_records(BellRecord(bits=bits, metadata={"n": 2, "shots": 6, "copies": 12}), tmp_path / "a.npz")
    code, _, err = run(capsys, "estimate", str(consistent), "--observable", "XZ")
    assert code == 0 and "warning" not in err
    edited = save_records(BellRecord(bits=bits, metadata={"n": 3, "shots": 6, "copies": 20}), tmp_path / "b.npz")
    code, out, err = run(capsys, "estimate", str(edited), "--observable", "XZ")
    assert code == 0 and "XZ" in out
    assert f"qmemlearn estimate: warning: {edited}: metadata says n=3 but the arrays hold n=2" in err
    assert "metadata says copies=20 but the arrays hold copies=12" in err
    assert "shots=" not in err  # the shot counts agree
