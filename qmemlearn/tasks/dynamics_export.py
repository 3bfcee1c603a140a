"""Our simulated dynamics circuits written as the paper's released files (tests, demos).

:func:`export_paper_files` draws ``per_class`` circuits of each class exactly as the dynamics
task does (:func:`qmemlearn.tasks.dynamics.draw_circuits`), samples ``shots`` shots of each
from its exact outcome distribution (:func:`qmemlearn.tasks.dynamics_outcomes.circuit_outcomes`,
backend ``exact``) and writes ``1D-scramble-{C|Q}-size-{n}-depth-{d}-type-{0|1}-batch-0-number-{j}.npy``
files in the paper's format (:func:`qmemlearn.records.dynamics_files.write_dynamics_file`), so
``qmemlearn classify`` can be run on data of known truth.
"""

from __future__ import annotations

import os
import pathlib

import numpy as np

from qmemlearn.records.dynamics_files import write_dynamics_file
from qmemlearn.tasks.dynamics import draw_circuits
from qmemlearn.tasks.dynamics_outcomes import ExactOutcomes, circuit_outcomes


def sample_bits(outcomes: ExactOutcomes, shots: int, rng: np.random.Generator) -> np.ndarray:
    """uint8 ``[shots, width]`` shot-level bits from an exact distribution (column i = qubit i)."""
    indices = np.minimum(np.searchsorted(outcomes.cdf, rng.random(shots), side="right"), outcomes.cdf.size - 1)
    shifts = np.arange(outcomes.width - 1, -1, -1, dtype=np.uint64)
    return ((indices.astype(np.uint64)[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)


def export_paper_files(
    directory: str | os.PathLike, *, protocol: str, n: int, depth: int, per_class: int, shots: int, seed: int,
    noise: str = "ideal",
) -> list[pathlib.Path]:
    """Writes ``2·per_class`` simulated circuits as paper files; returns their paths.

    Args:
        directory: Existing directory to write into.
        protocol: ``single-copy`` (C files) or ``two-copy`` (Q files).
        n: System qubits.
        depth: Brickwork layers.
        per_class: Circuits of each class; ``number`` counts the circuits of one class.
        shots: Shots per circuit.
        seed: Seeds the circuits and the shots.
        noise: Noise spec of the simulation. Defaults to ``"ideal"``.

    Raises:
        ValueError: On an unknown protocol or a circuit the exact backend cannot simulate.
    """
    family = np.random.SeedSequence(seed)
    circuit_seeds, shot_seeds = family.spawn(2)
    rng = np.random.default_rng(shot_seeds)
    paths = []
    numbers = {0: 0, 1: 0}
    for circuit in draw_circuits(n, depth, per_class, circuit_seeds):
        outcomes = circuit_outcomes(circuit, protocol=protocol, noise=noise, backend="exact")
        bits = sample_bits(outcomes, shots, rng)
        paths.append(write_dynamics_file(
            directory, bits, protocol=protocol, n=n, depth=depth, label=circuit.label, number=numbers[circuit.label],
        ))
        numbers[circuit.label] += 1
    return paths
