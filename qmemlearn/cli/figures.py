"""``qmemlearn figures``: redraw figures from stored results tables, sampling nothing."""

from __future__ import annotations

import argparse
import sys

from qmemlearn.cli.common import make_parser, run_command
from qmemlearn.cli.experiments import EXPERIMENTS, experiment_paths
from qmemlearn.cli.paths import check_existing_file, check_figure_stem
from qmemlearn.cli.reproduce import add_path_arguments, load_config


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``qmemlearn figures``."""
    parser = make_parser(
        "figures",
        description="Redraws the figures in figures/ from the committed results tables in results/ "
        "(no sampling).\nCost unit on every axis: copies of rho (a two-copy shot costs 2), or queries of U for dynamics.\n"
        "The dynamics embedding figure (figures/dynamics_embedding) is drawn from its stored table "
        "results/dynamics/full-embedding.json; only if that table is missing (or was made with other parameters) "
        "is it re-simulated from the seed in the config (80 small circuits, seconds) and stored.",
    )
    parser.add_argument(
        "experiment", nargs="?", choices=sorted(EXPERIMENTS), default=None,
        help="which experiment (default: all; --config, --results and --figure need one)",
    )
    parser.add_argument("--quick", action="store_true", help="redraw the quick-mode figures instead")
    add_path_arguments(parser)
    return parser


def _figures(args: argparse.Namespace) -> int:
    """Checks every path, then redraws; returns 0, or 2 if an experiment has no usable table."""
    names = [args.experiment] if args.experiment else list(EXPERIMENTS)
    if len(names) > 1 and (args.config or args.results or args.figure):
        raise ValueError(f"--config/--results/--figure need one experiment; choose one of {', '.join(names)}")
    jobs = []
    for name in names:
        paths = experiment_paths(name, quick=args.quick)
        config_path = args.config or paths.config
        results_path = args.results or paths.results
        figure_stem = args.figure or paths.figure_stem
        check_figure_stem(figure_stem, "--figure")
        kind, config = load_config(config_path, quick=args.quick)
        if not results_path.exists() and not args.experiment and len(names) > 1:
            # Redrawing everything: an experiment that was never reproduced has nothing to redraw.
            print(f"qmemlearn figures: skipped {name}: no results table {results_path} "
                  f"(run `qmemlearn reproduce {name}`)", file=sys.stderr)
            continue
        if not results_path.exists():
            raise FileNotFoundError(
                f"{name}: results table --results={str(results_path)!r} does not exist; "
                "run `qmemlearn reproduce` first"
            )
        check_existing_file(results_path, "--results")
        jobs.append((name, kind, config, results_path, figure_stem))
    for name, kind, config, results_path, figure_stem in jobs:
        try:
            result = kind.load(config, results_path=results_path)
        except (RuntimeError, ValueError) as error:  # a malformed table, or a point missing from it
            raise ValueError(f"{name}: --results={str(results_path)!r}: {error}") from None
        for figure in kind.save_figure(result, figure_stem):
            print(f"wrote figure: {figure}")
    if not jobs:
        raise FileNotFoundError("no experiment has a results table to redraw; run `qmemlearn reproduce` first")
    return 0


def main_figures(*, command_line_args: list[str]) -> int:
    """Runs ``qmemlearn figures``; see ``qmemlearn figures --help``.

    Returns:
        0 on success; 2 on bad input (a figure path that is a file or directory, a missing or
        malformed results table or config), after printing ``qmemlearn figures: error: ...``.
    """
    return run_command(build_parser(), command_line_args, _figures)
