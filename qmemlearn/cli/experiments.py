"""Where each reproducible experiment keeps its config, results table and figure."""

from __future__ import annotations

import dataclasses
import pathlib

#: experiment name -> (config file name, figure file stem)
EXPERIMENTS = {
    "pauli-learning": ("pauli_learning.json", "pauli_learning_sample_complexity"),
    "noise-map": ("noise_map.json", "advantage_vs_noise"),
    "dynamics": ("dynamics.json", "dynamics_sample_complexity"),
    "qvm-willow-pink": ("qvm_willow_pink.json", "qvm_willow_pink"),
    "purity": ("purity.json", "purity_sample_complexity"),
}
EXPERIMENTS["pca"] = ("pca.json", "pca_sample_complexity")
EXPERIMENTS["pca-control"] = ("pca_control.json", "pca_control_sample_complexity")
EXPERIMENTS["dynamics-deep"] = ("dynamics_deep.json", "dynamics_deep_sample_complexity")
EXPERIMENTS["dynamics-noise"] = ("dynamics_noise.json", "dynamics_accuracy_vs_noise")


@dataclasses.dataclass(frozen=True)
class ExperimentPaths:
    """The config, results table, summary and figure stem of one experiment in one mode."""

    config: pathlib.Path
    results: pathlib.Path
    summary: pathlib.Path
    figure_stem: pathlib.Path


def project_root() -> pathlib.Path:
    """The directory holding ``experiments/``: the working directory if it has one, else the
    checkout this package was installed from (editable installs)."""
    cwd = pathlib.Path.cwd()
    if (cwd / "experiments").is_dir():
        return cwd
    return pathlib.Path(__file__).resolve().parents[2]


def experiment_paths(name: str, *, quick: bool, root: pathlib.Path | None = None) -> ExperimentPaths:
    """Default paths. Quick runs write under ``results/quick`` and ``figures/quick`` so they
    never overwrite the committed full-scale results and figures."""
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment={name!r} is unknown; allowed: {', '.join(EXPERIMENTS)}")
    root = root or project_root()
    config_name, figure_stem = EXPERIMENTS[name]
    mode = "quick" if quick else "full"
    results_dir = root / "results" / ("quick" if quick else name)
    results = results_dir / (f"{name}.csv" if quick else f"{mode}.csv")
    figures_dir = root / "figures" / ("quick" if quick else "")
    return ExperimentPaths(
        config=root / "experiments" / config_name,
        results=results,
        summary=results.with_name(results.stem + "-summary.json"),
        figure_stem=figures_dir / figure_stem,
    )
