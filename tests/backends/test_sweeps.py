"""Sweep columns <-> cirq sweeps, and sample_bits through samplers with and without the
``_sample_columns_`` fast path (same layout: one row per sweep point, the key's qubit order)."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from qmemlearn.backends import ClusterSampler, columns_to_sweep, make_sampler, sample_bits, sweep_to_columns
from qmemlearn.protocols import MEASUREMENT_KEY, SingleCopyProtocol, TwoCopyProtocol
from qmemlearn.sources import PauliMixedState


def _assert_columns_equal(a, b):
    assert set(a) == set(b)
    for name in a:
        np.testing.assert_array_equal(np.asarray(a[name], dtype=float), np.asarray(b[name], dtype=float), err_msg=name)


def test_columns_round_trip():
    rng = np.random.default_rng(0)
    columns = {"flip_0": rng.integers(0, 2, 50).astype(float), "angle": rng.normal(size=50), "const": np.full(50, 0.5)}
    sweep = columns_to_sweep(columns)
    assert isinstance(sweep, cirq.Sweep) and len(sweep) == 50
    _assert_columns_equal(sweep_to_columns(sweep), columns)
    # Point t of the sweep is row t of the columns.
    for t, resolver in enumerate(sweep):
        for name in columns:
            assert resolver.value_of(name) == columns[name][t]


def test_sweep_to_columns_of_other_sweepables():
    product = cirq.Points("a", [1.0, 2.0]) * cirq.Points("b", [3.0, 4.0, 5.0])
    columns = sweep_to_columns(product)
    resolvers = list(cirq.to_resolvers(product))
    assert len(columns["a"]) == 6
    for t, r in enumerate(resolvers):
        assert columns["a"][t] == r.value_of("a") and columns["b"][t] == r.value_of("b")
    _assert_columns_equal(sweep_to_columns([{"a": 1, "b": 2}, {"a": 3, "b": 4}]), {"a": [1, 3], "b": [2, 4]})
    _assert_columns_equal(sweep_to_columns(cirq.Zip(cirq.Points(sympy.Symbol("s"), [0.25, 0.5]))), {"s": [0.25, 0.5]})
    # A Zip of unequal lengths is truncated by Cirq: the columns follow the sweep, not the inputs.
    uneven = cirq.Zip(cirq.Points("a", [1.0, 2.0, 3.0]), cirq.Points("b", [4.0, 5.0]))
    _assert_columns_equal(sweep_to_columns(uneven), {"a": [1, 2], "b": [4, 5]})
    _assert_columns_equal(sweep_to_columns(columns_to_sweep(sweep_to_columns(product))), sweep_to_columns(product))


def test_bad_columns_are_rejected():
    with pytest.raises(ValueError, match=r"1-D arrays of one length"):
        columns_to_sweep({"a": np.zeros(3), "b": np.zeros(4)})
    with pytest.raises(ValueError, match=r"1-D arrays of one length"):
        columns_to_sweep({"a": np.zeros((3, 2))})


def test_sample_bits_layout_without_fast_path():
    """Deterministic circuit: both paths return exactly the flips, in the key's qubit order."""
    q = cirq.LineQubit.range(4)
    symbols = [sympy.Symbol(f"f{i}") for i in range(4)]
    circuit = cirq.Circuit([cirq.X(qb) ** s for qb, s in zip(q, symbols)], cirq.measure(q[2], q[0], q[3], key="k"), cirq.measure(q[1], key="other"))
    rng = np.random.default_rng(1)
    columns = {f"f{i}": rng.integers(0, 2, 30).astype(float) for i in range(4)}
    expected = np.stack([columns["f2"], columns["f0"], columns["f3"]], axis=1).astype(np.uint8)
    simulator = cirq.Simulator(seed=1)
    assert not hasattr(simulator, "_sample_columns_")
    for sampler in (simulator, ClusterSampler(seed=1), make_sampler("cirq", seed=1), make_sampler("density-matrix", seed=1)):
        bits = sample_bits(sampler, circuit, columns, key="k")
        assert bits.dtype == np.uint8
        np.testing.assert_array_equal(bits, expected, err_msg=repr(sampler))
        np.testing.assert_array_equal(sample_bits(sampler, circuit, columns, key="other")[:, 0], columns["f1"])


@pytest.mark.parametrize("protocol", [TwoCopyProtocol(), SingleCopyProtocol(basis="ZXY")], ids=["two", "single"])
def test_sample_bits_protocol_layout_is_the_same_on_both_paths(protocol):
    """α = 1 eigenstates make many protocol columns deterministic; both paths agree on them."""
    state = PauliMixedState("ZXY", alpha=1.0, sign=-1)
    circuit = protocol.circuit(state)
    columns, _ = protocol.draw_settings(state, np.random.default_rng(2), 60)
    fast = sample_bits(ClusterSampler(seed=3), circuit, columns, key=MEASUREMENT_KEY)
    slow = sample_bits(cirq.Simulator(seed=3), circuit, columns, key=MEASUREMENT_KEY)
    assert fast.shape == slow.shape == (60, 2 * 3 if protocol.copies_per_shot == 2 else 3)
    if protocol.copies_per_shot == 1:
        # Measured in P's own bases, ρ = (I − P)/8 gives odd bit parity on every shot.
        np.testing.assert_array_equal(fast.sum(axis=1) % 2, 1)
        np.testing.assert_array_equal(slow.sum(axis=1) % 2, 1)
    else:
        # tr(Pρ)² = 1: the one-shot Bell value of P is +1 on every shot, on both paths.
        from qmemlearn.estimators import bell_pair_values

        assert np.all(bell_pair_values(fast, ["ZXY"]) == 1)
        assert np.all(bell_pair_values(slow, ["ZXY"]) == 1)


