"""``qmemlearn estimate``: estimates for Pauli observables from a records file.

Reads our ``.npz`` records and the released ReCirq ``qml_lfe`` ``.npy`` files alike (through
:func:`qmemlearn.records.load_any`). For every observable Q it reports ``squared``, the unbiased
estimate of tr(Qρ)², and, for single-copy files, ``expectation``, the estimate of tr(Qρ); each
with its standard error.

Example:
    qmemlearn estimate runs/xyz.npz --observable XYZ --observable ZZI --json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from qmemlearn.cli.common import COPIES_UNIT, make_parser, run_command

#: Output keys per protocol, in order; ``--json`` objects have exactly these keys.
KEYS = {
    "single-copy": ("observable", "squared", "squared_stderr", "expectation", "expectation_stderr"),
    "two-copy": ("observable", "squared", "squared_stderr"),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``qmemlearn estimate``."""
    parser = make_parser(
        "estimate",
        description=(
            "Estimate tr(Q rho)^2 for Pauli observables Q from a records file, and tr(Q rho) too\n"
            "when the file holds single-copy (classical shadow) data. Every estimate comes with\n"
            "one standard error. Reads qmemlearn .npz records and ReCirq qml_lfe .npy files\n"
            "(Q-size-{n}-pauli-{P}.npy, C-size-{n}-pauli-{P}.npy with its -basis.npy).\n\n"
            + COPIES_UNIT
        ),
        epilog="example:\n  qmemlearn estimate xyz.npz --observable XYZ --observable ZZI --json",
    )
    parser.add_argument("file", metavar="FILE", help="Records file (.npz written by 'qmemlearn sample', or a ReCirq .npy).")
    parser.add_argument(
        "--observable", action="append", required=True, metavar="Q",
        help="Pauli string of n characters I, X, Y, Z (qubit i = character i). Repeat for several.",
    )
    parser.add_argument(
        "--mitigate", action="store_true",
        help="Correct readout errors with the calibration stored by 'qmemlearn sample --calibrate', "
        "or the one given by --calibration (unbiased; the stderr includes the calibration's own).",
    )
    parser.add_argument(
        "--calibration", metavar="CAL", default=None,
        help="A readout calibration JSON file (ReadoutCalibration.save); implies --mitigate.",
    )
    parser.add_argument(
        "--json", action="store_true",
        help="Print a JSON list with one object per observable, keys: observable, squared, squared_stderr "
        "and, for single-copy files only, expectation, expectation_stderr.",
    )
    return parser


def estimate_rows(record: Any, observables: list[str], *, calibration: Any = None) -> list[dict[str, Any]]:
    """One dict per observable with the keys :data:`KEYS` of the record's protocol.

    Args:
        record: A ``ShadowRecord`` (single-copy) or ``BellRecord`` (two-copy).
        observables: Pauli strings of length ``record.n``.
        calibration: A ``ReadoutCalibration`` to correct readout errors with. Defaults to None.

    Returns:
        The rows, values as Python floats.

    Raises:
        ValueError: If an observable is not a Pauli string of length n, or too few shots.
    """
    from qmemlearn import estimators
    from qmemlearn.paulis import validate_pauli

    for q in observables:
        validate_pauli(q, name="--observable")
        if len(q) != record.n:
            raise ValueError(
                f"--observable={q!r} has {len(q)} characters but the records are on n={record.n} qubits"
            )
    columns = {"squared": estimators.estimate_squared(record, observables, calibration=calibration)}
    if record.PROTOCOL == "single-copy":  # two-copy records reveal tr(Qρ)² only
        columns["expectation"] = estimators.estimate_expectation(record, observables, calibration=calibration)
    rows = []
    for m, q in enumerate(observables):
        row: dict[str, Any] = {"observable": q}
        for name, (values, stderrs) in columns.items():
            row[name], row[f"{name}_stderr"] = float(values[m]), float(stderrs[m])
        rows.append({key: row[key] for key in KEYS[record.PROTOCOL]})
    return rows


