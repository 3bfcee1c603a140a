"""Where the quantum-memory advantage survives noise: N*_single / N*_two over a grid.

An *advantage map* config (``"kind": "advantage-map"``) holds panels. A panel fixes a success
rule and a list of qubit counts n; each of its rows is one noise setting (a noise spec, plus
optional per-protocol task parameters such as the two-copy ``memory_wait``) labelled by a
strength ``y`` (e.g. the 2-qubit depolarizing probability, or the wait in µs). Every cell
(row, n) runs one sample-complexity search per protocol through the same engine, store and
search as every other experiment, and the map shows log₂(N*_single / N*_two).

Everything is derived from the results table, so ``qmemlearn figures`` redraws it without
sampling (:func:`load_advantage_map`).
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import time
from typing import Any

import numpy as np

from qmemlearn.analysis.config_validation import read_config_json
from qmemlearn.analysis.search import SearchCurve, SearchResult, run_searches
from qmemlearn.analysis.stored_results import elapsed_seconds, load_from_table, run_into_table
from qmemlearn.analysis.store import ResultStore, package_versions
from qmemlearn.tasks import get_task

PROTOCOLS = ("single-copy", "two-copy")


def _where(path: str, key: str) -> str:
    return f"{path}: key {key!r}"


def _int(value: Any, where: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{where}={value!r} must be an int >= {low}")
    return value


def _number(value: Any, where: str, low: float, high: float, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{where}={value!r} must be a number in {'(' if low_open else '['}{low:g}, {high:g}]")
    if value < low or value > high or (low_open and value == low):
        raise ValueError(f"{where}={value!r} must be a number in {'(' if low_open else '['}{low:g}, {high:g}]")
    return float(value)


@dataclasses.dataclass(frozen=True)
class MapRow:
    """One noise setting of a panel: its strength, canonical noise spec and parameters."""

    y: float
    noise: str
    params: dict[str, dict[str, Any]]  # protocol -> task parameters for that protocol
    label: str | None = None  # tick label; defaults to the value of y


@dataclasses.dataclass(frozen=True)
class MapPanel:
    """One heat map: a rule, the qubit counts (columns) and the noise settings (rows)."""

    name: str
    y_label: str
    rule: str
    ns: tuple[int, ...]
    rows: tuple[MapRow, ...]


@dataclasses.dataclass(frozen=True)
class AdvantageMapConfig:
    """An advantage-map experiment in one mode, as read from its committed JSON config."""

    path: str
    mode: str
    experiment: str
    task: str
    seed: int
    params: dict[str, Any]
    target: float
    trials: int
    rel_resolution: float
    max_copies: int
    panels: tuple[MapPanel, ...]

    @classmethod
    def from_file(cls, path: str | pathlib.Path, *, mode: str = "full") -> "AdvantageMapConfig":
        """Reads and validates a config; every value is checked before anything runs.

        Raises:
            FileNotFoundError: If the file is missing.
            ValueError: Naming the file, the key and what is allowed.
        """
        from qmemlearn.noise import parse_noise

        path = pathlib.Path(path)
        where = str(path)
        raw = read_config_json(path)  # missing, directory, not UTF-8, not JSON, not an object
        allowed = {"experiment", "kind", "description", "task", "seed", "params", "target", "trials",
                   "rel_resolution", "max_copies", "modes"}
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise ValueError(f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")
        missing = [k for k in ("experiment", "task", "seed", "target", "trials", "modes") if k not in raw]
        if missing:
            raise ValueError(f"{where}: missing keys {missing}")
        try:
            task = get_task(raw["task"])
        except ValueError as error:
            raise ValueError(f"{_where(where, 'task')}: {error}") from None
        modes = raw["modes"]
        if not isinstance(modes, dict) or mode not in modes:
            raise ValueError(f"{where}: has no mode {mode!r} under 'modes'")
        base_params = raw.get("params", {})
        if not isinstance(base_params, dict):
            raise ValueError(f"{_where(where, 'params')}={base_params!r} must be an object")
        panels = []
        raw_panels = modes[mode].get("panels") if isinstance(modes[mode], dict) else None
        if not isinstance(raw_panels, list) or not raw_panels:
            raise ValueError(f"{_where(where, f'modes.{mode}.panels')} must be a non-empty list")
        for k, panel in enumerate(raw_panels):
            key = f"modes.{mode}.panels[{k}]"
            if not isinstance(panel, dict):
                raise ValueError(f"{_where(where, key)} must be an object")
            for name in ("name", "y_label", "rule", "n", "rows"):
                if name not in panel:
                    raise ValueError(f"{_where(where, key)} is missing {name!r}")
            if panel["rule"] not in task.rules:
                raise ValueError(f"{_where(where, key + '.rule')}={panel['rule']!r} must be one of {task.rules}")
            ns = panel["n"]
            if not isinstance(ns, list) or not ns:
                raise ValueError(f"{_where(where, key + '.n')} must be a non-empty list of ints >= 1")
            ns = tuple(_int(n, _where(where, f"{key}.n[{j}]"), 1) for j, n in enumerate(ns))
            rows = []
            for j, row in enumerate(panel["rows"]):
                row_key = f"{key}.rows[{j}]"
                if not isinstance(row, dict) or "y" not in row or "noise" not in row:
                    raise ValueError(f"{_where(where, row_key)} must be an object with 'y' and 'noise'")
                y = _number(row["y"], _where(where, row_key + ".y"), -math.inf, math.inf)
                try:
                    noise = parse_noise(row["noise"]).to_string()
                except ValueError as error:
                    raise ValueError(f"{_where(where, row_key + '.noise')}: {error}") from None
                row_params = row.get("params", {})
                if not isinstance(row_params, dict) or set(row_params) - set(PROTOCOLS):
                    raise ValueError(
                        f"{_where(where, row_key + '.params')} must map protocols {PROTOCOLS} to parameters"
                    )
                label = row.get("label")
                if label is not None and not isinstance(label, str):
                    raise ValueError(f"{_where(where, row_key + '.label')}={label!r} must be a string")
                rows.append(MapRow(y=y, noise=noise, params={p: dict(row_params.get(p, {})) for p in PROTOCOLS},
                                   label=label))
            panels.append(MapPanel(name=str(panel["name"]), y_label=str(panel["y_label"]), rule=panel["rule"],
                                   ns=ns, rows=tuple(rows)))
        config = cls(
            path=where, mode=mode, experiment=str(raw["experiment"]), task=task.name,
            seed=_int(raw["seed"], _where(where, "seed"), 0),
            params=dict(base_params),
            target=_number(raw["target"], _where(where, "target"), 0.5, 1.0, low_open=True),
            trials=_int(raw["trials"], _where(where, "trials"), 1),
            rel_resolution=_number(raw.get("rel_resolution", 0.125), _where(where, "rel_resolution"), 0.0, 1.0,
                                   low_open=True),
            max_copies=_int(raw.get("max_copies", 2**22), _where(where, "max_copies"), 4),
            panels=tuple(panels),
        )
        config.cells()  # validates every point the config implies
        return config

    def curve(self, panel: MapPanel, row: MapRow, n: int, protocol: str) -> SearchCurve:
        """The sample-complexity search of one protocol in one cell."""
        task = get_task(self.task)
        metadata = task.resolve_params({**self.params, **row.params[protocol]}, where="params")
        step = task.shot_cost(protocol)
        curve = SearchCurve(
            task=task.name, protocol=protocol, rule=panel.rule, n=n, trials=self.trials, noise=row.noise,
            seed=self.seed, json_metadata=metadata, step=step, start=2 * step, max_copies=self.max_copies,
        )
        task.validate_point(curve.point(curve.start))
        return curve

    def cells(self) -> list[tuple[MapPanel, MapRow, int, dict[str, SearchCurve]]]:
        """Every (panel, row, n) with its two searches.

        Raises:
            ValueError: Naming the file and the problem, if a cell implies an invalid point.
        """
        cells = []
        for panel in self.panels:
            for row in panel.rows:
                for n in panel.ns:
                    try:
                        curves = {p: self.curve(panel, row, n, p) for p in PROTOCOLS}
                    except ValueError as error:
                        raise ValueError(f"{self.path}: panel {panel.name!r}, y={row.y:g}, n={n}: {error}") from None
                    cells.append((panel, row, n, curves))
        return cells


@dataclasses.dataclass(frozen=True)
class AdvantageMapResult:
    """The searches of every cell, and what the figure and summary derive from them."""

    config: AdvantageMapConfig
    searches: dict[tuple[str, float, int, str], SearchResult]  # (panel, y, n, protocol)
    seconds: float

    def log2_ratio(self, panel: MapPanel) -> tuple[np.ndarray, np.ndarray]:
        """``(log₂(N*_single/N*_two), open)`` arrays ``[rows, ns]``; see :func:`plot_ratio_map`.

        A search that never reached the target counts as ``max_copies`` and marks the
        ratio as a bound: ``+1`` (lower bound) if single-copy failed, ``-1`` if two-copy did,
        nan if both did.
        """
        ratio = np.full((len(panel.rows), len(panel.ns)), np.nan)
        bound = np.zeros_like(ratio)
        for r, row in enumerate(panel.rows):
            for c, n in enumerate(panel.ns):
                single = self.searches[(panel.name, row.y, n, "single-copy")]
                two = self.searches[(panel.name, row.y, n, "two-copy")]
                if not single.reached and not two.reached:
                    continue
                top = self.config.max_copies
                ratio[r, c] = math.log2((single.n_star or top) / (two.n_star or top))
                bound[r, c] = 1 if not single.reached else -1 if not two.reached else 0
        return ratio, bound

    def boundary(self, panel: MapPanel) -> dict[int, float | None]:
        """Per n, the smallest row strength at which two-copy no longer needs fewer copies."""
        ratio, _ = self.log2_ratio(panel)
        edge: dict[int, float | None] = {}
        for c, n in enumerate(panel.ns):
            losing = [row.y for r, row in enumerate(panel.rows) if np.isfinite(ratio[r, c]) and ratio[r, c] <= 0]
            edge[n] = min(losing) if losing else None
        return edge

    def summary(self) -> dict[str, Any]:
        """Strict-JSON summary: N* of both protocols and their ratio per cell, the boundary."""
        panels = {}
        for panel in self.config.panels:
            ratio, bound = self.log2_ratio(panel)
            cells = []
            for r, row in enumerate(panel.rows):
                for c, n in enumerate(panel.ns):
                    single = self.searches[(panel.name, row.y, n, "single-copy")]
                    two = self.searches[(panel.name, row.y, n, "two-copy")]
                    cells.append({
                        "y": row.y, "noise": row.noise, "n": n,
                        "n_star_single": single.n_star, "n_star_two": two.n_star,
                        "log2_ratio": None if not np.isfinite(ratio[r, c]) else float(ratio[r, c]),
                        "ratio_is": {1: "lower bound", -1: "upper bound"}.get(int(bound[r, c]), "estimate"),
                    })
            panels[panel.name] = {
                "y_label": panel.y_label, "rule": panel.rule, "cells": cells,
                "boundary_y_by_n": {str(n): y for n, y in self.boundary(panel).items()},
            }
        return {
            "experiment": self.config.experiment, "mode": self.config.mode, "config": self.config.path,
            "unit": get_task(self.config.task).cost_unit + " (a two-copy shot costs 2)",
            "target": self.config.target, "trials_per_point": self.config.trials, "seed": self.config.seed,
            "max_copies": self.config.max_copies, "panels": panels, "seconds": self.seconds,
            "versions": package_versions(),
        }


def _collect(config: AdvantageMapConfig, evaluate: Any, store: ResultStore, executor: Any, progress: bool,
             seconds_from_store: bool) -> AdvantageMapResult:
    start = time.perf_counter()
    cells = config.cells()
    keys, curves = [], []
    for panel, row, n, by_protocol in cells:
        for protocol, curve in by_protocol.items():
            keys.append((panel.name, row.y, n, protocol))
            curves.append(curve)
    results = run_searches(curves, evaluate, store=store, executor=executor, target=config.target,
                           rel_resolution=config.rel_resolution, progress=progress)
    seconds = elapsed_seconds(store, start, from_store=seconds_from_store)
    return AdvantageMapResult(config=config, searches=dict(zip(keys, results)), seconds=seconds)


def run_advantage_map(config: AdvantageMapConfig, *, results_path: str | pathlib.Path, executor: Any = None,
                      progress: bool = True) -> AdvantageMapResult:
    """Runs (or resumes) every search of the map; results go to the append-only table."""
    return run_into_table(_collect, config, results_path=results_path, executor=executor, progress=progress,
                          seconds_from_store=False)


def load_advantage_map(config: AdvantageMapConfig, *, results_path: str | pathlib.Path) -> AdvantageMapResult:
    """Rebuilds a finished map from its results table, sampling nothing.

    Raises:
        FileNotFoundError: If the table is missing.
        RuntimeError: If the table lacks a point the config needs.
    """
    return load_from_table(_collect, config, results_path=results_path)


def format_map_table(result: AdvantageMapResult) -> str:
    """Plain text: per panel and row, N*_single/N*_two per n, and the boundary."""
    config = result.config
    lines = [f"N*_single / N*_two (copies of ρ for success >= {config.target}, {config.trials} trials per point)"]
    for panel in config.panels:
        ratio, bound = result.log2_ratio(panel)
        lines.append(f"  panel {panel.name} ({panel.rule}); rows: {panel.y_label}")
        for r, row in enumerate(panel.rows):
            cells = []
            for c, n in enumerate(panel.ns):
                value = ratio[r, c]
                mark = {1: ">", -1: "<"}.get(int(bound[r, c]), "")
                cells.append(f"n={n}:{mark}{2 ** value:.3g}" if np.isfinite(value) else f"n={n}:?")
            lines.append(f"    y={row.y:<8g} " + " ".join(cells))
        edges = result.boundary(panel)
        lines.append("    boundary (smallest y with ratio <= 1): " + ", ".join(
            f"n={n}:{'none' if y is None else f'{y:g}'}" for n, y in edges.items()))
    return "\n".join(lines)


def save_advantage_map_figure(result: AdvantageMapResult, path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Writes one heat-map panel per config panel as ``<stem>.png`` and ``<stem>.pdf`` (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qmemlearn.plots import plot_ratio_map, save_figure_atomically

    panels = result.config.panels
    fig, axes = plt.subplots(1, len(panels), figsize=(max(8.0, 5.2 * len(panels)), 4.6), squeeze=False)
    # The colour scale spans the measured ratios; bounds (">", "<") beyond it saturate.
    exact = [np.abs(r[(b == 0) & np.isfinite(r)]) for r, b in (result.log2_ratio(p) for p in panels)]
    limit = max([1.0] + [float(e.max()) for e in exact if e.size])
    for ax, panel in zip(axes[0], panels):
        ratio, bound = result.log2_ratio(panel)
        plot_ratio_map(ax=ax, ns=panel.ns, strengths=[row.y if row.label is None else row.label for row in panel.rows], log2_ratio=ratio,
                       open_cells=bound, strength_label=panel.y_label,
                       title=f"{panel.name} ({panel.rule} rule)", vmax=limit)
    config = result.config
    fig.suptitle(
        "Where the quantum-memory advantage survives noise: N*_single / N*_two in copies of ρ\n"
        f"success ≥ {config.target:g}, {config.trials} instances/point, α = {config.params.get('alpha', 0.9):g}; "
        f"black line: ratio = 1   [{config.mode} run, seed {config.seed}]",
        fontsize=9,
    )
    fig.tight_layout()
    return save_figure_atomically(fig, path_stem)
