"""Telling two classes of circuits apart without labels (DESIGN §5.2).

Each circuit contributes the per-bit means of its measured bits (fraction of shots with bit 1),
which need only outcome counts. Two classifiers:

* **the paper's pipeline**: features = the per-bit means plus the standard deviation of those
  means; MinMax scaling; kernel PCA with an RBF kernel (scikit-learn); the first component
  split into two equal clusters at its median (:func:`classify_kernel_pca`);
* **a principled statistic per protocol**, split the same way (:func:`classify_statistic`):
  single-copy, the unbiased estimate of Σᵢ⟨Yᵢ⟩² (:func:`squared_mean_statistic`), which is 0
  for real (T-symmetric) U and about n·2⁻ⁿ for scrambling U; two-copy, the mean Hamming
  weight of the 2n bits (:func:`hamming_statistic`), 0 for T-symmetric U without noise and
  about n for scrambling U. The statistic is split at its median (the classes are balanced by
  design, and the scrambling values are heavy-tailed, which defeats a least-squares split).

For the random-Pauli-basis single-copy protocol the counts are kept per qubit and basis
(:func:`basis_means`: the paper's features are then the 3n per-basis means plus their std), and
the statistic uses only the shots whose basis on qubit i was Y
(:func:`basis_squared_mean_statistic`).

Why the median and not a least-squares (two-means) split of the kernel-PCA score: with many
shots the T-symmetric circuits collapse to one tight cluster at one end of the first component
while the scrambling circuits spread out in a heavy tail, and the two-means split
(:func:`two_means_split`, kept for comparison) cuts off that tail instead: measured at n = 2 and 4
with 10⁷ shots per circuit it stays at 0.75–0.78 accuracy where the median split reaches 1.0.
The classes are balanced by design, so the median split uses no label. No step here is random.
Accuracy is measured up to a swap of the two labels (:func:`accuracy_up_to_swap`), since an
unsupervised method cannot know which cluster is which class.
"""

from __future__ import annotations

import numpy as np


def _as_means(means: np.ndarray) -> np.ndarray:
    means = np.asarray(means, dtype=float)
    if means.ndim != 2 or means.shape[0] < 2 or means.shape[1] < 1:
        raise ValueError(f"means must be a [circuits >= 2, bits >= 1] array; got shape {means.shape}")
    if not np.all((means >= 0) & (means <= 1)):
        raise ValueError("means must be fractions of shots in [0, 1]")
    return means


def paper_features(means: np.ndarray) -> np.ndarray:
    """The paper's features: per-bit means, then the standard deviation of those means.

    Args:
        means: ``[circuits, bits]`` fraction of shots in which each bit was 1.

    Returns:
        ``[circuits, bits + 1]``.

    Example:
        >>> paper_features(np.array([[0.0, 1.0], [0.5, 0.5]]))[:, -1].tolist()
        [0.5, 0.0]
    """
    means = _as_means(means)
    return np.column_stack([means, means.std(axis=1)])


def kernel_pca_component(features: np.ndarray, *, gamma: float | None = None) -> np.ndarray:
    """First kernel-PCA component (RBF kernel) of MinMax-scaled features.

    Args:
        features: ``[circuits, features]``.
        gamma: RBF width ``exp(-gamma·|x − y|²)``. Defaults to None (1 / number of features,
            scikit-learn's default).

    Returns:
        ``[circuits]`` scores; their sign is arbitrary.
    """
    from sklearn.decomposition import KernelPCA
    from sklearn.preprocessing import MinMaxScaler

    features = np.asarray(features, dtype=float)
    scaled = MinMaxScaler().fit_transform(features)
    pca = KernelPCA(n_components=1, kernel="rbf", gamma=gamma, eigen_solver="dense")
    return pca.fit_transform(scaled)[:, 0]


def two_means_split(scores: np.ndarray) -> np.ndarray:
    """Exact two-cluster split of 1-D scores (least within-cluster sum of squares).

    Ties are broken towards the earliest split; equal scores always share a cluster. If all
    scores are equal, every circuit gets label 0.

    Returns:
        ``[circuits]`` labels in {0, 1}; 1 marks the cluster of larger scores.

    Example:
        >>> two_means_split(np.array([0.1, 5.0, 0.2, 4.0])).tolist()
        [0, 1, 0, 1]
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or scores.size < 2 or not np.all(np.isfinite(scores)):
        raise ValueError(f"scores must be a finite 1-D array of >= 2 values; got shape {scores.shape}")
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    labels = np.zeros(scores.size, dtype=np.int64)
    cuts = np.flatnonzero(np.diff(sorted_scores) > 0) + 1  # only between distinct values
    if cuts.size == 0:
        return labels
    prefix = np.concatenate([[0.0], np.cumsum(sorted_scores)])
    prefix_sq = np.concatenate([[0.0], np.cumsum(sorted_scores**2)])
    total, total_sq, count = prefix[-1], prefix_sq[-1], scores.size
    left_n = cuts.astype(float)
    right_n = count - left_n
    left_sse = prefix_sq[cuts] - prefix[cuts] ** 2 / left_n
    right_sse = (total_sq - prefix_sq[cuts]) - (total - prefix[cuts]) ** 2 / right_n
    best = cuts[int(np.argmin(left_sse + right_sse))]
    labels[order[best:]] = 1
    return labels


def accuracy_up_to_swap(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Fraction of circuits labelled right, under the better of the two label assignments.

    Example:
        >>> accuracy_up_to_swap(np.array([1, 1, 0, 0]), np.array([0, 0, 1, 0]))
        0.75
    """
    predicted, truth = np.asarray(predicted), np.asarray(truth)
    if predicted.shape != truth.shape or predicted.ndim != 1:
        raise ValueError(f"predicted {predicted.shape} and truth {truth.shape} must be 1-D of one length")
    agree = float(np.mean(predicted == truth))
    return max(agree, 1.0 - agree)


