"""Theory curves of the ``pca`` task: exact estimator variances and Gaussian-approximate N*.

Two-copy: the one-shot values have exact laws (DESIGN §3 and
:func:`~qmemlearn.protocols.distillation.value_distribution`), per-shot variances
``v₁ = ½(1 + tr(Oρ)²) − tr(Oρ²)²`` and ``v₂ = 1 − tr(ρ²)²``, independent of n at fixed
tr(Oρ²), tr(Oρ), tr(ρ²): so N* is O(1) in n.

Single-copy: the shadow estimators are pair U-statistics with kernel ``h(s, t)``; Hoeffding's
variance is ``(4(T−2)ζ₁ + 2ζ₂)/(T(T−1))`` with ``ζ₁ = Var_s E_t h`` and ``ζ₂ = E h²``. Both
are exact sums over the ``6ⁿ`` cells of the snapshot distribution (:func:`cell_distribution`)
with the product tables of :mod:`qmemlearn.estimators.product_kernel`. ``ζ₂`` grows
exponentially in n (for the numerator kernel ``Re tr(O ρ̂_s ρ̂_t)`` with O of full weight, by
a constant factor per qubit), and once ``T ≪ ζ₂/ζ₁`` the copies needed grow as ``√ζ₂``.

N* is predicted by treating the estimate as Gaussian with that variance (``sign``:
``Φ(|tr(Oρ²)|/σ_N) = target`` using the numerator alone, whose sign decides;
``epsilon``: ``P(|r̂ − s| ≤ ε) = target`` for ``r̂ ~ N(r, σ_r²)``).
"""

from __future__ import annotations

import math

import numpy as np

from qmemlearn import paulis
from qmemlearn.estimators import product_kernel as pk
from qmemlearn.estimators.virtual_distillation import shadow_kernel_tables
from qmemlearn.protocols.distillation import value_distribution
from qmemlearn.sources.principal_component import PrincipalComponentState

_S = 1 / math.sqrt(2)
#: Row ``2·recipe + bit``: the bra of the eigenvector of eigenvalue ``(−1)^bit`` of X, Y, Z.
_BRAS = np.array([[_S, _S], [_S, -_S], [_S, -1j * _S], [_S, 1j * _S], [1, 0], [0, 1]], dtype=np.complex128)


def cell_distribution(state: PrincipalComponentState) -> np.ndarray:
    """Exact probabilities ``(6,)*n`` of the snapshot cells ``2·recipe + bit`` (recipes uniform).

    Raises:
        ValueError: If n > :data:`qmemlearn.estimators.product_kernel.MAX_N`.
    """
    n = state.n
    if n > pk.MAX_N:
        raise ValueError(f"n={n} is too large for the 6^n cell distribution; the limit is n <= {pk.MAX_N}")
    amplitudes = state.state_vector().reshape((2,) * n)
    for axis in range(n):
        amplitudes = np.moveaxis(np.tensordot(_BRAS, amplitudes, axes=([1], [axis])), 0, axis)
    pure = np.abs(amplitudes) ** 2
    # σ = (I − q s O)/2ⁿ: tr(σ Π_c) = 2⁻ⁿ (1 − q s Π_i [(−1)^b_i if recipe_i = O_i else 0]).
    match = np.zeros((n, 6))
    codes = paulis.pauli_to_codes(state.observable).astype(int) - 1
    for i, r in enumerate(codes):
        match[i, 2 * r], match[i, 2 * r + 1] = 1.0, -1.0
    product = match[0]
    for row in match[1:]:
        product = np.multiply.outer(product, row)
    noise = (1.0 - state.q * state.sign * product) / 2**n
    return ((1 - state.p) * pure + state.p * noise) / 3**n


def _weighted_pair_sum(probabilities: np.ndarray, tables: list[np.ndarray]) -> float:
    return pk.pair_sum(probabilities, pk.apply_tables(probabilities, tables)).real