def format_estimate(value: float, stderr: float) -> tuple[str, str]:
    """Value and standard error, both rounded to two significant digits of the standard error.

    Example:
        >>> format_estimate(0.80412, 0.0059466)
        ('0.8041', '0.0059')
    """
    if not (math.isfinite(stderr) and stderr > 0):
        return f"{value:.4f}", f"{stderr:.4f}"
    decimals = min(12, max(0, 1 - math.floor(math.log10(stderr))))
    return f"{value:.{decimals}f}", f"{stderr:.{decimals}f}"


def format_table(record: Any, rows: list[dict[str, Any]], *, file: str) -> str:
    """The human-readable table: a header with the meaning and units, then aligned rows."""
    per_shot = 2 if record.PROTOCOL == "two-copy" else 1
    header = ["observable", "tr(Q rho)^2", "+- stderr"]
    if record.PROTOCOL == "single-copy":
        header += ["tr(Q rho)", "+- stderr"]
    table = [header]
    for row in rows:
        cells = [row["observable"]]
        for name in ("squared", "expectation")[: len(header) // 2]:
            cells += format_estimate(row[name], row[f"{name}_stderr"])
        table.append(cells)
    widths = [max(len(line[k]) for line in table) for k in range(len(header))]
    lines = [
        f"# {file}: {record.PROTOCOL} records, n={record.n}",
        f"# {record.shots} shots = {record.copies} copies of rho consumed ({per_shot} per shot)",
        "# each estimate is shown as value +- 1 standard error; tr(Q rho)^2 is unbiased (may be < 0)",
    ]
    for line in table:
        cells = [line[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(line[1:], widths[1:])]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def metadata_mismatches(record: Any) -> list[str]:
    """Where the record's metadata disagrees with its arrays (``n``, ``shots``, ``copies``).

    Example:
        >>> from qmemlearn.records import BellRecord
        >>> metadata_mismatches(BellRecord(bits=[[0, 1]] * 3, metadata={"shots": 5, "n": 1}))
        ['metadata says shots=5 but the arrays hold shots=3']
    """
    problems = []
    for key in ("n", "shots", "copies"):
        if key in record.metadata and record.metadata[key] != getattr(record, key):
            problems.append(f"metadata says {key}={record.metadata[key]!r} but the arrays hold {key}={getattr(record, key)}")
    return problems


def _calibration(args: argparse.Namespace, record: Any) -> Any:
    """The readout calibration asked for by --mitigate / --calibration, or None."""
    from qmemlearn.protocols.calibration import ReadoutCalibration

    if args.calibration is not None:
        try:
            return ReadoutCalibration.load(args.calibration)
        except (OSError, ValueError) as error:
            raise ValueError(f"--calibration: {error}") from None
    if not args.mitigate:
        return None
    stored = record.metadata.get("readout_calibration")
    if stored is None:
        raise ValueError(
            f"--mitigate: {args.file} holds no readout calibration; sample it with "
            "'qmemlearn sample --calibrate SHOTS' or give --calibration CAL"
        )
    return ReadoutCalibration.from_json_dict(stored)


def _estimate(args: argparse.Namespace) -> int:
    """Loads the file, warns about metadata that disagrees with the arrays, estimates, prints; returns 0."""
    from qmemlearn.records import load_any

    record = load_any(args.file)
    for problem in metadata_mismatches(record):
        print(f"qmemlearn estimate: warning: {args.file}: {problem}; the estimates use the arrays", file=sys.stderr)
    rows = estimate_rows(record, args.observable, calibration=_calibration(args, record))
    if args.json:
        print(json.dumps(rows, indent=2, allow_nan=False))
    else:
        print(format_table(record, rows, file=args.file))
    return 0


def main_estimate(*, command_line_args: list[str]) -> int:
    """Runs ``qmemlearn estimate``; see ``qmemlearn estimate --help``.

    Args:
        command_line_args: The arguments after ``qmemlearn estimate``.

    Returns:
        0 on success; 2 on bad input (missing file, bad observable), after printing
        ``qmemlearn estimate: error: ...`` to stderr.
    """
    return run_command(build_parser(), command_line_args, _estimate)
