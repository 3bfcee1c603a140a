"""Checks every value of an experiment config (``experiments/<name>.json``) before any work.

Each error names the file and the key path, e.g.
``experiments/x.json: key 'modes.full.curves[1].n_min'=0 must be an int >= 1``.
"""

from __future__ import annotations

import json
import math
import pathlib
from typing import Any

MODES = ("full", "quick")
REQUIRED_KEYS = ("experiment", "task", "seed", "noise", "target", "trials", "modes")
OPTIONAL_KEYS = ("description", "kind", "params", "rel_resolution", "max_copies", "figure")
#: The experiment kind this module validates (advantage maps have their own loader).
KIND = "sample-complexity"
MODE_KEYS = ("curves", "success_curve", "description")
CURVE_KEYS = ("protocol", "rule", "n_min", "n_max")
SUCCESS_KEYS = ("n", "copies")
EMBEDDING_KEYS = ("n", "queries", "circuits_per_class", "seed")


class ConfigError(ValueError):
    """A bad config value; the message names the file and the key."""


def read_config_json(path: pathlib.Path) -> dict[str, Any]:
    """The JSON object of a config file.

    Raises:
        FileNotFoundError: If the file is missing.
        ConfigError: If it is a directory, not UTF-8, not valid JSON, or not a JSON object.
    """
    if path.is_dir():
        raise ConfigError(f"--config={str(path)!r} is a directory; give the JSON config file")
    data = path.read_bytes()
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text ({error})") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the config must be a JSON object, got {type(raw).__name__}")
    return raw


