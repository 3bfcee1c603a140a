"""Separation tasks: one module per task with a module-level ``evaluate(point)``, each
declared once in :mod:`qmemlearn.tasks.registry`."""

from __future__ import annotations

from typing import Callable

from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.tasks.registry import Param, TaskSpec, get_task, register, task_names


def task_evaluator(name: str) -> Callable[[SweepPoint], PointOutcome]:
    """The picklable ``evaluate(point)`` of the task called ``name``.

    Raises:
        ValueError: If no task has that name.
    """
    return get_task(name).evaluate


__all__ = ["Param", "TaskSpec", "get_task", "register", "task_evaluator", "task_names"]
