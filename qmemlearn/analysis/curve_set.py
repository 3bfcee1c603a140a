"""Labelled N*(n) curves that differ in task parameters: the ``curve-set`` experiment kind.

A *curve set* config (``"kind": "curve-set"``) holds, per mode, a list of curves. Each curve
has a ``label``, a protocol, a success rule, a range of n and its own task ``params`` on top
of the config's (e.g. ``{"mitigate": true}``), so one figure can compare settings that the
``sample-complexity`` kind (one parameter set per experiment) cannot, such as raw and
readout-mitigated estimators on one device. Every (curve, n) is one sample-complexity search
through the same engine, store and search as every other experiment, plus a confirmation point
at 2·N* (as in :mod:`qmemlearn.analysis.experiment`). A search that never reaches the target
within ``max_copies`` is a *bound*: N* > max_copies.

Everything is derived from the results table, so ``qmemlearn figures`` redraws it without
sampling (:func:`load_curve_set`).
"""

from __future__ import annotations

import dataclasses
import pathlib
import time
from typing import Any

from qmemlearn.analysis.advantage_map import _int, _number, _where
from qmemlearn.analysis.engine import run_points
from qmemlearn.analysis.config_validation import read_config_json
from qmemlearn.analysis.experiment import _finite_or_null, confirmation_points
from qmemlearn.analysis.fit import FitResult, fit_exponential, n_star_interval
from qmemlearn.analysis.search import SearchCurve, SearchResult, run_searches
from qmemlearn.analysis.stored_results import elapsed_seconds, load_from_table, run_into_table
from qmemlearn.analysis.store import ResultStore, Row, package_versions
from qmemlearn.tasks import get_task

_TOP_KEYS = {"experiment", "kind", "description", "task", "seed", "params", "noise", "target", "trials",
             "rel_resolution", "max_copies", "modes"}
_CURVE_KEYS = {"label", "protocol", "rule", "n_min", "n_max", "params"}


