"""The ``qmemlearn`` command: a thin dispatcher to one module per subcommand (STYLE §12).

Each subcommand lives in its own module, imported only when that subcommand runs, and exposes
``main_<name>(*, command_line_args: list[str]) -> int`` (hyphens in the name become
underscores). Adding a subcommand is one line in :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import importlib
import sys
from typing import Sequence

from qmemlearn.cli.common import COPIES_UNIT, USAGE_ERROR, exit_code

#: Subcommand name -> (module that implements it, one-line help shown by ``qmemlearn --help``).
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "sample": ("qmemlearn.cli.sample", "Measure copies of a source state with a protocol; save the records."),
    "estimate": ("qmemlearn.cli.estimate", "Estimate tr(Q rho)^2 (and tr(Q rho)) for Pauli observables."),
    "reproduce": ("qmemlearn.cli.reproduce", "Run a committed experiment (resumable sweep), write its table and figure."),
    "figures": ("qmemlearn.cli.figures", "Redraw the committed figures from the committed results (no sampling)."),
    "classify": ("qmemlearn.cli.classify", "Classify the paper's released dynamics files (T-symmetric vs scrambling)."),
}

_HELP_FLAGS = ("-h", "--help", "help")
_VERSION_FLAGS = ("-V", "--version")


def _version() -> str:
    """The installed qmemlearn version."""
    import importlib.metadata

    try:
        return importlib.metadata.version("qmemlearn")
    except importlib.metadata.PackageNotFoundError:
        from qmemlearn import __version__

        return __version__


def help_text() -> str:
    """The text of ``qmemlearn --help``: usage, subcommands with one-line help, units."""
    width = max(len(name) for name in SUBCOMMANDS)
    lines = [
        "usage: qmemlearn <command> [args...]",
        "       qmemlearn <command> --help",
        "       qmemlearn --version",
        "",
        "Learn properties of quantum states from single-copy (classical shadow) or two-copy",
        "(Bell-basis, quantum-memory) measurements.",
        "",
        "commands:",
        *(f"  {name.ljust(width)}  {summary}" for name, (_, summary) in SUBCOMMANDS.items()),
        "",
        COPIES_UNIT,
        "Run 'qmemlearn <command> --help' for the options of one command.",
    ]
    return "\n".join(lines)


def main(*, command_line_args: Sequence[str] | None = None) -> int:
    """Runs ``qmemlearn`` with the given arguments and returns the exit code.

    Args:
        command_line_args: The arguments after ``qmemlearn``. Defaults to None
            (``sys.argv[1:]``), which is how the console script calls it.

    Returns:
        The exit code: 0 on success, 2 on a usage error or bad input.

    Example:
        >>> main(command_line_args=["--version"])  # doctest: +ELLIPSIS
        qmemlearn ...
        0
    """
    args = list(sys.argv[1:] if command_line_args is None else command_line_args)
    if not args:
        print(help_text(), file=sys.stderr)
        print("qmemlearn: error: a command is required", file=sys.stderr)
        return USAGE_ERROR
    command, rest = args[0], args[1:]
    if command in _VERSION_FLAGS:
        print(f"qmemlearn {_version()}")
        return 0
    if command in _HELP_FLAGS:
        if command == "help" and rest:  # `qmemlearn help sample` == `qmemlearn sample --help`
            return main(command_line_args=[rest[0], "--help"])
        print(help_text())
        return 0
    if command not in SUBCOMMANDS:
        print(
            f"qmemlearn: error: unknown command {command!r}; allowed: {', '.join(SUBCOMMANDS)} "
            "(see 'qmemlearn --help')",
            file=sys.stderr,
        )
        return USAGE_ERROR
    module_name, _ = SUBCOMMANDS[command]
    module = importlib.import_module(module_name)
    run = getattr(module, "main_" + command.replace("-", "_"))
    try:
        return run(command_line_args=rest)
    except SystemExit as exit_request:  # a subcommand that lets argparse exit (--help, usage error)
        return exit_code(exit_request)


if __name__ == "__main__":
    sys.exit(main())
