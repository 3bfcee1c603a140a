"""``qmemlearn classify DIR``: classify the paper's released dynamics files.

Loads every ``1D-scramble-{C|Q}-size-{n}-depth-{d}-type-{0|1}-batch-{k}-number-{j}.npy`` of
``DIR`` (:mod:`qmemlearn.records.dynamics_files`), groups them by (protocol, n, depth) and
classifies each group without labels with the dynamics task's own functions
(:func:`qmemlearn.tasks.dynamics.predict_labels`), then compares with the files' labels
(type 0 = scrambling, 1 = T-symmetric). Two accuracies per group:

* *vs file labels*: each cluster is named by its mean scrambling statistic (the larger mean is
  called scrambling: Σᵢ⟨Yᵢ⟩² single-copy, mean Hamming weight two-copy), which uses no label;
* *up to swap*: the better of the two namings, as the task scores a trial.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Sequence

import numpy as np

from qmemlearn.cli.common import make_parser, run_command

RULES = ("kernel-pca", "statistic")
DESCRIPTION = """\
Loads every 1D-scramble-{C|Q}-size-{n}-depth-{d}-type-{0|1}-batch-{k}-number-{j}.npy file of
DIRECTORY (the released data of Huang et al. 2022, Fig. 4; C bits are flipped to our sign),
groups them by (protocol, n, depth) and classifies each group without labels, with the
dynamics task's own rules. Per group it prints the circuits of each class (file type 1 =
T-symmetric, 0 = scrambling), the shots and queries of U per circuit, and two accuracies:
  acc        clusters named by their mean statistic (larger = scrambling; no label used),
             compared with the file types
  acc(swap)  the better of the two namings, as the task scores a trial
"""


@dataclasses.dataclass(frozen=True)
class GroupResult:
    """The classification of one (protocol, n, depth) group of files."""

    protocol: str
    n: int
    depth: int
    t_symmetric: int
    scrambling: int
    shots: int
    queries: int
    rule: str
    accuracy: float
    accuracy_up_to_swap: float


def classify_group(records: list, *, rule: str, shots: int | None = None) -> GroupResult:
    """Classifies one group of loaded files (same protocol, n and depth).

    Args:
        records: Records from :func:`~qmemlearn.records.dynamics_files.load_dynamics_directory`.
        rule: ``kernel-pca`` or ``statistic``.
        shots: Shots per circuit (the first ``shots`` of each file). Defaults to None (the
            fewest any file of the group holds).

    Raises:
        ValueError: If ``rule`` is unknown, the group has fewer than 2 files, or ``shots``
            is out of range.
    """
    from qmemlearn.analysis.classification import accuracy_up_to_swap
    from qmemlearn.records.dynamics_files import group_counts
    from qmemlearn.tasks.dynamics import predict_labels, scrambling_statistic

    if rule not in RULES:
        raise ValueError(f"rule={rule!r} must be one of {', '.join(RULES)}")
    meta = records[0].metadata if records else {}
    if len(records) < 2:
        raise ValueError(
            f"group {meta.get('protocol')} n={meta.get('n')} depth={meta.get('depth')} has {len(records)} "
            "file(s); classification needs >= 2 circuits"
        )
    ones, used, types = group_counts(records, shots)
    protocol = meta["protocol"]
    labels = predict_labels(ones, used, protocol=protocol, rule=rule)
    statistic = scrambling_statistic(ones, used, protocol=protocol)
    means = [statistic[labels == k].mean() if np.any(labels == k) else -np.inf for k in (0, 1)]
    scrambling_cluster = int(np.argmax(means))
    predicted_types = np.where(labels == scrambling_cluster, 0, 1)  # file type 0 = scrambling
    return GroupResult(
        protocol=protocol, n=int(meta["n"]), depth=int(meta["depth"]),
        t_symmetric=int(np.sum(types == 1)), scrambling=int(np.sum(types == 0)),
        shots=used, queries=used * int(meta["queries_per_shot"]), rule=rule,
        accuracy=float(np.mean(predicted_types == types)),
        accuracy_up_to_swap=accuracy_up_to_swap(labels, types),
    )


def format_results(results: Sequence[GroupResult]) -> str:
    """A fixed-width table, one row per group."""
    header = (
        f"{'protocol':<12} {'n':>3} {'depth':>5} {'T-sym':>5} {'scr':>5} {'shots':>7} "
        f"{'queries/U':>9} {'rule':<10} {'acc':>6} {'acc(swap)':>9}"
    )
    rows = [
        f"{r.protocol:<12} {r.n:>3} {r.depth:>5} {r.t_symmetric:>5} {r.scrambling:>5} {r.shots:>7} "
        f"{r.queries:>9} {r.rule:<10} {r.accuracy:>6.3f} {r.accuracy_up_to_swap:>9.3f}"
        for r in results
    ]
    return "\n".join([header, *rows])


def _parser() -> argparse.ArgumentParser:
    parser = make_parser(
        "classify",
        description=DESCRIPTION,
        epilog="Units: queries of U per circuit (a single-copy shot costs 1 query, a two-copy shot 2).",
    )
    parser.add_argument("directory", help="directory holding the paper's 1D-scramble-*.npy files")
    parser.add_argument("--rule", choices=RULES, default="kernel-pca", help="classifier (default: kernel-pca)")
    parser.add_argument(
        "--shots", type=int, default=None,
        help="shots per circuit, the first K of each file (default: the fewest any file of the group holds)",
    )
    return parser


def main_classify(*, command_line_args: Sequence[str]) -> int:
    """Runs ``qmemlearn classify``; returns the exit code (2 on bad input)."""

    def body(args: argparse.Namespace) -> int:
        from qmemlearn.records.dynamics_files import load_dynamics_directory

        groups = load_dynamics_directory(args.directory)
        results = [classify_group(records, rule=args.rule, shots=args.shots) for records in groups.values()]
        print(format_results(results))
        return 0

    return run_command(_parser(), command_line_args, body)
