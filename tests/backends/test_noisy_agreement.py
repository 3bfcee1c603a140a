"""The fast backend agrees in distribution with Cirq's simulators on noisy parameterized circuits.

Random circuits of 1–3 independent clusters (1–3 qubits each) with parameterized gates and
explicit channels (depolarize, 2-qubit depolarize, bit_flip, amplitude_damp, phase_damp and
the package's ReadoutErrorChannel), swept over several parameter values. References:

* exact: ``cirq.final_density_matrix`` of each resolved circuit (conftest.exact_distribution);
* ``cirq.Simulator`` samples (trajectories; few repetitions, it is slow);
* ``cirq.DensityMatrixSimulator`` samples.

Plus: ``make_sampler("fast"|"cirq", noise=spec)`` on the two-copy protocol circuit.
"""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest
import sympy

from qmemlearn.backends import ClusterSampler, make_sampler
from qmemlearn.noise import LocalNoiseModel, ReadoutErrorChannel, parse_noise
from qmemlearn.protocols import MEASUREMENT_KEY, TwoCopyProtocol, sample_records
from qmemlearn.protocols.two_copy import COPY_PREFIXES
from qmemlearn.sources import PauliMixedState
from qmemlearn.sources.pauli_mixed import preparation_symbol_names

SYMBOLS = [sympy.Symbol(name) for name in ("s0", "s1", "s2")]


def random_noisy_circuit(seed: int, clusters: int | None = None) -> tuple[cirq.Circuit, cirq.Sweep]:
    """1–3 clusters (random unless given) of 1–3 qubits; some qubits unmeasured; 1–2 keys."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 4, size=clusters or rng.integers(1, 4))
    qubits = cirq.GridQubit.rect(1, int(sizes.sum()))
    clusters, start = [], 0
    for size in sizes:
        clusters.append(qubits[start : start + size])
        start += size
    ops = []
    for cluster in clusters:
        for _layer in range(3):
            for qubit in cluster:
                choice = rng.integers(0, 5)
                symbol = SYMBOLS[rng.integers(0, len(SYMBOLS))]
                if choice == 0:
                    ops.append(cirq.rx(symbol).on(qubit))
                elif choice == 1:
                    ops.append(cirq.XPowGate(exponent=symbol).on(qubit))
                elif choice == 2:
                    ops.append(cirq.PhasedXPowGate(phase_exponent=symbol, exponent=0.5).on(qubit))
                elif choice == 3:
                    ops.append(cirq.ry(float(rng.uniform(0, np.pi))).on(qubit))
                else:
                    ops.append(cirq.H(qubit))
                channel = rng.integers(0, 6)
                if channel == 0:
                    ops.append(cirq.depolarize(float(rng.uniform(0.02, 0.2))).on(qubit))
                elif channel == 1:
                    ops.append(cirq.bit_flip(float(rng.uniform(0.02, 0.2))).on(qubit))
                elif channel == 2:
                    ops.append(cirq.amplitude_damp(float(rng.uniform(0.05, 0.4))).on(qubit))
                elif channel == 3:
                    ops.append(cirq.phase_damp(float(rng.uniform(0.05, 0.4))).on(qubit))
                elif channel == 4:
                    ops.append(ReadoutErrorChannel(float(rng.uniform(0, 0.2)), float(rng.uniform(0, 0.2))).on(qubit))
            if len(cluster) >= 2:
                a, b = rng.choice(len(cluster), size=2, replace=False)
                gate = [cirq.CNOT, cirq.CZ, cirq.ISWAP ** SYMBOLS[0], cirq.CZPowGate(exponent=SYMBOLS[1])][rng.integers(0, 4)]
                ops.append(gate.on(cluster[a], cluster[b]))
                if rng.random() < 0.7:
                    ops.append(cirq.depolarize(float(rng.uniform(0.02, 0.2)), n_qubits=2).on(cluster[a], cluster[b]))
    # Measure a random non-empty subset (leaving some qubits unmeasured), split into 1–2 keys.
    measured = [qb for qb in qubits if rng.random() < 0.8] or [qubits[0]]
    measured = [measured[k] for k in rng.permutation(len(measured))]
    cut = int(rng.integers(1, len(measured) + 1))
    ops.append(cirq.measure(*measured[:cut], key="k0"))
    if cut < len(measured):
        ops.append(cirq.measure(*measured[cut:], key="k1"))
    circuit = cirq.Circuit(ops)
    values = rng.uniform(-1.5, 1.5, size=(4, len(SYMBOLS)))
    sweep = cirq.Zip(*(cirq.Points(str(s), values[:, k].tolist()) for k, s in enumerate(SYMBOLS)))
    return circuit, sweep


SEEDS = list(range(8)) + [(8, 1), (9, 1)]  # seed, or (seed, number of clusters)


def _circuit(seed) -> tuple[cirq.Circuit, cirq.Sweep]:
    return random_noisy_circuit(*seed) if isinstance(seed, tuple) else random_noisy_circuit(seed)


def _number(seed) -> int:
    return seed[0] if isinstance(seed, tuple) else seed


@pytest.mark.parametrize("seed", SEEDS)
def test_fast_matches_exact_on_random_noisy_circuits(seed, ref):
    circuit, sweep = _circuit(seed)
    results = ClusterSampler(seed=1000 + _number(seed)).run_sweep(circuit, sweep, repetitions=20_000)
    groups = []
    for result, resolver in zip(results, cirq.to_resolvers(sweep)):
        assert result.params == resolver
        groups.append((ref.counts(ref.result_bits(result, circuit)), ref.exact_distribution(circuit, resolver)))
    pvalue, stat, dof = ref.gof(groups)
    assert pvalue > 1e-3, (stat, dof, circuit)


@pytest.mark.parametrize("seed", SEEDS)
def test_density_matrix_simulator_matches_exact_on_random_noisy_circuits(seed, ref):
    """Sanity of the reference itself: Cirq's own density-matrix sampler agrees with it."""
    circuit, sweep = _circuit(seed)
    results = cirq.DensityMatrixSimulator(seed=2000 + _number(seed)).run_sweep(circuit, sweep, repetitions=5000)
    groups = [
        (ref.counts(ref.result_bits(result, circuit)), ref.exact_distribution(circuit, resolver))
        for result, resolver in zip(results, cirq.to_resolvers(sweep))
    ]
    pvalue, stat, dof = ref.gof(groups)
    assert pvalue > 1e-3, (stat, dof)


