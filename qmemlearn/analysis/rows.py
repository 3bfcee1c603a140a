"""Rows of the results table: one batch of trials of one sweep point, and folding them.

A :class:`Row` is one CSV line of the results table (:class:`~qmemlearn.analysis.store.
ResultStore`): one *batch* of trials of one experiment setting, seeded from ``(strong_id,
batch)`` (DESIGN §3). Rows of one setting add up (STYLE §4); two rows that claim the same
batch are a replay of the same samples and are refused, never counted twice. Columns
(:data:`CSV_COLUMNS`):

==============  ==========================================================================
strong_id       SHA-256 of the setting (:meth:`SweepPoint.strong_id`, without ``trials``
                and ``batch``); the key for folding
task            task name                     protocol   measurement protocol
rule            success rule                  n          system qubits per copy
copies          copies of rho consumed per trial (the cost unit)
batch           batch index, >= 0; the batch's seed is f(strong_id, batch), unique per id
trials          trials counted in this row (this batch)
successes       successful trials, ties count 1/2 (written exactly: ``180`` or ``180.5``)
seconds         wall-clock seconds spent evaluating this row (worker side)
noise           noise preset                  seed       root seed of the sweep
json_metadata   other task parameters, sorted-key compact JSON
versions        package versions of the evaluating process, sorted-key compact JSON
==============  ==========================================================================
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import importlib.metadata
import io
import json
import platform
import re
from typing import Any, Iterable

from qmemlearn.analysis.points import PointOutcome, SweepPoint, canonical_json

CSV_COLUMNS: tuple[str, ...] = (
    "strong_id", "task", "protocol", "rule", "n", "copies", "batch", "trials", "successes",
    "seconds", "noise", "seed", "json_metadata", "versions",
)
"""Columns of the results table, in file order."""

CSV_HEADER = ",".join(CSV_COLUMNS) + "\n"

OLD_CSV_COLUMNS: tuple[str, ...] = (
    "strong_id", "task", "protocol", "rule", "n", "copies", "trials", "successes",
    "seconds", "noise", "seed", "json_metadata", "versions",
)
"""Columns of tables written before rows were batches (PROTOCOL_VERSION 1)."""

_METADATA_FIELDS = ("task", "protocol", "rule", "n", "copies", "noise", "seed")
_INT_RE = re.compile(r"-?[0-9]+")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_VERSIONED_PACKAGES = (
    "numpy", "cirq-core", "cirq-google", "qsimcirq", "stim", "stimcirq", "quimb",
    "scikit-learn", "qmemlearn",
)


@functools.lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Returns the versions of python and the simulation packages, where installed.

    Covers numpy, cirq-core, cirq-google, qsimcirq, stim, stimcirq, quimb, scikit-learn and
    qmemlearn; packages that are not installed are left out.

    Example:
        >>> "python" in package_versions()
        True
    """
    versions = {"python": platform.python_version()}
    for name in _VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def check_header(got: list[str], *, where: str) -> None:
    """Raises unless ``got`` is :data:`CSV_COLUMNS`, listing got versus expected.

    Args:
        got: The header fields read.
        where: ``"path:line"`` for the message.

    Raises:
        ValueError: On any other header; a table of the old format (no ``batch`` column)
            gets a hint on what to do.

    Example:
        >>> check_header(list(CSV_COLUMNS), where="stats.csv:1")
    """
    if tuple(got) == CSV_COLUMNS:
        return
    missing = [c for c in CSV_COLUMNS if c not in got]
    extra = [c for c in got if c not in CSV_COLUMNS]
    hint = ""
    if tuple(got) == OLD_CSV_COLUMNS:
        hint = (
            "\n  This table was written before rows were batches (no 'batch' column, "
            "PROTOCOL_VERSION 1); its strong ids and seeds are not those of this version. "
            "Move it aside and rerun to regenerate it."
        )
    raise ValueError(
        f"{where}: CSV header does not match.\n  got:      {got}\n"
        f"  expected: {list(CSV_COLUMNS)}\n  missing: {missing}; unexpected: {extra}{hint}"
    )


def _format_number(x: float) -> str:
    x = float(x)
    if x.is_integer() and abs(x) < 2**53:
        return str(int(x))
    return repr(x)