def test_sample_bits_deterministic_protocol_bits_identical():
    """Single-copy, basis = P's letters, α=1: flips fix the bits shot by shot. Both paths equal."""
    state = PauliMixedState("XYZ", alpha=1.0, sign=1)
    protocol = SingleCopyProtocol(basis="XYZ")
    circuit = protocol.circuit(state)
    columns, _ = protocol.draw_settings(state, np.random.default_rng(4), 40)
    flips = np.stack([columns[f"flip_{i}"] for i in range(3)], axis=1).astype(np.uint8)
    fast = sample_bits(ClusterSampler(seed=5), circuit, columns, key=MEASUREMENT_KEY)
    slow = sample_bits(cirq.Simulator(seed=5), circuit, columns, key=MEASUREMENT_KEY)
    np.testing.assert_array_equal(fast, flips)  # flip 1 -> the −1 eigenstate of P_i -> bit 1
    np.testing.assert_array_equal(slow, flips)


# ----- segments: independent random streams through any sampler ----------------------------
def _noisy_single_copy(shots: int, seed: int):
    state = PauliMixedState("XZ", alpha=0.5)
    protocol = SingleCopyProtocol()
    columns, _ = protocol.draw_settings(state, np.random.default_rng(seed), shots)
    return protocol.circuit(state), columns


def test_factory_segments_equal_one_seeded_sampler_per_segment():
    """A plain cirq.Sampler needs a factory: segment k is sampled by factory(generator k)."""
    circuit, columns = _noisy_single_copy(30, seed=1)
    sizes = [12, 0, 18]

    def factory(rng):
        return cirq.Simulator(seed=np.random.RandomState(rng.integers(2**32)))

    bits = sample_bits(factory, circuit, columns, key=MEASUREMENT_KEY,
                       segments=[(c, np.random.default_rng(s)) for c, s in zip(sizes, (5, 6, 7))])
    expected, start = [], 0
    for count, s in zip(sizes, (5, 6, 7)):
        part = {name: v[start : start + count] for name, v in columns.items()}
        expected.append(sample_bits(factory(np.random.default_rng(s)), circuit, part, key=MEASUREMENT_KEY))
        start += count
    np.testing.assert_array_equal(bits, np.concatenate(expected))
    assert bits.shape == (30, 2) and 0 < bits.mean() < 1


def test_fast_segments_equal_fast_factory():
    """ClusterSampler segments (one call) and a ClusterSampler factory (one call per segment)
    give the same bits: a segment's stream is the generator of a sampler seeded with it."""
    circuit, columns = _noisy_single_copy(50, seed=2)

    def segments():
        return [(20, np.random.default_rng(8)), (30, np.random.default_rng(9))]

    one_call = sample_bits(ClusterSampler(), circuit, columns, key=MEASUREMENT_KEY, segments=segments())
    per_segment = sample_bits(lambda rng: ClusterSampler(seed=rng), circuit, columns, key=MEASUREMENT_KEY, segments=segments())
    np.testing.assert_array_equal(one_call, per_segment)


def test_sample_bits_sampler_errors():
    circuit, columns = _noisy_single_copy(4, seed=3)
    with pytest.raises(ValueError, match=r"sampler=<cirq.sim.sparse_simulator.Simulator.*single random stream.*sampler factory"):
        sample_bits(cirq.Simulator(), circuit, columns, key=MEASUREMENT_KEY, segments=[(4, np.random.default_rng(0))])
    with pytest.raises(ValueError, match=r"sampler=None must be a cirq.Sampler"):
        sample_bits(None, circuit, columns, key=MEASUREMENT_KEY)
    with pytest.raises(ValueError, match=r"sampler=<function .* must be a cirq.Sampler \(a sampler factory needs segments\)"):
        sample_bits(lambda rng: ClusterSampler(seed=rng), circuit, columns, key=MEASUREMENT_KEY)
    with pytest.raises(ValueError, match=r"sampler=None must be a cirq.Sampler or a sampler factory"):
        sample_bits(None, circuit, columns, key=MEASUREMENT_KEY, segments=[(4, np.random.default_rng(0))])
    with pytest.raises(ValueError, match=r"segments cover 5 sweep points, but the sweep has 4"):
        sample_bits(lambda rng: cirq.Simulator(), circuit, columns, key=MEASUREMENT_KEY, segments=[(5, np.random.default_rng(0))])
