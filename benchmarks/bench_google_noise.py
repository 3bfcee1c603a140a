"""Google calibrated noise: prepare (place + compile + noise) time, and fast-sampler copies/s.

Usage: ``python benchmarks/bench_google_noise.py [--processor willow_pink] [--repeats 5]``

Prints, for the two-copy Pauli-learning circuit on the processor:

* the median time to place, compile (to the native gateset, validated) and add the calibrated
  noise (``circuit.with_noise``) at n = 10, 25 and the largest n the device hosts;
* at that largest n, the fast cluster sampler's copies/s on the placed, compiled, noisy circuit:
  cold (first instance: plan + cluster distributions), and warm (median over fresh instances
  after the per-pair distribution cache is filled; a two-copy shot is 2 copies).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from qmemlearn.backends import ClusterSampler, sample_bits
from qmemlearn.hardware import compile_circuit, google_noise_model, load_processor, max_pairs, place
from qmemlearn.protocols import TwoCopyProtocol
from qmemlearn.sources import PauliMixedState


def _random_state(n: int, rng: np.random.Generator) -> PauliMixedState:
    return PauliMixedState("".join(rng.choice(list("XYZ"), n)), alpha=0.9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processor", default="willow_pink")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--shots", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    protocol = TwoCopyProtocol()
    start = time.perf_counter()
    processor, model = load_processor(args.processor), google_noise_model(args.processor)
    print(f"# {args.processor}: load device + calibration + noise model {time.perf_counter() - start:.2f} s; "
          f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f}")
    largest = max_pairs(processor)
    for n in sorted({10, 25, largest}):
        logical = protocol.circuit(_random_state(n, rng))
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            placed, _ = place(logical, processor)
            t1 = time.perf_counter()
            compiled = compile_circuit(placed, processor)
            t2 = time.perf_counter()
            compiled.with_noise(model)
            times.append((t1 - t0, t2 - t1, time.perf_counter() - t2))
        place_s, compile_s, noise_s = (statistics.median(column) for column in zip(*times))
        print(f"n={n:3d} pairs: place {place_s:.3f} s, compile {compile_s:.3f} s, with_noise {noise_s:.3f} s "
              f"(median of {args.repeats})")
    n = largest
    placed, _ = place(protocol.circuit(_random_state(n, rng)), processor)
    circuit = compile_circuit(placed, processor)  # one circuit for every instance at this n
    sampler = ClusterSampler(noise=model, seed=1)
    source = _random_state(n, rng)
    columns, _ = protocol.draw_settings(source, rng, args.shots)
    t0 = time.perf_counter()
    sample_bits(sampler, circuit, columns)
    cold = time.perf_counter() - t0
    for _ in range(6):  # fill the per-pair cache: 3 rotations x 4 flip pairs per coupler
        source = _random_state(n, rng)
        sample_bits(sampler, circuit, protocol.draw_settings(source, rng, 1000)[0])
    rates = []
    for _ in range(args.repeats):
        source = _random_state(n, rng)
        columns, _ = protocol.draw_settings(source, rng, args.shots)
        t0 = time.perf_counter()
        sample_bits(sampler, circuit, columns)
        rates.append(2 * args.shots / (time.perf_counter() - t0))
    print(f"fast sampler, n={n} pairs ({2 * n} qubits), {args.shots} shots per call: cold first call {cold:.2f} s; "
          f"warm {statistics.median(rates):.3g} copies/s (median of {args.repeats} fresh instances; target 1e5)")


if __name__ == "__main__":
    main()
