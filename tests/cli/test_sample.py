"""Tests for ``qmemlearn sample`` (qmemlearn/cli/sample.py), run in-process."""

import re

import numpy as np
import pytest

from qmemlearn.cli.main import main
from qmemlearn.records import load_records


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Runs ``qmemlearn *args`` in-process; returns (exit code, stdout, stderr)."""
    code = main(command_line_args=list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sample_args(out, *, protocol="two-copy", copies="400", seed="5", extra=()) -> list[str]:
    return [
        "sample", "pauli-state", "--n", "3", "--pauli", "XYZ", "--protocol", protocol,
        "--copies", copies, "--out", str(out), *(["--seed", seed] if seed is not None else []), *extra,
    ]


@pytest.mark.parametrize("protocol, copies, shots", [("two-copy", "400", 200), ("single-copy", "300", 300)])
def test_sample_writes_records_and_one_summary_line(tmp_path, capsys, protocol, copies, shots):
    out = tmp_path / "r.npz"
    code, stdout, err = run(capsys, *sample_args(out, protocol=protocol, copies=copies))
    assert code == 0, err
    assert stdout == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert str(out) in lines[0]
    assert f"{shots} shots" in lines[0] and f"{copies} copies of rho" in lines[0]
    assert "seed=5" in lines[0] and re.search(r"\d+\.\d\d s$", lines[0])
    record = load_records(out)
    assert record.PROTOCOL == protocol
    assert record.shots == shots
    assert record.copies == int(copies)


def test_metadata_records_seed_versions_noise_backend_layout_and_units(tmp_path, capsys):
    out = tmp_path / "r.npz"
    noise = "readout:p10=0.02,p01=0.02 + depolarizing:p2=0.01,p1=0.001"
    code, _, err = run(capsys, *sample_args(out, seed="11", extra=["--noise", noise, "--alpha", "0.5"]))
    assert code == 0, err
    meta = load_records(out).metadata
    assert meta["seed"] == 11
    assert "SeedSequence" in meta["seed_derivation"]
    assert meta["backend"] == "fast"
    assert meta["noise"] == "depolarizing:p1=0.001,p2=0.01+readout:p01=0.02,p10=0.02"
    assert {"python", "numpy", "cirq-core", "qmemlearn"} <= set(meta["versions"])
    assert meta["versions"]["numpy"] == np.__version__
    assert meta["command_line"].startswith("qmemlearn sample pauli-state --n 3")
    assert meta["qubit_layout"] == [[f"cirq.LineQubit({2 * i})", f"cirq.LineQubit({2 * i + 1})"] for i in range(3)]
    assert meta["copies"] == 400 and meta["shots"] == 200
    assert "copies of rho" in meta["copies_unit"]
    assert meta["source"] == {"name": "pauli-mixed", "pauli": "XYZ", "alpha": 0.5, "sign": 1}
    assert meta["protocol"]["name"] == "two-copy"


def test_single_copy_layout_and_fixed_basis(tmp_path, capsys):
    out = tmp_path / "r.npz"
    code, _, err = run(capsys, *sample_args(out, protocol="single-copy", extra=["--basis", "ZXY"]))
    assert code == 0, err
    record = load_records(out)
    assert record.metadata["qubit_layout"] == ["cirq.LineQubit(0)", "cirq.LineQubit(1)", "cirq.LineQubit(2)"]
    assert record.metadata["protocol"]["basis"] == "ZXY"
    assert np.all(record.recipes == [2, 0, 1])


@pytest.mark.parametrize("protocol", ["single-copy", "two-copy"])
def test_same_seed_gives_identical_arrays(tmp_path, capsys, protocol):
    paths = [tmp_path / "a.npz", tmp_path / "b.npz", tmp_path / "c.npz"]
    for path, seed in zip(paths, ["3", "3", "4"]):
        assert run(capsys, *sample_args(path, protocol=protocol, seed=seed))[0] == 0
    a, b, c = (np.load(p) for p in paths)
    for key in ("bits", "recipes") if protocol == "single-copy" else ("bits",):
        assert a[key].tobytes() == b[key].tobytes()
        assert a[key].tobytes() != c[key].tobytes()


def test_default_seed_is_printed_recorded_and_reproduces(tmp_path, capsys):
    first = tmp_path / "first.npz"
    code, _, err = run(capsys, *sample_args(first, seed=None))
    assert code == 0, err
    seed = int(re.search(r"seed=(\d+)", err).group(1))
    assert load_records(first).metadata["seed"] == seed
    again = tmp_path / "again.npz"
    assert run(capsys, *sample_args(again, seed=str(seed)))[0] == 0
    assert np.load(first)["bits"].tobytes() == np.load(again)["bits"].tobytes()


def test_settings_and_sampler_get_distinct_spawned_seeds(tmp_path, capsys, monkeypatch):
    import qmemlearn.backends
    import qmemlearn.protocols

    seen = {}
    make_sampler, sample_records = qmemlearn.backends.make_sampler, qmemlearn.protocols.sample_records

    def spy_make_sampler(backend, *, noise, seed):
        seen["sampler_state"] = seed.bit_generator.state
        return make_sampler(backend, noise=noise, seed=seed)

    def spy_sample_records(*args, rng, **kwargs):
        seen["settings_state"] = rng.bit_generator.state
        return sample_records(*args, rng=rng, **kwargs)

    monkeypatch.setattr(qmemlearn.backends, "make_sampler", spy_make_sampler)
    monkeypatch.setattr(qmemlearn.protocols, "sample_records", spy_sample_records)
    assert run(capsys, *sample_args(tmp_path / "r.npz", seed="9"))[0] == 0
    settings_child, sampler_child = np.random.SeedSequence(9).spawn(2)
    assert seen["settings_state"] == np.random.default_rng(settings_child).bit_generator.state
    assert seen["sampler_state"] == np.random.default_rng(sampler_child).bit_generator.state
    assert seen["settings_state"] != seen["sampler_state"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"--copies": "401"}, "--copies=401 is odd, but --protocol two-copy consumes 2 copies of rho per shot"),
        ({"--copies": "-4"}, "--copies=-4 must be an int >= 1 (copies of rho consumed)"),
        ({"--copies": "0"}, "--copies=0 must be an int >= 1"),
        ({"--pauli": "XQZ"}, "--pauli='XQZ' has the bad character 'Q' at position 1; allowed characters are I, X, Y, Z"),
        ({"--n": "2"}, "--n=2 does not match --pauli='XYZ', which has 3 characters"),
        ({"--pauli": "III"}, "--pauli='III' must not be the identity"),
        ({"--alpha": "1.5"}, "--alpha=1.5 must be in [0, 1]"),
        ({"--backend": "tensor"}, "argument --backend: invalid choice: 'tensor' (choose from 'fast', 'cirq', 'density-matrix', 'qsim', 'stim', 'mps', 'auto')"),
        ({"--noise": "dephasing:p=0.1"}, "noise term 'dephasing' in noise='dephasing:p=0.1' is unknown; allowed: ideal"),
        ({"--noise": "depolarizing:p1=2"}, "noise parameter p1=2.0 must be a number in [0, 1]"),
        ({"--basis": "X"}, "--basis='X' applies only to --protocol single-copy"),
        ({"--protocol": "single-copy", "--basis": "XY"}, "--basis='XY' must be 'random', one of X, Y, Z, or n=3 letters"),
        ({"--protocol": "three-copy"}, "argument --protocol: invalid choice: 'three-copy'"),
        ({"--seed": "-1"}, "--seed=-1 must be an int >= 0"),
        ({"--copies": "ten"}, "argument --copies: invalid int value: 'ten'"),
    ],
)
def test_bad_input_exits_2_with_message_and_writes_nothing(tmp_path, capsys, changes, message):
    out = tmp_path / "out.npz"
    args = sample_args(out)
    for flag, value in changes.items():
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    code, stdout, err = run(capsys, *args)
    assert code == 2
    assert f"qmemlearn sample: error: {message}" in err
    assert "Traceback" not in err and stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_error_leaves_an_existing_out_file_untouched(tmp_path, capsys):
    out = tmp_path / "out.npz"
    out.write_bytes(b"previous contents")
    assert run(capsys, *sample_args(out, copies="3"))[0] == 2
    assert out.read_bytes() == b"previous contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.npz"]


def test_missing_output_directory_is_an_error_before_sampling(tmp_path, capsys):
    out = tmp_path / "no-such-dir" / "out.npz"
    code, _, err = run(capsys, *sample_args(out))
    assert code == 2
    assert "qmemlearn sample: error: --out=" in err and "does not exist" in err
    assert list(tmp_path.iterdir()) == []


def test_missing_required_argument_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "sample", "pauli-state", "--n", "2", "--pauli", "XZ", "--out", str(tmp_path / "o"))
    assert code == 2
    assert "the following arguments are required: --protocol, --copies" in err
    assert list(tmp_path.iterdir()) == []


def test_density_matrix_backend_with_noise(tmp_path, capsys):
    out = tmp_path / "dm.npz"
    extra = ["--backend", "density-matrix", "--noise", "depolarizing:p1=0.01"]
    code, _, err = run(capsys, *sample_args(out, copies="8", extra=extra))
    assert code == 0, err
    record = load_records(out)
    assert record.shots == 4 and record.metadata["backend"] == "density-matrix"


def test_sample_help_states_units(capsys):
    code, out, _ = run(capsys, "sample", "--help")
    assert code == 0
    out = " ".join(out.split())  # argparse re-wraps option help to the terminal width
    assert "copies of rho consumed" in out
    assert "two-copy shot costs 2 copies" in out
    assert "odd C is rejected" in out


@pytest.mark.parametrize("protocol, copies, ok", [("two-copy", "2", False), ("two-copy", "4", True),
                                                 ("single-copy", "1", False), ("single-copy", "2", True)])
def test_copies_must_give_the_two_shots_the_estimators_need(tmp_path, capsys, protocol, copies, ok):
    out = tmp_path / "x.npz"
    code, _, err = run(capsys, *sample_args(out, protocol=protocol, copies=copies))
    assert (code == 0) == ok, err
    if not ok:
        assert f"--copies={copies} gives 1 shot" in err and "at least 2 shots" in err
        assert not out.exists()
    else:
        assert load_records(out).shots == 2


def test_copies_beyond_memory_are_refused_with_the_size(tmp_path, capsys, monkeypatch):
    from qmemlearn.cli.sample import sample_bytes
    from qmemlearn.records import limits

    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 8 * 10**6)  # budget 4 MB
    # n = 3 two-copy: 18 sweep symbols per shot, so 8*18 + 2*6 = 156 bytes per shot.
    assert sample_bytes("two-copy", 3, 1000, 18) == 156000
    code, _, err = run(capsys, *sample_args(tmp_path / "ok.npz", copies="20000"))  # 10^4 shots
    assert code == 0, err
    code, _, err = run(capsys, *sample_args(tmp_path / "big.npz", copies="200000"))
    assert code == 2 and "--copies=200000 (100000 shots of 3 qubits, two-copy) needs" in err
    assert "bytes) of memory" in err and not (tmp_path / "big.npz").exists()
