"""``qmemlearn reproduce``: run a committed experiment config, resumably, and draw its figure."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pathlib
import sys
import tempfile
from typing import Any, Iterator

from qmemlearn.cli.common import make_parser, run_command
from qmemlearn.cli.experiments import EXPERIMENTS, experiment_paths
from qmemlearn.cli.paths import check_figure_stem, check_results_table, check_writable_file

#: Seconds to wait for a ``--dask`` scheduler before failing.
DASK_CONNECT_TIMEOUT_SECONDS = 5.0

DESCRIPTION = """\
Runs the experiment described by its committed config in experiments/, appending results
to a resumable CSV table, then writes the summary and the figure:
  pauli-learning  N*(n) for single-copy shadows vs two-copy Bell measurements
  noise-map       N*_single / N*_two over n and gate noise, memory wait (T1/T2) and the
                  calibrated willow_pink noise (figure: advantage_vs_noise)
  dynamics        N*(n) in queries of U for telling T-symmetric from scrambling brickwork U,
                  single-copy vs two-copy (figures: dynamics_sample_complexity, and the
                  kernel-PCA embedding dynamics_embedding)
  purity          N*(n) for telling pure from mixed states: single-copy shadows and
                  randomized measurements vs the two-copy SWAP test (n <= 14 state
                  vectors, n >= 100 stim; figure: purity_sample_complexity)

Cost unit: copies of rho consumed (a two-copy shot costs 2 copies), or queries of U for
dynamics. N* is the fewest copies (queries) at which the success rate over independent
instances (for dynamics: the mean accuracy) reaches the config's target.
Kill it at any time and rerun the same command: finished points are never recomputed.
One seed (in the config) fixes every number, whatever the number of workers.
"""


def positive_int(text: str) -> int:
    """argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an int >= 1") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be an int >= 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``qmemlearn reproduce``."""
    parser = make_parser("reproduce", description=DESCRIPTION)
    parser.add_argument("experiment", choices=sorted(EXPERIMENTS), help="which experiment")
    parser.add_argument("--quick", action="store_true", help="the config's quick mode (smaller ranges)")
    parser.add_argument(
        "--workers", type=positive_int, default=None, help="local worker processes, >= 1 (default: all cores)"
    )
    parser.add_argument(
        "--dask", metavar="ADDRESS", default=None,
        help="run on a Dask cluster at ADDRESS (tcp://host:port), or 'local' for a LocalCluster; "
        f"an unreachable scheduler fails after {DASK_CONNECT_TIMEOUT_SECONDS:g} s",
    )
    add_path_arguments(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def add_path_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config``, ``--results`` and ``--figure`` (shared with ``qmemlearn figures``)."""
    parser.add_argument("--config", type=pathlib.Path, default=None, help="config file (default: experiments/)")
    parser.add_argument("--results", type=pathlib.Path, default=None, help="results CSV (default: results/)")
    parser.add_argument("--figure", type=pathlib.Path, default=None, help="figure path stem, no suffix")


def load_config(path: pathlib.Path, *, quick: bool) -> tuple[Any, Any]:
    """The experiment kind and validated config at ``path``; errors name the file and key.

    Returns:
        ``(kind, config)``, see :mod:`qmemlearn.analysis.kinds`.
    """
    from qmemlearn.analysis.kinds import kind_of_config

    if not path.exists():
        raise FileNotFoundError(f"--config={str(path)!r} does not exist")
    kind = kind_of_config(path)
    return kind, kind.load_config(path, mode="quick" if quick else "full")


@contextlib.contextmanager
def open_executor(workers: int | None, dask_address: str | None) -> Iterator[Any]:
    """:func:`make_executor`, with a connect timeout and errors naming ``--dask``.

    Raises:
        ValueError: If the Dask scheduler cannot be reached within
            :data:`DASK_CONNECT_TIMEOUT_SECONDS`, or the address is malformed.
    """
    from qmemlearn.analysis.executors import make_executor

    if dask_address is None:
        with make_executor(workers, None) as executor:
            yield executor
        return
    try:
        import dask
        import distributed  # noqa: F401  (loads its config defaults before dask.config.set below)
    except ImportError as error:
        raise ValueError(f"--dask needs dask and distributed: pip install 'qmemlearn[dask]' ({error})") from None

    timeout = f"{DASK_CONNECT_TIMEOUT_SECONDS}s"
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": timeout}):
            executor = make_executor(workers, dask_address)
    except (OSError, ValueError, TypeError, asyncio.TimeoutError) as error:
        raise ValueError(
            f"--dask={dask_address!r}: cannot connect to the Dask scheduler within "
            f"{DASK_CONNECT_TIMEOUT_SECONDS:g} s ({type(error).__name__}: {error}); "
            "give tcp://host:port of a running scheduler, or 'local'"
        ) from None
    with executor:
        yield executor


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


def _reproduce(args: argparse.Namespace) -> int:
    """Validates every input, then runs the experiment; returns 0."""
    paths = experiment_paths(args.experiment, quick=args.quick)
    config_path = args.config or paths.config
    results_path = args.results or paths.results
    figure_stem = args.figure or paths.figure_stem
    kind, config = load_config(config_path, quick=args.quick)
    check_results_table(results_path, "--results")
    summary_path = results_path.with_name(results_path.stem + "-summary.json")
    check_writable_file(summary_path, "--results (its summary file)", create_parents=True)
    check_figure_stem(figure_stem, "--figure")
    print(f"qmemlearn reproduce {args.experiment} ({config.mode} mode): config {config_path}", file=sys.stderr)
    print(f"  results table (resumable): {results_path}", file=sys.stderr)
    with open_executor(args.workers, args.dask) as executor:
        results_path.parent.mkdir(parents=True, exist_ok=True)
        result = kind.run(config, results_path=results_path, executor=executor, progress=not args.no_progress)
    write_json_atomically(summary_path, result.summary())
    figures = kind.save_figure(result, figure_stem)
    print(kind.format_table(result))
    print(f"wall time: {result.seconds:.1f} s")
    print(f"wrote results: {results_path}")
    print(f"wrote summary: {summary_path}")
    for figure in figures:
        print(f"wrote figure: {figure}")
    return 0


def main_reproduce(*, command_line_args: list[str]) -> int:
    """Runs ``qmemlearn reproduce``; see ``qmemlearn reproduce --help``.

    Returns:
        0 on success; 2 on bad input (config value, path, worker count, unreachable Dask
        scheduler), after printing ``qmemlearn reproduce: error: ...``; nothing is written then.
    """
    return run_command(build_parser(), command_line_args, _reproduce)
