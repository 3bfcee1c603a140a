"""ClusterSampler: what it refuses (with a clear UnsupportedCircuitError) and what it handles."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from qmemlearn.backends import ClusterSampler, UnsupportedCircuitError, sample_bits

q = cirq.LineQubit.range(8)
x, y = sympy.Symbol("x"), sympy.Symbol("y")


# ----- refusals -----------------------------------------------------------------------------
def test_unsupported_is_a_value_error():
    assert issubclass(UnsupportedCircuitError, ValueError)


def test_refuses_cluster_larger_than_max():
    chain = cirq.Circuit(
        cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.CNOT(q[1], q[2]), cirq.CNOT(q[2], q[3]),
        cirq.measure(*q[:4], key="m"),
    )
    with pytest.raises(UnsupportedCircuitError, match=r"couples 4 qubits into one cluster.*max_cluster_qubits=3"):
        ClusterSampler(max_cluster_qubits=3).run(chain)
    # Exactly at the limit it runs, and the GHZ state is sampled right.
    result = ClusterSampler(max_cluster_qubits=4, seed=1).run(chain, repetitions=200)
    bits = result.measurements["m"]
    assert set(map(tuple, bits)) == {(0, 0, 0, 0), (1, 1, 1, 1)}


def test_refuses_default_max_of_ten():
    circuit = cirq.Circuit([cirq.H(q[0])] + [cirq.CNOT(cirq.LineQubit(k), cirq.LineQubit(k + 1)) for k in range(10)])
    circuit.append(cirq.measure(*cirq.LineQubit.range(11), key="m"))
    with pytest.raises(UnsupportedCircuitError, match=r"couples 11 qubits.*max_cluster_qubits=10.*'cirq' backend"):
        ClusterSampler().run(circuit)


def test_refuses_gate_after_measurement_coupling_to_unmeasured_qubit():
    circuit = cirq.Circuit(cirq.H(q[0]), cirq.measure(q[0], key="mid"), cirq.CNOT(q[0], q[1]), cirq.measure(q[1], key="m"))
    with pytest.raises(UnsupportedCircuitError, match=r"couples a measured qubit to an unmeasured one after the measurement"):
        ClusterSampler().run(circuit)


def test_refuses_repeated_measurement_of_a_qubit():
    circuit = cirq.Circuit(cirq.H(q[0]), cirq.measure(q[0], key="first"), cirq.X(q[0]), cirq.measure(q[0], key="second"))
    with pytest.raises(UnsupportedCircuitError, match=r"qubit q\(0\) is measured twice"):
        ClusterSampler().run(circuit)


def test_refuses_repeated_key():
    circuit = cirq.Circuit(cirq.measure(q[0], key="m"), cirq.measure(q[1], key="m"))
    with pytest.raises(UnsupportedCircuitError, match=r"measurement key 'm' is used twice"):
        ClusterSampler().run(circuit)


def test_refuses_confusion_map():
    circuit = cirq.Circuit(cirq.measure(q[0], key="m", confusion_map={(0,): np.array([[0.9, 0.1], [0.2, 0.8]])}))
    with pytest.raises(UnsupportedCircuitError, match=r"confusion_map.*bit flip before the measurement"):
        ClusterSampler().run(circuit)


def test_refuses_classical_control():
    circuit = cirq.Circuit(cirq.H(q[0]), cirq.measure(q[0], key="c"), cirq.X(q[1]).with_classical_controls("c"), cirq.measure(q[1], key="m"))
    with pytest.raises(UnsupportedCircuitError, match=r"classically controlled.*'cirq' backend"):
        ClusterSampler().run(circuit)


def test_refuses_qudits_and_pauli_measurements():
    with pytest.raises(UnsupportedCircuitError, match=r"non-qubit"):
        ClusterSampler().run(cirq.Circuit(cirq.measure(cirq.LineQid(0, dimension=3), key="m")))
    with pytest.raises(UnsupportedCircuitError, match=r"not a plain cirq.MeasurementGate"):
        ClusterSampler().run(cirq.Circuit(cirq.measure_single_paulistring(cirq.X(q[0]) * cirq.Z(q[1]), key="m")))


def test_refuses_missing_sweep_values():
    circuit = cirq.Circuit(cirq.X(q[0]) ** x, cirq.measure(q[0], key="m"))
    with pytest.raises(ValueError, match=r"no values for the circuit symbols \['x'\]"):
        ClusterSampler().run_sweep(circuit, cirq.Points("other", [0.0, 1.0]))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match=r"max_cluster_qubits=0"):
        ClusterSampler(max_cluster_qubits=0)
    with pytest.raises(ValueError, match=r"max_cluster_qubits=14"):
        ClusterSampler(max_cluster_qubits=14)
    with pytest.raises(ValueError, match=r"repetitions=-1"):
        ClusterSampler().run(cirq.Circuit(cirq.measure(q[0], key="m")), repetitions=-1)


# ----- what it handles ----------------------------------------------------------------------
def test_gates_on_measured_qubits_after_measurement_are_ignored():
    circuit = cirq.Circuit(cirq.X(q[0]), cirq.measure(q[0], key="m"), cirq.X(q[0]), cirq.H(q[0]))
    assert np.all(ClusterSampler(seed=0).run(circuit, repetitions=50).measurements["m"] == 1)


def test_invert_mask_and_several_keys_and_unmeasured_qubits():
    """Deterministic outcomes pin every column: keys, qubit order within keys, invert masks."""
    circuit = cirq.Circuit(
        cirq.X(q[0]), cirq.X(q[3]),
        cirq.CNOT(q[3], q[4]),  # q4 is never measured: traced out
        cirq.H(q[5]),  # an unmeasured cluster of its own
        cirq.measure(q[3], q[0], q[1], key="a", invert_mask=(False, True, True)),
        cirq.measure(q[2], key="b", invert_mask=(True,)),
        cirq.measure(q[6], q[7], key="c"),  # measured qubits without any gate
    )
    result = ClusterSampler(seed=3).run(circuit, repetitions=20)
    np.testing.assert_array_equal(result.measurements["a"], np.tile([1, 0, 1], (20, 1)))
    np.testing.assert_array_equal(result.measurements["b"], np.ones((20, 1)))
    np.testing.assert_array_equal(result.measurements["c"], np.zeros((20, 2)))
    assert set(result.measurements) == {"a", "b", "c"}
    ref = cirq.Simulator(seed=3).run(circuit, repetitions=20)
    for key in "abc":
        np.testing.assert_array_equal(result.measurements[key], ref.measurements[key])


def test_invert_mask_on_random_outcomes(ref):
    circuit = cirq.Circuit(
        cirq.ry(0.7).on(q[0]), cirq.CNOT(q[0], q[1]), cirq.amplitude_damp(0.3).on(q[1]), cirq.ry(1.9).on(q[2]),
        cirq.measure(q[1], q[2], key="m", invert_mask=(True,)), cirq.measure(q[0], key="n", invert_mask=(True,)),
    )
    bits = ref.result_bits(ClusterSampler(seed=4).run(circuit, repetitions=50_000), circuit)
    pvalue, stat, dof = ref.gof([(ref.counts(bits), ref.exact_distribution(circuit))])
    assert pvalue > 1e-3, (stat, dof)


def test_run_sweep_repetitions_and_params():
    circuit = cirq.Circuit(cirq.X(q[0]) ** x, cirq.X(q[1]) ** y, cirq.measure(q[0], q[1], key="m"))
    sweep = cirq.Zip(cirq.Points("x", [0.0, 1.0, 1.0, 0.0]), cirq.Points("y", [1.0, 1.0, 0.0, 0.0]))
    results = ClusterSampler(seed=5).run_sweep(circuit, sweep, repetitions=7)
    assert len(results) == 4
    for result, resolver in zip(results, cirq.to_resolvers(sweep)):
        assert isinstance(result, cirq.Result)
        assert result.params == resolver
        bits = result.measurements["m"]
        assert bits.shape == (7, 2)
        expected = [int(resolver.value_of("x")), int(resolver.value_of("y"))]
        np.testing.assert_array_equal(bits, np.tile(expected, (7, 1)))
        assert result.records["m"].shape == (7, 1, 2)


def test_list_of_resolvers_and_product_sweeps():
    circuit = cirq.Circuit(cirq.X(q[0]) ** x, cirq.X(q[1]) ** y, cirq.measure(q[0], q[1], key="m"))
    resolvers = [cirq.ParamResolver({"x": 1, "y": 0}), {"x": 0, "y": 1}, cirq.ParamResolver({x: 1, y: 1})]
    results = ClusterSampler(seed=6).run_sweep(circuit, resolvers, repetitions=3)
    assert [r.measurements["m"][0].tolist() for r in results] == [[1, 0], [0, 1], [1, 1]]
    product = cirq.Points("x", [0, 1]) * cirq.Points("y", [0, 1])
    results = ClusterSampler(seed=6).run_sweep(circuit, product, repetitions=2)
    got = [r.measurements["m"][0].tolist() for r in results]
    want = [[int(r.value_of("x")), int(r.value_of("y"))] for r in cirq.to_resolvers(product)]
    assert got == want
    linspace = cirq.Linspace("x", 0, 1, 2) * cirq.Points("y", [1])
    assert [r.measurements["m"][0].tolist() for r in ClusterSampler().run_sweep(circuit, linspace)] == [[0, 1], [1, 1]]


def test_many_distinct_sweep_values_per_symbol(ref):
    """More than 16 distinct values of a symbol (the factorizer's slow path), each point exact."""
    circuit = cirq.Circuit(cirq.rx(x).on(q[0]), cirq.measure(q[0], key="m"))
    angles = np.linspace(0, np.pi, 40)
    points = np.repeat(angles, 500)
    bits = sample_bits(ClusterSampler(seed=8), circuit, {"x": points})
    groups = []
    for k, angle in enumerate(angles):
        p1 = np.sin(angle / 2) ** 2
        groups.append((np.bincount(bits[k * 500 : (k + 1) * 500, 0], minlength=2), [1 - p1, p1]))
    pvalue, stat, dof = ref.gof(groups)
    assert pvalue > 1e-3, (stat, dof)


def test_identical_seeds_give_identical_results():
    circuit = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.depolarize(0.2).on(q[1]), cirq.rx(x).on(q[2]), cirq.measure(*q[:3], key="m"))
    sweep = cirq.Points("x", [0.3, 1.1, 2.0])
    one = ClusterSampler(seed=11).run_sweep(circuit, sweep, repetitions=100)
    two = ClusterSampler(seed=11).run_sweep(circuit, sweep, repetitions=100)
    other = ClusterSampler(seed=12).run_sweep(circuit, sweep, repetitions=100)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a.measurements["m"], b.measurements["m"])
    assert any(not np.array_equal(a.measurements["m"], c.measurements["m"]) for a, c in zip(one, other))
    gen_a = ClusterSampler(seed=np.random.default_rng(3)).run(circuit, {"x": 1.0}, repetitions=50)
    gen_b = ClusterSampler(seed=np.random.default_rng(3)).run(circuit, {"x": 1.0}, repetitions=50)
    np.testing.assert_array_equal(gen_a.measurements["m"], gen_b.measurements["m"])


