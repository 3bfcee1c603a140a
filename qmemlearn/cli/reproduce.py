"""``qmemlearn reproduce``: run a committed experiment config, resumably, and draw its figure."""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import tempfile

from qmemlearn.cli.experiments import EXPERIMENTS, experiment_paths

DESCRIPTION = """\
Runs the sample-complexity experiment described by its committed config in experiments/,
appending results to a resumable CSV table, then writes the summary and the figure.

Cost unit: copies of rho consumed (a two-copy shot costs 2 copies). N* is the fewest copies
at which the success rate over independent instances reaches the config's target.
Kill it at any time and rerun the same command: finished points are never recomputed.
One seed (in the config) fixes every number, whatever the number of workers.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qmemlearn reproduce", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("experiment", choices=sorted(EXPERIMENTS), help="which experiment")
    parser.add_argument("--quick", action="store_true", help="the config's quick mode (smaller ranges)")
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    parser.add_argument(
        "--dask", metavar="ADDRESS", default=None,
        help="run on a Dask cluster at ADDRESS (tcp://host:port), or 'local' for a LocalCluster",
    )
    parser.add_argument("--config", type=pathlib.Path, default=None, help="config file (default: experiments/)")
    parser.add_argument("--results", type=pathlib.Path, default=None, help="results CSV (default: results/)")
    parser.add_argument("--figure", type=pathlib.Path, default=None, help="figure path stem, no suffix")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def write_json_atomically(path: pathlib.Path, payload: object) -> None:
    """Writes JSON under a temporary name, then renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(payload, stream, indent=2, sort_keys=True, allow_nan=False)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def main_reproduce(*, command_line_args: list[str]) -> int:
    args = build_parser().parse_args(command_line_args)
    from qmemlearn.analysis.executors import make_executor
    from qmemlearn.analysis.experiment import ExperimentConfig, format_table, run_experiment
    from qmemlearn.plots import save_pauli_learning_figure

    paths = experiment_paths(args.experiment, quick=args.quick)
    config_path = args.config or paths.config
    results_path = args.results or paths.results
    figure_stem = args.figure or paths.figure_stem
    try:
        if args.workers is not None and args.workers < 1:
            raise ValueError(f"--workers={args.workers} must be >= 1")
        config = ExperimentConfig.from_file(config_path, mode="quick" if args.quick else "full")
    except (ValueError, FileNotFoundError) as error:
        print(f"qmemlearn reproduce: error: {error}", file=sys.stderr)
        return 2
    results_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"qmemlearn reproduce {args.experiment} ({config.mode} mode): config {config_path}", file=sys.stderr)
    print(f"  results table (resumable): {results_path}", file=sys.stderr)
    with make_executor(args.workers, args.dask) as executor:
        result = run_experiment(config, results_path=results_path, executor=executor, progress=not args.no_progress)
    summary_path = results_path.with_name(results_path.stem + "-summary.json")
    write_json_atomically(summary_path, result.summary())
    figures = save_pauli_learning_figure(result, figure_stem)
    print(format_table(result))
    print(f"wall time: {result.seconds:.1f} s")
    print(f"wrote results: {results_path}")
    print(f"wrote summary: {summary_path}")
    for figure in figures:
        print(f"wrote figure: {figure}")
    return 0
