"""Config-driven experiments: a committed JSON config → sweeps → results table → summary.

A config (``experiments/<name>.json``) fixes every parameter behind a figure: the task (any task
of :mod:`qmemlearn.tasks.registry`) and its declared ``params``, seed, noise, success target,
trials per point, and per mode (``full`` / ``quick``) the curves to search (protocol, rule, range
of n) and one success-versus-cost curve at fixed n; optionally the figure writer
(``"figure"``, :mod:`qmemlearn.analysis.figure_writers`) and the extra sections it reads.
Cost is in the task's unit (copies of ρ, or queries of U), and the search grid step is the task's cost of one shot of the protocol.

Results go to one append-only CSV per mode (:class:`ResultStore`): rerunning resumes, and a
finished run is never recomputed. :func:`load_experiment` rebuilds every number from that
table alone, which is how ``qmemlearn figures`` redraws without sampling.
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import time
from typing import Any

from qmemlearn.analysis.config_validation import MODES, read_config_json, validate_raw_config
from qmemlearn.analysis.engine import run_points
from qmemlearn.analysis.figure_writers import DEFAULT_FIGURE, get_figure_writer
from qmemlearn.analysis.fit import FitResult, fit_exponential, n_star_interval
from qmemlearn.analysis.points import SweepPoint
from qmemlearn.analysis.search import SearchCurve, SearchResult, run_searches
from qmemlearn.analysis.stored_results import elapsed_seconds, load_from_table, run_into_table
from qmemlearn.analysis.store import ResultStore, Row, package_versions
from qmemlearn.noise import parse_noise
from qmemlearn.tasks import TaskSpec, get_task



@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    """One experiment in one mode, as read from its committed JSON config."""

    path: str
    mode: str
    experiment: str
    task: str
    seed: int
    params: dict[str, Any]
    noise: str
    target: float
    trials: int
    rel_resolution: float
    max_copies: int
    curves: tuple[dict[str, Any], ...]
    success_curve: dict[str, Any]
    figure: str = DEFAULT_FIGURE
    sections: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_file(cls, path: str | pathlib.Path, *, mode: str = "full") -> "ExperimentConfig":
        """Reads and validates a config file: every key and value (types, ranges, n ranges,
        success-curve copies, unknown keys) is checked before anything runs.

        Raises:
            FileNotFoundError: If the file is missing.
            ValueError: Naming the file and the missing or bad key, e.g.
                ``x.json: key 'modes.full.curves[1].n_min'=0 must be an int >= 1``.
        """
        path = pathlib.Path(path)
        if mode not in MODES:
            raise ValueError(f"mode={mode!r} must be one of {MODES}")
        raw = read_config_json(path)
        validate_raw_config(raw, path)
        if mode not in raw["modes"]:
            raise ValueError(f"{path}: has no mode {mode!r}; modes: {sorted(raw['modes'])}")
        section = raw["modes"][mode]
        config = cls(
            path=str(path),
            mode=mode,
            experiment=raw["experiment"],
            task=raw["task"],
            seed=raw["seed"],
            params=get_task(raw["task"]).resolve_params(raw.get("params"), where="params"),
            noise=parse_noise(raw["noise"]).to_string(),
            target=float(raw["target"]),
            trials=raw["trials"],
            rel_resolution=float(raw.get("rel_resolution", 0.125)),
            max_copies=int(raw.get("max_copies", 2**22)),
            curves=tuple(section.get("curves", [])),
            success_curve=dict(section.get("success_curve", {})),
            figure=raw.get("figure", DEFAULT_FIGURE),
            sections={k: raw[k] for k in get_figure_writer(raw.get("figure", DEFAULT_FIGURE)).sections if k in raw},
        )
        config.validate()
        return config

    def validate(self) -> None:
        """Checks every point the config implies, so bad values fail before any sampling.

        Raises:
            ValueError: Naming the config file and the problem.
        """
        prefix = f"modes.{self.mode}"
        key = prefix
        try:
            validate_point = self.task_spec.validate_point
            for k, spec in enumerate(self.curves):
                key = f"{prefix}.curves[{k}]"
                for curve in self._curves_of(spec):
                    validate_point(curve.point(curve.start))
            key = f"{prefix}.success_curve"
            for point in self.success_points():
                validate_point(point)
        except ValueError as error:
            raise ValueError(f"{self.path}: key {key!r}: {error}") from None

    @property
    def task_spec(self) -> TaskSpec:
        """The registered task."""
        return get_task(self.task)

    @property
    def task_metadata(self) -> dict[str, Any]:
        """Task parameters (declared, defaults filled in) carried by every point and its strong id."""
        return dict(self.params)

    def search_curves(self) -> list[SearchCurve]:
        """One sample-complexity search per (curve spec, n)."""
        return [curve for spec in self.curves for curve in self._curves_of(spec)]

    def _curves_of(self, spec: dict[str, Any]) -> list[SearchCurve]:
        """The searches of one curve spec, one per n."""
        step = self.task_spec.shot_cost(spec["protocol"])
        return [
            SearchCurve(
                task=self.task, protocol=spec["protocol"], rule=spec["rule"], n=n,
                trials=self.trials, noise=self.noise, seed=self.seed,
                json_metadata=self.task_metadata, step=step, start=2 * step,
                max_copies=self.max_copies,
            )
            for n in range(int(spec["n_min"]), int(spec["n_max"]) + 1)
        ]

    def success_points(self) -> list[SweepPoint]:
        """Success rate versus copies at one fixed n, for every protocol and rule searched."""
        if not self.success_curve:
            return []
        n = int(self.success_curve["n"])
        pairs = dict.fromkeys((spec["protocol"], spec["rule"]) for spec in self.curves)
        return [
            SweepPoint(
                task=self.task, protocol=protocol, rule=rule, n=n, copies=int(copies),
                trials=self.trials, noise=self.noise, seed=self.seed, json_metadata=self.task_metadata,
            )
            for protocol, rule in pairs
            for copies in self.success_curve["copies"]
            if copies >= 2 * self.task_spec.shot_cost(protocol) and copies % self.task_spec.shot_cost(protocol) == 0
        ]


@dataclasses.dataclass(frozen=True)
class ExperimentResult:
    """Everything a figure or a table needs, derived from the results table."""

    config: ExperimentConfig
    searches: list[SearchResult]
    success_rows: list[Row]
    confirmation_rows: dict[tuple[str, str, int], Row]
    seconds: float
    results_path: pathlib.Path | None = None  # the table it was built from (figure writers keep side tables there)

    def n_star_interval(self, search: SearchResult) -> tuple[float, float]:
        """95% interval of N* from the search's points plus its confirmation point at 2·N*."""
        evaluations = [(e.copies, e.successes, e.trials) for e in search.evaluations]
        row = self.confirmation_rows.get((search.curve.protocol, search.curve.rule, search.curve.n))
        if row is not None:
            evaluations.append((row.copies, row.successes, row.trials))
        copies, successes, trials = zip(*evaluations)
        return n_star_interval(copies, successes, trials, target=self.config.target)

    def curve_groups(self) -> dict[tuple[str, str], list[SearchResult]]:
        """Search results grouped by (protocol, rule), in increasing n."""
        groups: dict[tuple[str, str], list[SearchResult]] = {}
        for result in self.searches:
            groups.setdefault((result.curve.protocol, result.curve.rule), []).append(result)
        return groups

    def fits(self) -> dict[tuple[str, str], FitResult | None]:
        """Fit of log₂ N* = a + b·n per (protocol, rule) over the n where N* was reached."""
        fits: dict[tuple[str, str], FitResult | None] = {}
        for key, results in self.curve_groups().items():
            reached = [r for r in results if r.reached]
            fits[key] = (
                fit_exponential([r.curve.n for r in reached], [r.n_star for r in reached])
                if len(reached) >= 2
                else None
            )
        return fits

    def summary(self) -> dict[str, Any]:
        """Strict-JSON summary (non-finite numbers become null): N* with intervals, fits,
        seed, versions, time."""
        return _finite_or_null(self._summary())

    def _summary(self) -> dict[str, Any]:
        curves = {}
        fits = self.fits()
        for (protocol, rule), results in self.curve_groups().items():
            fit = fits[(protocol, rule)]
            curves[f"{protocol}/{rule}"] = {
                "n_star": {
                    str(r.curve.n): {"copies": r.n_star, "interval_95": list(self.n_star_interval(r))}
                    for r in results
                },
                "fit_log2": None
                if fit is None
                else {"a": fit.a, "b": fit.b, "b_ci_95": [fit.b_low, fit.b_high], "base": fit.base},
            }
        return {
            "experiment": self.config.experiment,
            "mode": self.config.mode,
            "config": self.config.path,
            "unit": f"{self.config.task_spec.cost_unit} consumed (a two-copy shot costs 2)",
            "target": self.config.target,
            "trials_per_point": self.config.trials,
            "seed": self.config.seed,
            "curves": curves,
            "seconds": self.seconds,
            "versions": package_versions(),
        }


