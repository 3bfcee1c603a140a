"""The fast exact QVM path agrees in distribution with the stock qsim-backed QVM of willow_pink.

Both samplers get the same placed, compiled, validated circuit (4 copy pairs, 8 qubits) and
the same settings; the stock one is ``create_default_noisy_quantum_virtual_machine`` with
``qsimcirq.QSimSimulator`` (one trajectory per repetition). Per setting, a two-sample chi-square
test of homogeneity over the 256 outcomes (sparse bins pooled) compares the two samples; the
p-values of all settings are combined by summing the statistics. The same test is shown to
have power: it rejects stock-QVM samples against samples of the noiseless circuit. Measured:
p = 0.49 (chi-square 192 on 192 dof) for fast vs stock, p = 7e-15 for noiseless vs stock; the
empirical total variation is ~0.083 per setting between the QVMs (two samples of 1500 over
256 outcomes) and ~0.10 against the noiseless circuit. ~10 s on the loaded 2-core machine.
"""

from __future__ import annotations

import cirq
import numpy as np
import scipy.stats

from qmemlearn.hardware import DeviceNoiseSampler, device_sampler
from qmemlearn.protocols import MEASUREMENT_KEY, TwoCopyProtocol
from qmemlearn.sources import PauliMixedState

PAIRS = 4
SETTINGS = 3
REPETITIONS = 1500


def _outcome_counts(sampler: cirq.Sampler, circuit: cirq.Circuit, resolver: cirq.ParamResolver) -> np.ndarray:
    bits = sampler.run(circuit, resolver, repetitions=REPETITIONS).measurements[MEASUREMENT_KEY]
    index = bits.astype(np.int64) @ (1 << np.arange(bits.shape[1] - 1, -1, -1))
    return np.bincount(index, minlength=2 ** bits.shape[1])


def homogeneity(first: list[np.ndarray], second: list[np.ndarray], min_expected: float = 5.0) -> tuple[float, float, int]:
    """Two-sample chi-square of homogeneity over several groups: ``(p-value, statistic, dof)``.

    Bins are sorted by pooled count and the sparsest are merged until every merged bin has an
    expected count >= ``min_expected`` in each sample (equal sample sizes).
    """
    statistic, dof = 0.0, 0
    for a, b in zip(first, second):
        pooled = a + b
        order = np.argsort(pooled)
        a, b, pooled = a[order], b[order], pooled[order]
        keep = pooled > 0
        a, b, pooled = a[keep], b[keep], pooled[keep]
        k = 0
        while k < len(pooled) - 1 and pooled[: k + 1].sum() / 2 < min_expected:
            k += 1
        a = np.concatenate([[a[: k + 1].sum()], a[k + 1 :]])
        b = np.concatenate([[b[: k + 1].sum()], b[k + 1 :]])
        if len(a) < 2:
            continue
        table_statistic, _, table_dof, _ = scipy.stats.chi2_contingency(np.stack([a, b]), correction=False)
        statistic += float(table_statistic)
        dof += int(table_dof)
    return float(scipy.stats.chi2.sf(statistic, dof)), statistic, dof


def test_fast_path_agrees_with_stock_qsim_qvm_at_four_pairs():
    source = PauliMixedState("XYZY"[:PAIRS], alpha=0.9)
    protocol = TwoCopyProtocol()
    logical = protocol.circuit(source)
    fast = DeviceNoiseSampler("willow_pink", seed=11)
    stock = device_sampler("willow_pink", execution="qvm-qsim", seed=12)
    noiseless = DeviceNoiseSampler("willow_pink", seed=13, sampler_factory=lambda noise, seed: cirq.Simulator(seed=seed))
    circuit = fast.device_circuit(logical).circuit
    assert stock.device_circuit(logical).circuit == circuit  # the same placed, compiled circuit
    columns, _ = protocol.draw_settings(source, np.random.default_rng(5), SETTINGS)
    fast_counts, stock_counts, ideal_counts = [], [], []
    for t in range(SETTINGS):
        resolver = cirq.ParamResolver({name: float(values[t]) for name, values in columns.items()})
        fast_counts.append(_outcome_counts(fast, logical, resolver))
        stock_counts.append(_outcome_counts(stock, logical, resolver))
        ideal_counts.append(_outcome_counts(noiseless, logical, resolver))
    pvalue, statistic, dof = homogeneity(fast_counts, stock_counts)
    assert pvalue > 1e-3, (statistic, dof)
    # Power: the same test at the same sizes tells the noisy QVM from the noiseless circuit.
    power_pvalue, power_statistic, power_dof = homogeneity(ideal_counts, stock_counts)
    assert power_pvalue < 1e-6, (power_statistic, power_dof)
    # Total variation between the two empirical distributions: no larger than that of two
    # samples of one law (parametric bootstrap from the pooled counts, fixed seed).
    assert tv_bootstrap_pvalue(fast_counts, stock_counts, np.random.default_rng(0)) > 0.01
    assert tv_bootstrap_pvalue(ideal_counts, stock_counts, np.random.default_rng(1)) < 0.01  # and it has power


def _mean_tv(first: list[np.ndarray], second: list[np.ndarray]) -> float:
    return float(np.mean([0.5 * np.abs(a - b).sum() / a.sum() for a, b in zip(first, second)]))


def tv_bootstrap_pvalue(first: list[np.ndarray], second: list[np.ndarray], rng: np.random.Generator, draws: int = 200) -> float:
    """Fraction of bootstrap pairs (both drawn from the pooled law) with a mean TV >= the observed one."""
    observed = _mean_tv(first, second)
    pooled = [(a + b) / (a + b).sum() for a, b in zip(first, second)]
    sizes = [int(a.sum()) for a in first]
    exceed = 0
    for _ in range(draws):
        one = [rng.multinomial(k, p) for k, p in zip(sizes, pooled)]
        two = [rng.multinomial(k, p) for k, p in zip(sizes, pooled)]
        exceed += _mean_tv(one, two) >= observed
    return (exceed + 1) / (draws + 1)