def test_identical_clusters_are_independent():
    """50 identical pairs share one cached distribution but are sampled independently."""
    pairs = [(cirq.LineQubit(2 * i), cirq.LineQubit(2 * i + 1)) for i in range(50)]
    circuit = cirq.Circuit([cirq.H(a) for a, _ in pairs], [cirq.CNOT(a, b) for a, b in pairs])
    circuit.append(cirq.measure(*[q for p in pairs for q in p], key="m"))
    bits = ClusterSampler(seed=13).run(circuit, repetitions=400).measurements["m"]
    np.testing.assert_array_equal(bits[:, 0::2], bits[:, 1::2])  # Bell pairs: a = b
    first = bits[:, 0::2].astype(float)
    correlations = np.corrcoef(first.T)[np.triu_indices(50, 1)]
    assert np.abs(correlations).max() < 0.3  # independent pairs (|r| ~ 0.05 expected)
    assert abs(first.mean() - 0.5) < 4 * 0.5 / np.sqrt(first.size)


def test_noise_argument_means_with_noise(ref):
    """ClusterSampler(noise=model) samples circuit.with_noise(model)."""
    model = cirq.ConstantQubitNoiseModel(cirq.bit_flip(0.2))
    circuit = cirq.Circuit(cirq.X(q[0]), cirq.CNOT(q[0], q[1]), cirq.measure(q[0], q[1], key="m"))
    bits = ref.result_bits(ClusterSampler(noise=model, seed=14).run(circuit, repetitions=50_000), circuit)
    expected = ref.exact_distribution(circuit.with_noise(model))
    noiseless = ref.exact_distribution(circuit)
    assert np.abs(expected - noiseless).max() > 0.1  # the noise matters here
    pvalue, stat, dof = ref.gof([(ref.counts(bits), expected)])
    assert pvalue > 1e-3, (stat, dof)