@pytest.mark.parametrize(
    "seed, repetitions",
    [(3, 250), pytest.param(0, 1000, marks=pytest.mark.slow), pytest.param(5, 1000, marks=pytest.mark.slow)],
)
def test_cirq_simulator_and_fast_agree_on_random_noisy_circuits(seed, repetitions, ref):
    """cirq.Simulator (one trajectory per repetition: slow) vs the exact distribution and vs fast."""
    circuit, sweep = random_noisy_circuit(seed)
    cirq_results = cirq.Simulator(seed=3000 + seed).run_sweep(circuit, sweep, repetitions=repetitions)
    fast_results = ClusterSampler(seed=4000 + seed).run_sweep(circuit, sweep, repetitions=20_000)
    groups = []
    for cirq_result, fast_result, resolver in zip(cirq_results, fast_results, cirq.to_resolvers(sweep)):
        cirq_counts = ref.counts(ref.result_bits(cirq_result, circuit))
        groups.append((cirq_counts, ref.exact_distribution(circuit, resolver)))
        two_sample = ref.two_sample_pvalue(cirq_counts, ref.counts(ref.result_bits(fast_result, circuit)))
        assert two_sample > 1e-4, (two_sample, resolver)  # 4 points: Bonferroni over 1e-3
    pvalue, stat, dof = ref.gof(groups)
    assert pvalue > 1e-3, (stat, dof)


def _cluster_count(circuit: cirq.Circuit) -> int:
    parent = {qb: qb for qb in circuit.all_qubits()}

    def root(qb):
        while parent[qb] != qb:
            qb = parent[qb]
        return qb

    for op in circuit.all_operations():
        if len(op.qubits) == 2 and not cirq.is_measurement(op):
            parent[root(op.qubits[0])] = root(op.qubits[1])
    return len({root(qb) for qb in parent})


def test_random_circuits_cover_the_intended_class():
    """The generator really produces 1–3 clusters, two keys, unmeasured qubits, all channel kinds."""
    seen = {"clusters": set(), "two keys": False, "unmeasured": False, "2q depolarize": False, "readout": False,
            "amplitude damping": False, "bit flip": False, "two-qubit cluster": False}
    for seed in SEEDS:
        circuit, sweep = _circuit(seed)
        assert len(list(cirq.to_resolvers(sweep))) == 4 and cirq.is_parameterized(circuit)
        ops = list(circuit.all_operations())
        seen["clusters"].add(_cluster_count(circuit))
        seen["two keys"] |= len(cirq.measurement_key_names(circuit)) == 2
        measured = {qb for op in ops if cirq.is_measurement(op) for qb in op.qubits}
        seen["unmeasured"] |= measured != circuit.all_qubits()
        seen["2q depolarize"] |= any(isinstance(op.gate, cirq.DepolarizingChannel) and len(op.qubits) == 2 for op in ops)
        seen["readout"] |= any(isinstance(op.gate, ReadoutErrorChannel) for op in ops)
        seen["amplitude damping"] |= any(isinstance(op.gate, cirq.AmplitudeDampingChannel) for op in ops)
        seen["bit flip"] |= any(isinstance(op.gate, cirq.BitFlipChannel) for op in ops)
        seen["two-qubit cluster"] |= any(len(op.qubits) == 2 and not cirq.is_measurement(op) for op in ops)
    assert seen.pop("clusters") == {1, 2, 3}
    assert all(seen.values()), seen


