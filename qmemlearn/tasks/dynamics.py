"""Task ``dynamics`` (DESIGN §5.2): tell T-symmetric from scrambling dynamics, without labels.

A trial draws ``circuits_per_class`` brickwork circuits U of each class (T-symmetric and
scrambling, :class:`~qmemlearn.sources.brickwork.BrickworkDynamics`), spends ``copies``
*queries of U* on each with one protocol, and classifies the circuits without labels. The
trial's score is the accuracy up to label swap, so a point's ``successes`` is the sum of
the trials' accuracies and its success rate is the mean accuracy; N* is the fewest queries
of U per circuit at which the mean accuracy reaches the target.

Protocols (cost per shot in queries of U): ``single-copy`` (1: U|0…0⟩, every qubit measured
in Y) and ``two-copy`` (2: Bell pairs, U, SWAP, U, un-Bell). Rules: ``kernel-pca`` (the
paper's pipeline) and ``statistic`` (Σᵢ⟨Yᵢ⟩² single-copy, mean Hamming weight two-copy),
both from :mod:`qmemlearn.analysis.classification`.

Seeds. The circuits of trial j depend on every field of the point except ``copies`` (and
``rule`` and ``protocol``), so the searches of both protocols and rules see the same
circuits, and one simulated outcome distribution per circuit serves every number of
queries the search tries (:mod:`qmemlearn.tasks.dynamics_outcomes` caches it). The shots are
drawn from the point's own seed, one independent stream per trial, so trials stay
independent and a point's outcome never depends on the batching or the worker.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from qmemlearn.analysis.classification import (
    accuracy_up_to_swap, classify_kernel_pca, classify_statistic, hamming_statistic, squared_mean_statistic,
)
from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.sources.brickwork import BrickworkDynamics
from qmemlearn.tasks.dynamics_outcomes import circuit_outcomes
from qmemlearn.tasks.registry import get_task

TASK = "dynamics"
KINDS = ("t-symmetric", "scrambling")


def circuit_family(point: SweepPoint) -> np.random.SeedSequence:
    """Seeds of the circuits of ``point``: independent of copies, rule and protocol."""
    family = dataclasses.replace(point, copies=0, rule="any", protocol="any")
    return np.random.SeedSequence(entropy=int(family.strong_id(), 16), spawn_key=(point.batch_index,))


def draw_circuits(n: int, depth: int, per_class: int, seeds: np.random.SeedSequence) -> list[BrickworkDynamics]:
    """``per_class`` circuits of each class, alternating T-symmetric and scrambling."""
    values = seeds.generate_state(2 * per_class, dtype=np.uint64) >> np.uint64(1)
    return [
        BrickworkDynamics(n=n, depth=depth, kind=KINDS[k % 2], seed=int(value))
        for k, value in enumerate(values)
    ]


def score_trial(ones: np.ndarray, shots: int, truth: np.ndarray, *, protocol: str, rule: str) -> float:
    """Accuracy up to label swap of one trial from the per-bit counts of ones ``[circuits, bits]``."""
    means = ones / shots
    if rule == "kernel-pca":
        labels = classify_kernel_pca(means)
    elif protocol == "single-copy":
        labels = classify_statistic(squared_mean_statistic(ones, shots))
    else:
        labels = classify_statistic(hamming_statistic(means))
    return accuracy_up_to_swap(labels, truth)


def validate_point(point: SweepPoint) -> None:
    """Checks what the registry cannot: at least 2 shots per circuit (the U-statistic needs 2)."""
    shots, remainder = divmod(point.copies, get_task(TASK).shot_cost(point.protocol))
    if remainder or shots < 2:
        raise ValueError(
            f"copies={point.copies} must be a multiple of {get_task(TASK).shot_cost(point.protocol)} queries of U "
            f"giving >= 2 shots per circuit for the {point.protocol} protocol"
        )


def evaluate_dynamics(point: SweepPoint) -> PointOutcome:
    """Runs ``point.trials`` independent trials and sums their accuracies.

    Parameters (``point.json_metadata``, declared in the registry): ``depth``,
    ``circuits_per_class``, ``backend`` (``auto``, ``exact``, ``mps``) and ``max_bond``.
    """
    spec = get_task(TASK)
    spec.validate_point(point)
    params = spec.resolve_params(point.json_metadata, where="json_metadata")
    shots = point.copies // spec.shot_cost(point.protocol)
    trial_seeds = point.rng_for_trials().spawn(point.trials)
    circuit_seeds = circuit_family(point).spawn(point.trials)
    successes = 0.0
    for trial_seed, seeds in zip(trial_seeds, circuit_seeds):
        circuits = draw_circuits(point.n, params["depth"], params["circuits_per_class"], seeds)
        rng = np.random.default_rng(trial_seed)
        ones = np.stack([
            circuit_outcomes(
                circuit, protocol=point.protocol, noise=point.noise, backend=params["backend"],
                max_bond=params["max_bond"],
            ).sample_ones(shots, rng)
            for circuit in circuits
        ])
        truth = np.array([c.label for c in circuits])
        successes += score_trial(ones, shots, truth, protocol=point.protocol, rule=point.rule)
    return PointOutcome(successes=successes, trials=point.trials)