def test_sample_columns_matches_run_sweep_layout():
    circuit = cirq.Circuit(cirq.X(q[0]) ** x, cirq.X(q[2]) ** y, cirq.measure(q[2], q[1], q[0], key="m"))
    columns = {"x": np.array([0.0, 1.0, 1.0]), "y": np.array([1.0, 0.0, 1.0])}
    bits = ClusterSampler(seed=1)._sample_columns_(circuit, columns, key="m")
    np.testing.assert_array_equal(bits, [[1, 0, 0], [0, 0, 1], [1, 0, 1]])
    assert bits.dtype == np.uint8
    with pytest.raises(ValueError, match=r"key='nope' is not a measurement key"):
        ClusterSampler()._sample_columns_(circuit, columns, key="nope")


# ----- zero shots, zero points, empty sweeps (bugs found by these tests, since fixed) ------
def test_zero_repetitions_like_cirq():
    circuit = cirq.Circuit(cirq.X(q[0]), cirq.measure(q[0], q[1], key="m"))
    result = ClusterSampler(seed=1).run(circuit, repetitions=0)
    assert result.measurements["m"].shape[0] == 0


def test_zero_sweep_points_like_other_samplers():
    circuit = cirq.Circuit(cirq.X(q[0]) ** x, cirq.measure(q[0], q[1], key="m"))
    reference = sample_bits(cirq.Simulator(), circuit, {"x": np.zeros(0)})
    assert reference.shape == (0, 2)
    assert sample_bits(ClusterSampler(seed=1), circuit, {"x": np.zeros(0)}).shape == (0, 2)