# ----- noise specs through make_sampler on the two-copy protocol ------------------------------
NOISE = "depolarizing:p1=0.05,p2=0.1+readout:p01=0.03,p10=0.08+amplitude-damping:gamma=0.05"


def _exact_noisy_two_copy(state: PauliMixedState, model: cirq.NoiseModel | None, ref) -> np.ndarray:
    protocol = TwoCopyProtocol()
    circuit = cirq.Circuit(protocol.circuit(state))
    if model is not None:
        circuit = circuit.with_noise(model)
    columns, _ = protocol.draw_settings(state, np.random.default_rng(0), 1)
    base = {name: float(v[0]) for name, v in columns.items()}
    flips = [preparation_symbol_names(state.n, prefix)["flip"] for prefix in COPY_PREFIXES]
    sa = state.sign * state.alpha
    support = [i for i, c in enumerate(state.pauli) if c != "I"]
    total = 0.0
    for fa, fb in itertools.product(itertools.product((0, 1), repeat=state.n), repeat=2):
        weight = 1.0
        for f in (fa, fb):
            parity = sum(f[i] for i in support) % 2
            weight *= ((1 + sa) / 2 if parity == 0 else (1 - sa) / 2) / 2 ** (state.n - 1)
        values = dict(base)
        values.update({name: float(v) for name, v in zip(flips[0], fa)})
        values.update({name: float(v) for name, v in zip(flips[1], fb)})
        total = total + weight * ref.exact_distribution(circuit, values)
    return total


@pytest.mark.parametrize(
    "pauli, cirq_shots",
    [("Y", 800), pytest.param("YX", 3000, marks=pytest.mark.slow)],
)
def test_noise_spec_fast_and_cirq_agree_on_two_copy(pauli, cirq_shots, ref):
    state = PauliMixedState(pauli, alpha=0.9, sign=-1)
    model = parse_noise(NOISE).model()
    assert isinstance(model, LocalNoiseModel)
    exact = _exact_noisy_two_copy(state, model, ref)
    noiseless = _exact_noisy_two_copy(state, None, ref)
    assert np.abs(exact - noiseless).max() > 0.02  # the spec changes the distribution
    fast = sample_records(state, TwoCopyProtocol(), copies=400_000, sampler=make_sampler("fast", noise=NOISE, seed=1), rng=np.random.default_rng(2))
    slow = sample_records(state, TwoCopyProtocol(), copies=2 * cirq_shots, sampler=make_sampler("cirq", noise=NOISE, seed=3), rng=np.random.default_rng(4))
    fast_counts, slow_counts = ref.counts(fast.bits), ref.counts(slow.bits)
    for label, counts in (("fast", fast_counts), ("cirq", slow_counts)):
        pvalue, stat, dof = ref.gof([(counts, exact)])
        assert pvalue > 1e-3, (label, stat, dof)
    assert ref.two_sample_pvalue(fast_counts, slow_counts) > 1e-3
    # Power check: the noiseless distribution is rejected by the fast samples.
    assert ref.gof([(fast_counts, noiseless)])[0] < 1e-6


def test_make_sampler_fast_noise_equals_cluster_sampler_with_model():
    state = PauliMixedState("XYZ", alpha=0.9)
    one = sample_records(state, TwoCopyProtocol(), copies=2000, sampler=make_sampler("fast", noise=NOISE, seed=5), rng=np.random.default_rng(6))
    two = sample_records(
        state, TwoCopyProtocol(), copies=2000, sampler=ClusterSampler(noise=LocalNoiseModel(parse_noise(NOISE)), seed=5),
        rng=np.random.default_rng(6),
    )
    np.testing.assert_array_equal(one.bits, two.bits)


def test_density_matrix_backend_applies_noise_like_with_noise(ref):
    """make_sampler("density-matrix", noise=...) puts channels as circuit.with_noise does."""
    model = parse_noise(NOISE).model()
    qubits = cirq.LineQubit.range(2)
    circuit = cirq.Circuit(cirq.X(qubits[0]), cirq.CNOT(*qubits), cirq.measure(*qubits, key=MEASUREMENT_KEY))
    result = make_sampler("density-matrix", noise=NOISE, seed=7).run(circuit, repetitions=20_000)
    pvalue, stat, dof = ref.gof([(ref.counts(ref.result_bits(result, circuit)), ref.exact_distribution(circuit.with_noise(model)))])
    assert pvalue > 1e-3, (stat, dof)
