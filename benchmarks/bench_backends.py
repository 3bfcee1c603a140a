#!/usr/bin/env python
"""Backend benchmarks of issue 7 item 8. Each number is measured in one run; ratios are
medians of interleaved repeats, so slow phases of a shared machine hit both sides.

1. ``qsim-vs-cirq``: noisy two-copy sampling at n = 8 and 12 (16 and 24 qubits), the SAME
   circuit and the SAME per-shot sweep columns, ``sample_bits`` through
   ``make_sampler("qsim")`` and ``make_sampler("cirq")`` (cirq.Simulator, one sweep point per
   shot). Also qsim on the mixture form (constant settings: one translation, then
   ``repetitions=shots`` trajectories).
2. ``stim``: two-copy Pauli learning with depolarizing noise at n = 100 and 1000, copies/s
   of ``sample_records`` on a fresh instance each repeat (conversion of the new instance
   included), sweep form and mixture form; in the same run, raw stim on the equivalent
   hand-built stim circuit (:func:`raw_stim_circuit`, no cirq): ``compile_sampler().sample``
   (compile included, bit-packed), and ``FlipSimulator`` on it without the fair coins
   (bit-packed flips only: no reference, no coins, no unpacking: the floor of any exact stim
   path), and the ratios of the backend to both.
3. ``search``: wall time of one N* search (decoy rule, ``run_searches`` with one
   ``SearchCurve``, ``evaluate_pauli_learning`` with ``{"alpha": 0.9, "backend": "stim"}``) for
   two-copy Pauli learning at n = 1000 under depolarizing noise.

Usage: ``python benchmarks/bench_backends.py [--quick] [--only qsim-vs-cirq,stim,search]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from qmemlearn.backends import make_sampler, sample_bits
from qmemlearn.protocols import MEASUREMENT_KEY, TwoCopyProtocol, sample_records
from qmemlearn.protocols.base import MixtureForm
from qmemlearn.sources import PauliMixedState

NOISE = "depolarizing:p1=0.001,p2=0.01"
#: The search needs a signal that survives 1000 qubits: tr(Pρ)² shrinks per unit of weight.
SEARCH_NOISE = "depolarizing:p1=1e-05,p2=0.0001"
SHOTS = {8: 40, 12: 6}  # qsim-vs-cirq shots per measurement (noisy: one full simulation per shot)
STIM_COPIES = {100: 20_000, 1000: 20_000}
TARGET_COPIES_PER_SECOND = 1e5


def _pauli(n: int, seed: int) -> str:
    return "".join(np.random.default_rng(seed).choice(list("XYZ"), n))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_qsim_vs_cirq(repeats: int, ns=(8, 12)) -> None:
    print(f"\n## noisy two-copy sampling, qsim vs cirq.Simulator ({NOISE}), shots/s, median of {repeats}")
    print("| n | qubits | shots | cirq shots/s | qsim shots/s | qsim/cirq | qsim mixture form shots/s | mixture/cirq |")
    print("|---|---|---|---|---|---|---|---|")
    protocol = TwoCopyProtocol()
    for n in ns:
        state = PauliMixedState(_pauli(n, n), alpha=0.9)
        shots = SHOTS[n]
        circuit = protocol.circuit(state)
        columns, _ = protocol.draw_settings(state, np.random.default_rng(1), shots)
        mixture = MixtureForm(state)
        mix_circuit = protocol.circuit(mixture)
        mix_columns, _ = protocol.draw_settings(mixture, np.random.default_rng(1), shots)
        cirq_sampler = make_sampler("cirq", noise=NOISE, seed=1)
        qsim_sampler = make_sampler("qsim", noise=NOISE, seed=2)
        times = {"cirq": [], "qsim": [], "mix": []}
        for _ in range(repeats):  # interleaved
            times["cirq"].append(_timed(lambda: sample_bits(cirq_sampler, circuit, columns, key=MEASUREMENT_KEY)))
            times["qsim"].append(_timed(lambda: sample_bits(qsim_sampler, circuit, columns, key=MEASUREMENT_KEY)))
            times["mix"].append(_timed(lambda: sample_bits(qsim_sampler, mix_circuit, mix_columns, key=MEASUREMENT_KEY)))
        rate = {k: shots / statistics.median(v) for k, v in times.items()}
        print(
            f"| {n} | {2 * n} | {shots} | {rate['cirq']:.3g} | {rate['qsim']:.3g} | {rate['qsim'] / rate['cirq']:.2f} "
            f"| {rate['mix']:.3g} | {rate['mix'] / rate['cirq']:.2f} |"
        )


def raw_stim_circuit(state: PauliMixedState, p1: float, p2: float, *, coins: bool = True):
    """The noisy two-copy mixture-form circuit of ``state``, written in stim directly.

    Qubits a_i = 2i, b_i = 2i + 1 (the default layout). Per copy: the parity mixture
    (``X_ERROR(0.5)`` off the first support qubit, ``X_ERROR((1 - sα)/2)`` on it, CNOTs from the
    rest of the support onto it), depolarizing after the flips at exponent 0, the rotation Z → P
    (``SQRT_Y`` for X, ``SQRT_X_DAG`` for Y) with depolarizing after it, then CNOT(a_i, b_i),
    H(a_i), each with depolarizing, and a measurement of a0, b0, a1, b1, ....
    ``coins=False`` drops the ``X_ERROR(0.5)`` (for the flip-simulator floor).
    """
    import stim

    n = state.n
    support = [i for i, c in enumerate(state.pauli) if c != "I"]
    lines = []
    for offset in (0, 1):
        qubit = [2 * i + offset for i in range(n)]
        first = qubit[support[0]]
        if coins:
            lines.append("X_ERROR(0.5) " + " ".join(str(t) for t in qubit if t != first))
        lines.append(f"X_ERROR({(1 - state.sign * state.alpha) / 2!r}) {first}")
        if len(support) > 1:
            lines.append("CX " + " ".join(f"{qubit[i]} {first}" for i in support[1:]))
    every = " ".join(str(t) for t in range(2 * n))
    lines.append(f"DEPOLARIZE1({p1!r}) {every}")
    for name, char in (("SQRT_Y", "X"), ("SQRT_X_DAG", "Y")):
        targets = [str(2 * i + o) for i, c in enumerate(state.pauli) if c == char for o in (0, 1)]
        if targets:
            lines.append(f"{name} " + " ".join(targets))
    lines.append(f"DEPOLARIZE1({p1!r}) {every}")
    pairs = " ".join(f"{2 * i} {2 * i + 1}" for i in range(n))
    lines += [f"CX {pairs}", f"DEPOLARIZE2({p2!r}) {pairs}"]
    a_qubits = " ".join(str(2 * i) for i in range(n))
    lines += [f"H {a_qubits}", f"DEPOLARIZE1({p1!r}) {a_qubits}", f"M {every}"]
    return stim.Circuit("\n".join(lines))


def _raw_stim_rates(state: PauliMixedState, shots: int) -> tuple[float, float]:
    """Seconds of raw stim for ``shots`` shots: compile_sampler (compile + sample), FlipSimulator floor."""
    import stim

    from qmemlearn.backends.stim_frames import padded
    from qmemlearn.noise import parse_noise

    term = parse_noise(NOISE).term("depolarizing")
    circuit = raw_stim_circuit(state, term.p1, term.p2)
    sampled = _timed(lambda: circuit.compile_sampler(seed=1).sample(shots, bit_packed=True))
    floor_circuit = raw_stim_circuit(state, term.p1, term.p2, coins=False)

    def floor() -> None:
        simulator = stim.FlipSimulator(batch_size=padded(shots), num_qubits=floor_circuit.num_qubits, seed=1)
        simulator.do(floor_circuit)
        simulator.get_measurement_flips(bit_packed=True)

    return sampled, _timed(floor)


def bench_stim(repeats: int, ns=(100, 1000)) -> None:
    print(f"\n## stim, two-copy Pauli learning ({NOISE}), copies/s, fresh instance per repeat, median of {repeats}")
    print(f"load average {os.getloadavg()[0]:.1f}; raw stim: the same circuit hand-built in stim (see raw_stim_circuit)")
    print(
        "| n | copies | sweep form copies/s | mixture form copies/s | mixture form, 10x copies: copies/s "
        "| raw stim compile_sampler copies/s | raw stim FlipSimulator floor copies/s "
        "| mixture / compile_sampler | mixture / floor | target |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    protocol = TwoCopyProtocol()
    for n in ns:
        copies = STIM_COPIES[n]
        sampler = make_sampler("stim", noise=NOISE, seed=3)
        warm = PauliMixedState(_pauli(n, 0), alpha=0.9)  # first call builds the plan: not timed
        sample_records(warm, protocol, copies=200, sampler=sampler, rng=np.random.default_rng(0))
        sample_records(MixtureForm(warm), protocol, copies=200, sampler=sampler, rng=np.random.default_rng(0))
        times: dict[str, list[float]] = {"sweep": [], "mixture": [], "mixture10": [], "raw": [], "floor": []}
        for r in range(repeats):
            state = PauliMixedState(_pauli(n, 100 + r), alpha=0.9)
            raw, floor = _raw_stim_rates(state, copies // 2)
            times["raw"].append(raw)
            times["floor"].append(floor)
            rng = np.random.default_rng(r)
            times["sweep"].append(_timed(lambda: sample_records(state, protocol, copies=copies, sampler=sampler, rng=rng)))
            times["mixture"].append(
                _timed(lambda: sample_records(MixtureForm(state), protocol, copies=copies, sampler=sampler, rng=rng))
            )
            # The sweep form's columns (6n floats per shot) do not fit at 10x copies; the mixture form's do.
            times["mixture10"].append(
                _timed(lambda: sample_records(MixtureForm(state), protocol, copies=10 * copies, sampler=sampler, rng=rng)) / 10
            )
        rate = {k: copies / statistics.median(v) for k, v in times.items()}
        target = f">= {TARGET_COPIES_PER_SECOND:.0e}" if n == 1000 else ""
        print(
            f"| {n} | {copies} | {rate['sweep']:.3g} | {rate['mixture']:.3g} | {rate['mixture10']:.3g} "
            f"| {rate['raw']:.3g} | {rate['floor']:.3g} | {rate['mixture'] / rate['raw']:.2f} "
            f"| {rate['mixture'] / rate['floor']:.2f} | {target} |"
        )


def bench_search(trials: int) -> None:
    from qmemlearn.analysis.search import SearchCurve, run_searches
    from qmemlearn.tasks.pauli_learning import evaluate_pauli_learning

    curve = SearchCurve(
        task="pauli-learning", protocol="two-copy", rule="decoy", n=1000, trials=trials, noise=SEARCH_NOISE,
        json_metadata={"alpha": 0.9, "backend": "stim"}, start=4,  # the estimators need >= 2 shots
    )
    start = time.perf_counter()
    (result,) = run_searches([curve], evaluate_pauli_learning, store=None, progress=False)
    seconds = time.perf_counter() - start
    evaluated = sum(e.trials for e in result.evaluations)
    print(f"\n## one N* search, two-copy decoy, n = 1000, {SEARCH_NOISE}, stim, {trials} trials per point")
    print("| N* (copies) | points evaluated | instances | wall time (s) | s per instance |")
    print("|---|---|---|---|---|")
    print(f"| {result.n_star} | {len(result.evaluations)} | {evaluated} | {seconds:.1f} | {seconds / max(evaluated, 1):.3f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and trials")
    parser.add_argument("--only", default="qsim-vs-cirq,stim,search", help="comma-separated subset")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 5
    print(f"# bench_backends on {platform.node()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    only = set(args.only.split(","))
    if "qsim-vs-cirq" in only:
        bench_qsim_vs_cirq(repeats)
    if "stim" in only:
        bench_stim(repeats)
    if "search" in only:
        bench_search(50 if args.quick else 200)


if __name__ == "__main__":
    main()
