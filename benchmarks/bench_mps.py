#!/usr/bin/env python
"""Two-copy dynamics circuits: seconds per circuit × 1000 shots for qsim, mps and cirq.

Part ``table`` (issue 8 item 9): for n = 8, 12, 20 system qubits (2n qubits), depth 5 (the
paper's analysis depth), both classes, time ``sampler.run(circuit, repetitions=1000)`` on a
fresh sampler (simulation + sampling, no cache) for

* ``qsim``: ``qsimcirq.QSimSimulator`` (2n <= 24),
* ``mps``: :class:`qmemlearn.backends.mps.MPSSampler` (exact, pair sites),
* ``cirq``: ``cirq.Simulator`` (2n <= 16 by default; ``--cirq-max-qubits``).

Part ``large`` (issue 8 item 6): n = 20 (40 qubits), the settings given by ``--large``
as ``kind:depth:cap`` (cap ``exact`` or an int), one circuit each, 1000 shots: seconds,
bond reached, quimb's fidelity estimate.

Each cell is the median of ``--repeats`` runs on different circuit seeds. The machine is
shared: pass ``--threads 1`` (BLAS threads of mps) when other jobs run.

Measured 2026-12-01 on the shared 2-core VM (load 2-8 from other jobs), ``--threads 1``:
depth 5, seconds per circuit x 1000 shots, median of 3 seeds (qsim / mps / cirq):
n=8: 0.05 / 0.60 / 0.23 (scrambling), 0.03 / 0.17 / 0.36 (T-sym);
n=12: 4.2 / 1.1 / - and 4.5 / 0.34 / -; n=20: - / 3.6 / - and - / 0.72 / -.
n=20: scrambling depth 8 cap 256: 103-196 s, fidelity estimate 0.029; T-symmetric depth 8
exact: 20 s (bond 256, all zeros); depth 14 cap 256: T-sym 447 s, fidelity 0.34;
scrambling 240 s, fidelity 2e-10. Exact scrambling at depth >= 6 is refused (bond 1024).

Example:
    python benchmarks/bench_mps.py --part table --repeats 3
    python benchmarks/bench_mps.py --part large --large scrambling:5:exact scrambling:8:256
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

from qmemlearn.backends.mps import MPSSampler
from qmemlearn.protocols.dynamics import two_copy_dynamics_circuit
from qmemlearn.sources.brickwork import BrickworkDynamics

SHOTS = 1000


def time_run(sampler: cirq.Sampler, circuit: cirq.Circuit) -> float:
    start = time.perf_counter()
    bits = sampler.run(circuit, repetitions=SHOTS).measurements["m"]
    assert bits.shape == (SHOTS, len(circuit.all_qubits()))
    return time.perf_counter() - start


def samplers(qubits: int, args: argparse.Namespace) -> dict[str, cirq.Sampler]:
    out: dict[str, cirq.Sampler] = {}
    if qubits <= args.qsim_max_qubits:
        import qsimcirq

        out["qsim"] = qsimcirq.QSimSimulator()
    out["mps"] = MPSSampler(seed=0, threads=args.threads)
    if qubits <= args.cirq_max_qubits:
        out["cirq"] = cirq.Simulator(seed=0)
    return out


def table(args: argparse.Namespace) -> None:
    print(f"| n | 2n | class | depth | " + " | ".join(f"{b} s" for b in ("qsim", "mps", "cirq")) + " | mps bond |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.ns:
        for kind in ("scrambling", "t-symmetric"):
            times: dict[str, list[float]] = {}
            bonds = []
            for r in range(args.repeats):
                circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=n, depth=args.depth, kind=kind, seed=100 + r))
                for name, sampler in samplers(2 * n, args).items():
                    times.setdefault(name, []).append(time_run(sampler, circuit))
                    if name == "mps":
                        bonds.append(sampler.last_run_info["max_bond_reached"])
            cells = [f"{statistics.median(times[b]):.3g}" if b in times else "—" for b in ("qsim", "mps", "cirq")]
            print(f"| {n} | {2 * n} | {kind} | {args.depth} | " + " | ".join(cells) + f" | {max(bonds)} |", flush=True)


def large(args: argparse.Namespace) -> None:
    print("| n | class | depth | cap | seconds | simulate s | sample s | bond reached | fidelity estimate | mean bit |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for spec in args.large:
        kind, depth, cap = spec.split(":")
        max_bond = None if cap == "exact" else int(cap)
        circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=args.n_large, depth=int(depth), kind=kind, seed=100))
        sampler = MPSSampler(max_bond=max_bond, seed=0, threads=args.threads)
        try:
            start = time.perf_counter()
            bits = sampler.run(circuit, repetitions=SHOTS).measurements["m"]
            seconds = time.perf_counter() - start
        except ValueError as error:
            print(f"| {args.n_large} | {kind} | {depth} | {cap} | refused: {error} |||||", flush=True)
            continue
        info = sampler.last_run_info
        print(
            f"| {args.n_large} | {kind} | {depth} | {cap} | {seconds:.1f} | {info['simulate_seconds']:.1f} | "
            f"{info['sample_seconds']:.2f} | {info['max_bond_reached']} | {info['fidelity_estimate']:.3g} | "
            f"{bits.mean():.3f} |",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("table", "large", "both"), default="both")
    parser.add_argument("--ns", type=int, nargs="+", default=[8, 12, 20])
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--qsim-max-qubits", type=int, default=24)
    parser.add_argument("--cirq-max-qubits", type=int, default=16)
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads for mps (default: BLAS default)")
    parser.add_argument("--n-large", type=int, default=20)
    parser.add_argument(
        "--large",
        nargs="+",
        default=["scrambling:5:exact", "scrambling:6:exact", "scrambling:8:256", "t-symmetric:8:exact",
                 "t-symmetric:14:256", "scrambling:14:256"],
    )
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {load:.1f}, "
          f"python {sys.version.split()[0]}, numpy {np.__version__}, cirq {cirq.__version__}; {SHOTS} shots per circuit")
    if args.part in ("table", "both"):
        table(args)
    if args.part in ("large", "both"):
        large(args)


if __name__ == "__main__":
    main()
