"""Tests for qmemlearn.estimators.mitigation: readout-corrected Pauli estimators.

References are closed forms. Under a per-column confusion with ``a = 1 - p01 - p10`` and
``c = p10 - p01`` a read sign has ``E[(-1)^o | t] = a (-1)^t + c``, so for
ρ = (I + sαP)/2ⁿ a raw product over a set of columns averages to a sum over column subsets
R of ``a^|R| c^(rest)`` times the exact correlation of the true signs on R, which is nonzero
only for R = ∅ and R = the columns of P (derivation in each helper).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qmemlearn.backends import make_sampler
from qmemlearn.estimators import (
    bell_purity,
    bell_squared,
    estimate_expectation,
    estimate_squared,
    shadow_expectation,
    shadow_purity,
    shadow_squared,
)
from qmemlearn.estimators.mitigation import (
    corrected_sign_gradients,
    corrected_signs,
    mitigated_expectation,
    mitigated_purity,
    mitigated_squared,
)
from qmemlearn.protocols import SingleCopyProtocol, TwoCopyProtocol, sample_batch, sample_records
from qmemlearn.protocols.calibration import ReadoutCalibration, calibrate_readout, record_qubits
from qmemlearn.records import BellRecord, ShadowRecord
from qmemlearn.sources import PauliMixedState

P01, P10 = 0.02, 0.05
NOISE = f"readout:p01={P01},p10={P10}"
A, C = 1.0 - P01 - P10, P10 - P01
ALPHA = 0.9
#: Weights 1..4 on n = 4 with X, Y and Z letters.
PAULIS = ["IYII", "XIZI", "ZYXI", "YXZY"]


def _columns(pauli: str) -> set[int]:
    """Two-copy bit columns a pauli reads: a_i (2i) for X/Y, b_i (2i+1) for Z/Y."""
    cols = set()
    for i, letter in enumerate(pauli):
        if letter in "XY":
            cols.add(2 * i)
        if letter in "ZY":
            cols.add(2 * i + 1)
    return cols


def raw_bell_expectation(q: str, p: str, alpha: float) -> float:
    """E of the raw two-copy estimate of tr(Qρ)² under the readout confusion, ρ = (I + αP)/2ⁿ.

    Value ``(-1)^{#Y(Q)} prod_{cols Q} (-1)^{o_j}``; the true signs on a column set R
    correlate as ``(-1)^{#Y(R)} tr(Rρ)²``: 1 for R = ∅, ``(-1)^{#Y(P)} α²`` for R = cols(P).
    """
    cols_q, cols_p = _columns(q), _columns(p)
    value = C ** len(cols_q)
    if cols_p <= cols_q:
        value += (-1) ** p.count("Y") * alpha**2 * A ** len(cols_p) * C ** (len(cols_q) - len(cols_p))
    return (-1) ** q.count("Y") * value


def raw_shadow_expectation(q: str, p: str, alpha: float, sign: int = 1) -> float:
    """E of the raw shadow estimate of tr(Qρ): ``c^w + [P = Q on a subset] sα a^{w_P} c^{w - w_P}``."""
    support_q = {i for i, letter in enumerate(q) if letter != "I"}
    support_p = {i for i, letter in enumerate(p) if letter != "I"}
    value = C ** len(support_q)
    if support_p <= support_q and all(q[i] == p[i] for i in support_p):
        value += sign * alpha * A ** len(support_p) * C ** (len(support_q) - len(support_p))
    return value


def raw_shadow_purity(p: str, alpha: float) -> float:
    """E of the raw shadow purity: E[raw snapshot] has Pauli coefficients raw_shadow_expectation,
    so the U-statistic averages to ``2^-n sum_R raw_shadow_expectation(R)²``."""
    n = len(p)
    return sum(raw_shadow_expectation("".join(q), p, alpha) ** 2 for q in itertools.product("IXYZ", repeat=n)) / 2**n


def exact_calibration(width: int) -> ReadoutCalibration:
    """The true confusion, known to 1e-7 (a huge shot count), for conditional tests."""
    return ReadoutCalibration(p01=[P01] * width, p10=[P10] * width, shots=[10**14] * width)


def _within(value, target, stderr, k: float = 4.0) -> bool:
    return bool(np.all(np.abs(np.asarray(value) - target) <= k * np.asarray(stderr)))


# ---- the correction itself ------------------------------------------------------------------


def test_corrected_signs_are_unbiased_for_the_true_sign():
    rng = np.random.default_rng(0)
    p01, p10 = rng.uniform(0, 0.3, 5), rng.uniform(0, 0.3, 5)
    values = corrected_signs(ReadoutCalibration(p01=p01, p10=p10, shots=1))
    # E[v(o) | t=0] = (1-p01) v(0) + p01 v(1) = +1;  E[v(o) | t=1] = p10 v(0) + (1-p10) v(1) = -1.
    np.testing.assert_allclose((1 - p01) * values[:, 0] + p01 * values[:, 1], 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p10 * values[:, 0] + (1 - p10) * values[:, 1], -1.0, rtol=0, atol=1e-12)
    assert corrected_signs(ReadoutCalibration(p01=[0.0], p10=[0.0], shots=1)).tolist() == [[1.0, -1.0]]


def test_corrected_sign_gradients_match_finite_differences():
    p01, p10, eps = np.array([0.02, 0.3]), np.array([0.05, 0.1]), 1e-6
    gradients = corrected_sign_gradients(ReadoutCalibration(p01=p01, p10=p10, shots=1))
    for which in range(2):
        up = [p01.copy(), p10.copy()]
        down = [p01.copy(), p10.copy()]
        up[which] += eps
        down[which] -= eps
        numeric = (
            corrected_signs(ReadoutCalibration(p01=up[0], p10=up[1], shots=1))
            - corrected_signs(ReadoutCalibration(p01=down[0], p10=down[1], shots=1))
        ) / (2 * eps)
        np.testing.assert_allclose(gradients[:, :, which], numeric, rtol=1e-6)


def _naive_snapshot(v, bits_row, recipes_row, pauli):
    """prod over supp(Q) of 3·[recipe_i = Q_i]·v_i(bit_i), one loop per qubit."""
    value = 1.0
    for i, letter in enumerate(pauli):
        if letter != "I":
            value *= 3 * (recipes_row[i] == "XYZ".index(letter)) * v[i, bits_row[i]]
    return value


def _naive_pair_product(v, bits_row, pauli):
    """prod over qubits of 1 (I), v_a (XX), v_b (ZZ) or -v_a v_b (YY)."""
    value = 1.0
    for i, letter in enumerate(pauli):
        sa, sb = v[2 * i, bits_row[2 * i]], v[2 * i + 1, bits_row[2 * i + 1]]
        value *= {"I": 1.0, "X": sa, "Z": sb, "Y": -sa * sb}[letter]
    return value


def _naive_swap(v, bits_row):
    """prod over pairs of (1 + v_a + v_b - v_a v_b)/2."""
    value = 1.0
    for i in range(len(bits_row) // 2):
        sa, sb = v[2 * i, bits_row[2 * i]], v[2 * i + 1, bits_row[2 * i + 1]]
        value *= (1 + sa + sb - sa * sb) / 2
    return value


def _naive_overlap(v, bits_s, recipes_s, bits_t, recipes_t):
    """tr(ρ̂_s ρ̂_t) with per-qubit snapshots (I + 3 v(bit) P_recipe)/2: prod of (1 + 9 v v' [same])/2."""
    value = 1.0
    for i in range(len(bits_s)):
        same = recipes_s[i] == recipes_t[i]
        value *= (1 + 9 * v[i, bits_s[i]] * v[i, bits_t[i]] * same) / 2
    return value


def test_sign_values_give_the_naive_corrected_products():
    rng = np.random.default_rng(1)
    shots, n = 50, 3
    bits, recipes = rng.integers(0, 2, (shots, n)), rng.integers(0, 3, (shots, n))
    pair_bits = rng.integers(0, 2, (shots, 2 * n))
    calibration = ReadoutCalibration(p01=rng.uniform(0, 0.1, 2 * n), p10=rng.uniform(0, 0.1, 2 * n), shots=100)
    single = ReadoutCalibration(p01=calibration.p01[:n], p10=calibration.p10[:n], shots=100)
    v, vs = corrected_signs(calibration), corrected_signs(single)
    shadow, bell = ShadowRecord(bits, recipes), BellRecord(pair_bits)
    for pauli in ["XYZ", "IZI", "YIX"]:
        naive = np.array([_naive_snapshot(vs, bits[t], recipes[t], pauli) for t in range(shots)])
        values, stderrs = mitigated_expectation(shadow, [pauli], single, include_calibration_error=False)
        np.testing.assert_allclose(values[0], naive.mean(), rtol=1e-12)
        np.testing.assert_allclose(stderrs[0], naive.std(ddof=1) / np.sqrt(shots), rtol=1e-10)
        naive = np.array([_naive_pair_product(v, row, pauli) for row in pair_bits])
        values, stderrs = mitigated_squared(bell, [pauli], calibration, include_calibration_error=False)
        np.testing.assert_allclose(values[0], naive.mean(), rtol=1e-12)
        np.testing.assert_allclose(stderrs[0], naive.std(ddof=1) / np.sqrt(shots), rtol=1e-10)
    value, _ = mitigated_purity(bell, calibration, include_calibration_error=False)
    assert value == pytest.approx(np.mean([_naive_swap(v, row) for row in pair_bits]), rel=1e-12)
    pairs = [(s, t) for s in range(shots) for t in range(shots) if s != t]
    overlaps = [_naive_overlap(vs, bits[s], recipes[s], bits[t], recipes[t]) for s, t in pairs]
    value, _ = mitigated_purity(shadow, single, include_calibration_error=False)
    assert value == pytest.approx(np.mean(overlaps), rel=1e-12)


def test_zero_readout_error_reproduces_the_raw_estimators_exactly():
    rng = np.random.default_rng(2)
    bits, recipes = rng.integers(0, 2, (200, 3)), rng.integers(0, 3, (200, 3))
    pair_bits = rng.integers(0, 2, (200, 6))
    zero3 = ReadoutCalibration(p01=[0.0] * 3, p10=[0.0] * 3, shots=1000)
    zero6 = ReadoutCalibration(p01=[0.0] * 6, p10=[0.0] * 6, shots=1000)
    paulis = ["XYZ", "IIZ", "YIY"]
    shadow = ShadowRecord(bits, recipes)
    expected = shadow_expectation(bits, recipes, paulis)
    np.testing.assert_array_equal(mitigated_expectation(shadow, paulis, zero3), expected)
    np.testing.assert_array_equal(mitigated_squared(shadow, paulis, zero3), shadow_squared(bits, recipes, paulis))
    expected = bell_squared(pair_bits, paulis)
    np.testing.assert_array_equal(mitigated_squared(BellRecord(pair_bits), paulis, zero6), expected)
    assert mitigated_purity(BellRecord(pair_bits), zero6) == bell_purity(pair_bits)
    assert mitigated_purity(shadow, zero3) == shadow_purity(bits, recipes)


def test_delta_method_matches_the_numerical_gradient():
    rng = np.random.default_rng(3)
    pair_bits = rng.integers(0, 2, (300, 6))
    calibration = ReadoutCalibration(p01=rng.uniform(0, 0.1, 6), p10=rng.uniform(0, 0.1, 6), shots=500)
    record = BellRecord(pair_bits)
    shadow = ShadowRecord(pair_bits, rng.integers(0, 3, pair_bits.shape))  # n = 6 single-copy
    variances = np.stack([calibration.p01_stderr, calibration.p10_stderr], axis=1) ** 2
    estimators = [
        lambda cal, inc=True: np.array(mitigated_squared(record, ["YXZ"], cal, include_calibration_error=inc))[:, 0],
        lambda cal, inc=True: np.array(mitigated_purity(record, cal, include_calibration_error=inc)),
        lambda cal, inc=True: np.array(mitigated_purity(shadow, cal, include_calibration_error=inc)),
    ]
    for estimate in estimators:
        gradient = np.zeros((6, 2))
        for j, p in itertools.product(range(6), range(2)):
            shifted = [calibration.p01.copy(), calibration.p10.copy()]
            shifted[p][j] += 1e-6
            up = estimate(ReadoutCalibration(p01=shifted[0], p10=shifted[1], shots=500))[0]
            shifted[p][j] -= 2e-6
            down = estimate(ReadoutCalibration(p01=shifted[0], p10=shifted[1], shots=500))[0]
            gradient[j, p] = (up - down) / 2e-6
        total, conditional = estimate(calibration)[1], estimate(calibration, False)[1]
        assert total**2 - conditional**2 == pytest.approx(np.sum(gradient**2 * variances), rel=1e-5)


def test_shadow_purity_correction_is_exactly_unbiased():
    """Exact expectation over the full outcome distribution (density matrix, n = 2)."""
    n, state = 2, PauliMixedState("YX", alpha=0.8)
    rho = state.density_matrix()
    pauli = {"X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1.0, -1.0])}
    confusion = np.array([[1 - P01, P10], [P01, 1 - P10]])  # [read, true]
    outcomes, probabilities = [], []
    for recipe in itertools.product(range(3), repeat=n):
        for true in itertools.product(range(2), repeat=n):
            projector = np.array([[1.0]])
            for bit, r in zip(true, recipe):
                projector = np.kron(projector, (np.eye(2) + (-1) ** bit * pauli["XYZ"[r]]) / 2)
            p_true = np.real(np.trace(rho @ projector)) / 3**n
            for read in itertools.product(range(2), repeat=n):
                outcomes.append((np.array(read), np.array(recipe)))
                probabilities.append(p_true * np.prod([confusion[o, t] for o, t in zip(read, true)]))
    probabilities = np.array(probabilities)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-12)

    def expectation(v):  # E over independent snapshot pairs of the overlap kernel
        kernel = np.array([[_naive_overlap(v, b, r, b2, r2) for b2, r2 in outcomes] for b, r in outcomes])
        return probabilities @ kernel @ probabilities

    v = corrected_signs(exact_calibration(n))
    assert expectation(v) == pytest.approx(state.purity(), abs=1e-6)
    raw = raw_shadow_purity("YX", 0.8)
    assert expectation(np.array([[1.0, -1.0]] * n)) == pytest.approx(raw, abs=1e-12)
    assert state.purity() - raw > 0.035  # the raw shadow purity is biased (0.410 vs 0.371)


# ---- bias removed on sampled data ------------------------------------------------------------


@pytest.fixture(scope="module")
def sampler():
    return make_sampler("fast", noise=NOISE, seed=11)


def test_two_copy_squared_bias_removed(sampler):
    copies = 2 * 60_000
    records = sample_batch([PauliMixedState(p, alpha=ALPHA) for p in PAULIS], TwoCopyProtocol(), copies=copies,
                           sampler=sampler, rng=np.random.default_rng(12))
    calibration = calibrate_readout(sampler, record_qubits(TwoCopyProtocol(), 4), shots=200_000)
    for pauli, record in zip(PAULIS, records):
        raw, raw_se = bell_squared(record.bits, [pauli])
        assert _within(raw, raw_bell_expectation(pauli, pauli, ALPHA), raw_se), pauli
        if pauli.count("I") <= 2:  # weight >= 2: a clear bias at this many shots
            assert abs(raw[0] - ALPHA**2) > 8 * raw_se[0], pauli
        value, stderr = mitigated_squared(record, [pauli], calibration)
        assert _within(value, ALPHA**2, stderr), (pauli, value, stderr)
    # A decoy whose columns contain P's: raw is biased away from 0 by -a² c α²; corrected it is 0.
    record, decoy = records[1], "YIZI"  # P = XIZI
    raw, raw_se = bell_squared(record.bits, [decoy])
    assert _within(raw, raw_bell_expectation(decoy, "XIZI", ALPHA), raw_se)
    value, stderr = mitigated_squared(record, [decoy], calibration)
    assert _within(value, 0.0, stderr)


def test_single_copy_expectation_and_squared_bias_removed(sampler):
    sources = [PauliMixedState(p, alpha=ALPHA, sign=s) for p, s in zip(PAULIS, [1, -1, 1, -1])]
    records = sample_batch(sources, SingleCopyProtocol(), copies=200_000, sampler=sampler,
                           rng=np.random.default_rng(13))
    calibration = calibrate_readout(sampler, record_qubits(SingleCopyProtocol(), 4), shots=200_000)
    for source, record in zip(sources, records):
        pauli, sign = source.pauli, source.sign
        raw, raw_se = shadow_expectation(record.bits, record.recipes, [pauli])
        assert _within(raw, raw_shadow_expectation(pauli, pauli, ALPHA, sign), raw_se), pauli
        value, stderr = mitigated_expectation(record, [pauli], calibration)
        assert _within(value, sign * ALPHA, stderr), (pauli, value, stderr)
        raw2, raw2_se = shadow_squared(record.bits, record.recipes, [pauli])
        assert _within(raw2, raw_shadow_expectation(pauli, pauli, ALPHA, sign) ** 2, raw2_se), pauli
        if pauli.count("I") <= 2:
            assert abs(raw2[0] - ALPHA**2) > 8 * raw2_se[0], pauli
        value2, stderr2 = mitigated_squared(record, [pauli], calibration)
        assert _within(value2, ALPHA**2, stderr2), (pauli, value2, stderr2)
    # A decoy containing P = IYII: raw is α a c + c² (biased from 0), corrected it is 0.
    raw, raw_se = shadow_expectation(records[0].bits, records[0].recipes, ["IYIZ"])  # P = IYII
    assert _within(raw, raw_shadow_expectation("IYIZ", "IYII", ALPHA), raw_se)
    value, stderr = mitigated_expectation(records[0], ["IYIZ"], calibration)
    assert _within(value, 0.0, stderr)


def test_two_copy_purity_bias_removed(sampler):
    n, pauli, alpha = 2, "YY", 1.0  # raw bias about 16 SE at this many shots
    record = sample_records(PauliMixedState(pauli, alpha=alpha), TwoCopyProtocol(), copies=2 * 200_000,
                            sampler=sampler, rng=np.random.default_rng(14))
    # SWAP = prod_i (II + XX + YY + ZZ)/2, so E[raw] = 2^-n sum_R E[raw estimate of tr(Rρ)²].
    expected_raw = sum(
        raw_bell_expectation("".join(r), pauli, alpha) for r in itertools.product("IXYZ", repeat=n)
    ) / 2**n
    raw, raw_se = bell_purity(record.bits)
    assert _within(raw, expected_raw, raw_se)
    exact = (1 + alpha**2) / 2**n
    assert abs(raw - exact) > 8 * raw_se
    value, stderr = mitigated_purity(record, exact_calibration(2 * n))
    assert _within(value, exact, stderr)


def test_single_copy_purity_matches_under_readout_noise(sampler):
    # O(T²): a modest T, so this checks agreement (4 SE), not a resolved raw bias.
    record = sample_records(PauliMixedState("YY", alpha=1.0), SingleCopyProtocol(), copies=3000,
                            sampler=sampler, rng=np.random.default_rng(17))
    value, stderr = mitigated_purity(record, exact_calibration(2))
    assert _within(value, 0.5, stderr)
    raw, raw_se = shadow_purity(record.bits, record.recipes)
    assert _within(raw, raw_shadow_purity("YY", 1.0), raw_se)


def test_dispatch_with_calibration(sampler):
    record = sample_records(PauliMixedState("XZ", alpha=ALPHA), TwoCopyProtocol(), copies=2000,
                            sampler=sampler, rng=np.random.default_rng(15))
    calibration = exact_calibration(4)
    np.testing.assert_array_equal(estimate_squared(record, ["XZ"], calibration=calibration),
                                  mitigated_squared(record, ["XZ"], calibration))
    np.testing.assert_array_equal(estimate_squared(record, ["XZ"]), bell_squared(record.bits, ["XZ"]))
    shadow = sample_records(PauliMixedState("XZ"), SingleCopyProtocol(), copies=2000, sampler=sampler,
                            rng=np.random.default_rng(16))
    np.testing.assert_array_equal(estimate_expectation(shadow, ["XZ"], calibration=exact_calibration(2)),
                                  mitigated_expectation(shadow, ["XZ"], exact_calibration(2)))


# ---- standard errors over repeated experiments -----------------------------------------------


def _repeat(protocol, pauli, alpha, copies, calibration_shots, repetitions, seed, estimate):
    """Fresh calibration and fresh records per repetition: (estimates, total SEs, conditional SEs)."""
    sampler = make_sampler("fast", noise=NOISE, seed=seed)
    rngs = [np.random.default_rng([seed, k]) for k in range(repetitions)]
    records = sample_batch([PauliMixedState(pauli, alpha=alpha)] * repetitions, protocol, copies=copies,
                           sampler=sampler, rng=rngs)
    qubits = record_qubits(protocol, len(pauli))
    out = []
    for record in records:
        calibration = calibrate_readout(sampler, qubits, shots=calibration_shots)
        value, total = estimate(record, calibration, True)
        _, conditional = estimate(record, calibration, False)
        out.append((value, total, conditional))
    return np.array(out, dtype=float).T


def _first(estimator, pauli):
    def estimate(record, calibration, include):
        values, stderrs = estimator(record, [pauli], calibration, include_calibration_error=include)
        return values[0], stderrs[0]

    return estimate


def _purity(record, calibration, include):
    return mitigated_purity(record, calibration, include_calibration_error=include)


@pytest.mark.parametrize(
    "protocol, pauli, alpha, copies, estimate",
    [
        (TwoCopyProtocol(), "YXZ", 0.9, 2 * 10_000, _first(mitigated_squared, "YXZ")),
        (TwoCopyProtocol(), "Y", 1.0, 2 * 10_000, _purity),
        (SingleCopyProtocol(), "IY", 0.9, 20_000, _first(mitigated_expectation, "IY")),
        (SingleCopyProtocol(), "IY", 0.9, 20_000, _first(mitigated_squared, "IY")),
    ],
    ids=["bell-squared", "bell-purity", "shadow-expectation", "shadow-squared"],
)
def test_reported_stderr_matches_spread_over_repeated_experiments(protocol, pauli, alpha, copies, estimate):
    repetitions = 200
    values, totals, conditionals = _repeat(protocol, pauli, alpha, copies, 300, repetitions, 21, estimate)
    spread = values.std(ddof=1)
    reported = np.sqrt(np.mean(totals**2))
    # The std of a sample std over 200 near-normal values is 5 %; allow about 3.5 of those.
    assert abs(spread / reported - 1) < 0.18, (spread, reported)
    # With 300 calibration shots the calibration dominates: the conditional SE alone is too small.
    assert np.sqrt(np.mean(conditionals**2)) < 0.7 * spread, (np.sqrt(np.mean(conditionals**2)), spread)


# ---- bad input --------------------------------------------------------------------------------


def test_bad_inputs_raise():
    bits = np.zeros((4, 2), dtype=np.uint8)
    shadow = ShadowRecord(bits, bits)
    bell = BellRecord(bits)
    with pytest.raises(ValueError, match="calibration has 3 columns but the single-copy record has 2"):
        mitigated_expectation(shadow, ["XZ"], exact_calibration(3))
    with pytest.raises(ValueError, match="calibration has 1 columns but the two-copy record has 2"):
        mitigated_squared(bell, ["X"], exact_calibration(1))
    with pytest.raises(TypeError, match="single-copy"):
        mitigated_expectation(bell, ["X"], exact_calibration(2))
    with pytest.raises(TypeError, match="ShadowRecord or BellRecord"):
        mitigated_purity(bits, exact_calibration(2))
    with pytest.raises(TypeError, match="ReadoutCalibration"):
        mitigated_squared(bell, ["X"], {"p01": [0, 0]})
    with pytest.raises(ValueError, match="bad character"):
        mitigated_squared(bell, ["Q"], exact_calibration(2))
    with pytest.raises(ValueError, match=r"sign_values has shape \(1, 2\) but must be \[bit columns=2, 2\]"):
        shadow_expectation(bits, bits, ["XZ"], sign_values=[[1.0, -1.0]])
    with pytest.raises(ValueError, match="sign_values must be finite"):
        bell_squared(bits, ["X"], sign_values=[[1.0, 1.0], [1.0, -1.0]])
