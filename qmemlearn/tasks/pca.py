"""Task ``pca`` (DESIGN §5.4): predict ⟨ψ|O|ψ⟩ of the principal component of a noisy state.

An instance is a :class:`~qmemlearn.sources.principal_component.PrincipalComponentState`
ρ = (1−p)|ψ⟩⟨ψ| + p·σ: O uniform over the 3ⁿ full-weight Pauli strings (known to the
learner), the hidden s = ⟨ψ|O|ψ⟩ = ±1, and a scrambling U of its own seed. With the default
``balanced`` noise ``tr(Oρ) = 0``, so measuring O copy by copy says nothing about s. Both
protocols estimate ``tr(Oρ²)/tr(ρ²)`` (virtual distillation, → s as n grows):

``two-copy``     split the shots: a fraction ``numerator_fraction`` runs
                 :class:`~qmemlearn.protocols.distillation.DistillationProtocol` (one-shot value
                 in {−1, 0, 1}), the rest Bell/SWAP shots (±1). The one-shot values are drawn
                 from their exact law (:func:`~qmemlearn.protocols.distillation.value_distribution`,
                 tested against the circuit), so any n costs O(1).
``single-copy``  (``single_copy_estimator = "shadow"``) random local Pauli snapshots, sampled
                 exactly from ψ and σ, and
                 :func:`~qmemlearn.estimators.virtual_distillation.shadow_distilled` (ratio of
                 two unbiased pair U-statistics); n <= 9. The control ``"direct"`` measures O
                 on every copy (its eigenbasis: one fixed Pauli basis) and estimates
                 ``tr(Oρ)/(1−p)`` with p known: exact for σ = I/2ⁿ, blind (mean 0) for
                 balanced noise.

Rules: ``epsilon`` succeeds if ``|estimate − s| <= epsilon`` (an undefined ratio fails);
``sign`` if the estimate of ``tr(Oρ²)`` has the sign of s (tr(ρ²) > 0, so the ratio's sign is
the numerator's; 0 counts ½). Costs are in copies of ρ (a two-copy shot is 2).
"""

from __future__ import annotations

import math

import numpy as np

from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.estimators.product_kernel import MAX_N as SINGLE_COPY_MAX_N
from qmemlearn.estimators.virtual_distillation import shadow_distilled
from qmemlearn.protocols.distillation import value_distribution
from qmemlearn.sources.principal_component import PrincipalComponentState
from qmemlearn.tasks.registry import get_task

TASK = "pca"
RULES = ("epsilon", "sign")
MIN_N = 3


def draw_instance(n: int, rng: np.random.Generator, params: dict) -> PrincipalComponentState:
    """A fresh instance: O uniform over full-weight Paulis, s = ±1, U seeded from ``rng``."""
    observable = "".join(rng.choice(list("XYZ"), size=n))
    return PrincipalComponentState(
        observable,
        sign=int(rng.choice([1, -1])),
        p=params["p"],
        noise_state=params["noise_state"],
        depth=params["depth"],
        seed=int(rng.integers(2**31)),
    )


def two_copy_estimate(state: PrincipalComponentState, shots: int, fraction: float, rng: np.random.Generator) -> tuple[float, float]:
    """``(tr(Oρ²)/tr(ρ²), tr(Oρ²))`` from ``shots`` two-copy shots drawn from their exact value laws.

    ``max(1, min(shots − 1, round(fraction·shots)))`` shots go to the numerator, the rest
    to the SWAP (denominator). The ratio is nan if the SWAP mean is <= 0.
    """
    first = max(1, min(shots - 1, int(round(fraction * shots))))
    down, _, up = rng.multinomial(first, value_distribution(state.observable_on_square(), state.expectation()))
    plus = rng.binomial(shots - first, (1 + state.purity()) / 2)
    denominator = 2 * plus / (shots - first) - 1
    numerator = (up - down) / first
    return (numerator / denominator if denominator > 0 else float("nan")), numerator


