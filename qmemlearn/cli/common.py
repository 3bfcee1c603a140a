"""Helpers shared by the ``qmemlearn`` subcommands: argparse in-process, errors as exit codes.

Every subcommand builds an ``argparse.ArgumentParser`` with ``prog="qmemlearn <name>"`` and hands
it to :func:`run_command`. Nothing here calls ``sys.exit``: ``--help`` returns 0, and a usage
error or a ``ValueError``/``OSError``/``KeyError`` from the package returns 2 after printing
``qmemlearn <name>: error: <message>`` to stderr, as argparse does. Tests can therefore run any
command in-process and just look at the returned code.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

#: The cost unit, stated in every ``--help`` (DESIGN §3).
COPIES_UNIT = (
    "Units: cost is counted in copies of rho consumed. A single-copy shot costs 1 copy,\n"
    "a two-copy shot costs 2 copies."
)

#: Exit code of a usage error or bad input, as argparse uses.
USAGE_ERROR = 2


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of descriptions and epilogs (option help is re-wrapped)."""


def make_parser(name: str, *, description: str, epilog: str | None = None) -> argparse.ArgumentParser:
    """An ``ArgumentParser`` for ``qmemlearn <name>`` with the shared formatter.

    Args:
        name: The subcommand name, e.g. ``"sample"``.
        description: Shown under the usage line of ``--help``.
        epilog: Shown at the end of ``--help``. Defaults to None (none).

    Returns:
        The parser; add the subcommand's arguments to it.
    """
    return argparse.ArgumentParser(
        prog=f"qmemlearn {name}", description=description, epilog=epilog, formatter_class=HelpFormatter
    )


def exit_code(exit_request: SystemExit) -> int:
    """The integer exit code of a ``SystemExit`` (None means 0, a message means 2)."""
    code = exit_request.code
    if code is None:
        return 0
    return code if isinstance(code, int) else USAGE_ERROR


def print_error(prog: str, message: object) -> int:
    """Prints ``<prog>: error: <message>`` to stderr and returns the usage-error exit code 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return USAGE_ERROR


def run_command(
    parser: argparse.ArgumentParser,
    command_line_args: Sequence[str],
    body: Callable[[argparse.Namespace], int],
) -> int:
    """Parses ``command_line_args`` and runs ``body`` on them, turning errors into exit codes.

    Args:
        parser: The subcommand's parser (its ``prog`` prefixes error messages).
        command_line_args: The arguments after the subcommand name.
        body: Does the work and returns the exit code.

    Returns:
        ``body``'s exit code; 0 after ``--help``; 2 after a usage error, or when ``body`` raises
        ``ValueError``, ``OSError`` or ``KeyError`` (bad input, a missing file): the message is printed to
        stderr as ``<prog>: error: <message>``, never as a traceback. Any other exception
        is a bug and propagates.

    Example:
        >>> parser = make_parser("demo", description="A demo.")
        >>> run_command(parser, ["--help"], lambda args: 0)  # doctest: +ELLIPSIS
        usage: qmemlearn demo ...
        0
    """
    try:
        args = parser.parse_args(list(command_line_args))
    except SystemExit as exit_request:  # argparse exits on --help (0) and on usage errors (2)
        return exit_code(exit_request)
    try:
        return body(args)
    except KeyError as error:  # str(KeyError) is only the repr of the key
        return print_error(parser.prog, f"missing key {error.args[0]!r}" if error.args else "missing key")
    except (ValueError, OSError) as error:
        return print_error(parser.prog, error)


def add_hardware_arguments(parser: argparse.ArgumentParser) -> None:
    """``--processor``, ``--qvm``/``--engine``, ``--qvm-simulator``, ``--project`` (shared by
    ``sample`` and ``reproduce``). Check them with :func:`check_hardware_arguments`."""
    from qmemlearn.hardware.devices import GOOGLE_PROCESSORS
    from qmemlearn.hardware.execution import QVM_SIMULATORS

    group = parser.add_argument_group(
        "Google hardware (placed on the device graph, compiled to its native gates, validated)"
    )
    group.add_argument(
        "--processor", default=None, choices=GOOGLE_PROCESSORS, metavar="ID",
        help=f"Run on this Google processor, one of: {', '.join(GOOGLE_PROCESSORS)} (device specs and "
        "calibrations bundled with cirq-google). Needs --qvm or --engine.",
    )
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--qvm", action="store_true",
        help="Offline quantum virtual machine of --processor with its calibrated noise (see --qvm-simulator).",
    )
    where.add_argument(
        "--engine", action="store_true",
        help="The real processor through cirq_google.get_engine_sampler(processor, project); needs "
        "Google Cloud credentials and Quantum Engine access.",
    )
    group.add_argument(
        "--qvm-simulator", default="auto", choices=QVM_SIMULATORS,
        help="With --qvm: fast (exact per-pair cluster sampler with the calibrated noise, for "
        "product-structured circuits), qsim (the stock create_default_noisy_quantum_virtual_machine, "
        "one qsim trajectory per shot), auto (fast when the circuit is product-structured, else qsim; "
        "the choice is logged). (default: auto)",
    )
    group.add_argument(
        "--project", default=None, metavar="PROJECT_ID",
        help="With --engine: the Google Cloud project id. (default: $GOOGLE_CLOUD_PROJECT)",
    )


def check_hardware_arguments(args: argparse.Namespace) -> None:
    """Rejects inconsistent hardware flags, naming them.

    Raises:
        ValueError: If ``--qvm``/``--engine`` come without ``--processor`` or the reverse,
            ``--project`` without ``--engine``, or ``--qvm-simulator`` without ``--qvm``.
    """
    if (args.qvm or args.engine) and args.processor is None:
        raise ValueError(f"--{'qvm' if args.qvm else 'engine'} needs --processor ID (e.g. --processor willow_pink)")
    if args.processor is not None and not (args.qvm or args.engine):
        raise ValueError(
            f"--processor={args.processor!r} needs --qvm (offline virtual machine) or --engine (the real processor)"
        )
    if args.project is not None and not args.engine:
        raise ValueError(f"--project={args.project!r} applies only with --engine")
    if args.qvm_simulator != "auto" and not args.qvm:
        raise ValueError(f"--qvm-simulator={args.qvm_simulator!r} applies only with --qvm")
