"""Virtual distillation: estimate ⟨ψ|O|ψ⟩ of the principal component as tr(Oρ²)/tr(ρ²).

Two-copy (Huggins et al., PRX 11, 041036 (2021); Koczor, PRX 11, 031057 (2021)): the shots
are split into ``T₁`` shots of :class:`~qmemlearn.protocols.distillation.DistillationProtocol`
(one-shot values ``Re Π λ_i`` in {−1, 0, 1}, mean ``tr(Oρ²)``) and ``T₂`` Bell shots (SWAP
values ±1, mean ``tr(ρ²)``; :func:`qmemlearn.estimators.bell_purity`). The two means are
independent, so the delta method gives for ``r = N̂/D̂``

    ``Var r ≈ Var N̂ / D² + N² Var D̂ / D⁴``.

With per-shot variances ``v₁ = ½(1 + tr(Oρ)²) − tr(Oρ²)²`` (the exact law of the one-shot
value, :func:`qmemlearn.protocols.distillation.value_distribution`) and ``v₂ = 1 − tr(ρ²)²``,
``Var r = (v₁/f + r² v₂/(1−f)) / (T D²)`` for a fraction ``f`` of the T shots on the numerator,
minimized at ``f* = √v₁ / (√v₁ + |r| √v₂)`` (:func:`optimal_numerator_fraction`).

Single-copy: the same ratio from one set of shadow snapshots, each of ``tr(Oρ²)`` and
``tr(ρ²)`` an unbiased pair U-statistic (:mod:`.product_kernel`) with kernels
``Re tr(O ρ̂_s ρ̂_t)`` and ``tr(ρ̂_s ρ̂_t)``. Its standard error is Hoeffding's variance of the
linearized kernel ``h = (k_O − r·k_1)/D̂`` (the delta method for a ratio of two U-statistics
of the same snapshots, covariance included), via
:func:`qmemlearn.estimators.pair_ustatistic_stderr`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from qmemlearn import paulis
from qmemlearn.estimators import product_kernel as pk
from qmemlearn.estimators.bell import bell_purity
from qmemlearn.estimators.statistics import mean_and_stderr, pair_ustatistic_stderr
from qmemlearn.protocols.distillation import distillation_values

__all__ = [
    "DistilledEstimate",
    "ratio_with_stderr",
    "optimal_numerator_fraction",
    "split_shots",
    "two_copy_distilled",
    "distilled_from_values",
    "shadow_kernel_tables",
    "shadow_distilled",
]


@dataclasses.dataclass(frozen=True)
class DistilledEstimate:
    """An estimate of tr(Oρ²)/tr(ρ²) with its parts; ``value`` is nan if ``denominator <= 0``."""

    value: float
    stderr: float
    numerator: float
    denominator: float


def ratio_with_stderr(numerator: float, numerator_stderr: float, denominator: float, denominator_stderr: float) -> tuple[float, float]:
    """``N/D`` and its delta-method standard error for independent N and D.

    Returns ``(nan, nan)`` if ``denominator <= 0`` (no valid ratio).

    Example:
        >>> ratio_with_stderr(0.2, 0.01, 0.4, 0.02)
        (0.5, 0.035355339059327376)
    """
    if denominator <= 0:
        return float("nan"), float("nan")
    ratio = numerator / denominator
    variance = (numerator_stderr / denominator) ** 2 + (ratio * denominator_stderr / denominator) ** 2
    return float(ratio), float(np.sqrt(variance))


def optimal_numerator_fraction(observable_on_square: float, expectation: float, purity: float) -> float:
    """The fraction f* of two-copy shots spent on the numerator that minimizes Var r.

    Args:
        observable_on_square: tr(Oρ²).
        expectation: tr(Oρ).
        purity: tr(ρ²), in (0, 1].

    Example:
        >>> round(optimal_numerator_fraction(0.25, 0.0, 0.25), 4)  # tr(Oρ²)/tr(ρ²) = 1
        0.4059
    """
    if not 0 < purity <= 1:
        raise ValueError(f"purity={purity!r} must be in (0, 1]")
    v1 = 0.5 * (1 + expectation**2) - observable_on_square**2
    v2 = 1 - purity**2
    r = abs(observable_on_square / purity)
    return float(np.sqrt(v1) / (np.sqrt(v1) + r * np.sqrt(v2)))


def split_shots(shots: int, fraction: float) -> tuple[int, int]:
    """``(numerator shots, denominator shots)``: ``round(fraction·shots)``, each at least 2.

    Raises:
        ValueError: If ``shots < 4`` or ``fraction`` is not in (0, 1).

    Example:
        >>> split_shots(10, 0.5)
        (5, 5)
    """
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 4:
        raise ValueError(f"shots={shots!r} must be an int >= 4 (at least 2 per estimate)")
    if not 0 < fraction < 1:
        raise ValueError(f"fraction={fraction!r} must be in (0, 1)")
    first = min(max(int(round(fraction * shots)), 2), int(shots) - 2)
    return first, int(shots) - first


def two_copy_distilled(numerator_bits: np.ndarray, swap_bits: np.ndarray, observable: str) -> DistilledEstimate:
    """tr(Oρ²)/tr(ρ²) from distillation shots and Bell (SWAP) shots, delta-method stderr.

    Args:
        numerator_bits: uint8 ``[T₁, 2n]`` outcomes of ``DistillationProtocol(observable)``.
        swap_bits: uint8 ``[T₂, 2n]`` outcomes of the Bell protocol (``TwoCopyProtocol``).
        observable: The Pauli string O.

    Raises:
        ValueError: On malformed bits, fewer than 2 shots of either kind, or mismatched n.

    Example:
        >>> e = two_copy_distilled([[0, 0], [0, 0], [1, 0]], [[0, 0], [0, 0]], "Z")
        >>> round(e.value, 4)
        0.3333
    """
    swap_bits = np.asarray(swap_bits)
    if swap_bits.ndim != 2 or swap_bits.shape[1] != 2 * len(observable):
        raise ValueError(f"swap_bits has shape {swap_bits.shape}; it must be [shots, {2 * len(observable)}]")
    numerator, numerator_stderr = mean_and_stderr(distillation_values(numerator_bits, observable))
    denominator, denominator_stderr = bell_purity(swap_bits)
    value, stderr = ratio_with_stderr(float(numerator), float(numerator_stderr), denominator, denominator_stderr)
    return DistilledEstimate(value, stderr, float(numerator), denominator)


def distilled_from_values(numerator_values: np.ndarray, swap_values: np.ndarray) -> DistilledEstimate:
    """tr(Oρ²)/tr(ρ²) from one-shot values: ``Re Π λ`` (numerator) and SWAP products ±1.

    Raises:
        ValueError: If either array has fewer than 2 shots.

    Example:
        >>> round(distilled_from_values([1, 1, -1], [1, 1]).value, 4)
        0.3333
    """
    numerator, numerator_stderr = mean_and_stderr(numerator_values)
    denominator, denominator_stderr = mean_and_stderr(swap_values)
    value, stderr = ratio_with_stderr(float(numerator), float(numerator_stderr), float(denominator), float(denominator_stderr))
    return DistilledEstimate(value, stderr, float(numerator), float(denominator))


def shadow_kernel_tables(observable: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per-qubit 6×6 tables of the kernels ``tr(O_i ρ̂_c ρ̂_c')`` and ``tr(ρ̂_c ρ̂_c')``."""
    snaps = pk.local_snapshots()
    products = np.einsum("aij,bjk->abik", snaps, snaps)  # ρ̂_c ρ̂_c'
    purity = np.einsum("abii->ab", products).real
    letters = {"I": np.eye(2), **{c: pk._PAULI[k] for k, c in enumerate("XYZ")}}
    numerator = [np.einsum("ij,abji->ab", letters[c], products) for c in observable]
    return numerator, [purity] * len(observable)


