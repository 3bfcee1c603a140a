"""Separation tasks: one module per task, each with a module-level ``evaluate(point)``."""

from __future__ import annotations

from typing import Callable

from qmemlearn.analysis.points import PointOutcome, SweepPoint


def task_evaluator(name: str) -> Callable[[SweepPoint], PointOutcome]:
    """The picklable ``evaluate(point)`` of the task called ``name``."""
    if name == "pauli-learning":
        from qmemlearn.tasks.pauli_learning import evaluate_pauli_learning

        return evaluate_pauli_learning
    if name == "synthetic":
        from qmemlearn.tasks.synthetic import evaluate_synthetic

        return evaluate_synthetic
    raise ValueError(f"task={name!r} is unknown; allowed: pauli-learning, synthetic")