def shadow_variances(state: PrincipalComponentState) -> dict[str, float]:
    """Exact Hoeffding components of the shadow numerator and of the linearized ratio.

    Returns:
        ``{"zeta1_numerator", "zeta2_numerator", "zeta1_ratio", "zeta2_ratio"}``; the ratio
        components are those of ``h = (Re k_O − r k_1)/tr(ρ²)`` with r the exact ratio.
    """
    probabilities = cell_distribution(state)
    num_tables, den_tables = shadow_kernel_tables(state.observable)
    m1, purity, ratio = state.observable_on_square(), state.purity(), state.distilled()
    row_num = pk.apply_tables(probabilities, num_tables).real
    row_den = pk.apply_tables(probabilities, den_tables).real
    square_o = 0.5 * (_weighted_pair_sum(probabilities, [t * t for t in num_tables])
                      + _weighted_pair_sum(probabilities, [t * t.conj() for t in num_tables]))
    cross = _weighted_pair_sum(probabilities, [t * d for t, d in zip(num_tables, den_tables)])
    square_1 = _weighted_pair_sum(probabilities, [d * d for d in den_tables])
    row_ratio = (row_num - ratio * row_den) / purity
    return {
        "zeta1_numerator": float((probabilities * row_num**2).sum() - m1**2),
        "zeta2_numerator": float(square_o - m1**2),
        "zeta1_ratio": float((probabilities * row_ratio**2).sum()),
        "zeta2_ratio": float((square_o - 2 * ratio * cross + ratio**2 * square_1) / purity**2),
    }


def ustatistic_variance(zeta1: float, zeta2: float, shots: float) -> float:
    """Hoeffding's ``(4(T−2)ζ₁ + 2ζ₂)/(T(T−1))`` for T >= 2 shots."""
    return (4 * (shots - 2) * zeta1 + 2 * zeta2) / (shots * (shots - 1))


def two_copy_variances(state: PrincipalComponentState, shots: float, fraction: float) -> tuple[float, float]:
    """``(Var numerator, Var ratio)`` of the two-copy estimator (delta method) for ``shots`` shots."""
    law = value_distribution(state.observable_on_square(), state.expectation())
    m1, purity = state.observable_on_square(), state.purity()
    v1 = law[0] + law[2] - m1**2
    v2 = 1 - purity**2
    first, second = fraction * shots, (1 - fraction) * shots
    ratio = m1 / purity
    return v1 / first, (v1 / first + ratio**2 * v2 / second) / purity**2


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def success_probability(state: PrincipalComponentState, rule: str, variance_numerator: float,
                        variance_ratio: float, epsilon: float) -> float:
    """Gaussian-approximate success probability of one trial."""
    if rule == "sign":
        return _normal_cdf(abs(state.observable_on_square()) / math.sqrt(variance_numerator))
    s, r, sd = state.target(), state.distilled(), math.sqrt(variance_ratio)
    return _normal_cdf((s + epsilon - r) / sd) - _normal_cdf((s - epsilon - r) / sd)


def predicted_n_star(state: PrincipalComponentState, protocol: str, rule: str, *, epsilon: float = 0.25,
                     target: float = 0.9, fraction: float = 0.5, max_copies: float = 2.0**40) -> float:
    """Copies of ρ at which the Gaussian-approximate success reaches ``target`` (inf if never).

    Raises:
        ValueError: On an unknown protocol or rule.
    """
    if protocol not in ("single-copy", "two-copy") or rule not in ("sign", "epsilon"):
        raise ValueError(f"protocol={protocol!r}, rule={rule!r}: protocol must be single-copy or two-copy, "
                         "rule sign or epsilon")
    per_shot = 1 if protocol == "single-copy" else 2
    zetas = shadow_variances(state) if protocol == "single-copy" else None

    def success(copies: float) -> float:
        shots = copies / per_shot
        if zetas is None:
            var_n, var_r = two_copy_variances(state, shots, fraction)
        else:
            var_n = ustatistic_variance(zetas["zeta1_numerator"], zetas["zeta2_numerator"], shots)
            var_r = ustatistic_variance(zetas["zeta1_ratio"], zetas["zeta2_ratio"], shots)
        return success_probability(state, rule, var_n, var_r, epsilon)

    low, high = 4.0 * per_shot, 4.0 * per_shot
    while success(high) < target:
        low, high = high, 2 * high
        if high > max_copies:
            return float("inf")
    for _ in range(40):
        middle = math.sqrt(low * high)
        low, high = (middle, high) if success(middle) < target else (low, middle)
    return high


def theory_curve(ns: list[int], protocol: str, rule: str, params: dict, *, instances: int = 2,
                 target: float = 0.9, seed: int = 0) -> list[float]:
    """Median over ``instances`` fresh instances (``draw_instance``) of :func:`predicted_n_star` per n."""
    from qmemlearn.tasks.pca import draw_instance

    out = []
    for n in ns:
        rng = np.random.default_rng([seed, n])
        stars = [
            predicted_n_star(draw_instance(n, rng, params), protocol, rule, epsilon=params["epsilon"],
                             target=target, fraction=params["numerator_fraction"])
            for _ in range(instances)
        ]
        out.append(float(np.median(stars)))
    return out