def shadow_distilled(bits: np.ndarray, recipes: np.ndarray, observable: str, *, with_stderr: bool = True) -> DistilledEstimate:
    """tr(Oρ²)/tr(ρ²) from classical shadows: a ratio of two unbiased pair U-statistics.

    Args:
        bits: uint8 ``[T, n]``, 0 = the +1 eigenvalue of the measured Pauli.
        recipes: uint8 ``[T, n]``, 0: X, 1: Y, 2: Z.
        observable: The Pauli string O of length n.
        with_stderr: Also compute the delta-method stderr (four more kernel passes).
            Defaults to True; False returns stderr nan.

    Raises:
        ValueError: On malformed inputs, fewer than 2 snapshots (3 with the stderr), or
            n > :data:`.product_kernel.MAX_N`.

    Example:
        >>> e = shadow_distilled([[0], [0], [0]], [[2], [2], [2]], "Z")
        >>> e.numerator, e.denominator   # tr(Z|0><0|^2), tr(|0><0|^2) from 3 snapshots
        (3.0, 5.0)
    """
    cells = pk.snapshot_cells(bits, recipes)
    shots, n = cells.shape
    paulis.validate_pauli(observable, n=n, name="observable")
    if shots < 2 + with_stderr:
        raise ValueError(f"shots={shots} must be >= {2 + with_stderr} for the pair U-statistics"
                         f"{' and their stderr' if with_stderr else ''}")
    pairs = shots * (shots - 1.0)
    hist = pk.histogram(cells)
    num_tables, den_tables = shadow_kernel_tables(observable)
    sums = pk.pauli_sums(hist)
    num_diag, den_diag = pk.diagonal_values(cells, num_tables), pk.diagonal_values(cells, den_tables)
    numerator = (pk.observable_pair_sum(sums, observable) - num_diag.sum().real) / pairs
    denominator = (pk.observable_pair_sum(sums, "I" * n) - den_diag.sum().real) / pairs
    if denominator <= 0:
        return DistilledEstimate(float("nan"), float("nan"), float(numerator), float(denominator))
    ratio = numerator / denominator
    if not with_stderr:
        return DistilledEstimate(float(ratio), float("nan"), float(numerator), float(denominator))
    num_applied, den_applied = pk.apply_tables(hist, num_tables), pk.apply_tables(hist, den_tables)
    index = tuple(cells.T)
    rows = ((num_applied[index] - num_diag).real - ratio * (den_applied[index] - den_diag).real) / (shots - 1.0)

    def off_diagonal(tables: list[np.ndarray]) -> float:
        return (pk.pair_sum(hist, pk.apply_tables(hist, tables)) - pk.diagonal_values(cells, tables).sum()).real

    # Σ_{s≠t} h² D² = Σ k_O² − 2r Σ k_O k_1 + r² Σ k_1², with k_O² = (Re z² + |z|²)/2.
    square_o = 0.5 * (off_diagonal([t * t for t in num_tables]) + off_diagonal([t * t.conj() for t in num_tables]))
    cross = off_diagonal([t * d for t, d in zip(num_tables, den_tables)])
    square_1 = off_diagonal([d * d for d in den_tables])
    kernel_variance = (square_o - 2 * ratio * cross + ratio**2 * square_1) / pairs  # E h² D², E h = 0
    kernel_variance = max(kernel_variance, 0.0) * pairs / max(pairs - 1.0, 1.0)
    stderr = pair_ustatistic_stderr(rows, kernel_variance) / denominator
    return DistilledEstimate(float(ratio), float(stderr), float(numerator), float(denominator))
