"""Experiment kinds: how a config of each ``"kind"`` is loaded, run, tabulated and drawn.

``qmemlearn reproduce`` and ``qmemlearn figures`` look up the kind named in a config (default
``sample-complexity``) and call its five functions, so a new kind of experiment is one entry in
:data:`KINDS` and needs no edit of the commands.

* ``sample-complexity``: N*(n) curves per protocol and rule (:mod:`qmemlearn.analysis.experiment`),
  drawn by the writer the config's ``"figure"`` key names (:mod:`qmemlearn.analysis.figure_writers`).
* ``advantage-map``: N*_single / N*_two over n and noise (:mod:`qmemlearn.analysis.advantage_map`).
* ``curve-set``: labelled N*(n) curves with per-curve task parameters (:mod:`qmemlearn.analysis.curve_set`).
* ``accuracy-vs-noise``: accuracy at fixed cost against noise strength (:mod:`qmemlearn.analysis.accuracy_vs_noise`).
"""

from __future__ import annotations

import dataclasses
import importlib
import pathlib
from typing import Any, Callable

from qmemlearn.analysis.config_validation import read_config_json

DEFAULT_KIND = "sample-complexity"


@dataclasses.dataclass(frozen=True)
class ExperimentKind:
    """The functions of one kind, as ``"module:function"`` paths imported on first use.

    Every result has ``.summary()`` (strict JSON) and ``.seconds``.
    """

    name: str
    load_config_path: str  # (path, *, mode) -> config
    run_path: str  # (config, *, results_path, executor, progress) -> result
    load_path: str  # (config, *, results_path) -> result, sampling nothing
    format_table_path: str  # (result) -> str
    save_figure_path: str  # (result, path_stem) -> list[pathlib.Path]

    def _get(self, path: str) -> Callable[..., Any]:
        module, _, name = path.partition(":")
        value: Any = importlib.import_module(module)
        for part in name.split("."):
            value = getattr(value, part)
        return value

    def load_config(self, path: pathlib.Path, *, mode: str) -> Any:
        return self._get(self.load_config_path)(path, mode=mode)

    def run(self, config: Any, *, results_path: pathlib.Path, executor: Any, progress: bool) -> Any:
        return self._get(self.run_path)(config, results_path=results_path, executor=executor, progress=progress)

    def load(self, config: Any, *, results_path: pathlib.Path) -> Any:
        return self._get(self.load_path)(config, results_path=results_path)

    def format_table(self, result: Any) -> str:
        return self._get(self.format_table_path)(result)

    def save_figure(self, result: Any, path_stem: pathlib.Path) -> list[pathlib.Path]:
        return self._get(self.save_figure_path)(result, path_stem)


_EXPERIMENT = "qmemlearn.analysis.experiment"
_MAP = "qmemlearn.analysis.advantage_map"
KINDS: dict[str, ExperimentKind] = {
    "sample-complexity": ExperimentKind(
        "sample-complexity", f"{_EXPERIMENT}:ExperimentConfig.from_file", f"{_EXPERIMENT}:run_experiment",
        f"{_EXPERIMENT}:load_experiment", f"{_EXPERIMENT}:format_table",
        "qmemlearn.analysis.figure_writers:save_experiment_figure",
    ),
    "advantage-map": ExperimentKind(
        "advantage-map", f"{_MAP}:AdvantageMapConfig.from_file", f"{_MAP}:run_advantage_map",
        f"{_MAP}:load_advantage_map", f"{_MAP}:format_map_table", f"{_MAP}:save_advantage_map_figure",
    ),
    "curve-set": ExperimentKind(
        "curve-set", "qmemlearn.analysis.curve_set:CurveSetConfig.from_file", "qmemlearn.analysis.curve_set:run_curve_set",
        "qmemlearn.analysis.curve_set:load_curve_set", "qmemlearn.analysis.curve_set:format_curve_table",
        "qmemlearn.analysis.curve_set:save_curve_set_figure",
    ),
}
_NOISE_ACCURACY = "qmemlearn.analysis.accuracy_vs_noise"
KINDS["accuracy-vs-noise"] = ExperimentKind(
    "accuracy-vs-noise", f"{_NOISE_ACCURACY}:AccuracyVsNoiseConfig.from_file",
    f"{_NOISE_ACCURACY}:run_accuracy_vs_noise", f"{_NOISE_ACCURACY}:load_accuracy_vs_noise",
    f"{_NOISE_ACCURACY}:format_accuracy_table", f"{_NOISE_ACCURACY}:save_accuracy_vs_noise_figure",
)


def kind_of_config(path: pathlib.Path) -> ExperimentKind:
    """The kind named by the config at ``path`` (``"kind"`` key; default sample-complexity).

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If the file is not a JSON object, or names an unknown kind.
    """
    raw = read_config_json(pathlib.Path(path))
    name = raw.get("kind", DEFAULT_KIND)
    if name not in KINDS:
        raise ValueError(f"{path}: key 'kind'={name!r} is unknown; allowed: {', '.join(KINDS)}")
    return KINDS[name]
