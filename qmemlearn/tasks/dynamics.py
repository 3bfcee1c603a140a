"""Task ``dynamics`` (DESIGN §5.2): tell T-symmetric from scrambling dynamics, without labels.

A trial draws ``circuits_per_class`` brickwork circuits U of each class (T-symmetric and
scrambling, :class:`~qmemlearn.sources.brickwork.BrickworkDynamics`), spends ``copies``
*queries of U* on each with one protocol, and classifies the circuits without labels. The
trial's score is the accuracy up to label swap, so a point's ``successes`` is the sum of
the trials' accuracies and its success rate is the mean accuracy; N* is the fewest queries
of U per circuit at which the mean accuracy reaches the target.

Protocols (cost per shot in queries of U): ``single-copy`` (1: U|0…0⟩, every qubit measured
in Y), ``single-copy-random`` (1: U|0…0⟩, every qubit in a uniformly random Pauli basis per
shot; :mod:`qmemlearn.tasks.dynamics_random_basis`) and ``two-copy`` (2: Bell pairs, U, SWAP,
U, un-Bell). Rules: ``kernel-pca`` (the paper's pipeline) and ``statistic`` (Σᵢ⟨Yᵢ⟩²
single-copy, from the Y-basis shots for random bases; mean Hamming weight two-copy), both from
:mod:`qmemlearn.analysis.classification`.

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
    accuracy_up_to_swap, basis_means, basis_squared_mean_statistic, classify_kernel_pca, classify_statistic,
    hamming_statistic, squared_mean_statistic,
)
from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.sources.brickwork import BrickworkDynamics
from qmemlearn.tasks.dynamics_outcomes import Outcomes, choose_backend, circuit_outcomes
from qmemlearn.tasks.dynamics_random_basis import PROTOCOL as RANDOM_PROTOCOL
from qmemlearn.tasks.dynamics_random_basis import random_basis_outcomes
from qmemlearn.tasks.registry import get_task

TASK = "dynamics"
KINDS = ("t-symmetric", "scrambling")


def circuit_family(point: SweepPoint) -> np.random.SeedSequence:
    """Seeds of the circuits of ``point``: independent of copies, rule and protocol."""
    family = dataclasses.replace(point, copies=0, rule="any", protocol="any")
    return np.random.SeedSequence(entropy=int(family.strong_id(), 16), spawn_key=(point.batch_index,))


def draw_circuits(
    n: int, depth: int, per_class: int, seeds: np.random.SeedSequence, *, scrambling_gate: str = "sycamore"
) -> list[BrickworkDynamics]:
    """``per_class`` circuits of each class, alternating T-symmetric and scrambling (whose
    entangler is ``scrambling_gate``; the seeds do not depend on it)."""
    values = seeds.generate_state(2 * per_class, dtype=np.uint64) >> np.uint64(1)
    return [
        BrickworkDynamics(n=n, depth=depth, kind=KINDS[k % 2], seed=int(value),
                          **({"scrambling_gate": scrambling_gate} if KINDS[k % 2] == "scrambling" else {}))
        for k, value in enumerate(values)
    ]


def scrambling_statistic(ones: np.ndarray, shots: int, *, protocol: str) -> np.ndarray:
    """The ``statistic`` rule's score per circuit; larger means more scrambling-like.

    ``single-copy``: Σᵢ⟨Yᵢ⟩² (U-statistic); ``two-copy``: mean Hamming weight;
    ``single-copy-random``: Σᵢ⟨Yᵢ⟩² from the shots measured in Y on qubit i (``ones`` is then
    ``[circuits, 2, n, 3]``, see :mod:`qmemlearn.tasks.dynamics_random_basis`).
    """
    if protocol == RANDOM_PROTOCOL:
        return basis_squared_mean_statistic(ones)
    if protocol == "single-copy":
        return squared_mean_statistic(ones, shots)
    return hamming_statistic(ones / shots)


def predict_labels(ones: np.ndarray, shots: int, *, protocol: str, rule: str) -> np.ndarray:
    """Unsupervised labels in {0, 1} per circuit from the counts of ones ``[circuits, bits]``.

    ``kernel-pca``: the paper's pipeline on the per-bit means (per qubit and basis for
    ``single-copy-random``); ``statistic``: :func:`scrambling_statistic` split at the median,
    label 1 marking the larger (scrambling-like) half. Shared by the task and by
    ``qmemlearn classify`` (the paper's released files).
    """
    if rule == "kernel-pca":
        means = basis_means(ones) if protocol == RANDOM_PROTOCOL else ones / shots
        return classify_kernel_pca(means)
    return classify_statistic(scrambling_statistic(ones, shots, protocol=protocol))


def score_trial(ones: np.ndarray, shots: int, truth: np.ndarray, *, protocol: str, rule: str) -> float:
    """Accuracy up to label swap of one trial from the per-bit counts of ones ``[circuits, bits]``."""
    return accuracy_up_to_swap(predict_labels(ones, shots, protocol=protocol, rule=rule), truth)


def simulated_outcomes(
    circuit: BrickworkDynamics, *, protocol: str, noise: str, backend: str, max_bond: int
) -> Outcomes:
    """The cached outcomes of ``circuit`` under ``protocol`` (random bases: a state vector)."""
    if protocol == RANDOM_PROTOCOL:
        return random_basis_outcomes(circuit, noise=noise, backend=backend)
    return circuit_outcomes(circuit, protocol=protocol, noise=noise, backend=backend, max_bond=max_bond)


def validate_point(point: SweepPoint) -> None:
    """Checks what the registry cannot: n >= 2 (a brickwork needs a pair), at least 2 shots
    per circuit (the U-statistic needs 2), and a backend that can simulate the point."""
    if point.n < 2:
        raise ValueError(f"n={point.n} must be >= 2 for the dynamics task (a brickwork U needs a qubit pair)")
    params = get_task(TASK).resolve_params(point.json_metadata, where="json_metadata")
    width = 2 * point.n if point.protocol == "two-copy" else point.n
    choose_backend(width, point.noise, params["backend"])
    shots, remainder = divmod(point.copies, get_task(TASK).shot_cost(point.protocol))
    if remainder or shots < 2:
        raise ValueError(
            f"copies={point.copies} must be a multiple of {get_task(TASK).shot_cost(point.protocol)} queries of U "
            f"giving >= 2 shots per circuit for the {point.protocol} protocol"
        )


def evaluate_dynamics(point: SweepPoint) -> PointOutcome:
    """Runs ``point.trials`` independent trials and sums their accuracies.

    Parameters (``point.json_metadata``, declared in the registry): ``depth``,
    ``circuits_per_class``, ``backend`` (``auto``, ``exact``, ``mps``, ``trajectories``),
    ``max_bond`` and ``scrambling_gate`` (``sycamore`` or ``cz``).
    """
    spec = get_task(TASK)
    spec.validate_point(point)
    params = spec.resolve_params(point.json_metadata, where="json_metadata")
    shots = point.copies // spec.shot_cost(point.protocol)
    trial_seeds = point.rng_for_trials().spawn(point.trials)
    circuit_seeds = circuit_family(point).spawn(point.trials)
    successes = 0.0
    for trial_seed, seeds in zip(trial_seeds, circuit_seeds):
        circuits = draw_circuits(point.n, params["depth"], params["circuits_per_class"], seeds,
                                 scrambling_gate=params.get("scrambling_gate", spec.params["scrambling_gate"].default))
        rng = np.random.default_rng(trial_seed)
        ones = np.stack([
            simulated_outcomes(
                circuit, protocol=point.protocol, noise=point.noise, backend=params["backend"],
                max_bond=params["max_bond"],
            ).sample_ones(shots, rng)
            for circuit in circuits
        ])
        truth = np.array([c.label for c in circuits])
        successes += score_trial(ones, shots, truth, protocol=point.protocol, rule=point.rule)
    return PointOutcome(successes=successes, trials=point.trials)
