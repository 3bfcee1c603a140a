"""Full pipeline: source -> protocol circuit -> fast backend -> records -> estimators.

Each estimate must land within 4 standard errors of the exact value (fixed seeds):
    two-copy  tr(Qρ)² = α² for Q = P and 0 for Q ≠ P;  tr(ρ²) = (1 + α²)/2ⁿ;
    shadows   ⟨P⟩ = sα, ⟨Q⟩ = 0, and the U-statistic tr(Qρ)² = α² or 0.
Also copy accounting and bad-input errors of the protocol layer.
"""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from qmemlearn.backends import ClusterSampler
from qmemlearn.estimators import bell_purity, bell_squared, shadow_expectation, shadow_squared
from qmemlearn.paulis import commutes, random_pauli
from qmemlearn.protocols import (
    SingleCopyProtocol,
    TwoCopyProtocol,
    make_protocol,
    sample_batch,
    sample_records,
    shots_for_copies,
)
from qmemlearn.protocols.sampling import stream_sampler
from qmemlearn.records import BellRecord, ShadowRecord
from qmemlearn.sources import PauliMixedState

PIPELINE_CASES = [
    ("XYZ", 0.9, 1),
    ("YIZY", 0.9, -1),
    ("ZXIYY", 0.5, 1),
    ("IYXZIY", 0.9, -1),
    ("YYYYYY", 0.9, 1),
]


def _decoys(pauli: str, rng: np.random.Generator) -> list[str]:
    """Q ≠ P: random ones, one sharing all but one letter, one commuting and one anticommuting."""
    n = len(pauli)
    decoys = [random_pauli(n, rng, exclude=[pauli]) for _ in range(4)]
    k = next(i for i, c in enumerate(pauli) if c != "I")
    other = {"X": "Y", "Y": "Z", "Z": "X"}[pauli[k]]
    decoys.append(pauli[:k] + other + pauli[k + 1 :])  # one letter changed: anticommutes with P
    assert n - pauli.count("I") >= 2
    decoys.append(pauli[:k] + "I" + pauli[k + 1 :])  # one letter dropped: commutes with P
    decoys = [q for q in dict.fromkeys(decoys) if q != pauli and set(q) != {"I"}]
    assert any(commutes(pauli, q) for q in decoys) and any(not commutes(pauli, q) for q in decoys)
    return decoys


def _assert_within(values, stderrs, expected, label):
    values, stderrs, expected = map(np.asarray, (values, stderrs, expected))
    assert np.all(stderrs > 0), (label, stderrs)
    z = np.abs(values - expected) / stderrs
    assert np.all(z < 4), f"{label}: values={values}, expected={expected}, stderrs={stderrs}, z={z}"


@pytest.mark.parametrize("pauli, alpha, sign", PIPELINE_CASES)
def test_two_copy_estimators(pauli, alpha, sign):
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    n = state.n
    record = sample_records(
        state, TwoCopyProtocol(), copies=80_000, sampler=ClusterSampler(seed=100 + n), rng=np.random.default_rng(200 + n)
    )
    assert isinstance(record, BellRecord)
    assert record.bits.shape == (40_000, 2 * n)
    decoys = _decoys(pauli, np.random.default_rng(300 + n))
    values, stderrs = bell_squared(record.bits, [pauli, *decoys])
    _assert_within(values, stderrs, [alpha**2] + [0.0] * len(decoys), f"bell_squared P={pauli} Q={decoys}")
    # The signal is resolved, not just consistent: α² ≥ 0.25 is many standard errors from 0.
    assert values[0] > 10 * stderrs[0]
    value, stderr = bell_purity(record.bits)
    _assert_within([value], [stderr], [(1 + alpha**2) / 2**n], f"bell_purity n={n}")


@pytest.mark.parametrize("pauli, alpha, sign", PIPELINE_CASES)
def test_shadow_estimators(pauli, alpha, sign):
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    n, shots = state.n, 300_000
    record = sample_records(
        state, SingleCopyProtocol(), copies=shots, sampler=ClusterSampler(seed=400 + n), rng=np.random.default_rng(500 + n)
    )
    assert isinstance(record, ShadowRecord)
    assert record.bits.shape == record.recipes.shape == (shots, n)
    decoys = _decoys(pauli, np.random.default_rng(600 + n))
    values, stderrs = shadow_expectation(record.bits, record.recipes, [pauli, *decoys])
    _assert_within(values, stderrs, [sign * alpha] + [0.0] * len(decoys), f"shadow_expectation P={pauli}")
    assert sign * values[0] > 4 * stderrs[0]  # the sign is resolved
    values, stderrs = shadow_squared(record.bits, record.recipes, [pauli, *decoys])
    _assert_within(values, stderrs, [alpha**2] + [0.0] * len(decoys), f"shadow_squared P={pauli}")


