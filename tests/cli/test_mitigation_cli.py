"""`sample --calibrate` stores a readout calibration; `estimate --mitigate` removes the bias."""

import json

from qmemlearn.cli.main import main


def _estimate(capsys, *args):
    assert main(command_line_args=["estimate", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)[0]


def test_mitigation_removes_the_readout_bias_for_both_protocols(tmp_path, capsys):
    for protocol, copies in (("two-copy", 200_000), ("single-copy", 200_000)):
        out = tmp_path / f"{protocol}.npz"
        assert main(command_line_args=[
            "sample", "pauli-state", "--n", "2", "--pauli", "XZ", "--protocol", protocol, "--copies", str(copies),
            "--noise", "readout:p01=0.02,p10=0.05", "--calibrate", "50000", "--seed", "4", "--out", str(out),
        ]) == 0
        capsys.readouterr()
        raw = _estimate(capsys, str(out), "--observable", "XZ")
        fixed = _estimate(capsys, str(out), "--observable", "XZ", "--mitigate")
        exact = 0.9**2
        assert abs(raw["squared"] - exact) > 8 * raw["squared_stderr"], protocol
        assert abs(fixed["squared"] - exact) < 4 * fixed["squared_stderr"], protocol


def test_mitigate_without_a_calibration_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "r.npz"
    assert main(command_line_args=["sample", "pauli-state", "--n", "1", "--pauli", "X", "--protocol", "two-copy",
                                   "--copies", "20", "--seed", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(command_line_args=["estimate", str(out), "--observable", "X", "--mitigate"]) == 2
    err = capsys.readouterr().err
    assert "--mitigate" in err and "sample --calibrate" in err and "Traceback" not in err
    assert main(command_line_args=["sample", "pauli-state", "--n", "1", "--pauli", "X", "--protocol", "two-copy",
                                   "--copies", "20", "--calibrate", "1", "--out", str(tmp_path / "x.npz")]) == 2
    assert "--calibrate=1 must be an int >= 2" in capsys.readouterr().err
    assert not (tmp_path / "x.npz").exists()