def single_copy_estimate(state: PrincipalComponentState, shots: int, rng: np.random.Generator) -> tuple[float, float]:
    """``(tr(Oρ²)/tr(ρ²), tr(Oρ²))`` from ``shots`` random-Pauli snapshots (ratio nan if the purity estimate is <= 0)."""
    recipes = rng.integers(0, 3, size=(shots, state.n), dtype=np.uint8)
    bits = state.sample_single_copy(recipes, rng)
    estimate = shadow_distilled(bits, recipes, state.observable, with_stderr=False)
    return estimate.value, estimate.numerator


def direct_estimate(state: PrincipalComponentState, shots: int, rng: np.random.Generator) -> tuple[float, float]:
    """``(tr(Oρ)/(1−p), same)`` from ``shots`` single-copy measurements of O (+1 w.p. (1 + tr(Oρ))/2)."""
    plus = rng.binomial(shots, (1 + state.expectation()) / 2)
    value = (2 * plus / shots - 1) / (1 - state.p)
    return value, value


def score(estimate: tuple[float, float], target: float, rule: str, epsilon: float) -> float:
    """1 on success, 0 on failure, for ``estimate = (ratio, numerator)``.

    ``epsilon``: ``|ratio − target| <= epsilon`` (nan fails). ``sign``: the numerator has the
    sign of ``target`` (½ for 0).
    """
    ratio, numerator = estimate
    if rule == "epsilon":
        return float(math.isfinite(ratio) and abs(ratio - target) <= epsilon)
    return 0.5 if numerator == 0 else float(numerator * target > 0)


def validate_point(point: SweepPoint) -> None:
    """Checks what the registry cannot: n range per protocol and at least 2 shots."""
    if point.n < MIN_N:
        raise ValueError(f"n={point.n} must be >= {MIN_N} for task {TASK!r}")
    params = get_task(TASK).resolve_params(point.json_metadata, where="json_metadata")
    shadow = point.protocol == "single-copy" and params["single_copy_estimator"] == "shadow"
    if shadow and point.n > SINGLE_COPY_MAX_N:
        raise ValueError(
            f"n={point.n} is too large for the single-copy shadow estimator (6^n histogram); the limit is n <= {SINGLE_COPY_MAX_N}"
        )
    step = get_task(TASK).shot_cost(point.protocol)
    if point.copies % step or point.copies < 2 * step:
        raise ValueError(f"copies={point.copies} must be a multiple of {step} and >= {2 * step} for {point.protocol}")
    if params["noise_state"] == "balanced" and params["p"] < 0.5:
        raise ValueError(f"p={params['p']!r} must be in [0.5, 1) for noise_state='balanced'")


def evaluate_pca(point: SweepPoint) -> PointOutcome:
    """Runs ``point.trials`` independent instances at ``point.copies`` copies each.

    Seeds: one stream per trial from ``point.rng_for_trials()``; it draws the instance, then
    the shots, so a trial's outcome never depends on the batching or the worker.
    """
    from threadpoolctl import threadpool_limits

    spec = get_task(TASK)
    spec.validate_point(point)
    params = spec.resolve_params(point.json_metadata, where="json_metadata")
    shots = point.copies // spec.shot_cost(point.protocol)
    successes = 0.0
    with threadpool_limits(1):  # small BLAS calls: threads only contend on a shared machine
        for seed in point.rng_for_trials().spawn(point.trials):
            rng = np.random.default_rng(seed)
            state = draw_instance(point.n, rng, params)
            if point.protocol == "two-copy":
                estimate = two_copy_estimate(state, shots, params["numerator_fraction"], rng)
            elif params["single_copy_estimator"] == "direct":
                estimate = direct_estimate(state, shots, rng)
            else:
                estimate = single_copy_estimate(state, shots, rng)
            successes += score(estimate, state.target(), point.rule, params["epsilon"])
    return PointOutcome(successes=successes, trials=point.trials)
