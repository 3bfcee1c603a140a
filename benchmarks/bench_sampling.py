#!/usr/bin/env python
"""Sampling throughput: the ``fast`` backend (ClusterSampler) against ``cirq.Simulator``.

For both learning protocols (single-copy shadows, two-copy Bell measurements), each n and
each noise setting, this measures copies of rho per second:

* fast, sampler only: ``sample_bits(make_sampler("fast", ...), circuit, columns)`` on
  prebuilt per-shot sweep columns (>= 1e6 copies per measurement, warm plan cache);
* fast, end to end: ``sample_records(source, protocol, copies=..., sampler=fast, rng=...)``
  (draw settings + sample + build the record);
* fast, cold first call: the first ``sample_bits`` call of a fresh sampler (it builds the
  plan and the per-setting cluster distributions), one measurement, shown next to its
  slowdown against the warm median;
* cirq: ``sample_bits(make_sampler("cirq", ...), circuit, columns)`` on the SAME circuit and
  the first shots of the SAME columns, i.e. ``cirq.Simulator.run_sweep(circuit,
  cirq.Zip(cirq.Points...), repetitions=1)``: one sweep point per shot, as the paper's released
  ReCirq code draws data. Noise is applied with ``circuit.with_noise`` on both backends.

The ratio is fast (sampler only) / cirq, both medians of R repeats. Repeats of the fast and
cirq measurements are interleaved, so slow phases of a shared machine hit both.

Run ``python benchmarks/bench_sampling.py --help`` for the flags; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field

import cirq
import numpy as np

import qmemlearn
from qmemlearn.backends import make_sampler, sample_bits
from qmemlearn.protocols import MEASUREMENT_KEY, SingleCopyProtocol, TwoCopyProtocol, sample_records
from qmemlearn.sources import PauliMixedState

DEFAULT_NS = (4, 8, 12, 20)
QUICK_NS = (4, 8)
DEFAULT_REPEATS = 5
QUICK_REPEATS = 3
DEFAULT_NOISE = "depolarizing:p1=0.001,p2=0.01"
DEFAULT_FAST_COPIES = 1_000_000
DEFAULT_CIRQ_SECONDS = 2.0  # target wall time of one cirq measurement
QUICK_CIRQ_SECONDS = 1.0
CIRQ_MIN_SHOTS = 20
CIRQ_MAX_SHOTS = 500
LARGE_CIRCUIT_QUBITS = 20  # above this, a cirq state-vector shot is slow: time only a few
LARGE_CIRCUIT_SHOTS = 20
FEW_SHOTS = 100  # cirq cells timed on fewer shots than this are footnoted
TARGET_N = 8
TARGET_COPIES_PER_SECOND = 1e6
TARGET_RATIO = 1000.0


@dataclass
class Cell:
    protocol: str
    n: int
    pauli: str
    noise: str
    fast_copies: int
    fast_times: list[float] = field(default_factory=list)  # sampler only, seconds
    e2e_times: list[float] = field(default_factory=list)  # sample_records, seconds
    cold_time: float = float("nan")
    cirq_shots: int = 0
    cirq_copies: int = 0
    cirq_times: list[float] = field(default_factory=list)
    cirq_note: str = ""  # set when cirq could not run

    @property
    def fast_cps(self) -> float:
        return self.fast_copies / statistics.median(self.fast_times)

    @property
    def e2e_cps(self) -> float:
        return self.fast_copies / statistics.median(self.e2e_times)

    @property
    def cold_cps(self) -> float:
        return self.fast_copies / self.cold_time

    @property
    def cold_slowdown(self) -> float:
        return self.cold_time / statistics.median(self.fast_times)

    @property
    def cirq_cps(self) -> float | None:
        return self.cirq_copies / statistics.median(self.cirq_times) if self.cirq_times else None

    @property
    def ratio(self) -> float | None:
        cirq_cps = self.cirq_cps
        return self.fast_cps / cirq_cps if cirq_cps else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="copies/s of the fast backend vs cirq.Simulator (one sweep point per shot), "
        "single-copy and two-copy protocols, ideal and noisy.",
    )
    parser.add_argument("--quick", action="store_true", help=f"n = {','.join(map(str, QUICK_NS))} only, "
                        f"{QUICK_REPEATS} repeats, ~{QUICK_CIRQ_SECONDS:g} s per cirq measurement")
    parser.add_argument("--repeats", type=int, default=None, metavar="R",
                        help=f"timed repeats per measurement, median reported (default {DEFAULT_REPEATS}; "
                        f"{QUICK_REPEATS} with --quick)")
    parser.add_argument("--ns", type=str, default=None,
                        help=f"comma-separated n values (default {','.join(map(str, DEFAULT_NS))})")
    parser.add_argument("--csv", type=str, default=None, metavar="FILE",
                        help="also write the table (and every raw repeat time) to this CSV file")
    parser.add_argument("--noise", type=str, default=DEFAULT_NOISE,
                        help=f"the noisy setting, a qmemlearn noise spec (default {DEFAULT_NOISE!r}); "
                        "the ideal setting is always run too")
    parser.add_argument("--protocols", type=str, default="single-copy,two-copy",
                        help="comma-separated subset of single-copy,two-copy")
    parser.add_argument("--fast-copies", type=int, default=DEFAULT_FAST_COPIES, metavar="C",
                        help=f"copies of rho per fast measurement (default {DEFAULT_FAST_COPIES:,}; "
                        "the benchmark's figures assume >= 1e6)")
    parser.add_argument("--cirq-seconds", type=float, default=None, metavar="S",
                        help=f"target wall time of one cirq measurement; the shot count is calibrated "
                        f"from a pilot run and clamped to [{CIRQ_MIN_SHOTS}, {CIRQ_MAX_SHOTS}] "
                        f"({LARGE_CIRCUIT_SHOTS} for circuits over {LARGE_CIRCUIT_QUBITS} qubits) "
                        f"(default {DEFAULT_CIRQ_SECONDS:g}; {QUICK_CIRQ_SECONDS:g} with --quick)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the Paulis, settings and samplers")
    args = parser.parse_args(argv)

    if args.repeats is None:
        args.repeats = QUICK_REPEATS if args.quick else DEFAULT_REPEATS
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    if args.ns is None:
        args.ns = list(QUICK_NS if args.quick else DEFAULT_NS)
    else:
        try:
            args.ns = [int(x) for x in args.ns.split(",") if x.strip()]
        except ValueError:
            parser.error(f"--ns={args.ns!r} must be comma-separated integers, e.g. 4,8,12,20")
        if not args.ns or any(n < 1 for n in args.ns):
            parser.error("--ns values must be integers >= 1")
    if args.cirq_seconds is None:
        args.cirq_seconds = QUICK_CIRQ_SECONDS if args.quick else DEFAULT_CIRQ_SECONDS
    if args.fast_copies < 2 or args.fast_copies % 2:
        parser.error("--fast-copies must be an even number >= 2 (a two-copy shot consumes 2 copies)")
    args.protocols = [p.strip() for p in args.protocols.split(",") if p.strip()]
    if not args.protocols or set(args.protocols) - {"single-copy", "two-copy"}:
        parser.error("--protocols must be a comma-separated subset of single-copy,two-copy")
    return args


def random_pauli(n: int, seed: int) -> str:
    """A uniformly random non-identity Pauli string on n qubits, fixed by (seed, n)."""
    rng = np.random.default_rng([seed, n])
    while True:
        pauli = "".join(rng.choice(list("IXYZ"), size=n))
        if set(pauli) != {"I"}:
            return pauli


def make_protocol(name: str):
    return SingleCopyProtocol() if name == "single-copy" else TwoCopyProtocol()


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def run_cell(protocol_name: str, n: int, noise: str | None, args: argparse.Namespace, log) -> Cell:
    protocol = make_protocol(protocol_name)
    pauli = random_pauli(n, args.seed)
    source = PauliMixedState(pauli, alpha=0.9, sign=1)
    circuit = protocol.circuit(source)
    num_qubits = len(circuit.all_qubits())
    per_shot = protocol.copies_per_shot
    cell = Cell(protocol_name, n, pauli, noise or "ideal", args.fast_copies)
    settings_rng = np.random.default_rng([args.seed, n, per_shot, 1])
    fast_shots = args.fast_copies // per_shot
    columns, _ = protocol.draw_settings(source, settings_rng, fast_shots)

    # Fast: the cold first call of a fresh sampler also serves as the warm-up.
    fast = make_sampler("fast", noise=noise, seed=args.seed)
    cell.cold_time, bits = timed(sample_bits, fast, circuit, columns, key=MEASUREMENT_KEY)
    assert bits.shape == (fast_shots, num_qubits), bits.shape

    # Cirq: a pilot run (also its warm-up) calibrates the shot count; the memory guard of
    # make_sampler("cirq") raises ValueError from run_sweep when the state vector cannot fit.
    cirq_sampler = make_sampler("cirq", noise=noise, seed=args.seed)
    large = num_qubits > LARGE_CIRCUIT_QUBITS
    max_shots = LARGE_CIRCUIT_SHOTS if large else CIRQ_MAX_SHOTS
    min_shots = min(CIRQ_MIN_SHOTS, max_shots)
    pilot_shots = 2 if large else 5
    try:
        pilot_time, _ = timed(
            sample_bits, cirq_sampler, circuit, {k: v[:pilot_shots] for k, v in columns.items()}, key=MEASUREMENT_KEY
        )
    except ValueError as exc:
        if "would need about" not in str(exc):  # not the memory guard: a real failure
            raise
        cell.cirq_note = f"n/a ({num_qubits} qubits exceed memory)"
        log(f"    cirq: memory guard refused {num_qubits} qubits: {exc}")
    else:
        per_shot_time = pilot_time / pilot_shots
        cell.cirq_shots = int(np.clip(round(args.cirq_seconds / per_shot_time), min_shots, max_shots))
        cell.cirq_shots = min(cell.cirq_shots, fast_shots)
        cell.cirq_copies = cell.cirq_shots * per_shot
        log(f"    cirq pilot: {per_shot_time * 1e3:.1f} ms/shot over {pilot_shots} shots "
            f"-> {cell.cirq_shots} shots per measurement")
    cirq_columns = {k: v[: cell.cirq_shots] for k, v in columns.items()}

    e2e_rng = np.random.default_rng([args.seed, n, per_shot, 2])
    for _ in range(args.repeats):  # interleaved, so machine noise hits every backend alike
        elapsed, bits = timed(sample_bits, fast, circuit, columns, key=MEASUREMENT_KEY)
        cell.fast_times.append(elapsed)
        elapsed, record = timed(
            sample_records, source, protocol, copies=args.fast_copies, sampler=fast, rng=e2e_rng
        )
        assert record.bits.shape == (fast_shots, num_qubits), record.bits.shape
        cell.e2e_times.append(elapsed)
        del record
        if cell.cirq_shots:
            elapsed, bits = timed(sample_bits, cirq_sampler, circuit, cirq_columns, key=MEASUREMENT_KEY)
            assert bits.shape == (cell.cirq_shots, num_qubits), bits.shape
            cell.cirq_times.append(elapsed)
    return cell


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}x" if value >= 10 else f"{value:.2g}x"


def noise_label(noise: str, noisy_spec: str) -> str:
    return "ideal" if noise == "ideal" else ("depol" if noisy_spec == DEFAULT_NOISE else "noisy")


def table_rows(cells: list[Cell], args: argparse.Namespace) -> tuple[list[str], list[list[str]], list[str]]:
    header = [
        "protocol", "n", "noise", "fast c/s", "fast e2e c/s", "fast cold 1st call", "cirq c/s", "cirq shots", "ratio",
    ]
    rows, notes = [], []
    for cell in cells:
        mark = ""
        if cell.cirq_times and cell.cirq_shots < FEW_SHOTS:
            mark = "*"
        cirq_cell = cell.cirq_note or fmt_rate(cell.cirq_cps) + mark
        rows.append([
            cell.protocol,
            str(cell.n),
            noise_label(cell.noise, args.noise),
            fmt_rate(cell.fast_cps),
            fmt_rate(cell.e2e_cps),
            f"{fmt_rate(cell.cold_cps)} ({cell.cold_slowdown:.2f}x warm time)",
            cirq_cell,
            str(cell.cirq_shots) if cell.cirq_shots else "-",
            fmt_ratio(cell.ratio),
        ])
    if any(c.cirq_times and c.cirq_shots < FEW_SHOTS for c in cells):
        notes.append(
            f"* cirq timed on only a few shots per repeat (see 'cirq shots'; circuits over {LARGE_CIRCUIT_QUBITS} "
            f"qubits are capped at {LARGE_CIRCUIT_SHOTS} shots, slow ones get >= {CIRQ_MIN_SHOTS}): a state-vector "
            "shot costs about the same every time, so the rate is still representative, but with more "
            "per-call overhead than a long run."
        )
    return header, rows, notes


def render(header: list[str], rows: list[list[str]]) -> str:
    numeric = {1, 3, 4, 6, 7, 8}
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(values):
        return "  ".join(v.rjust(w) if i in numeric else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths)))

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def machine_info() -> list[str]:
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = None
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    threads = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ}
    return [
        f"machine: {platform.platform()}, {platform.machine()}, python {platform.python_version()}",
        f"cpus: os.cpu_count()={os.cpu_count()}, usable (affinity)={affinity}, load average {load}"
        + (f", {threads}" if threads else ""),
        f"versions: numpy {np.__version__}, cirq {cirq.__version__}, qmemlearn {getattr(qmemlearn, '__version__', '?')}",
    ]


def write_csv(path: str, cells: list[Cell], args: argparse.Namespace) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([
            "protocol", "n", "pauli", "noise", "repeats", "fast_copies_per_measurement",
            "fast_copies_per_s_median", "fast_e2e_copies_per_s_median", "fast_cold_copies_per_s",
            "cirq_shots_per_measurement", "cirq_copies_per_measurement", "cirq_copies_per_s_median",
            "ratio_fast_over_cirq", "cirq_note", "fast_times_s", "fast_e2e_times_s", "fast_cold_time_s",
            "cirq_times_s", "cpu_count", "numpy", "cirq",
        ])
        for c in cells:
            writer.writerow([
                c.protocol, c.n, c.pauli, c.noise, args.repeats, c.fast_copies,
                f"{c.fast_cps:.6g}", f"{c.e2e_cps:.6g}", f"{c.cold_cps:.6g}",
                c.cirq_shots, c.cirq_copies, "" if c.cirq_cps is None else f"{c.cirq_cps:.6g}",
                "" if c.ratio is None else f"{c.ratio:.6g}", c.cirq_note,
                ";".join(f"{t:.6g}" for t in c.fast_times), ";".join(f"{t:.6g}" for t in c.e2e_times),
                f"{c.cold_time:.6g}", ";".join(f"{t:.6g}" for t in c.cirq_times),
                os.cpu_count(), np.__version__, cirq.__version__,
            ])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    noises: list[str | None] = [None, args.noise]
    plan = [(p, n, noise) for p in args.protocols for n in args.ns for noise in noises]
    log(f"bench_sampling: {len(plan)} cells, {args.repeats} repeats each (progress on stderr, table on stdout)")
    start = time.perf_counter()
    cells = []
    for k, (protocol_name, n, noise) in enumerate(plan, 1):
        log(f"[{k}/{len(plan)}] {protocol_name} n={n} noise={noise or 'ideal'} pauli={random_pauli(n, args.seed)}")
        cell = run_cell(protocol_name, n, noise, args, log)
        cells.append(cell)
        cirq_text = cell.cirq_note or f"{fmt_rate(cell.cirq_cps)} c/s"
        log(f"    fast {cell.fast_cps:.3g} c/s, e2e {cell.e2e_cps:.3g} c/s, cirq {cirq_text}, "
            f"ratio {fmt_ratio(cell.ratio)}")
    total = time.perf_counter() - start

    header, rows, notes = table_rows(cells, args)
    out = ["qmemlearn sampling benchmark: fast backend (ClusterSampler) vs cirq.Simulator", *machine_info()]
    out.append(
        "units: copies/s = copies of rho consumed per second of wall time, median of "
        f"R={args.repeats} repeats; a single-copy shot consumes 1 copy, a two-copy shot consumes 2 copies "
        "(shots/s = copies/s / 2 for two-copy)."
    )
    out.append(
        f"fast: make_sampler('fast', noise, seed), {args.fast_copies:,} copies per measurement, warm plan cache. "
        "'fast c/s' = sample_bits on prebuilt columns; 'fast e2e c/s' = sample_records (settings + sampling + "
        "record); 'cold 1st call' = first sample_bits of a fresh sampler (one measurement, builds the plan), "
        "with its time relative to the warm median."
    )
    out.append(
        "cirq: make_sampler('cirq', noise, seed) = cirq.Simulator on circuit.with_noise(model), "
        "run_sweep(circuit, cirq.Zip of cirq.Points, repetitions=1), one sweep point per shot, same circuit "
        f"and settings as fast; shots calibrated for ~{args.cirq_seconds:g} s per measurement."
    )
    out.append("ratio = fast c/s / cirq c/s (sampler only, both medians, repeats interleaved in the same run).")
    out.append(f"noise: ideal = noiseless; {noise_label('x', args.noise)} = {args.noise!r}, on both backends.")
    out.append("paulis (random non-identity, seed %d): %s" % (
        args.seed, ", ".join(f"n={n}: {random_pauli(n, args.seed)}" for n in args.ns)))
    out.append("")
    out.append(render(header, rows))
    out.extend(notes)
    target_cells = [c for c in cells if c.protocol == "two-copy" and c.n == TARGET_N]
    for c in target_cells:
        ok_rate = "met" if c.fast_cps >= TARGET_COPIES_PER_SECOND else "NOT met"
        ok_ratio = "n/a" if c.ratio is None else ("met" if c.ratio >= TARGET_RATIO else "NOT met")
        out.append(
            f"target (two-copy, n={TARGET_N}, {noise_label(c.noise, args.noise)}): fast {c.fast_cps:.3g} copies/s "
            f"vs >= {TARGET_COPIES_PER_SECOND:.0e}: {ok_rate}; ratio {fmt_ratio(c.ratio)} vs >= "
            f"{TARGET_RATIO:,.0f}x: {ok_ratio}"
        )
    out.append(f"total benchmark wall time {total:.0f} s")
    print("\n".join(out), flush=True)
    if args.csv:
        write_csv(args.csv, cells, args)
        print(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