def _merge_versions(a: Any, b: Any) -> Any:
    if canonical_json(a) == canonical_json(b):
        return a
    items: dict[str, Any] = {}
    for v in (a, b):
        for item in v if isinstance(v, list) else [v]:
            items[canonical_json(item)] = item
    return [items[k] for k in sorted(items)]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Row:
    """Additive statistics of one batch of a sweep point (a CSV row), or of several folded.

    Rows with the same ``strong_id`` add: ``trials``, ``successes`` and ``seconds`` sum, the
    metadata must agree, differing ``versions`` become a sorted list of the distinct dicts,
    and ``batches`` is the union, which must be disjoint (a batch counted twice is a
    replay). A sum is a *folded row*: its ``batch_index`` is None.

    Args:
        batch_index: The batch of a single row, >= 0; None for a folded row.
        batches: Sorted batch indices covered. Defaults to ``(batch_index,)`` for a single
            row; required (non-empty) for a folded row.
        origin: Where the row was read (``"path:line"``), for error messages; not compared.
        Other fields: as in the CSV columns (module docstring).

    Example:
        >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=4, trials=10)
        >>> r0 = Row.from_point(p, PointOutcome(successes=7.5, trials=10), seconds=0.5, versions={})
        >>> r1 = Row.from_point(dataclasses.replace(p, batch_index=1),
        ...                     PointOutcome(successes=2, trials=10), seconds=0.5, versions={})
        >>> folded = r0 + r1
        >>> folded.successes, folded.trials, folded.batches, folded.batch_index
        (9.5, 20, (0, 1), None)
    """

    strong_id: str
    task: str
    protocol: str
    rule: str
    n: int
    copies: int
    trials: int
    successes: float
    seconds: float
    noise: str
    seed: int
    json_metadata: Any = None
    versions: Any = None
    batch_index: int | None = 0
    batches: tuple[int, ...] = ()
    origin: str | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.strong_id, str) or not _HEX64_RE.fullmatch(self.strong_id):
            raise ValueError(f"strong_id={self.strong_id!r} must be 64 lowercase hex digits")
        outcome = PointOutcome(successes=self.successes, trials=self.trials)
        object.__setattr__(self, "trials", outcome.trials)
        object.__setattr__(self, "successes", outcome.successes)
        seconds = float(self.seconds)
        if not seconds >= 0:
            raise ValueError(f"seconds={self.seconds!r} must be a float >= 0")
        object.__setattr__(self, "seconds", seconds)
        for name in ("n", "copies", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or value < 0:
                raise ValueError(f"{name}={value!r} must be an int >= 0")
            object.__setattr__(self, name, int(value))
        self._check_batches()
        canonical_json(self.json_metadata)
        canonical_json(self.versions)

    def _check_batches(self) -> None:
        batches = tuple(int(b) for b in self.batches)
        if any(b < 0 for b in batches) or list(batches) != sorted(set(batches)):
            raise ValueError(f"batches={self.batches!r} must be distinct ints >= 0, sorted")
        if self.batch_index is None:
            if not batches:
                raise ValueError("a folded row (batch_index=None) needs its batches")
        else:
            b = self.batch_index
            if isinstance(b, bool) or int(b) != b or b < 0:
                raise ValueError(f"batch_index={b!r} must be an int >= 0 or None")
            object.__setattr__(self, "batch_index", int(b))
            if batches not in ((), (int(b),)):
                raise ValueError(f"batches={batches} must be ({b},) for a row of batch {b}")
            batches = (int(b),)
        object.__setattr__(self, "batches", batches)

    @property
    def next_batch_index(self) -> int:
        """The index a new batch of this point gets: the largest stored one plus 1."""
        return self.batches[-1] + 1

    @classmethod
    def from_point(
        cls, point: SweepPoint, outcome: PointOutcome, *, seconds: float, versions: Any = None
    ) -> Row:
        """Makes the row of an evaluated batch (``point.batch_index``).

        Args:
            point: The evaluated point.
            outcome: Its outcome.
            seconds: Wall-clock seconds spent.
            versions: Package versions dict. Defaults to None (use :func:`package_versions`).

        Returns:
            The row.

        Example:
            >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=4, trials=10)
            >>> Row.from_point(p, PointOutcome(successes=3, trials=10), seconds=0.0).copies
            4
        """
        return cls(
            strong_id=point.strong_id(), task=point.task, protocol=point.protocol,
            rule=point.rule, n=point.n, copies=point.copies, trials=outcome.trials,
            successes=outcome.successes, seconds=seconds, noise=point.noise, seed=point.seed,
            json_metadata=point.json_metadata, batch_index=point.batch_index,
            versions=package_versions() if versions is None else versions,
        )

    def __add__(self, other: Row) -> Row:
        if not isinstance(other, Row):
            return NotImplemented
        if other.strong_id != self.strong_id:
            raise ValueError(
                f"Cannot add rows of different points: strong_id={self.strong_id} and "
                f"strong_id={other.strong_id}"
            )
        for name in _METADATA_FIELDS + ("json_metadata",):
            a, b = getattr(self, name), getattr(other, name)
            if canonical_json(a) != canonical_json(b):
                raise ValueError(
                    f"Rows with the same strong_id={self.strong_id} disagree on {name}: "
                    f"{a!r} != {b!r}. Rows with one strong id must describe one point; the "
                    "file was probably edited, or PROTOCOL_VERSION/strong_id changed meaning."
                )
        twice = sorted(set(self.batches) & set(other.batches))
        if twice:
            where = " and ".join(o for o in (self.origin, other.origin) if o)
            raise ValueError(
                f"{where + ': ' if where else ''}batch {twice[0]} of strong_id="
                f"{self.strong_id} appears twice; a batch is a replay of the same samples "
                "and must never be counted twice (two writers, or a copied row?)"
            )
        return dataclasses.replace(
            self, trials=self.trials + other.trials, successes=self.successes + other.successes,
            seconds=self.seconds + other.seconds,
            versions=_merge_versions(self.versions, other.versions),
            batch_index=None, batches=tuple(sorted(self.batches + other.batches)),
        )

    def to_csv_line(self) -> str:
        """Returns this row as one CSV line ending in ``'\\n'``.

        Raises:
            ValueError: For a folded row (it is not one batch).

        Example:
            >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=4, trials=10)
            >>> line = Row.from_point(p, PointOutcome(successes=3, trials=10), seconds=0, versions={}).to_csv_line()
            >>> line.endswith(',t,p,r,1,4,0,10,3,0,ideal,0,null,{}\\n')
            True
        """
        if self.batch_index is None:
            raise ValueError(
                f"a folded row (batches {list(self.batches)} of strong_id={self.strong_id}) "
                "is not one batch and cannot be written as a CSV row"
            )
        values = [
            self.strong_id, self.task, self.protocol, self.rule, str(self.n), str(self.copies),
            str(self.batch_index), str(self.trials), _format_number(self.successes),
            _format_number(round(self.seconds, 6)), self.noise, str(self.seed),
            canonical_json(self.json_metadata), canonical_json(self.versions),
        ]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(values)
        return buffer.getvalue()

    @classmethod
    def from_csv_fields(cls, fields: list[str], *, origin: str | None = None) -> Row:
        """Parses the fields of one CSV line (in :data:`CSV_COLUMNS` order).

        Args:
            fields: The fields.
            origin: ``"path:line"`` kept for error messages. Defaults to None.

        Raises:
            ValueError: If a field is missing or malformed.

        Example:
            >>> Row.from_csv_fields(["0" * 64, "t", "p", "r", "1", "4", "0", "10", "3.5", "0",
            ...                      "ideal", "0", "null", "{}"]).successes
            3.5
        """
        if len(fields) != len(CSV_COLUMNS):
            raise ValueError(f"expected {len(CSV_COLUMNS)} fields, got {len(fields)}")
        d = dict(zip(CSV_COLUMNS, fields))
        kwargs: dict[str, Any] = {k: d[k] for k in ("strong_id", "task", "protocol", "rule", "noise")}
        for name, key in (("n", "n"), ("copies", "copies"), ("trials", "trials"),
                          ("seed", "seed"), ("batch_index", "batch")):
            if not _INT_RE.fullmatch(d[key]):
                raise ValueError(f"{key}={d[key]!r} is not an integer")
            kwargs[name] = int(d[key])
        for name in ("successes", "seconds"):
            try:
                kwargs[name] = float(d[name])
            except ValueError:
                raise ValueError(f"{name}={d[name]!r} is not a number") from None
        for name in ("json_metadata", "versions"):
            try:
                kwargs[name] = json.loads(d[name])
            except json.JSONDecodeError as exc:
                raise ValueError(f"{name}={d[name]!r} is not valid JSON ({exc})") from None
        return cls(**kwargs, origin=origin)


def fold_rows(rows: Iterable[Row]) -> dict[str, Row]:
    """Adds rows with the same strong id, keeping first-seen order.

    Raises:
        ValueError: If two rows share a strong id but not their metadata, or claim the same
            batch (naming both rows' ``origin``, e.g. ``stats.csv:7 and stats.csv:3``, and
            the strong id).

    Example:
        >>> fold_rows([])
        {}
    """
    folded: dict[str, Row] = {}
    seen: dict[tuple[str, int], str | None] = {}
    for row in rows:
        for batch in row.batches:
            key = (row.strong_id, batch)
            if key in seen:
                raise ValueError(
                    f"{row.origin or '<row>'}: duplicate batch {batch} of strong_id="
                    f"{row.strong_id} (first at {seen[key] or '<row>'}). A batch is a replay "
                    "of the same samples and is never counted twice; remove one of the rows "
                    "(two writers without the lock, or a copied row?)"
                )
            seen[key] = row.origin
        held = folded.get(row.strong_id)
        folded[row.strong_id] = row if held is None else held + row
    return folded
