"""Unsupervised classification: exact 2-means, unbiased statistics, the paper's pipeline."""

import itertools

import numpy as np
import pytest
import scipy.stats

from qmemlearn.analysis.classification import (
    accuracy_up_to_swap, basis_means, basis_squared_mean_statistic, classify_kernel_pca, classify_statistic,
    hamming_statistic, kernel_pca_component, paper_features, squared_mean_statistic, two_means_split,
)


def _brute_force_sse(scores):
    best = np.inf
    for mask in itertools.product([0, 1], repeat=scores.size):
        mask = np.array(mask, bool)
        if mask.all() or not mask.any():
            continue
        sse = sum(((part - part.mean()) ** 2).sum() for part in (scores[mask], scores[~mask]))
        best = min(best, sse)
    return best


@pytest.mark.parametrize("seed", range(5))
def test_two_means_split_is_the_exact_optimum(seed):
    scores = np.random.default_rng(seed).normal(size=9) * np.array([1, 1, 1, 5, 5, 5, 1, 1, 1])
    labels = two_means_split(scores)
    sse = sum(((scores[labels == k] - scores[labels == k].mean()) ** 2).sum() for k in (0, 1))
    assert sse == pytest.approx(_brute_force_sse(scores), rel=1e-12)
    assert scores[labels == 1].min() > scores[labels == 0].max()  # 1 is the upper cluster


def test_two_means_split_degenerate_and_bad_input():
    assert two_means_split(np.array([3.0, 3.0, 3.0])).tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="scores must be a finite 1-D array"):
        two_means_split(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="scores must be a finite 1-D array"):
        two_means_split(np.array([1.0]))


def test_accuracy_up_to_swap():
    truth = np.array([0, 0, 1, 1, 1])
    assert accuracy_up_to_swap(1 - truth, truth) == 1.0
    assert accuracy_up_to_swap(np.array([0, 1, 0, 1, 1]), truth) == 0.6
    with pytest.raises(ValueError, match="must be 1-D of one length"):
        accuracy_up_to_swap(np.array([0, 1]), truth)


@pytest.mark.parametrize("shots", [2, 3, 10, 57])
@pytest.mark.parametrize("mean", [0.0, 0.3, -0.8, 1.0])
def test_squared_mean_statistic_is_exactly_unbiased(shots, mean):
    """E over Binomial(shots, p) of the statistic equals <P>^2 exactly (not statistically)."""
    p_one = (1 - mean) / 2  # P(bit = 1): bit 0 is the +1 eigenvalue
    ones = np.arange(shots + 1)
    pmf = scipy.stats.binom.pmf(ones, shots, p_one)
    values = squared_mean_statistic(ones[:, None], shots)
    assert float(pmf @ values) == pytest.approx(mean**2, abs=1e-12)


def test_squared_mean_statistic_rejects_bad_counts():
    with pytest.raises(ValueError, match="shots=1 must be an int >= 2"):
        squared_mean_statistic(np.zeros((2, 2)), 1)
    with pytest.raises(ValueError, match=r"counts in \[0, shots=4\]"):
        squared_mean_statistic(np.array([[5]]), 4)


def test_paper_features_and_hamming():
    means = np.array([[0.0, 1.0, 0.5], [0.25, 0.25, 0.25]])
    features = paper_features(means)
    assert features.shape == (2, 4)
    assert features[:, -1] == pytest.approx([np.std([0, 1, 0.5]), 0.0])
    assert hamming_statistic(means).tolist() == [1.5, 0.75]
    with pytest.raises(ValueError, match=r"fractions of shots in \[0, 1\]"):
        paper_features(np.array([[1.5], [0.0]]))


def _two_class_means(rng, circuits, bits, shots, spread):
    """Class 0 has all means 0 (T-symmetric, two-copy); class 1 near 1/2 (scrambling)."""
    truth = np.arange(circuits) % 2
    p = np.where(truth[:, None] == 1, 0.5 + spread * rng.normal(size=(circuits, bits)), 0.0)
    return rng.binomial(shots, np.clip(p, 0, 1)) / shots, truth


def test_kernel_pca_separates_distinct_classes_and_not_identical_ones():
    rng = np.random.default_rng(7)
    means, truth = _two_class_means(rng, 40, 8, 50, 0.05)
    assert accuracy_up_to_swap(classify_kernel_pca(means), truth) == 1.0
    assert accuracy_up_to_swap(classify_statistic(hamming_statistic(means)), truth) == 1.0
    # Both classes drawn from one distribution: no method can beat chance by much.
    same = rng.binomial(50, 0.5, size=(40, 8)) / 50
    assert accuracy_up_to_swap(classify_kernel_pca(same), truth) < 0.8
    component = kernel_pca_component(paper_features(means))
    assert component.shape == (40,)


def test_median_split_separates_a_heavy_tailed_class_that_two_means_cuts():
    from qmemlearn.analysis.classification import median_split

    zeros = np.zeros(10)
    tail = np.array([1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 1.0, 2.0, 3.0])
    scores = np.concatenate([zeros, tail])
    truth = np.repeat([0, 1], 10)
    assert accuracy_up_to_swap(two_means_split(scores), truth) < 0.9  # the split isolates the tail
    assert accuracy_up_to_swap(median_split(scores), truth) == 1.0
    assert classify_statistic(scores).tolist() == median_split(scores).tolist()


def test_basis_means_and_bad_counts():
    counts = np.array([[[[2, 0, 1], [0, 0, 0]], [[4, 0, 2], [2, 2, 2]]]])  # [1, 2, n=2, 3]
    np.testing.assert_allclose(basis_means(counts), [[0.5, 0.5, 0.5, 0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match=r"counts must be a \[circuits, 2, n, 3\] array"):
        basis_means(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="ones in"):
        basis_means(np.array([[[[3, 0, 0]], [[2, 0, 0]]]]))
    with pytest.raises(ValueError, match="basis=3 must be 0"):
        basis_squared_mean_statistic(counts, basis=3)


@pytest.mark.parametrize("n", [2, 4])
def test_kernel_pca_single_copy_reaches_full_accuracy_with_many_shots(n):
    """With 10⁷ Y-basis shots per circuit the T-symmetric circuits collapse to one point and
    the kernel-PCA pipeline must classify every circuit; a least-squares split of the same
    component cuts off the scrambling tail instead (the failure the median split fixes)."""
    from qmemlearn.tasks.dynamics import draw_circuits
    from qmemlearn.tasks.dynamics_outcomes import circuit_outcomes

    rng = np.random.default_rng(11)
    circuits = draw_circuits(n, 5, 20, np.random.SeedSequence(5))
    shots = 10**7
    ones = np.stack([
        circuit_outcomes(c, protocol="single-copy", noise="ideal", backend="auto", max_bond=0).sample_ones(shots, rng)
        for c in circuits
    ])
    truth = np.array([c.label for c in circuits])
    assert accuracy_up_to_swap(classify_kernel_pca(ones / shots), truth) == 1.0
    component = kernel_pca_component(paper_features(ones / shots))
    assert accuracy_up_to_swap(two_means_split(component), truth) < 0.9
