"""Figure writers of sample-complexity experiments, chosen by the config's ``"figure"`` key.

A writer is a ``"module:function"`` path taking ``(result, path_stem)`` and returning the
written paths; it is imported on first use, so this module imports nothing heavy (the config
validator reads it). A writer may read extra top-level config sections (``sections``), which
the validator then allows and hands to it as ``ExperimentConfig.sections``.

* ``pauli-learning`` (default): N*(n) plus success versus copies (:mod:`qmemlearn.plots`).
* ``dynamics``: N*(n) in queries of U plus the kernel-PCA embedding figure
  (:mod:`qmemlearn.plots_dynamics`; reads the ``embedding`` section).
* ``purity``: N*(n) of the purity task per estimator, state vectors and stim (:mod:`qmemlearn.plots_purity`).
"""

from __future__ import annotations

import dataclasses
import importlib
import pathlib
from typing import Any


@dataclasses.dataclass(frozen=True)
class FigureWriter:
    """One registered writer: its ``"module:function"`` path and the config sections it reads."""

    path: str
    sections: tuple[str, ...] = ()


DEFAULT_FIGURE = "pauli-learning"
FIGURE_WRITERS: dict[str, FigureWriter] = {
    "pauli-learning": FigureWriter("qmemlearn.plots:save_pauli_learning_figure"),
    "dynamics": FigureWriter("qmemlearn.plots_dynamics:save_dynamics_figures", sections=("embedding",)),
    "purity": FigureWriter("qmemlearn.plots_purity:save_purity_figure"),
}
FIGURE_WRITERS["pca"] = FigureWriter("qmemlearn.plots_pca:save_pca_figure")


def get_figure_writer(name: str) -> FigureWriter:
    """The writer registered as ``name``.

    Raises:
        ValueError: If ``name`` is not registered.
    """
    if name not in FIGURE_WRITERS:
        raise ValueError(f"figure={name!r} is unknown; allowed: {', '.join(FIGURE_WRITERS)}")
    return FIGURE_WRITERS[name]


def save_experiment_figure(result: Any, path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Draws ``result`` with the writer its config names (``result.config.figure``)."""
    module, _, function = get_figure_writer(result.config.figure).path.partition(":")
    return getattr(importlib.import_module(module), function)(result, path_stem)
