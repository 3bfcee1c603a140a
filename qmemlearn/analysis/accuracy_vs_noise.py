"""Accuracy against noise strength at a fixed budget: the experiment kind ``accuracy-vs-noise``.

A config fixes a task, its parameters and the *queries per circuit* (``"queries"``, the
task's cost unit, e.g. queries of U), and lists noise *families*. A family is a panel of the
figure: a label for its x axis and rows, each a noise spec at a strength ``x`` (e.g. the
2-qubit depolarizing probability, or T1 in µs), with optional task-parameter overrides. A
family with ``"axis": "category"`` (e.g. one calibrated device, ``google:willow_pink``)
is drawn as one marker per protocol and rule at a labelled position. The ``baseline`` (the
noiseless setting) is drawn in every panel.

Every (row, n, protocol, rule) is one sweep point with ``copies = queries`` evaluated
through the engine (:func:`~qmemlearn.analysis.engine.run_points`): one resumable CSV,
seeds from strong ids, identical results for any number of workers. The mean accuracy is
``successes / trials`` (each trial's score is an accuracy in [0, 1]) with a 95% Wilson
interval that counts the labelled circuits (``trials × 2·circuits_per_class`` when the task
has that parameter, else trials) as binomial units. Counting trials instead would treat a
trial's accuracy, an average over 20 circuits, as a coin flip: ±0.14 at accuracy 1 with 10
trials. Counting circuits is still conservative near chance, where the label swap correlates
a trial's circuits: at c = 10 random labels give an accuracy spread (sd ≈ 0.08, from the
hypergeometric law of :func:`random_split_accuracy`) below the binomial one (0.11).

Derived (never stored): per curve, the first strength, in order of growing noise, at which
the accuracy is *at chance* (interval reaches the random-labels level of
:func:`random_split_accuracy`), and per n and rule the first strength at which the two-copy
interval reaches the single-copy one (*advantage gone*).
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import time
from typing import Any

from scipy.stats import hypergeom

from qmemlearn.analysis.config_validation import ConfigError, read_config_json
from qmemlearn.analysis.engine import run_points
from qmemlearn.analysis.fit import wilson_interval
from qmemlearn.analysis.points import SweepPoint
from qmemlearn.analysis.rows import Row
from qmemlearn.analysis.stored_results import elapsed_seconds, load_from_table, run_into_table
from qmemlearn.analysis.store import ResultStore, package_versions
from qmemlearn.tasks import get_task

TOP_KEYS = ("experiment", "kind", "description", "task", "seed", "params", "queries", "trials",
            "protocols", "rules", "baseline", "modes")
REQUIRED = ("experiment", "task", "seed", "queries", "trials", "protocols", "rules", "modes")
FAMILY_KEYS = ("name", "x_label", "rows", "axis", "noise_grows")
ROW_KEYS = ("x", "noise", "params", "label")
AXES = ("log", "category")
GROWS = ("with-x", "against-x")


@dataclasses.dataclass(frozen=True)
class NoiseRow:
    """One noise setting: strength ``x``, canonical spec, task-parameter overrides, tick label."""

    x: float
    noise: str
    params: dict[str, Any]
    label: str | None = None


@dataclasses.dataclass(frozen=True)
class NoiseFamily:
    """One panel: its rows in config order, how x is drawn, and which way noise grows."""

    name: str
    x_label: str
    rows: tuple[NoiseRow, ...]
    axis: str = "log"
    noise_grows: str = "with-x"

    def by_growing_noise(self) -> list[NoiseRow]:
        """The rows from weakest to strongest noise."""
        return sorted(self.rows, key=lambda r: r.x if self.noise_grows == "with-x" else -r.x)


class _Check:
    def __init__(self, path: pathlib.Path) -> None:
        self.path = path

    def fail(self, key: str, value: Any, requirement: str) -> ConfigError:
        return ConfigError(f"{self.path}: key {key!r}={value!r} {requirement}")

    def keys(self, key: str, section: Any, allowed: tuple[str, ...], required: tuple[str, ...]) -> dict:
        if not isinstance(section, dict):
            raise self.fail(key, section, "must be a JSON object")
        unknown = sorted(set(section) - set(allowed))
        if unknown:
            raise ConfigError(f"{self.path}: key {key!r} has unknown keys {unknown}; allowed: {list(allowed)}")
        missing = [k for k in required if k not in section]
        if missing:
            raise ConfigError(f"{self.path}: key {key!r} is missing {missing}")
        return section

    def int(self, key: str, value: Any, low: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(key, value, f"must be an int >= {low}")
        return value

    def number(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(key, value, "must be a finite number")
        return float(value)

    def choices(self, key: str, value: Any, allowed: tuple[str, ...]) -> list[str]:
        if not isinstance(value, list) or not value or any(v not in allowed for v in value) or len(set(value)) < len(value):
            raise self.fail(key, value, f"must be a non-empty list of distinct values from {list(allowed)}")
        return value

    def noise(self, key: str, value: Any) -> str:
        from qmemlearn.noise import parse_noise

        try:
            return parse_noise(value).to_string()
        except ValueError as error:
            raise ConfigError(f"{self.path}: key {key!r}: {error}") from None


@dataclasses.dataclass(frozen=True)
class AccuracyVsNoiseConfig:
    """An accuracy-vs-noise experiment in one mode, as read from its JSON config."""

    path: str
    mode: str
    experiment: str
    task: str
    seed: int
    params: dict[str, Any]
    queries: int
    trials: int
    protocols: tuple[str, ...]
    rules: tuple[str, ...]
    ns: tuple[int, ...]
    baseline: NoiseRow
    families: tuple[NoiseFamily, ...]
    description: str = ""

    @classmethod
    def from_file(cls, path: str | pathlib.Path, *, mode: str = "full") -> "AccuracyVsNoiseConfig":
        """Reads and validates a config; every point it implies is checked before anything runs.

        Raises:
            FileNotFoundError: If the file is missing.
            ConfigError: (a ValueError) naming the file, the key and what is allowed.
        """
        path = pathlib.Path(path)
        check = _Check(path)
        raw = check.keys("(top level)", read_config_json(path), TOP_KEYS, REQUIRED)
        try:
            task = get_task(raw["task"])
        except ValueError as error:
            raise ConfigError(f"{path}: key 'task': {error}") from None
        modes = check.keys("modes", raw["modes"], ("full", "quick"), ())
        if mode not in modes:
            raise ConfigError(f"{path}: key 'modes' has no mode {mode!r}; it has {sorted(modes)}")
        section = check.keys(f"modes.{mode}", modes[mode], ("n", "families", "description"), ("n", "families"))
        ns = section["n"]
        if not isinstance(ns, list) or not ns:
            raise check.fail(f"modes.{mode}.n", ns, "must be a non-empty list of ints >= 1")
        ns = tuple(check.int(f"modes.{mode}.n[{j}]", n, 1) for j, n in enumerate(ns))
        params = raw.get("params", {})
        if not isinstance(params, dict):
            raise check.fail("params", params, "must be a JSON object")
        families = section["families"]
        if not isinstance(families, list) or not families:
            raise check.fail(f"modes.{mode}.families", families, "must be a non-empty list")
        config = cls(
            path=str(path), mode=mode, experiment=str(raw["experiment"]), task=task.name,
            seed=check.int("seed", raw["seed"], 0), params=dict(params),
            queries=check.int("queries", raw["queries"], 1), trials=check.int("trials", raw["trials"], 1),
            protocols=tuple(check.choices("protocols", raw["protocols"], task.protocols)),
            rules=tuple(check.choices("rules", raw["rules"], task.rules)),
            ns=ns,
            baseline=_row(check, "baseline", raw.get("baseline", {"x": 0, "noise": "ideal"}) | {"x": 0}),
            families=tuple(_family(check, f"modes.{mode}.families[{k}]", f) for k, f in enumerate(families)),
            description=str(raw.get("description", "")),
        )
        if config.baseline.noise != "ideal":
            raise check.fail("baseline.noise", config.baseline.noise, "must be 'ideal' (the noiseless reference)")
        settings = [("baseline", config.baseline)] + [(f.name, r) for f in config.families for r in f.rows]
        for name, row in settings:
            for n in config.ns:
                for protocol in config.protocols:
                    try:
                        task.validate_point(config.point(row, n, protocol, config.rules[0]))
                    except ValueError as error:
                        raise ConfigError(f"{path}: point ({name!r}, x={row.x:g}, n={n}, {protocol}): {error}") from None
        return config

    def point(self, row: NoiseRow, n: int, protocol: str, rule: str) -> SweepPoint:
        """The sweep point of one row at one n, protocol and rule (``copies = queries``)."""
        task = get_task(self.task)
        metadata = task.resolve_params({**self.params, **row.params}, where="params")
        return SweepPoint(task=task.name, protocol=protocol, rule=rule, n=n, copies=self.queries,
                          trials=self.trials, noise=row.noise, seed=self.seed, json_metadata=metadata)

    def keyed_points(self) -> list[tuple[tuple[str, float, int, str, str], SweepPoint]]:
        """``((family or 'baseline', x, n, protocol, rule), point)`` for every point, config order."""
        settings = [("baseline", self.baseline)] + [(f.name, r) for f in self.families for r in f.rows]
        return [((name, row.x, n, protocol, rule), self.point(row, n, protocol, rule))
                for name, row in settings for n in self.ns for protocol in self.protocols for rule in self.rules]


def _row(check: _Check, key: str, raw: Any) -> NoiseRow:
    raw = check.keys(key, raw, ROW_KEYS, ("x", "noise"))
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise check.fail(f"{key}.params", params, "must be a JSON object of task parameters")
    label = raw.get("label")
    if label is not None and not isinstance(label, str):
        raise check.fail(f"{key}.label", label, "must be a string")
    return NoiseRow(x=check.number(f"{key}.x", raw["x"]), noise=check.noise(f"{key}.noise", raw["noise"]),
                    params=dict(params), label=label)


def _family(check: _Check, key: str, raw: Any) -> NoiseFamily:
    raw = check.keys(key, raw, FAMILY_KEYS, ("name", "x_label", "rows"))
    axis, grows = raw.get("axis", "log"), raw.get("noise_grows", "with-x")
    if axis not in AXES:
        raise check.fail(f"{key}.axis", axis, f"must be one of {list(AXES)}")
    if grows not in GROWS:
        raise check.fail(f"{key}.noise_grows", grows, f"must be one of {list(GROWS)}")
    rows = raw["rows"]
    if not isinstance(rows, list) or not rows:
        raise check.fail(f"{key}.rows", rows, "must be a non-empty list of {x, noise} objects")
    parsed = tuple(_row(check, f"{key}.rows[{j}]", r) for j, r in enumerate(rows))
    for j, row in enumerate(parsed):
        if axis == "log" and row.x <= 0:
            raise check.fail(f"{key}.rows[{j}].x", row.x, "must be > 0 on a log axis")
        if axis == "category" and row.label is None:
            raise ConfigError(f"{check.path}: key {key}.rows[{j}] needs a 'label' on a category axis")
    if len({r.x for r in parsed}) < len(parsed):
        raise check.fail(f"{key}.rows", [r.x for r in parsed], "must have distinct x values")
    return NoiseFamily(name=str(raw["name"]), x_label=str(raw["x_label"]), rows=parsed, axis=axis,
                       noise_grows=grows)


def random_split_accuracy(circuits_per_class: int) -> float:
    """Expected accuracy up to label swap of a balanced split independent of the truth.

    With c circuits per class and k of class 0 among the c labelled 0 (hypergeometric), the
    accuracy is max(k, c − k)/c. It exceeds 1/2: e.g. ≈ 0.59 at c = 10.
    """
    c = circuits_per_class
    law = hypergeom(2 * c, c, c)
    return float(sum(law.pmf(k) * max(k, c - k) / c for k in range(c + 1)))


@dataclasses.dataclass(frozen=True)
class Accuracy:
    """Mean accuracy over trials with its 95% Wilson interval."""

    mean: float
    low: float
    high: float
    trials: int

    @classmethod
    def from_row(cls, row: Row) -> "Accuracy":
        """From a folded row; binomial units are its labelled circuits (module docstring)."""
        per_trial = 2 * int((row.json_metadata or {}).get("circuits_per_class", 0)) or 1
        low, high = wilson_interval(row.successes * per_trial, row.trials * per_trial)
        return cls(mean=row.successes / row.trials, low=low, high=high, trials=row.trials)


@dataclasses.dataclass(frozen=True)
class AccuracyVsNoiseResult:
    """The folded row of every point, and what the table, summary and figure derive from them."""

    config: AccuracyVsNoiseConfig
    rows: dict[tuple[str, float, int, str, str], Row]
    seconds: float

    def accuracy(self, family: str, x: float, n: int, protocol: str, rule: str) -> Accuracy:
        return Accuracy.from_row(self.rows[(family, x, n, protocol, rule)])

    def baseline(self, n: int, protocol: str, rule: str) -> Accuracy:
        return self.accuracy("baseline", 0.0, n, protocol, rule)

    @property
    def chance(self) -> float:
        """Random-labels accuracy (up to swap) at the config's circuits per class."""
        metadata = self.config.point(self.config.baseline, self.config.ns[0], *self._first()).json_metadata
        return random_split_accuracy(int(metadata["circuits_per_class"]))

    def _first(self) -> tuple[str, str]:
        return self.config.protocols[0], self.config.rules[0]

    def collapse(self, family: NoiseFamily, n: int, protocol: str, rule: str) -> float | None:
        """First x (growing noise) whose interval reaches the random-labels level; None if none."""
        for row in family.by_growing_noise():
            if self.accuracy(family.name, row.x, n, protocol, rule).low <= self.chance:
                return row.x
        return None

    def advantage_gone(self, family: NoiseFamily, n: int, rule: str) -> float | None:
        """First x (growing noise) where two-copy's interval reaches single-copy's; None if none."""
        if not {"single-copy", "two-copy"} <= set(self.config.protocols):
            return None
        for row in family.by_growing_noise():
            two = self.accuracy(family.name, row.x, n, "two-copy", rule)
            single = self.accuracy(family.name, row.x, n, "single-copy", rule)
            if two.low <= single.high:
                return row.x
        return None

    def summary(self) -> dict[str, Any]:
        """Strict-JSON summary: every accuracy with its interval, collapse and advantage points."""
        c = self.config
        families = {}
        for family in c.families:
            curves = {}
            for n in c.ns:
                for protocol in c.protocols:
                    for rule in c.rules:
                        curves[f"n={n} {protocol} {rule}"] = {
                            "points": [{"x": r.x, "noise": r.noise, "label": r.label,
                                        **dataclasses.asdict(self.accuracy(family.name, r.x, n, protocol, rule))}
                                       for r in family.rows],
                            "collapse_x": self.collapse(family, n, protocol, rule),
                        }
            families[family.name] = {
                "x_label": family.x_label, "noise_grows": family.noise_grows, "curves": curves,
                "advantage_gone_x": {f"n={n} {rule}": self.advantage_gone(family, n, rule)
                                     for n in c.ns for rule in c.rules},
            }
        return {
            "experiment": c.experiment, "mode": c.mode, "config": c.path, "task": c.task,
            "queries_per_circuit": c.queries, "unit": get_task(c.task).cost_unit, "trials_per_point": c.trials,
            "seed": c.seed, "params": c.params, "random_labels_accuracy": self.chance,
            "interval": "95% Wilson, labelled circuits as binomial units (trials x 2 circuits_per_class)",
            "baseline": {f"n={n} {p} {r}": dataclasses.asdict(self.baseline(n, p, r))
                         for n in c.ns for p in c.protocols for r in c.rules},
            "families": families, "seconds": self.seconds, "versions": package_versions(),
        }


