"""Tests for the config checks (qmemlearn/analysis/config_validation.py)."""

import copy
import json
import pathlib

import pytest

from qmemlearn.analysis.config_validation import ConfigError, read_config_json, validate_raw_config
from qmemlearn.analysis.experiment import ExperimentConfig

ROOT = pathlib.Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "experiments" / "pauli_learning.json"


def committed() -> dict:
    return json.loads(COMMITTED.read_text())


@pytest.mark.parametrize("mode", ["full", "quick"])
def test_committed_config_is_valid(mode):
    config = ExperimentConfig.from_file(COMMITTED, mode=mode)
    assert config.trials == 200 and config.curves


def test_message_names_file_key_value_and_range():
    raw = committed()
    raw["modes"]["full"]["curves"][1]["n_min"] = 0
    path = pathlib.Path("experiments/x.json")
    with pytest.raises(ConfigError) as error:
        validate_raw_config(raw, path)
    assert str(error.value) == "experiments/x.json: key 'modes.full.curves[1].n_min'=0 must be an int >= 1"


def test_every_mode_is_checked_not_only_the_one_run(tmp_path):
    raw = committed()
    raw["modes"]["quick"]["curves"][0]["rule"] = "guess"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match=r"key 'modes.quick.curves\[0\].rule'=\"guess\" is unknown; allowed: decoy, identify"):
        ExperimentConfig.from_file(path, mode="full")


@pytest.mark.parametrize(
    "copies, ok",
    [([2], True), ([4], True), ([3], True), ([1], False), ([0], False)],
)
def test_success_copies_need_one_protocol_with_two_shots(copies, ok):
    """With both protocols, 2 and 3 are single-copy points (two-copy skips them); 1 gives no point."""
    raw = committed()
    raw["modes"]["full"]["success_curve"]["copies"] = copies
    if ok:
        validate_raw_config(raw, COMMITTED)
    else:
        with pytest.raises(ConfigError, match=r"'modes.full.success_curve.copies\[0\]'"):
            validate_raw_config(raw, COMMITTED)


def test_success_copies_odd_for_two_copy_only_is_refused():
    raw = committed()
    raw["modes"]["full"]["curves"] = [{"protocol": "two-copy", "rule": "decoy", "n_min": 1, "n_max": 2}]
    raw["modes"]["full"]["success_curve"]["copies"] = [4, 6, 2]
    with pytest.raises(ConfigError, match=r"'modes.full.success_curve.copies\[2\]'=2 is usable by no protocol"):
        validate_raw_config(raw, COMMITTED)


def test_identify_limit_names_the_curve(tmp_path):
    raw = committed()
    raw["modes"]["full"]["curves"][2]["n_max"] = 11  # single-copy identify searches all 4^n - 1
    path = tmp_path / "c.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match=r"c\.json: key 'modes.full.curves\[2\]': n=11 is too large"):
        ExperimentConfig.from_file(path)


def test_optional_keys_may_be_absent():
    raw = copy.deepcopy(committed())
    del raw["rel_resolution"], raw["max_copies"], raw["description"]
    validate_raw_config(raw, COMMITTED)


def test_read_config_json_errors(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        read_config_json(tmp_path)
    (tmp_path / "a.json").write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match=r"a\.json: not UTF-8"):
        read_config_json(tmp_path / "a.json")
    (tmp_path / "b.json").write_text('"text"')
    with pytest.raises(ConfigError, match=r"b\.json: the config must be a JSON object, got str"):
        read_config_json(tmp_path / "b.json")
    with pytest.raises(FileNotFoundError):
        read_config_json(tmp_path / "missing.json")