@dataclasses.dataclass(frozen=True)
class CurveSpec:
    """One labelled curve: protocol, rule, qubit counts and its resolved task parameters."""

    label: str
    protocol: str
    rule: str
    ns: tuple[int, ...]
    params: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class CurveSetConfig:
    """A curve-set experiment in one mode, as read from its committed JSON config."""

    path: str
    mode: str
    experiment: str
    description: str
    task: str
    seed: int
    noise: str
    target: float
    trials: int
    rel_resolution: float
    max_copies: int
    curves: tuple[CurveSpec, ...]

    @classmethod
    def from_file(cls, path: str | pathlib.Path, *, mode: str = "full") -> "CurveSetConfig":
        """Reads and validates a config; every value is checked before anything runs.

        Raises:
            FileNotFoundError: If the file is missing.
            ValueError: Naming the file, the key and what is allowed.
        """
        from qmemlearn.noise import parse_noise

        path = pathlib.Path(path)
        where = str(path)
        raw = read_config_json(path)  # missing, directory, not UTF-8, not JSON, not an object
        unknown = sorted(set(raw) - _TOP_KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown keys {unknown}; allowed: {sorted(_TOP_KEYS)}")
        missing = [k for k in ("experiment", "task", "seed", "noise", "target", "trials", "modes") if k not in raw]
        if missing:
            raise ValueError(f"{where}: missing keys {missing}")
        try:
            task = get_task(raw["task"])
            noise = parse_noise(raw["noise"]).to_string()
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        modes = raw["modes"]
        if not isinstance(modes, dict) or mode not in modes or not isinstance(modes[mode], dict):
            raise ValueError(f"{where}: has no mode {mode!r} under 'modes'")
        base = raw.get("params", {})
        if not isinstance(base, dict):
            raise ValueError(f"{_where(where, 'params')}={base!r} must be an object")
        raw_curves = modes[mode].get("curves")
        if not isinstance(raw_curves, list) or not raw_curves:
            raise ValueError(f"{_where(where, f'modes.{mode}.curves')} must be a non-empty list")
        curves = []
        for k, curve in enumerate(raw_curves):
            key = f"modes.{mode}.curves[{k}]"
            if not isinstance(curve, dict) or set(curve) - _CURVE_KEYS or {"label", "protocol", "rule", "n_min",
                                                                            "n_max"} - set(curve):
                raise ValueError(f"{_where(where, key)} must be an object with keys label, protocol, rule, "
                                 f"n_min, n_max and optional params; got {curve!r}")
            if not isinstance(curve["label"], str) or not curve["label"].strip():
                raise ValueError(f"{_where(where, key + '.label')}={curve['label']!r} must be a non-empty string")
            n_min = _int(curve["n_min"], _where(where, key + ".n_min"), 1)
            n_max = _int(curve["n_max"], _where(where, key + ".n_max"), n_min)
            extra = curve.get("params", {})
            if not isinstance(extra, dict):
                raise ValueError(f"{_where(where, key + '.params')}={extra!r} must be an object")
            try:
                params = task.resolve_params({**base, **extra}, where=f"{key}.params")
            except ValueError as error:
                raise ValueError(f"{where}: key {error}") from None
            curves.append(CurveSpec(label=curve["label"], protocol=str(curve["protocol"]), rule=str(curve["rule"]),
                                    ns=tuple(range(n_min, n_max + 1)), params=params))
        labels = [c.label for c in curves]
        if len(set(labels)) != len(labels):
            raise ValueError(f"{_where(where, f'modes.{mode}.curves')}: labels {labels} must be distinct")
        config = cls(
            path=where, mode=mode, experiment=str(raw["experiment"]), description=str(raw.get("description", "")),
            task=task.name, seed=_int(raw["seed"], _where(where, "seed"), 0), noise=noise,
            target=_number(raw["target"], _where(where, "target"), 0.5, 1.0, low_open=True),
            trials=_int(raw["trials"], _where(where, "trials"), 1),
            rel_resolution=_number(raw.get("rel_resolution", 0.125), _where(where, "rel_resolution"), 0.0, 1.0,
                                   low_open=True),
            max_copies=_int(raw.get("max_copies", 2**22), _where(where, "max_copies"), 4),
            curves=tuple(curves),
        )
        for k, spec in enumerate(config.curves):
            try:
                for curve in config.searches_of(spec):
                    task.validate_point(curve.point(curve.start))
            except ValueError as error:
                raise ValueError(f"{_where(where, f'modes.{mode}.curves[{k}]')}: {error}") from None
        return config

    def searches_of(self, spec: CurveSpec) -> list[SearchCurve]:
        """One sample-complexity search per n of ``spec``."""
        step = get_task(self.task).shot_cost(spec.protocol)
        return [
            SearchCurve(task=self.task, protocol=spec.protocol, rule=spec.rule, n=n, trials=self.trials,
                        noise=self.noise, seed=self.seed, json_metadata=spec.params, step=step, start=2 * step,
                        max_copies=self.max_copies)
            for n in spec.ns
        ]


@dataclasses.dataclass(frozen=True)
class CurveSetResult:
    """The searches of every curve, and what the figure, table and summary derive from them."""

    config: CurveSetConfig
    searches: dict[str, list[SearchResult]]  # label -> one search per n
    confirmation_rows: dict[str, Row]  # confirmation point strong id -> row
    seconds: float

    def n_star_interval(self, search: SearchResult) -> tuple[float, float]:
        """95% interval of N* from the search's points plus its confirmation point at 2·N*."""
        evaluations = [(e.copies, e.successes, e.trials) for e in search.evaluations]
        if search.reached:
            row = self.confirmation_rows.get(search.curve.point(2 * search.n_star).strong_id())
            if row is not None:
                evaluations.append((row.copies, row.successes, row.trials))
        copies, successes, trials = zip(*evaluations)
        return n_star_interval(copies, successes, trials, target=self.config.target)

    def fit(self, label: str) -> FitResult | None:
        """Fit of log₂ N* = a + b·n over the n of curve ``label`` where N* was reached."""
        reached = [s for s in self.searches[label] if s.reached]
        if len(reached) < 2:
            return None
        return fit_exponential([s.curve.n for s in reached], [s.n_star for s in reached])

    def bound_ns(self, label: str) -> list[int]:
        """The n of curve ``label`` where the search stopped at ``max_copies`` (N* > max_copies)."""
        return [s.curve.n for s in self.searches[label] if not s.reached]

    def summary(self) -> dict[str, Any]:
        """Strict-JSON summary: per curve N* with intervals (or bounds), the fit, the settings."""
        curves = {}
        for spec in self.config.curves:
            fit = self.fit(spec.label)
            curves[spec.label] = {
                "protocol": spec.protocol, "rule": spec.rule, "params": spec.params,
                "n_star": {
                    str(s.curve.n): {"copies": s.n_star, "interval_95": list(self.n_star_interval(s))}
                    if s.reached else {"copies": None, "lower_bound": self.config.max_copies}
                    for s in self.searches[spec.label]
                },
                "bound_at_n": self.bound_ns(spec.label),
                "fit_log2": None if fit is None else
                {"a": fit.a, "b": fit.b, "b_ci_95": [fit.b_low, fit.b_high], "base": fit.base},
            }
        return _finite_or_null({
            "experiment": self.config.experiment, "mode": self.config.mode, "config": self.config.path,
            "unit": get_task(self.config.task).cost_unit + " consumed (a two-copy shot costs 2)",
            "noise": self.config.noise, "target": self.config.target, "trials_per_point": self.config.trials,
            "max_copies": self.config.max_copies, "seed": self.config.seed, "curves": curves,
            "seconds": self.seconds, "versions": package_versions(),
        })


def _collect(config: CurveSetConfig, evaluate: Any, store: ResultStore, executor: Any, progress: bool,
             seconds_from_store: bool) -> CurveSetResult:
    start = time.perf_counter()
    labels, curves = [], []
    for spec in config.curves:
        for curve in config.searches_of(spec):
            labels.append(spec.label)
            curves.append(curve)
    # One n at a time (all curves of that n together): the curves of one n share their circuit,
    # so samplers keep it compiled and planned. The order never changes a result.
    by_n: dict[int, list[int]] = {}
    for k, curve in enumerate(curves):
        by_n.setdefault(curve.n, []).append(k)
    results: list[SearchResult | None] = [None] * len(curves)
    for n in sorted(by_n):
        found = run_searches([curves[k] for k in by_n[n]], evaluate, store=store, executor=executor,
                             target=config.target, rel_resolution=config.rel_resolution, progress=progress)
        for k, result in zip(by_n[n], found):
            results[k] = result
    confirm = sorted(confirmation_points(results), key=lambda point: point.n)
    rows = run_points(confirm, evaluate, store=store, executor=executor, progress=progress)
    searches: dict[str, list[SearchResult]] = {spec.label: [] for spec in config.curves}
    for label, result in zip(labels, results):
        searches[label].append(result)
    seconds = elapsed_seconds(store, start, from_store=seconds_from_store)
    return CurveSetResult(config=config, searches=searches,
                          confirmation_rows={p.strong_id(): rows[p.strong_id()] for p in confirm}, seconds=seconds)


def run_curve_set(config: CurveSetConfig, *, results_path: str | pathlib.Path, executor: Any = None,
                  progress: bool = True) -> CurveSetResult:
    """Runs (or resumes) every search and confirmation point; results go to the append-only table."""
    return run_into_table(_collect, config, results_path=results_path, executor=executor, progress=progress,
                          seconds_from_store=False)


def load_curve_set(config: CurveSetConfig, *, results_path: str | pathlib.Path) -> CurveSetResult:
    """Rebuilds a finished curve set from its results table, sampling nothing.

    Raises:
        FileNotFoundError: If the table is missing.
        RuntimeError: If the table lacks a point the config needs.
    """
    return load_from_table(_collect, config, results_path=results_path)


def format_curve_table(result: CurveSetResult) -> str:
    """Plain text: per curve N* per n (``>max`` where the search hit max_copies) and the fit."""
    config = result.config
    unit = get_task(config.task).cost_unit
    lines = [f"N* = fewest {unit} with success >= {config.target} ({config.trials} instances per point; "
             f"noise {config.noise}; a two-copy shot costs 2 {unit})"]
    for spec in config.curves:
        cells = [f"n={s.curve.n}:{s.n_star if s.reached else '>' + str(config.max_copies)}"
                 for s in result.searches[spec.label]]
        lines.append(f"  {spec.label}: " + " ".join(cells))
        fit = result.fit(spec.label)
        if fit is not None:
            lines.append(f"    fit log2 N* = {fit.a:.2f} + b*n, b = {fit.b:.3f} [{fit.b_low:.3f}, {fit.b_high:.3f}] "
                         f"(95% CI), growth base 2^b = {fit.base:.3f}")
    return "\n".join(lines)


def save_curve_set_figure(result: CurveSetResult, path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Draws the curves (:func:`qmemlearn.plots_curves.save_curve_set_figure`)."""
    from qmemlearn.plots_curves import save_curve_set_figure as save

    return save(result, path_stem)