class _Checker:
    """Type and range checks that raise :class:`ConfigError` naming ``path`` and the key."""

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path

    def fail(self, key: str, value: Any, requirement: str) -> ConfigError:
        return ConfigError(f"{self.path}: key {key!r}={json.dumps(value)} {requirement}")

    def keys(self, key: str, section: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
        if not isinstance(section, dict):
            raise self.fail(key, section, "must be a JSON object")
        missing = [k for k in required if k not in section]
        if missing:
            where = f"key {key!r} is" if key else "is"
            raise ConfigError(f"{self.path}: {where} missing keys {missing}")
        allowed = required + optional
        for k in section:
            if k not in allowed:
                name = f"{key}.{k}" if key else k
                raise ConfigError(f"{self.path}: key {name!r} is unknown; allowed here: {', '.join(allowed)}")
        return section

    def int_at_least(self, key: str, value: Any, low: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(key, value, f"must be an int >= {low}")
        return value

    def number(self, key: str, value: Any, low: float, high: float, *, low_open: bool, high_open: bool) -> float:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if ok:
            ok = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
        if not ok:
            raise self.fail(key, value, f"must be a number in {interval}")
        return float(value)

    def choice(self, key: str, value: Any, allowed: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise self.fail(key, value, f"is unknown; allowed: {', '.join(allowed)}")
        return value

    def text(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, value, "must be a non-empty string")
        return value


def validate_raw_config(raw: dict[str, Any], path: pathlib.Path) -> None:
    """Checks every key and value of a parsed config.

    Raises:
        ConfigError: Naming ``path`` and the first bad key, its value and what is allowed.
    """
    from qmemlearn.noise import parse_noise
    from qmemlearn.tasks import get_task

    from qmemlearn.analysis.figure_writers import DEFAULT_FIGURE, FIGURE_WRITERS

    check = _Checker(path)
    figure = raw.get("figure", DEFAULT_FIGURE) if isinstance(raw, dict) else DEFAULT_FIGURE
    check.choice("figure", figure, tuple(FIGURE_WRITERS))
    sections = FIGURE_WRITERS[figure].sections
    check.keys("", raw, REQUIRED_KEYS, OPTIONAL_KEYS + sections)
    if "embedding" in raw:
        _validate_embedding(check, raw["embedding"])
    check.text("experiment", raw["experiment"])
    if "kind" in raw:
        check.choice("kind", raw["kind"], (KIND,))
    task = check.text("task", raw["task"])
    try:
        spec = get_task(task)
    except ValueError as error:
        raise check.fail("task", task, f"is unknown ({error})") from None
    try:
        spec.resolve_params(raw.get("params"), where="params")
    except ValueError as error:
        raise ConfigError(f"{path}: key {error}") from None
    check.int_at_least("seed", raw["seed"], 0)
    noise = raw["noise"]
    if not isinstance(noise, str):
        raise check.fail("noise", noise, "must be a noise spec string such as 'ideal' or 'depolarizing:p1=0.001'")
    try:
        parse_noise(noise)
    except ValueError as error:
        raise check.fail("noise", noise, f"is not a valid noise spec: {error}") from None
    check.number("target", raw["target"], 0, 1, low_open=True, high_open=False)
    check.int_at_least("trials", raw["trials"], 1)
    if "rel_resolution" in raw:
        check.number("rel_resolution", raw["rel_resolution"], 0, 1, low_open=False, high_open=True)
    max_copies = check.int_at_least("max_copies", raw["max_copies"], 1) if "max_copies" in raw else None
    modes = check.keys("modes", raw["modes"], (), MODES)
    for mode, section in modes.items():
        _validate_mode(check, f"modes.{mode}", section, spec, max_copies)


def _validate_mode(check: _Checker, key: str, section: Any, spec: Any, max_copies: int | None) -> None:
    check.keys(key, section, ("curves",), MODE_KEYS)
    curves = section["curves"]
    if not isinstance(curves, list) or not curves:
        raise check.fail(f"{key}.curves", curves, "must be a non-empty list of curves")
    used = []
    for k, curve in enumerate(curves):
        ck = f"{key}.curves[{k}]"
        check.keys(ck, curve, CURVE_KEYS)
        protocol = check.choice(f"{ck}.protocol", curve["protocol"], tuple(spec.protocols))
        check.choice(f"{ck}.rule", curve["rule"], tuple(spec.rules))
        n_min = check.int_at_least(f"{ck}.n_min", curve["n_min"], 1)
        n_max = curve["n_max"]
        if isinstance(n_max, bool) or not isinstance(n_max, int) or n_max < n_min:
            raise check.fail(f"{ck}.n_max", n_max, f"must be an int >= n_min={n_min}")
        start = 2 * spec.shot_cost(protocol)
        if max_copies is not None and max_copies < start:
            raise check.fail("max_copies", max_copies, f"must be >= {start}, the first point of {ck} ({protocol})")
        used.append(spec.shot_cost(protocol))
    if "success_curve" not in section:
        return
    sk = f"{key}.success_curve"
    success = check.keys(sk, section["success_curve"], SUCCESS_KEYS)
    check.int_at_least(f"{sk}.n", success["n"], 1)
    copies = success["copies"]
    if not isinstance(copies, list) or not copies:
        raise check.fail(f"{sk}.copies", copies, "must be a non-empty list of ints")
    for k, value in enumerate(copies):
        check.int_at_least(f"{sk}.copies[{k}]", value, 2)
        if not any(value % step == 0 and value >= 2 * step for step in used):
            raise check.fail(
                f"{sk}.copies[{k}]", value,
                f"is usable by no protocol of the curves (it must give >= 2 shots, in {spec.cost_unit}: "
                "an even number >= 4 for two-copy, >= 2 for single-copy)",
            )


def _validate_embedding(check: _Checker, section: Any) -> None:
    """The ``embedding`` section of the dynamics figure: n, queries of U per circuit, seed."""
    check.keys("embedding", section, EMBEDDING_KEYS)
    check.int_at_least("embedding.n", section["n"], 2)
    queries = check.int_at_least("embedding.queries", section["queries"], 4)
    if queries % 2:
        raise check.fail("embedding.queries", queries, "must be even (a two-copy shot costs 2 queries of U)")
    check.int_at_least("embedding.circuits_per_class", section["circuits_per_class"], 2)
    check.int_at_least("embedding.seed", section["seed"], 0)
