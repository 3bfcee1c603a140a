#!/usr/bin/env python
"""Two-copy dynamics: seconds per circuit × 1000 shots (qsim, mps, cirq) and n = 20 at 40 qubits.

Part 1 (backends): for n = 8, 12, 20 system qubits (2n qubits), depth 5, scrambling U (the
hard class), the dynamics task's own outcome paths, timed from the circuit to 1000 shots on a
cold cache, against ``cirq.Simulator().run(circuit, repetitions=1000)``:

* ``qsim``: ``circuit_outcomes(..., backend="exact")`` (qsim state vector → exact counts),
  up to ``--qsim-max-qubits`` (default 24);
* ``mps``: ``circuit_outcomes(..., backend="mps")`` (quimb MPS of the two-copy circuit's
  interleaved form, which has the literal circuit's final state; exact, batched sampler, one
  BLAS thread);
* ``cirq``: ``cirq.Simulator``, up to ``--cirq-max-qubits`` (default 24); skipped beyond, with
  the reason printed.

Each cell is the median over ``--repeats`` (>= 3) circuit seeds; ratios are cirq / backend,
measured in the same run.

Part 2 (n = 20, 40 qubits): depth 5 and 8, both classes, MPS path: largest bond reached, quimb's
kept-fidelity estimate (1 = exact) and seconds per 1000 shots. Scrambling U deeper than
``--exact-scrambling-depth`` (default 5) runs with a bond cap (``--cap``, default 256). Then the accuracy of one small batch at n = 20, depth 5: ``--batch`` circuits per class,
1000 queries each (500 two-copy shots), both rules of the task.

Part 4 (bond growth): exact scrambling MPS at n = 20 for ``--growth-depths`` (default 4 5 6):
largest bond, final bonds at the middle cuts, state size and seconds, showing why depth 8 has
no exact MPS (each layer multiplies the bonds it crosses by up to 16).

``--quick``: n = 8 and 12 only in part 1, 3 repeats, no cirq at 24 qubits, no depth 8, no part 4.
``--only growth`` (or ``backends``, ``large``, ``accuracy``) runs the named parts alone.

Example:
    python benchmarks/bench_dynamics.py            # ~10 min on the shared 2-core VM
    python benchmarks/bench_dynamics.py --quick    # ~1 min
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import cirq
import numpy as np

from qmemlearn.protocols.dynamics import two_copy_dynamics_circuit
from qmemlearn.sources.brickwork import BrickworkDynamics
from qmemlearn.tasks.dynamics import draw_circuits, score_trial
from qmemlearn.tasks.dynamics_outcomes import circuit_outcomes, clear_cache

SHOTS = 1000


def time_task_path(dynamics: BrickworkDynamics, backend: str, max_bond: int = 0) -> tuple[float, object]:
    """Seconds from the circuit to the counts of 1000 shots on a cold cache, and the outcomes."""
    clear_cache()
    start = time.perf_counter()
    outcomes = circuit_outcomes(dynamics, protocol="two-copy", backend=backend, max_bond=max_bond)
    ones = outcomes.sample_ones(SHOTS, np.random.default_rng(0))
    seconds = time.perf_counter() - start
    assert ones.shape == (2 * dynamics.n,)
    return seconds, outcomes


def time_cirq(dynamics: BrickworkDynamics) -> float:
    circuit = two_copy_dynamics_circuit(dynamics)
    start = time.perf_counter()
    bits = cirq.Simulator(seed=0).run(circuit, repetitions=SHOTS).measurements["m"]
    seconds = time.perf_counter() - start
    assert bits.shape == (SHOTS, 2 * dynamics.n)
    return seconds


def backends_table(args: argparse.Namespace) -> None:
    print(f"\n## Part 1: two-copy, depth {args.depth}, scrambling U, seconds per circuit x {SHOTS} shots "
          f"(median of {args.repeats} circuits)")
    print("| n | qubits | qsim s | mps s | cirq.Simulator s | cirq/qsim | cirq/mps |")
    print("|---|---|---|---|---|---|---|")
    for n in args.ns:
        qubits = 2 * n
        times: dict[str, list[float]] = {"qsim": [], "mps": [], "cirq": []}
        reasons = {}
        for r in range(args.repeats):
            dynamics = BrickworkDynamics(n=n, depth=args.depth, kind="scrambling", seed=100 + r)
            if qubits <= args.qsim_max_qubits:
                times["qsim"].append(time_task_path(dynamics, "exact")[0])
            else:
                reasons["qsim"] = f"{qubits} qubits > --qsim-max-qubits={args.qsim_max_qubits} (2^{qubits} amplitudes)"
            times["mps"].append(time_task_path(dynamics, "mps")[0])
            if qubits <= args.cirq_max_qubits:
                times["cirq"].append(time_cirq(dynamics))
            else:
                reasons["cirq"] = f"{qubits} qubits > --cirq-max-qubits={args.cirq_max_qubits} (2^{qubits} amplitudes)"
        median = {k: statistics.median(v) for k, v in times.items() if v}
        cells = [f"{median[k]:.3g}" if k in median else "skipped" for k in ("qsim", "mps", "cirq")]
        ratios = [f"{median['cirq'] / median[k]:.3g}" if "cirq" in median and k in median else "—" for k in ("qsim", "mps")]
        print(f"| {n} | {qubits} | " + " | ".join(cells + ratios) + " |", flush=True)
        for name, reason in reasons.items():
            print(f"  (n={n}: {name} skipped: {reason})", flush=True)


def large_table(args: argparse.Namespace) -> None:
    n = args.n_large
    print(f"\n## Part 2: n = {n} ({2 * n} qubits), two-copy, MPS path, {SHOTS} shots")
    print("| depth | class | bond cap | max bond | kept fidelity | seconds | mean bit |")
    print("|---|---|---|---|---|---|---|")
    for depth in args.large_depths:
        for kind in ("t-symmetric", "scrambling"):
            cap = args.cap if (kind == "scrambling" and depth > args.exact_scrambling_depth) else 0
            dynamics = BrickworkDynamics(n=n, depth=depth, kind=kind, seed=100)
            try:
                seconds, outcomes = time_task_path(dynamics, "mps", max_bond=cap)
            except ValueError as error:
                print(f"| {depth} | {kind} | {cap or 'exact'} | refused: {error} ||||", flush=True)
                continue
            state = outcomes.state
            mean_bit = outcomes.sample_ones(SHOTS, np.random.default_rng(1)).sum() / (SHOTS * 2 * n)
            print(f"| {depth} | {kind} | {cap or 'exact'} | {state.max_bond_reached} | "
                  f"{state.fidelity_estimate:.3g} | {seconds:.1f} | {mean_bit:.3f} |", flush=True)


def bond_growth(args: argparse.Namespace) -> None:
    """Exact (untruncated) scrambling MPS at n_large against depth: how the bond grows.

    The final state is (U·Uᵀ ⊗ I)|Φ⟩; every brickwork layer crosses every other cut with one gate
    on the system and one on the memory, so it can multiply those bonds by up to 4² = 16. The
    table shows the measured growth; the bound column is 16^(crossing layers) capped by the
    light cone 4^min(k, n−k) at the largest cut.
    """
    n = args.n_large
    print(f"\n## Part 4: exact scrambling MPS at n = {n} ({2 * n} qubits) against depth (no bond cap)")
    print("| depth | max bond | final bonds at the middle cuts | state MiB | seconds (evolve + 1000 shots) |")
    print("|---|---|---|---|---|")
    for depth in args.growth_depths:
        dynamics = BrickworkDynamics(n=n, depth=depth, kind="scrambling", seed=100)
        try:
            seconds, outcomes = time_task_path(dynamics, "mps")
        except ValueError as error:
            print(f"| {depth} | refused: {error} ||||", flush=True)
            continue
        state = outcomes.state
        bonds = [a.shape[2] for a in state.arrays[:-1]]
        middle = bonds[n // 2 - 3 : n // 2 + 2]
        print(f"| {depth} | {state.max_bond_reached} | {middle} | {state.nbytes / 2**20:.0f} | {seconds:.1f} |",
              flush=True)


def batch_accuracy(args: argparse.Namespace) -> None:
    n, depth, queries = args.n_large, args.depth, 1000
    shots = queries // 2
    circuits = draw_circuits(n, depth, args.batch, np.random.SeedSequence(20260609))
    rng = np.random.default_rng(20260610)
    clear_cache()
    start = time.perf_counter()
    ones = np.stack([circuit_outcomes(c, protocol="two-copy", backend="mps").sample_ones(shots, rng) for c in circuits])
    seconds = time.perf_counter() - start
    truth = np.array([c.label for c in circuits])
    print(f"\n## Part 3: accuracy at n = {n} ({2 * n} qubits), depth {depth}, two-copy, "
          f"{args.batch}+{args.batch} circuits, {queries} queries of U each ({seconds:.0f} s)")
    for rule in ("kernel-pca", "statistic"):
        accuracy = score_trial(ones, shots, truth, protocol="two-copy", rule=rule)
        print(f"  {rule}: accuracy (up to label swap) {accuracy:.3f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="n = 8, 12; no cirq at 24 qubits; no depth 8")
    parser.add_argument("--ns", type=int, nargs="+", default=None, help="system sizes of part 1 (default 8 12 20)")
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--qsim-max-qubits", type=int, default=24)
    parser.add_argument("--cirq-max-qubits", type=int, default=None, help="default 24 (16 with --quick)")
    parser.add_argument("--n-large", type=int, default=20)
    parser.add_argument("--large-depths", type=int, nargs="+", default=None, help="default 5 8 (5 with --quick)")
    parser.add_argument("--cap", type=int, default=256, help="bond cap of scrambling U beyond exact reach")
    parser.add_argument("--exact-scrambling-depth", type=int, default=5, help="deepest exact scrambling MPS")
    parser.add_argument("--batch", type=int, default=4, help="circuits per class of part 3")
    parser.add_argument("--growth-depths", type=int, nargs="*", default=None,
                        help="depths of part 4, exact scrambling MPS (default 4 5 6; none with --quick; "
                        "7 takes ~15 min and ~3 GB)")
    parser.add_argument("--only", choices=("backends", "large", "accuracy", "growth"), nargs="+", default=None,
                        help="run only these parts (default: all)")
    args = parser.parse_args(argv)
    if args.repeats < 3:
        parser.error(f"--repeats={args.repeats} must be >= 3 (medians)")
    args.ns = args.ns or ([8, 12] if args.quick else [8, 12, 20])
    args.cirq_max_qubits = args.cirq_max_qubits or (16 if args.quick else 24)
    args.large_depths = args.large_depths or ([5] if args.quick else [5, 8])
    if args.growth_depths is None:
        args.growth_depths = [] if args.quick else [4, 5, 6]
    parts = {"backends": backends_table, "large": large_table, "accuracy": batch_accuracy, "growth": bond_growth}
    load = os.getloadavg()[0]
    print(f"# {platform.machine()}, {os.cpu_count()} cores, load average {load:.1f} at start, "
          f"python {sys.version.split()[0]}, numpy {np.__version__}, cirq {cirq.__version__}")
    start = time.perf_counter()
    for name, part in parts.items():
        if args.only is None or name in args.only:
            part(args)
    print(f"\n# total {time.perf_counter() - start:.0f} s; load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
