"""``qmemlearn figures``: redraw figures from stored results tables, sampling nothing."""

from __future__ import annotations

import argparse
import sys

from qmemlearn.cli.experiments import EXPERIMENTS, experiment_paths


def main_figures(*, command_line_args: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="qmemlearn figures",
        description="Redraws the figures in figures/ from the committed results tables in results/ "
        "(no sampling). Cost unit on every axis: copies of rho (a two-copy shot costs 2).",
    )
    parser.add_argument("--quick", action="store_true", help="redraw the quick-mode figures instead")
    args = parser.parse_args(command_line_args)
    from qmemlearn.analysis.experiment import ExperimentConfig, load_experiment
    from qmemlearn.plots import save_pauli_learning_figure

    status = 0
    for name in EXPERIMENTS:
        paths = experiment_paths(name, quick=args.quick)
        try:
            config = ExperimentConfig.from_file(paths.config, mode="quick" if args.quick else "full")
            result = load_experiment(config, results_path=paths.results)
        except (FileNotFoundError, RuntimeError, ValueError) as error:
            print(f"qmemlearn figures: {name}: {error}", file=sys.stderr)
            status = 2
            continue
        for figure in save_pauli_learning_figure(result, paths.figure_stem):
            print(f"wrote figure: {figure}")
    return status