def test_fixed_basis_shadow_expectation_matches_sign():
    """All-Y measurement of P = Y…Y: ⟨P⟩ = sα from the product of (−1)^bits (no factor 3 needed)."""
    for sign in (1, -1):
        state = PauliMixedState("YYYY", alpha=0.9, sign=sign)
        record = sample_records(
            state, SingleCopyProtocol(basis="Y"), copies=20_000, sampler=ClusterSampler(seed=7), rng=np.random.default_rng(8)
        )
        parity = 1 - 2 * (record.bits.astype(np.int64).sum(axis=1) % 2)
        stderr = parity.std(ddof=1) / np.sqrt(parity.size)
        assert abs(parity.mean() - sign * 0.9) < 4 * stderr


def test_sample_batch_matches_individual_sources():
    """One circuit, one sweep for several hidden Paulis: each record estimates its own P."""
    states = [PauliMixedState(p, alpha=0.9, sign=s) for p, s in (("XYZI", 1), ("IIYY", -1), ("ZZZZ", 1))]
    records = sample_batch(states, TwoCopyProtocol(), copies=40_000, sampler=ClusterSampler(seed=3), rng=np.random.default_rng(4))
    assert len(records) == 3
    for state, record in zip(states, records):
        assert record.bits.shape == (20_000, 8)
        assert record.metadata["source"] == state.metadata()
        assert record.metadata["copies"] == 40_000 and record.metadata["shots"] == 20_000
        others = [s.pauli for s in states if s is not state]
        values, stderrs = bell_squared(record.bits, [state.pauli, *others])
        _assert_within(values, stderrs, [0.81, 0.0, 0.0], f"batch P={state.pauli}")


def test_sample_records_is_reproducible():
    state = PauliMixedState("XYZ", alpha=0.9, sign=-1)
    runs = [
        sample_records(state, SingleCopyProtocol(), copies=500, sampler=ClusterSampler(seed=9), rng=np.random.default_rng(10))
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].bits, runs[1].bits)
    np.testing.assert_array_equal(runs[0].recipes, runs[1].recipes)


def _records_equal(a, b) -> bool:
    same = np.array_equal(a.bits, b.bits)
    return same and (not hasattr(a, "recipes") or np.array_equal(a.recipes, b.recipes))


@pytest.mark.parametrize("protocol", [SingleCopyProtocol(), TwoCopyProtocol()], ids=["single", "two"])
@pytest.mark.parametrize("backend", ["fast", "cirq"])
def test_sampler_rngs_make_each_record_independent_of_the_batch(protocol, backend):
    """With one settings and one sampler generator per source, a source's record is the same
    alone or in any batch: through ClusterSampler segments, and through a cirq factory."""
    noise = "depolarizing:p1=0.05"
    states = [PauliMixedState(p, alpha=0.9) for p in ("XY", "ZZ", "YI", "XX")]
    copies = 400 if backend == "fast" else 12
    sampler = stream_sampler(backend, noise=noise)
    assert isinstance(sampler, ClusterSampler) == (backend == "fast")

    def run(indices):
        return sample_batch(
            [states[k] for k in indices], protocol, copies=copies, sampler=sampler,
            rng=[np.random.default_rng(10 + k) for k in indices],
            sampler_rngs=[np.random.default_rng(20 + k) for k in indices],
        )

    alone = [run([k])[0] for k in range(4)]
    for indices in ([0, 1, 2, 3], [3, 1], [2, 0, 3]):
        for k, record in zip(indices, run(indices)):
            assert _records_equal(record, alone[k]), (indices, k)
    # The sampler generator matters: another one gives other bits for the same settings.
    other = sample_batch([states[0]], protocol, copies=copies, sampler=sampler, rng=[np.random.default_rng(10)],
                         sampler_rngs=[np.random.default_rng(99)])[0]
    assert not _records_equal(other, alone[0])


def test_stream_sampler_factory_and_errors():
    factory = stream_sampler("density-matrix", noise="depolarizing:p1=0.1")
    one, two = factory(np.random.default_rng(1)), factory(np.random.default_rng(1))
    assert isinstance(one, cirq.Sampler) and one is not two
    with pytest.raises(ValueError, match=r"backend='gpu' is unknown"):
        stream_sampler("gpu")