def _collect(config: AccuracyVsNoiseConfig, evaluate: Any, store: ResultStore, executor: Any, progress: bool,
             seconds_from_store: bool) -> AccuracyVsNoiseResult:
    start = time.perf_counter()
    keyed = config.keyed_points()
    table = run_points([p for _, p in keyed], evaluate, store=store, executor=executor, progress=progress)
    rows = {key: table[point.strong_id()] for key, point in keyed}
    seconds = elapsed_seconds(store, start, from_store=seconds_from_store)
    return AccuracyVsNoiseResult(config=config, rows=rows, seconds=seconds)


def run_accuracy_vs_noise(config: AccuracyVsNoiseConfig, *, results_path: str | pathlib.Path, executor: Any = None,
                          progress: bool = True) -> AccuracyVsNoiseResult:
    """Runs (or resumes) every point; rows go to the append-only results table."""
    return run_into_table(_collect, config, results_path=results_path, executor=executor, progress=progress,
                          seconds_from_store=True)


def load_accuracy_vs_noise(config: AccuracyVsNoiseConfig, *, results_path: str | pathlib.Path) -> AccuracyVsNoiseResult:
    """Rebuilds a finished run from its results table, sampling nothing.

    Raises:
        FileNotFoundError: If the table is missing.
        RuntimeError: If the table lacks a point the config needs.
    """
    return load_from_table(_collect, config, results_path=results_path)