def test_empty_sweep_returns_no_results_like_cirq():
    circuit = cirq.Circuit(cirq.X(q[0]) ** x, cirq.measure(q[0], key="m"))
    assert cirq.Simulator().run_sweep(circuit, cirq.Points("x", []), repetitions=2) == []
    assert list(ClusterSampler(seed=1).run_sweep(circuit, cirq.Points("x", []), repetitions=2)) == []


# ----- sweep values of any size ------------------------------------------------------------
def test_half_integer_sweep_values_in_protocol_range(ref):
    """Values that are multiples of 1/2 (flips, ±1/2 exponents) sample exactly."""
    circuit = cirq.Circuit(cirq.X(q[0]) ** x, cirq.measure(q[0], key="m"))
    values = np.array([0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.5, -4.0, 4.0])
    bits = sample_bits(ClusterSampler(seed=15), circuit, {"x": np.repeat(values, 2000)})[:, 0].reshape(len(values), 2000)
    groups = []
    for value, row in zip(values, bits):
        p1 = np.sin(np.pi * value / 2) ** 2  # |<1|X^t|0>|^2
        groups.append((np.bincount(row, minlength=2), [1 - p1, p1]))
    pvalue, stat, dof = ref.gof(groups)
    assert pvalue > 1e-3, (stat, dof)


@pytest.mark.parametrize("value", [5.0, 10.0, -4.5, -6.0, 59.5])
def test_half_integer_sweep_values_outside_protocol_range(value, ref):
    """Any real sweep value must work: rx(5.0), X**10 are ordinary circuits."""
    circuit = cirq.Circuit(cirq.X(q[0]) ** x, cirq.measure(q[0], key="m"))
    bits = sample_bits(ClusterSampler(seed=16), circuit, {"x": np.full(4000, value)})[:, 0]
    p1 = np.sin(np.pi * value / 2) ** 2
    pvalue, stat, dof = ref.gof([(np.bincount(bits, minlength=2), [1 - p1, p1])])
    assert pvalue > 1e-3, (stat, dof)


# ----- segments: one random stream per part of the sweep -----------------------------------
def _protocol_batch(num_states: int, shots: int, seed: int):
    """A noisy two-copy circuit and the settings of several hidden Paulis (many settings)."""
    from qmemlearn.protocols import MEASUREMENT_KEY, TwoCopyProtocol
    from qmemlearn.sources import PauliMixedState

    rng = np.random.default_rng(seed)
    protocol = TwoCopyProtocol()
    states = [PauliMixedState("".join(rng.choice(list("XYZ"), 3)), alpha=0.8) for _ in range(num_states)]
    parts = [protocol.draw_settings(state, rng, shots)[0] for state in states]
    return protocol.circuit(states[0]), parts, MEASUREMENT_KEY


