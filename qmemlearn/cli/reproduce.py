"""``qmemlearn reproduce``: run a committed experiment config, resumably, and draw its figure."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import pathlib
import sys
from typing import Any, Iterator

from qmemlearn.analysis.atomic_json import write_json_atomically
from qmemlearn.cli.common import add_hardware_arguments, check_hardware_arguments, make_parser, run_command
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
  dynamics-deep   the same at depth 14, where U scrambles all n qubits
  dynamics-noise  dynamics accuracy at 16 queries of U against depolarizing and T1/T2
                  noise (figure: dynamics_accuracy_vs_noise)
  purity          N*(n) for telling pure from mixed states: single-copy shadows and
                  randomized measurements vs the two-copy SWAP test (n <= 14 state
                  vectors, n >= 100 stim; figure: purity_sample_complexity)
  pca             principal component by virtual distillation vs single-copy shadows
  pca-control     the variant without separation (sigma = I/2^n)
  qvm-willow-pink Pauli learning on the calibrated willow_pink QVM, raw and mitigated

Cost unit: copies of rho consumed (a two-copy shot costs 2 copies), or queries of U for
dynamics. N* is the fewest copies (queries) at which the success rate over independent
instances (for dynamics: the mean accuracy) reaches the config's target.
Kill it at any time and rerun the same command: finished points are never recomputed.
One seed (in the config) fixes every number, whatever the number of workers.

On Google hardware: --processor willow_pink --qvm runs the same config on the offline
virtual machine of the processor (every circuit placed, compiled to its native gates,
validated; calibrated noise), --processor willow_pink --engine --project ID on the real
processor (serially, in this process). Both write their own results/figures
(<name>-<processor>-qvm / -engine) and the config actually run (<results>-config.json).
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
    add_hardware_arguments(parser)
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


def _hardware_suffix(args: argparse.Namespace) -> str:
    return f"{args.processor}-{'engine' if args.engine else 'qvm'}"


def hardware_config(raw: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The config ``raw`` run on ``--processor``: noise ``google:<processor>`` and, for
    sampler-based tasks, the QVM simulator as the backend (``fast`` or ``qsim``).

    The dynamics task keeps its backend: its exact outcomes simulate the placed, compiled
    circuit under the device noise by density matrix (:mod:`qmemlearn.hardware.dynamics`).

    Raises:
        ValueError: For an experiment kind that sweeps noise itself (``advantage-map``), or
            ``--engine`` with a task that does not sample through a ``cirq.Sampler``.
    """
    from qmemlearn.tasks import get_task

    raw = json.loads(json.dumps(raw))
    if raw.get("kind", "sample-complexity") != "sample-complexity":
        raise ValueError(
            f"--processor: experiment kind {raw.get('kind')!r} sweeps its own noise (it already includes "
            "google:willow_pink); --processor applies to sample-complexity experiments"
        )
    raw["noise"] = f"google:{args.processor}"
    task = raw["task"]
    _cap_curves(raw, args.processor, task)
    declared = get_task(task).params
    if task == "dynamics":
        if args.engine:
            raise ValueError("--engine: the dynamics task computes exact outcome distributions; it has no sampler to send to a processor")
    elif "backend" in declared:
        simulator = "qsim" if args.qvm_simulator == "qsim" else "fast"
        raw.setdefault("params", {})["backend"] = simulator
        print(f"  --processor {args.processor}: backend {simulator!r} "
              f"({'stock qsim QVM' if simulator == 'qsim' else 'exact QVM path: the circuits are product-structured'})"
              + (" -> the real processor (--engine)" if args.engine else ""), file=sys.stderr)
    return raw