def classify_kernel_pca(means: np.ndarray, *, gamma: float | None = None) -> np.ndarray:
    """The paper's unsupervised pipeline, split at the median; returns labels in {0, 1} per circuit."""
    return median_split(kernel_pca_component(paper_features(means), gamma=gamma))


def squared_mean_statistic(ones: np.ndarray, shots: int) -> np.ndarray:
    """Unbiased estimate of Σᵢ⟨Pᵢ⟩² per circuit from counts of bit 1 in the Pᵢ basis.

    With xₜ = (−1)^bitₜ and S = Σₜ xₜ = shots − 2·ones, the U-statistic over distinct shot pairs
    is (S² − shots) / (shots·(shots − 1)) per bit (DESIGN §3), summed over bits.

    Args:
        ones: ``[circuits, bits]`` number of shots with bit 1.
        shots: Shots per circuit, >= 2.

    Example:
        >>> squared_mean_statistic(np.array([[0, 0]]), 10).tolist()  # every bit always +1
        [2.0]
    """
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 2:
        raise ValueError(f"shots={shots!r} must be an int >= 2 (the U-statistic needs two shots)")
    ones = np.asarray(ones, dtype=float)
    if np.any(ones < 0) or np.any(ones > shots):
        raise ValueError(f"ones must be counts in [0, shots={shots}]")
    total = shots - 2.0 * ones
    return ((total**2 - shots) / (shots * (shots - 1.0))).sum(axis=-1)


def hamming_statistic(means: np.ndarray) -> np.ndarray:
    """Mean Hamming weight of a shot (the sum of the per-bit means) per circuit."""
    return _as_means(means).sum(axis=1)


def median_split(scores: np.ndarray) -> np.ndarray:
    """Labels the larger half of the scores 1 and the rest 0 (ties broken by position).

    For a statistic that is 0 on one class and positive on the other, but heavy-tailed there
    (Σᵢ⟨Yᵢ⟩² of scrambling circuits spans orders of magnitude), the least-squares two-means
    split cuts off the tail instead of separating the classes; with the classes balanced by
    design (the task draws equally many circuits of each), the median split uses no label.

    Example:
        >>> median_split(np.array([0.0, 0.01, 5.0, 0.02])).tolist()
        [0, 0, 1, 1]
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or scores.size < 2 or not np.all(np.isfinite(scores)):
        raise ValueError(f"scores must be a finite 1-D array of >= 2 values; got shape {scores.shape}")
    labels = np.zeros(scores.size, dtype=np.int64)
    labels[np.argsort(scores, kind="stable")[scores.size // 2 :]] = 1
    return labels


def classify_statistic(scores: np.ndarray) -> np.ndarray:
    """Labels in {0, 1} from a 1-D statistic per circuit, split at the median, without labels
    (the task's classes are balanced by design; see :func:`median_split`)."""
    return median_split(scores)


def _as_basis_counts(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts)
    if counts.ndim != 4 or counts.shape[1] != 2 or counts.shape[3] != 3:
        raise ValueError(f"counts must be a [circuits, 2, n, 3] array (ones, shots per qubit and basis); got shape {counts.shape}")
    if np.any(counts < 0) or np.any(counts[:, 0] > counts[:, 1]):
        raise ValueError("counts must hold ones in [0, shots in that basis]")
    return counts


def basis_means(counts: np.ndarray) -> np.ndarray:
    """Per-qubit, per-basis fractions of bit 1 from random-basis counts, ``[circuits, 3n]``.

    Args:
        counts: ``[circuits, 2, n, 3]``: ``[:, 0]`` shots with bit 1 and ``[:, 1]`` shots in
            that basis, per qubit and basis (0: X, 1: Y, 2: Z). A basis never measured gets 0.5
            (no information).

    Returns:
        Columns ordered qubit-major: ``3·i + basis``.

    Example:
        >>> basis_means(np.array([[[[1, 0, 0]], [[4, 0, 2]]]])).tolist()
        [[0.25, 0.5, 0.0]]
    """
    counts = _as_basis_counts(counts).astype(float)
    ones, shots = counts[:, 0], counts[:, 1]
    means = np.divide(ones, shots, out=np.full(ones.shape, 0.5), where=shots > 0)
    return means.reshape(means.shape[0], -1)


def basis_squared_mean_statistic(counts: np.ndarray, basis: int = 1) -> np.ndarray:
    """Unbiased estimate of Σᵢ⟨Pᵢ⟩² per circuit from the shots whose basis on qubit i was P.

    Per qubit, with m shots in basis P and S = m − 2·ones, the U-statistic over distinct pairs
    of those shots is (S² − m)/(m(m − 1)) (as :func:`squared_mean_statistic`); a qubit with
    m < 2 such shots contributes 0. Unbiased given the bases (for every m >= 2).

    Args:
        counts: ``[circuits, 2, n, 3]`` (see :func:`basis_means`).
        basis: 0: X, 1: Y (default, the T-symmetry witness), 2: Z.
    """
    if basis not in (0, 1, 2):
        raise ValueError(f"basis={basis!r} must be 0 (X), 1 (Y) or 2 (Z)")
    counts = _as_basis_counts(counts).astype(float)
    ones, shots = counts[:, 0, :, basis], counts[:, 1, :, basis]
    total = shots - 2.0 * ones
    pairs = shots * (shots - 1.0)
    per_qubit = np.divide(total**2 - shots, pairs, out=np.zeros_like(total), where=shots >= 2)
    return per_qubit.sum(axis=-1)