def _finite_or_null(value: Any) -> Any:
    """Replaces inf and nan (not valid JSON) by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_null(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_null(v) for v in value]
    return value


def confirmation_points(searches: list[SearchResult]) -> list[SweepPoint]:
    """One point at 2·N* per reached curve: it bounds N*'s interval from above.

    A search stops at the first passing point, whose rate is usually near the target, so
    without a point clearly past it the upper end of N*'s interval would stay open.
    """
    return [
        s.curve.point(2 * s.n_star)
        for s in searches
        if s.reached and 2 * s.n_star <= s.curve.max_copies
    ]


def _collect(
    config: ExperimentConfig,
    evaluate: Any,
    store: ResultStore,
    executor: Any,
    progress: bool,
    seconds_from_store: bool,
) -> ExperimentResult:
    """Searches, confirmation points and the success curve; shared by run and load."""
    start = time.perf_counter()
    searches = run_searches(
        config.search_curves(), evaluate, store=store, executor=executor, target=config.target,
        rel_resolution=config.rel_resolution, progress=progress,
    )
    confirm = confirmation_points(searches)
    success = config.success_points()
    rows = run_points(confirm + success, evaluate, store=store, executor=executor, progress=progress)
    seconds = elapsed_seconds(store, start, from_store=seconds_from_store)
    return ExperimentResult(
        config=config,
        searches=searches,
        success_rows=[rows[p.strong_id()] for p in success],
        confirmation_rows={(p.protocol, p.rule, p.n): rows[p.strong_id()] for p in confirm},
        seconds=seconds,
        results_path=pathlib.Path(store.path),
    )



def run_experiment(
    config: ExperimentConfig,
    *,
    results_path: str | pathlib.Path,
    executor: Any = None,
    progress: bool = True,
) -> ExperimentResult:
    """Runs (or resumes) every search and the success curve of ``config``.

    Args:
        config: The experiment.
        results_path: The append-only CSV results table (created if absent).
        executor: From :func:`~qmemlearn.analysis.executors.make_executor`. Defaults to serial.
        progress: Show progress bars on stderr.
    """
    return run_into_table(_collect, config, results_path=results_path, executor=executor, progress=progress)


def load_experiment(config: ExperimentConfig, *, results_path: str | pathlib.Path) -> ExperimentResult:
    """Rebuilds the result of a finished run from its results table, sampling nothing.

    Raises:
        FileNotFoundError: If the results table is missing.
        RuntimeError: If the table lacks a point the config needs.
    """
    return load_from_table(_collect, config, results_path=results_path)


def format_table(result: ExperimentResult) -> str:
    """A plain-text table of N*(n) per protocol and rule, plus the fitted growth."""
    unit = result.config.task_spec.cost_unit
    lines = [f"N* = fewest {unit} with success >= {result.config.target} "
             f"({result.config.trials} trials per point; a two-copy shot costs 2 {unit})"]
    fits = result.fits()
    for (protocol, rule), results in result.curve_groups().items():
        cells = [f"n={r.curve.n}:{r.n_star if r.reached else '>' + str(r.curve.max_copies)}" for r in results]
        lines.append(f"  {protocol:11s} {rule:8s} " + " ".join(cells))
        fit = fits[(protocol, rule)]
        if fit is not None:
            lines.append(
                f"  {'':11s} {'':8s} fit log2 N* = {fit.a:.2f} + b*n, b = {fit.b:.3f} "
                f"[{fit.b_low:.3f}, {fit.b_high:.3f}] (95% CI), growth base 2^b = {fit.base:.3f}"
            )
    return "\n".join(lines)