def test_segments_equal_each_part_sampled_alone():
    """Part k of a segmented call has exactly the bits of ClusterSampler(seed=generator k) on
    part k alone, whatever the other parts (different settings shift every setting's rank)."""
    circuit, parts, key = _protocol_batch(5, 300, seed=21)
    noise = cirq.ConstantQubitNoiseModel(cirq.depolarize(0.05))
    sizes = [len(next(iter(p.values()))) for p in parts]
    alone = [ClusterSampler(noise=noise, seed=np.random.default_rng(100 + k))._sample_columns_(circuit, p, key=key) for k, p in enumerate(parts)]
    for chosen in ([0, 1, 2, 3, 4], [4, 2], [3], [2, 0, 4, 1, 3]):
        columns = {name: np.concatenate([parts[k][name] for k in chosen]) for name in parts[0]}
        segments = [(sizes[k], np.random.default_rng(100 + k)) for k in chosen]
        bits = ClusterSampler(noise=noise, seed=0)._sample_columns_(circuit, columns, key=key, segments=segments)
        np.testing.assert_array_equal(bits, np.concatenate([alone[k] for k in chosen]), err_msg=str(chosen))
    # Different generators do give different bits (the test above can fail).
    other = ClusterSampler(noise=noise, seed=np.random.default_rng(7))._sample_columns_(circuit, parts[0], key=key)
    assert not np.array_equal(other, alone[0])


def test_segments_of_zero_points_and_invalid_segments():
    circuit = cirq.Circuit(cirq.rx(x).on(q[0]), cirq.measure(q[0], key="m"))
    columns = {"x": np.full(4, 1.0)}
    sampler = ClusterSampler()
    with_empty = sampler._sample_columns_(circuit, columns, key="m", segments=[(0, np.random.default_rng(1)), (4, np.random.default_rng(2))])
    np.testing.assert_array_equal(with_empty, ClusterSampler(seed=np.random.default_rng(2))._sample_columns_(circuit, columns, key="m"))
    bad = [
        ([(3, np.random.default_rng(1))], r"segments cover 3 sweep points, but the sweep has 4"),
        ([(-1, np.random.default_rng(1)), (5, np.random.default_rng(2))], r"segments\[0\] has points=-1; it must be an int >= 0"),
        ([(4, 7)], r"segments\[0\] has generator=7; it must be a numpy.random.Generator"),
        ([(4.0, np.random.default_rng(1))], r"segments\[0\] has points=4.0"),
        ([4], r"segments\[0\]=4 must be a \(points, numpy.random.Generator\) pair"),
    ]
    for segments, message in bad:
        with pytest.raises(ValueError, match=message):
            sampler._sample_columns_(circuit, columns, key="m", segments=segments)


def test_outcome_depends_on_its_own_setting_only_even_at_float_ties():
    """A shot's outcome compares u with its own setting's CDF exactly: the rank of the setting
    among the settings of the call (which depends on the batch) cannot move a boundary."""
    from qmemlearn.backends.cluster_sampler import _Cluster

    for outcomes in (2, 32):  # direct comparison path and grouped path
        probs = np.full(outcomes, 0.9 / (outcomes - 1))
        probs[0] = 0.1
        combos = [(float(k),) for k in range(40)]
        cluster = _Cluster(qubits=[], operations=[], symbols=["x"], measured=[], distributions=dict.fromkeys(combos, probs))
        cdf = np.cumsum(probs)
        u = np.concatenate([[np.nextafter(0.1, 0.0), 0.1], cdf[1:-1], np.nextafter(cdf[1:-1], 0.0)])
        expected = np.searchsorted(cdf, u, side="right")
        for rank in (0, 1, 39):
            got = ClusterSampler()._sample_outcomes(cluster, np.full(u.size, rank), combos, u)
            np.testing.assert_array_equal(got, expected, err_msg=f"outcomes={outcomes}, rank={rank}")


def test_large_cluster_outcomes_are_exact(ref):
    """A 5-qubit cluster (32 outcomes: the grouped inverse-CDF path) against the density matrix."""
    circuit = cirq.Circuit(
        cirq.rx(x).on(q[0]), [cirq.CNOT(q[k], q[k + 1]) for k in range(4)], cirq.ry(y).on(q[2]),
        cirq.depolarize(0.1).on(q[4]), cirq.measure(*q[:5], key="m"),
    )
    values = [(0.4, 1.0), (1.3, 0.2), (2.5, 2.9)]
    shots = 4000
    columns = {"x": np.repeat([v[0] for v in values], shots), "y": np.repeat([v[1] for v in values], shots)}
    bits = ClusterSampler(seed=22)._sample_columns_(circuit, columns, key="m")
    groups = [
        (ref.counts(bits[k * shots : (k + 1) * shots]), ref.exact_distribution(circuit, {"x": vx, "y": vy}))
        for k, (vx, vy) in enumerate(values)
    ]
    pvalue, stat, dof = ref.gof(groups)
    assert pvalue > 1e-3, (stat, dof)