def test_sample_batch_generator_errors():
    states = [PauliMixedState("XY"), PauliMixedState("ZZ")]
    kwargs = dict(copies=4, sampler=ClusterSampler(seed=0))
    with pytest.raises(ValueError, match=r"rng=None must be a numpy.random.Generator or a sequence of them"):
        sample_batch(states, TwoCopyProtocol(), rng=None, **kwargs)
    with pytest.raises(ValueError, match=r"rng holds 1 generators for 2 sources"):
        sample_batch(states, TwoCopyProtocol(), rng=[np.random.default_rng(0)], **kwargs)
    with pytest.raises(ValueError, match=r"sampler_rngs holds 3 generators for 2 sources"):
        sample_batch(states, TwoCopyProtocol(), rng=np.random.default_rng(0),
                     sampler_rngs=[np.random.default_rng(k) for k in range(3)], **kwargs)
    with pytest.raises(ValueError, match=r"sampler_rngs=\[1, 2\] must be a numpy.random.Generator"):
        sample_batch(states, TwoCopyProtocol(), rng=np.random.default_rng(0), sampler_rngs=[1, 2], **kwargs)
    with pytest.raises(ValueError, match=r"single random stream"):
        sample_batch(states, TwoCopyProtocol(), copies=4, sampler=cirq.Simulator(), rng=np.random.default_rng(0),
                     sampler_rngs=[np.random.default_rng(k) for k in range(2)])


# ----- copy accounting ----------------------------------------------------------------------
def test_shots_for_copies():
    assert shots_for_copies(SingleCopyProtocol(), 7) == 7
    assert shots_for_copies(TwoCopyProtocol(), 8) == 4
    assert shots_for_copies(TwoCopyProtocol(), np.int64(2)) == 1
    record = sample_records(
        PauliMixedState("XY"), TwoCopyProtocol(), copies=10, sampler=ClusterSampler(seed=1), rng=np.random.default_rng(1)
    )
    assert record.bits.shape == (5, 4)
    assert record.metadata["copies"] == 10


@pytest.mark.parametrize("protocol", [SingleCopyProtocol(), TwoCopyProtocol()], ids=["single", "two"])
@pytest.mark.parametrize("copies", [0, -2, 2.0, True, "4"])
def test_bad_copies_are_named(protocol, copies):
    with pytest.raises(ValueError, match=r"copies="):
        shots_for_copies(protocol, copies)
    with pytest.raises(ValueError, match=r"copies="):
        sample_records(PauliMixedState("XY"), protocol, copies=copies, sampler=ClusterSampler(seed=0), rng=np.random.default_rng(0))


@pytest.mark.parametrize("copies", [1, 3, 101])
def test_odd_copies_rejected_for_two_copy(copies):
    with pytest.raises(ValueError, match=rf"copies={copies} must be a multiple of 2 for the two-copy protocol"):
        shots_for_copies(TwoCopyProtocol(), copies)
    with pytest.raises(ValueError, match=rf"copies={copies} must be a multiple of 2"):
        sample_records(PauliMixedState("XY"), TwoCopyProtocol(), copies=copies, sampler=ClusterSampler(seed=0), rng=np.random.default_rng(0))


def test_protocol_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"basis='W'"):
        SingleCopyProtocol(basis="W")
    with pytest.raises(ValueError, match=r"basis='x'"):
        SingleCopyProtocol(basis="x")
    with pytest.raises(ValueError, match=r"basis='XY' must have 1 or n=3 letters"):
        SingleCopyProtocol(basis="XY").recipes(np.random.default_rng(0), 2, 3)
    with pytest.raises(ValueError, match=r"protocol='three-copy' is unknown"):
        make_protocol("three-copy")
    with pytest.raises(ValueError, match=r"layout has 2 qubits but n=3"):
        SingleCopyProtocol(layout=cirq.LineQubit.range(2)).circuit(PauliMixedState("XYZ"))
    with pytest.raises(ValueError, match=r"repeats a qubit"):
        TwoCopyProtocol(layout=[(cirq.LineQubit(0), cirq.LineQubit(1)), (cirq.LineQubit(1), cirq.LineQubit(2))]).circuit(
            PauliMixedState("XY")
        )
    with pytest.raises(ValueError, match=r"same n"):
        sample_batch(
            [PauliMixedState("XY"), PauliMixedState("XYZ")], TwoCopyProtocol(), copies=2,
            sampler=ClusterSampler(seed=0), rng=np.random.default_rng(0),
        )


def test_custom_pair_layout_keeps_record_order():
    """With pairs on arbitrary device qubits, columns are still a0, b0, a1, b1 (pin: P = "ZI")."""
    q = cirq.GridQubit.rect(2, 2)
    layout = [(q[3], q[0]), (q[1], q[2])]
    state = PauliMixedState("ZI", alpha=1.0)
    bits = sample_records(state, TwoCopyProtocol(layout=layout), copies=2000, sampler=ClusterSampler(seed=2), rng=np.random.default_rng(2)).bits
    assert np.all(bits[:, 1] == 0)  # b0 = 0 for |00>
    assert 0 < bits[:, 0].sum() < 1000
