"""Tests for the ``qmemlearn`` dispatcher (qmemlearn/cli/main.py)."""

import pathlib
import subprocess
import sys
import types

import pytest

from qmemlearn.cli import main as cli_main
from qmemlearn.cli.main import SUBCOMMANDS, main


def test_help_lists_every_subcommand_with_its_help_and_states_units(capsys):
    assert main(command_line_args=["--help"]) == 0
    out = capsys.readouterr().out
    for name, (_, summary) in SUBCOMMANDS.items():
        assert f"  {name}" in out
        assert summary in out
    assert "copies of rho" in out
    assert "two-copy shot costs 2 copies" in out


@pytest.mark.parametrize("flag", ["-h", "help"])
def test_help_aliases(capsys, flag):
    assert main(command_line_args=[flag]) == 0
    assert "commands:" in capsys.readouterr().out


def test_help_command_forwards_to_subcommand_help(capsys):
    assert main(command_line_args=["help", "sample"]) == 0
    via_help = capsys.readouterr().out
    assert main(command_line_args=["sample", "--help"]) == 0
    assert capsys.readouterr().out == via_help


def test_version(capsys):
    import qmemlearn

    assert main(command_line_args=["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"qmemlearn {qmemlearn.__version__}"


def test_no_command_is_a_usage_error(capsys):
    assert main(command_line_args=[]) == 2
    assert "qmemlearn: error: a command is required" in capsys.readouterr().err


def test_unknown_command_lists_the_allowed_ones(capsys):
    assert main(command_line_args=["smaple"]) == 2
    err = capsys.readouterr().err
    assert "qmemlearn: error: unknown command 'smaple'" in err
    assert f"allowed: {', '.join(SUBCOMMANDS)}" in err
    assert "sample" in SUBCOMMANDS and "estimate" in SUBCOMMANDS


def test_adding_a_subcommand_is_one_dict_entry(monkeypatch, capsys):
    calls = []
    fake = types.ModuleType("fake_qmemlearn_cli_module")
    fake.main_make_figures = lambda *, command_line_args: calls.append(command_line_args) or 7
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    monkeypatch.setitem(cli_main.SUBCOMMANDS, "make-figures", (fake.__name__, "Draw the figures."))
    assert main(command_line_args=["make-figures", "--x", "1"]) == 7
    assert calls == [["--x", "1"]]
    main(command_line_args=["--help"])
    assert "make-figures  Draw the figures." in capsys.readouterr().out


def test_subcommand_modules_are_imported_lazily(monkeypatch, capsys):
    modules = [module for module, _ in SUBCOMMANDS.values()]
    for module in modules:
        monkeypatch.delitem(sys.modules, module, raising=False)
    assert main(command_line_args=["--help"]) == 0
    assert [m for m in modules if m in sys.modules] == []
    assert main(command_line_args=["estimate", "--help"]) == 0
    assert [m for m in modules if m in sys.modules] == ["qmemlearn.cli.estimate"]


def test_installed_console_script_runs():
    script = pathlib.Path(sys.executable).parent / "qmemlearn"
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "copies" in result.stdout
    assert "sample" in result.stdout and "estimate" in result.stdout