def _cap_curves(raw: dict[str, Any], processor_id: str, task: str) -> None:
    """Caps every curve's n_max at the largest n the processor hosts (and, for dynamics, the
    density-matrix limit of the noisy exact outcomes); drops curves that start beyond it."""
    from qmemlearn.hardware import load_processor
    from qmemlearn.hardware.placement import largest_n

    if task not in ("pauli-learning", "dynamics"):
        return
    processor = load_processor(processor_id)
    for mode, section in raw.get("modes", {}).items():
        kept = []
        for curve in section.get("curves", []):
            protocol = curve.get("protocol")
            limit = largest_n(processor, protocol, chain=task == "dynamics")
            if task == "dynamics":
                from qmemlearn.tasks.dynamics_outcomes import MAX_DENSITY_MATRIX_QUBITS

                limit = min(limit, MAX_DENSITY_MATRIX_QUBITS // (2 if protocol == "two-copy" else 1))
            if curve.get("n_min", 1) > limit:
                print(f"  --processor {processor_id}: dropped {mode} curve {protocol}/{curve.get('rule')} "
                      f"(n_min={curve.get('n_min')} > {limit}, the largest n it hosts)", file=sys.stderr)
                continue
            if curve.get("n_max", 0) > limit:
                print(f"  --processor {processor_id}: {mode} curve {protocol}/{curve.get('rule')} capped at "
                      f"n_max={limit} (was {curve['n_max']}): the largest n it hosts", file=sys.stderr)
                curve["n_max"] = limit
            kept.append(curve)
        section["curves"] = kept


def _hardware_paths(
    args: argparse.Namespace, results_path: pathlib.Path, figure_stem: pathlib.Path
) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """Own default results and figure for ``--processor`` runs, and the path of the config
    actually run (written by :func:`_write_run_config` once every input has been checked)."""
    suffix = _hardware_suffix(args)
    if args.results is None:
        results_path = results_path.with_name(f"{results_path.stem}-{suffix}.csv")
    if args.figure is None:
        figure_stem = figure_stem.with_name(f"{figure_stem.name}-{suffix}")
    run_config = results_path.with_name(results_path.stem + "-config.json")
    check_writable_file(run_config, "--results (its config file)", create_parents=True)
    return run_config, results_path, figure_stem


def _write_run_config(run_config: pathlib.Path, raw: dict[str, Any], *, quick: bool) -> tuple[Any, Any]:
    """Writes the config actually run and loads it; a config that does not validate is removed
    again (it is staged beside ``run_config`` first, so an earlier run's file is never lost)."""
    staged = run_config.with_name(run_config.name + ".pending")
    write_json_atomically(staged, raw)
    try:
        load_config(staged, quick=quick)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    staged.replace(run_config)
    return load_config(run_config, quick=quick)


def _reproduce(args: argparse.Namespace) -> int:
    """Validates every input, then runs the experiment; returns 0."""
    check_hardware_arguments(args)
    if args.engine and (args.dask is not None or (args.workers or 1) != 1):
        raise ValueError("--engine runs serially in this process: drop --dask and --workers (or give --workers 1)")
    paths = experiment_paths(args.experiment, quick=args.quick)
    config_path = args.config or paths.config
    results_path = args.results or paths.results
    figure_stem = args.figure or paths.figure_stem
    if not config_path.exists():
        raise FileNotFoundError(f"--config={str(config_path)!r} does not exist")
    kind, config = load_config(config_path, quick=args.quick)  # errors name the user's file
    if args.processor is not None:
        from qmemlearn.analysis.config_validation import read_config_json

        hardware_raw = hardware_config(read_config_json(config_path), args)
        run_config, results_path, figure_stem = _hardware_paths(args, results_path, figure_stem)
        if args.engine:
            args.workers = 1
    check_results_table(results_path, "--results")
    summary_path = results_path.with_name(results_path.stem + "-summary.json")
    check_writable_file(summary_path, "--results (its summary file)", create_parents=True)
    check_figure_stem(figure_stem, "--figure")
    with contextlib.ExitStack() as stack:
        # The engine and the executor open before anything is written: no credentials or an
        # unreachable scheduler leave no file behind.
        stack.enter_context(_engine_context(args))
        executor = stack.enter_context(open_executor(args.workers, args.dask))
        if args.processor is not None:
            config_path = run_config
            kind, config = _write_run_config(run_config, hardware_raw, quick=args.quick)
        print(f"qmemlearn reproduce {args.experiment} ({config.mode} mode): config {config_path}", file=sys.stderr)
        print(f"  results table (resumable): {results_path}", file=sys.stderr)
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


def _engine_context(args: argparse.Namespace) -> Any:
    """With ``--engine``, :func:`qmemlearn.hardware.execution.engine_target` for the run."""
    if not args.engine:
        return contextlib.nullcontext()
    from qmemlearn.hardware.execution import engine_target

    return engine_target(args.processor, args.project)


def main_reproduce(*, command_line_args: list[str]) -> int:
    """Runs ``qmemlearn reproduce``; see ``qmemlearn reproduce --help``.

    Returns:
        0 on success; 2 on bad input (config value, path, worker count, unreachable Dask
        scheduler), after printing ``qmemlearn reproduce: error: ...``; nothing is written then.
    """
    return run_command(build_parser(), command_line_args, _reproduce)
