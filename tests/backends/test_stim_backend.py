"""The stim backend: exactness at large n, one conversion per distinct setting, clear refusals."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from qmemlearn.backends import make_sampler, sample_bits
from qmemlearn.backends.grouping import group_rows
from qmemlearn.backends.stim_backend import StimSampler, stim_incompatibility
from qmemlearn.noise import ReadoutErrorChannel
from qmemlearn.protocols import MEASUREMENT_KEY, TwoCopyProtocol, sample_records
from qmemlearn.protocols.base import MixtureForm
from qmemlearn.sources import PauliMixedState


def _random_pauli(n: int, seed: int) -> str:
    return "".join(np.random.default_rng(seed).choice(list("XYZ"), n))


@pytest.mark.parametrize("form", ["sweep", "mixture"])
def test_two_copy_estimate_at_n_200_matches_closed_form(form):
    """Ideal two-copy: the mean of the product of pair eigenvalues over supp(P) is α² exactly."""
    state = PauliMixedState(_random_pauli(200, 1), alpha=0.9, sign=-1)
    source = state if form == "sweep" else MixtureForm(state)
    record = sample_records(source, TwoCopyProtocol(), copies=8000, sampler=StimSampler(seed=2), rng=np.random.default_rng(3))
    a, b = record.bits[:, 0::2].astype(int), record.bits[:, 1::2].astype(int)
    # Pair eigenvalues (DESIGN §3): XX = (−1)^a, ZZ = (−1)^b, YY = −(−1)^(a+b).
    eig = {"X": 1 - 2 * a, "Z": 1 - 2 * b, "Y": -(1 - 2 * a) * (1 - 2 * b)}
    product = np.ones(len(record.bits))
    for i, c in enumerate(state.pauli):
        product *= eig[c][:, i]
    se = product.std(ddof=1) / np.sqrt(len(product))
    assert abs(product.mean() - 0.81) < 4 * se, (product.mean(), se)
    # A decoy Q != P has tr(Qρ)² = 0.
    decoy = _random_pauli(200, 5)
    product_q = np.ones(len(record.bits))
    for i, c in enumerate(decoy):
        product_q *= eig[c][:, i]
    assert abs(product_q.mean()) < 4 / np.sqrt(len(product_q))


def test_each_distinct_setting_is_converted_once(monkeypatch):
    import stimcirq

    calls = []
    original = stimcirq.cirq_circuit_to_stim_circuit
    monkeypatch.setattr(stimcirq, "cirq_circuit_to_stim_circuit", lambda *a, **k: calls.append(1) or original(*a, **k))
    protocol, sampler = TwoCopyProtocol(), make_sampler("stim", noise="depolarizing:p1=0.01,p2=0.02", seed=1)
    state = PauliMixedState("XYZX", alpha=0.9)
    sample_records(state, protocol, copies=2000, sampler=sampler, rng=np.random.default_rng(0))
    first = len(calls)
    ops = len(list(cirq.Circuit(protocol.circuit(state)).with_noise(sampler._noise).all_operations()))
    assert first <= ops  # one conversion per operation, never one per shot (1000 shots)
    sample_records(state, protocol, copies=2000, sampler=sampler, rng=np.random.default_rng(1))
    assert len(calls) == first  # same instance again: nothing converted
    sample_records(PauliMixedState("ZYZX", alpha=0.9), protocol, copies=2000, sampler=sampler, rng=np.random.default_rng(2))
    assert len(calls) - first <= 4  # a new P converts only the rotations whose value is new


def test_run_sweep_returns_one_result_per_point_with_records():
    q = cirq.LineQubit.range(2)
    f = sympy.Symbol("f")
    circuit = cirq.Circuit(cirq.X(q[0]) ** f, cirq.CNOT(*q), cirq.measure(q[0], key="a"), cirq.measure(q[1], key="b"))
    results = StimSampler(seed=1).run_sweep(circuit, cirq.Points("f", [0, 1, 0]), repetitions=5)
    assert [r.params.value_of("f") for r in results] == [0, 1, 0]
    for result, value in zip(results, [0, 1, 0]):
        assert result.records["a"].shape == (5, 1, 1)
        assert np.all(result.measurements["a"] == value) and np.all(result.measurements["b"] == value)
    with pytest.raises(ValueError, match=r"repetitions=-1 must be an int >= 0"):
        StimSampler().run_sweep(circuit, cirq.Points("f", [0]), repetitions=-1)


def test_non_integer_pauli_powers_are_structural_and_exact(ref):
    """X**t with t = 0.5 is not a frame but a Clifford gate resolved per distinct value."""
    q = cirq.LineQubit(0)
    circuit = cirq.Circuit(cirq.X(q) ** sympy.Symbol("t"), cirq.measure(q, key=MEASUREMENT_KEY))
    columns = {"t": np.repeat([0.5, 1.0, 0.0], 4000)}
    bits = sample_bits(StimSampler(seed=4), circuit, columns)
    assert bits[4000:8000].all() and not bits[8000:].any()
    pvalue, _, _ = ref.gof([(ref.counts(bits[:4000]), np.array([0.5, 0.5]))])
    assert pvalue > 1e-4


@pytest.mark.parametrize(
    "op, named",
    [
        (cirq.T(cirq.LineQubit(0)), r"cirq.T"),
        (cirq.amplitude_damp(0.1).on(cirq.LineQubit(0)), r"amplitude_damp"),
        (ReadoutErrorChannel(0.01, 0.02).on(cirq.LineQubit(0)), r"ReadoutErrorChannel\(p01=0.01, p10=0.02\)"),
    ],
)
def test_non_clifford_or_non_pauli_operations_are_refused_by_name(op, named):
    q = cirq.LineQubit(0)
    circuit = cirq.Circuit(cirq.H(q), op, cirq.measure(q, key="m"))
    with pytest.raises(ValueError, match=rf"operation .*{named}.* is not a Clifford gate or a Pauli channel.*backend='fast'.*'qsim'"):
        StimSampler(seed=1).run(circuit, repetitions=3)
    assert "is not a Clifford gate or a Pauli channel" in stim_incompatibility(circuit)


def test_symmetric_readout_is_a_bit_flip_and_asymmetric_readout_is_refused(ref):
    q = cirq.LineQubit(0)
    circuit = cirq.Circuit(cirq.measure(q, key="m"))
    bits = make_sampler("stim", noise="readout:p01=0.2,p10=0.2", seed=3).run(circuit, repetitions=20_000).measurements["m"]
    assert ref.gof([(ref.counts(bits), np.array([0.8, 0.2]))])[0] > 1e-4
    with pytest.raises(ValueError, match=r"ReadoutErrorChannel\(p01=0.2, p10=0.1\).*not a Clifford gate or a Pauli channel"):
        make_sampler("stim", noise="readout:p01=0.2,p10=0.1", seed=3).run(circuit, repetitions=2)


def test_missing_symbols_are_named():
    q = cirq.LineQubit(0)
    circuit = cirq.Circuit(cirq.X(q) ** sympy.Symbol("f"), cirq.measure(q, key="m"))
    with pytest.raises(ValueError, match=r"the sweep gives no values for the circuit symbols \['f'\]"):
        sample_bits(StimSampler(), circuit, {"g": np.zeros(3)}, key="m")
    with pytest.raises(ValueError, match=r"key='k' is not a measurement key"):
        sample_bits(StimSampler(), circuit, {"f": np.zeros(3)}, key="k")


def test_group_rows_reconstructs_the_table():
    rng = np.random.default_rng(0)
    table = rng.integers(0, 3, size=(500, 4)).astype(float)
    distinct, codes = group_rows(list(table.T), 500)
    np.testing.assert_array_equal(distinct[codes], table)
    assert len(distinct) == len(np.unique(table, axis=0))
    distinct, codes = group_rows([], 7)
    assert distinct.shape == (1, 0) and np.all(codes == 0)


def test_confusion_map_measurements_are_refused():
    """DESIGN §6: stimcirq ignores measure(confusion_map=...); we refuse instead of lying."""
    q = cirq.LineQubit(0)
    confused = cirq.measure(q, key="m", confusion_map={(0,): np.array([[0.9, 0.1], [0.2, 0.8]])})
    with pytest.raises(ValueError, match=r"has a confusion_map, which stim ignores"):
        StimSampler(seed=1).run(cirq.Circuit(confused), repetitions=2)


def test_segments_equal_one_sampler_per_segment():
    """A segment's bits come from its generator alone: the same as a sampler seeded with it,
    whatever else is in the call (the pauli-learning task samples every instance this way)."""
    protocol, noise = TwoCopyProtocol(), "depolarizing:p1=0.02,p2=0.05"
    states = [MixtureForm(PauliMixedState(p, alpha=0.9)) for p in ("XYZI", "ZZXY", "YIIX")]
    circuit = protocol.circuit(states[0])
    parts = [protocol.draw_settings(s, np.random.default_rng(0), shots)[0] for s, shots in zip(states, (300, 70, 200))]
    columns = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    segments = [(300, np.random.default_rng(5)), (70, np.random.default_rng(6)), (200, np.random.default_rng(7))]
    together = sample_bits(make_sampler("stim", noise=noise), circuit, columns, key=MEASUREMENT_KEY, segments=segments)
    start = 0
    for part, (count, seed) in zip(parts, [(300, 5), (70, 6), (200, 7)]):
        alone = sample_bits(make_sampler("stim", noise=noise, seed=np.random.default_rng(seed)), circuit, part, key=MEASUREMENT_KEY)
        np.testing.assert_array_equal(together[start : start + count], alone)
        start += count
    assert not np.array_equal(together[:70], together[300:370])  # different instances, different bits


def test_pauli_learning_task_runs_on_stim_for_any_batch_size(monkeypatch):
    from qmemlearn.analysis.points import SweepPoint
    from qmemlearn.tasks import pauli_learning

    point = SweepPoint(task="pauli-learning", protocol="two-copy", rule="decoy", n=6, copies=40, trials=5,
                       noise="depolarizing:p1=0.01,p2=0.02", json_metadata={"backend": "stim"})
    whole = pauli_learning.evaluate_pauli_learning(point)
    monkeypatch.setattr(pauli_learning, "MAX_SHOT_QUBITS_PER_BATCH", 1)  # one instance per call
    assert pauli_learning.evaluate_pauli_learning(point) == whole
    assert whole.trials == 5 and whole.successes >= 3  # alpha = 0.9 at n = 6, 20 shots: P wins


@pytest.mark.parametrize("form", ["sweep", "mixture"])
def test_two_copy_distribution_matches_density_matrix(form, ref):
    """Weight-3 support (two CNOTs in the parity mixture), strong depolarizing and readout flips."""
    state = PauliMixedState("XYZ", alpha=0.8, sign=-1)
    source = state if form == "sweep" else MixtureForm(state)
    protocol, noise = TwoCopyProtocol(), "depolarizing:p1=0.05,p2=0.1+readout:p01=0.04,p10=0.04"
    circuit = protocol.circuit(source)
    shots = 20_000
    columns, _ = protocol.draw_settings(source, np.random.default_rng(11), shots)
    bits = sample_bits(make_sampler("stim", noise=noise, seed=12), circuit, columns, key=MEASUREMENT_KEY)
    from qmemlearn.noise import parse_noise

    noisy = cirq.Circuit(circuit).with_noise(parse_noise(noise).model())
    names = sorted(columns)
    table = np.stack([np.asarray(columns[name], dtype=float) for name in names], axis=1)
    distinct, counts = np.unique(table, axis=0, return_counts=True)
    expected = sum(c * ref.exact_distribution(noisy, dict(zip(names, row.tolist()))) for row, c in zip(distinct, counts)) / shots
    pvalue, _, dof = ref.gof([(ref.counts(bits), expected)])
    assert dof > 20 and pvalue > 1e-4


def test_y_and_z_frames_between_cliffords_match_density_matrix(ref):
    q = cirq.LineQubit.range(3)
    f, g, h = (sympy.Symbol(s) for s in "fgh")
    circuit = cirq.Circuit(
        cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.Moment(cirq.Y(q[1]) ** f, cirq.Z(q[0]) ** g),
        cirq.S(q[1]), cirq.CNOT(q[1], q[2]), cirq.Moment(cirq.X(q[2]) ** h), cirq.H(q[0]), cirq.H(q[1]),
        cirq.measure(*q, key=MEASUREMENT_KEY),
    )
    rng = np.random.default_rng(4)
    shots = 12_000
    columns = {name: rng.integers(0, 3, shots).astype(float) for name in "fgh"}  # 2 is the identity too
    noise = "depolarizing:p1=0.05,p2=0.08"
    bits = sample_bits(make_sampler("stim", noise=noise, seed=5), circuit, columns, key=MEASUREMENT_KEY)
    from qmemlearn.noise import parse_noise

    noisy = cirq.Circuit(circuit).with_noise(parse_noise(noise).model())
    table = np.stack([columns[name] for name in "fgh"], axis=1)
    distinct, counts = np.unique(table, axis=0, return_counts=True)
    expected = sum(c * ref.exact_distribution(noisy, dict(zip("fgh", row.tolist()))) for row, c in zip(distinct, counts)) / shots
    assert ref.gof([(ref.counts(bits), expected)])[0] > 1e-4


@pytest.mark.parametrize("form", ["sweep", "mixture"])
def test_direct_injection_and_propagation_give_the_same_bits(form, monkeypatch):
    """Few shots put the frames into the simulator; many shots propagate them: same bits per seed."""
    from qmemlearn.backends import stim_backend

    state = PauliMixedState("XYZIY", alpha=0.9)
    source = state if form == "sweep" else MixtureForm(state)
    protocol, noise = TwoCopyProtocol(), "depolarizing:p1=0.05,p2=0.1"
    circuit = protocol.circuit(source)
    columns, _ = protocol.draw_settings(source, np.random.default_rng(1), 300)
    propagated = sample_bits(make_sampler("stim", noise=noise, seed=2), circuit, columns, key=MEASUREMENT_KEY)
    locations = 10 if form == "sweep" else 8  # the flips (all 0 in the mixture form), or the coins
    monkeypatch.setattr(stim_backend, "_FORCED_DIRECT", {(locations, 320)})
    calls = []
    inject = stim_backend.stim_frames.inject
    monkeypatch.setattr(stim_backend.stim_frames, "inject", lambda *a: calls.append(1) or inject(*a))
    direct = sample_bits(make_sampler("stim", noise=noise, seed=2), circuit, columns, key=MEASUREMENT_KEY)
    assert calls == [1]
    np.testing.assert_array_equal(direct, propagated)


def test_pauli_learning_task_hands_stim_the_mixture_form_with_the_same_success_rate(monkeypatch):
    """On stim the task samples MixtureForm sources (one circuit for all shots); its success rate
    agrees with the fast backend's sweep form at the same point within 4 standard errors."""
    from qmemlearn.analysis.points import SweepPoint
    from qmemlearn.tasks import pauli_learning

    kinds = []
    original = pauli_learning.sample_batch
    monkeypatch.setattr(pauli_learning, "sample_batch",
                        lambda sources, *a, **k: kinds.extend(type(s) for s in sources) or original(sources, *a, **k))
    rates = {}
    for backend in ("stim", "fast"):
        point = SweepPoint(task="pauli-learning", protocol="two-copy", rule="decoy", n=3, copies=4, trials=400,
                           seed=3, noise="depolarizing:p1=0.01,p2=0.05", json_metadata={"backend": backend})
        rates[backend] = pauli_learning.evaluate_pauli_learning(point).successes / point.trials
    assert set(kinds[:400]) == {MixtureForm} and MixtureForm not in set(kinds[400:])
    stderr = np.sqrt(sum(r * (1 - r) for r in rates.values()) / 400)
    assert 0.05 < rates["fast"] < 0.95  # a point where the rate can disagree
    assert abs(rates["stim"] - rates["fast"]) < 4 * stderr, rates