def format_accuracy_table(result: AccuracyVsNoiseResult) -> str:
    """Plain text: per family and n, the mean accuracy of each protocol/rule per strength."""
    c = result.config
    lines = [f"mean accuracy over {c.trials} trials at {c.queries} {get_task(c.task).cost_unit} "
             f"per circuit; random labels: {result.chance:.3f}"]
    for family in (NoiseFamily("baseline", "noiseless", (c.baseline,)),) + c.families:
        lines.append(f"  {family.name} (x: {family.x_label})")
        for n in c.ns:
            for row in family.rows:
                cells = [f"{p[:3]}/{r[:4]}={result.accuracy(family.name, row.x, n, p, r).mean:.2f}"
                         for p in c.protocols for r in c.rules]
                lines.append(f"    n={n:<3d} x={row.label or f'{row.x:g}':<10s} " + " ".join(cells))
        if family.name != "baseline":
            for n in c.ns:
                gone = {r: result.advantage_gone(family, n, r) for r in c.rules}
                lines.append(f"    n={n}: two-copy advantage gone at x = " +
                             ", ".join(f"{r}: {'none' if x is None else f'{x:g}'}" for r, x in gone.items()))
    return "\n".join(lines)


def save_accuracy_vs_noise_figure(result: AccuracyVsNoiseResult, path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Draws the figure (:mod:`qmemlearn.plots_noise_accuracy`) as ``<stem>.png`` and ``.pdf``."""
    from qmemlearn.plots_noise_accuracy import save_accuracy_vs_noise_figure as save

    return save(result, path_stem)
