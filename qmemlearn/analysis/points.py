"""Sweep points: immutable, JSON-native descriptions of one experiment setting.

A :class:`SweepPoint` says *what* to evaluate (task, protocol, success rule, qubits, copies,
noise preset, root seed and extra task parameters) and *how much* (``trials``, in the batch
``batch_index``). The experiment setting is named by :meth:`SweepPoint.strong_id`, which
leaves out ``trials`` and ``batch_index``: trials are additive, and a point is deepened by
appending new batches. The random numbers of one batch derive from ``(strong_id,
batch_index)`` alone (:meth:`SweepPoint.rng_for_trials`, DESIGN §3, STYLE §6), so a batch
gives the same outcome on any worker, in any order, on any executor, and after any resume,
and two batches of one setting never replay each other's samples.

Bump :data:`PROTOCOL_VERSION` whenever the simulation semantics change, so that old rows in a
results file stop merging with new ones (STYLE §3).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import numbers
from typing import Any

import numpy as np

PROTOCOL_VERSION = 2
"""Version of the evaluation semantics; part of every strong id.

2: ``trials`` and ``batch_index`` left the strong id (rows are batches).
"""

_STRING_FIELDS = ("task", "protocol", "rule", "noise")
_NOT_IN_STRONG_ID = ("trials", "batch_index")


def canonical_json(value: Any) -> str:
    """Returns the canonical (sorted-key, compact) JSON text of a JSON-native value.

    Args:
        value: A JSON-native value (dict with str keys, list, str, int, float, bool, None).

    Returns:
        The JSON text, with sorted keys and no spaces.

    Raises:
        ValueError: If the value cannot be written as JSON (e.g. NaN or a set).

    Example:
        >>> canonical_json({"b": 1, "a": [1, 2]})
        '{"a":[1,2],"b":1}'
    """
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"value={value!r} is not JSON-native: {exc}") from exc


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}={value!r} must be an int >= {low}")
    value = int(value)
    if value < low:
        raise ValueError(f"{name}={value} must be an int >= {low}")
    return value


def _check_json_metadata(value: Any) -> None:
    text = canonical_json(value)
    if json.loads(text) != value:
        raise ValueError(
            f"json_metadata={value!r} must be JSON-native and survive a JSON round trip "
            "(use lists instead of tuples and str dict keys)"
        )


@dataclasses.dataclass(frozen=True)
class PointOutcome:
    """What an evaluation returns: successes (ties count 1/2) out of ``trials`` trials.

    Args:
        successes: Number of successful trials; a float because ties count 1/2.
        trials: Number of independent trials evaluated.

    Example:
        >>> PointOutcome(successes=180.5, trials=200)
        PointOutcome(successes=180.5, trials=200)
    """

    successes: float
    trials: int

    def __post_init__(self) -> None:
        trials = _check_int("trials", self.trials, 0)
        if isinstance(self.successes, bool) or not isinstance(self.successes, numbers.Real):
            raise ValueError(f"successes={self.successes!r} must be a real number")
        successes = float(self.successes)
        if not 0 <= successes <= trials:
            raise ValueError(f"successes={successes} must be in [0, trials={trials}]")
        object.__setattr__(self, "trials", trials)
        object.__setattr__(self, "successes", successes)


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False)
class SweepPoint:
    """One setting of a sweep: immutable, JSON-native, identified by :meth:`strong_id`.

    Args:
        task: Task name, e.g. ``"pauli-learning"``.
        protocol: Measurement protocol, e.g. ``"single-copy"`` or ``"two-copy"``.
        rule: Success rule, e.g. ``"decoy"`` or ``"identify"``.
        n: System qubits per copy, >= 1.
        copies: Copies of rho consumed per trial (the cost unit), >= 0.
        trials: Independent instances evaluated in this batch (for a request: wanted in
            total), >= 1. Not part of the strong id: rows of one setting add up.
        noise: Noise preset name. Defaults to ``"ideal"``.
        seed: Root seed of the sweep, >= 0. Defaults to 0.
        json_metadata: Other task parameters as JSON-native data, e.g. ``{"alpha": 0.9}``.
            Defaults to None.
        batch_index: Index of the batch of trials this point evaluates, >= 0; with the
            strong id it fixes the seed. Not part of the strong id. Defaults to 0.

    Equality compares the strong id, ``trials`` and ``batch_index``; hashing uses the
    strong id. ``{"a": 1}`` and ``{"a": 1.0}`` in ``json_metadata`` are different points:
    their JSON, hence their seeds, differ.

    Raises:
        ValueError: If a field has the wrong type or is out of range; the message names the
            field, its value and the allowed range. Numpy integers are accepted and converted.

    Example:
        >>> p = SweepPoint(task="synthetic", protocol="two-copy", rule="decoy", n=3,
        ...                copies=16, trials=200, json_metadata={"c0": 2.0})
        >>> len(p.strong_id())
        64
    """

    task: str
    protocol: str
    rule: str
    n: int
    copies: int
    trials: int
    noise: str = "ideal"
    seed: int = 0
    json_metadata: Any = None
    batch_index: int = 0

    def __post_init__(self) -> None:
        for name in _STRING_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str) or not value or "\n" in value or "\r" in value:
                raise ValueError(f"{name}={value!r} must be a non-empty single-line str")
        object.__setattr__(self, "n", _check_int("n", self.n, 1))
        object.__setattr__(self, "copies", _check_int("copies", self.copies, 0))
        object.__setattr__(self, "trials", _check_int("trials", self.trials, 1))
        object.__setattr__(self, "seed", _check_int("seed", self.seed, 0))
        object.__setattr__(self, "batch_index", _check_int("batch_index", self.batch_index, 0))
        _check_json_metadata(self.json_metadata)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SweepPoint):
            return NotImplemented
        return (self.strong_id(), self.trials, self.batch_index) == (
            other.strong_id(), other.trials, other.batch_index
        )

    def __hash__(self) -> int:
        return hash(self.strong_id())

    def to_json(self) -> dict[str, Any]:
        """Returns the fields as a JSON-native dict.

        Example:
            >>> SweepPoint(task="t", protocol="p", rule="r", n=1, copies=1, trials=1).to_json()["n"]
            1
        """
        return dataclasses.asdict(self)

    def strong_id(self) -> str:
        """Returns the SHA-256 hex digest naming the experiment setting.

        The hashed text is the canonical JSON of all fields but ``trials`` and
        ``batch_index``, plus ``PROTOCOL_VERSION``. Those two say how many trials, and
        which batch; they enter the seed through :meth:`rng_for_trials`.

        Example:
            >>> a = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=1, trials=1)
            >>> a.strong_id() == SweepPoint(**a.to_json()).strong_id()
            True
            >>> a.strong_id() == dataclasses.replace(a, trials=7, batch_index=3).strong_id()
            True
        """
        cached = self.__dict__.get("_strong_id")
        if cached is not None and cached[0] == PROTOCOL_VERSION:
            return cached[1]
        blob = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in _NOT_IN_STRONG_ID
        }
        blob["protocol_version"] = PROTOCOL_VERSION
        digest = hashlib.sha256(canonical_json(blob).encode("utf8")).hexdigest()
        object.__setattr__(self, "_strong_id", (PROTOCOL_VERSION, digest))
        return digest

    def rng_for_trials(self, batch_index: int | None = None) -> np.random.SeedSequence:
        """Returns the seed sequence for one batch of trials of this point.

        It is ``SeedSequence(entropy=int(strong_id, 16), spawn_key=(batch_index,))``: it
        depends only on :meth:`strong_id` (which includes ``seed``) and the batch index,
        never on the worker or the order of execution. Spawn children from it to get
        independent streams for separate random processes (instance draw, sampler, ...).

        Args:
            batch_index: Index of the batch of trials, >= 0. Defaults to None (this
                point's :attr:`batch_index`).

        Returns:
            A ``numpy.random.SeedSequence``.

        Raises:
            ValueError: If ``batch_index`` is not an int >= 0.

        Example:
            >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=1, trials=1)
            >>> rng = np.random.default_rng(p.rng_for_trials())
            >>> int(rng.integers(10**9)) == int(np.random.default_rng(p.rng_for_trials()).integers(10**9))
            True
        """
        if batch_index is None:
            batch_index = self.batch_index
        batch_index = _check_int("batch_index", batch_index, 0)
        return np.random.SeedSequence(entropy=int(self.strong_id(), 16), spawn_key=(batch_index,))
