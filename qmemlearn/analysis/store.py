"""The append-only CSV results store (STYLE §4–§5).

One row per evaluated point (or per partial batch written by another tool); rows with the same
``strong_id`` add up when folded. Columns (:data:`CSV_COLUMNS`):

==============  ==========================================================================
strong_id       SHA-256 of the point (:meth:`SweepPoint.strong_id`); the key for folding
task            task name                     protocol   measurement protocol
rule            success rule                  n          system qubits per copy
copies          copies of rho consumed per trial (the cost unit)
trials          trials counted in this row (the point's nominal trials is in strong_id)
successes       successful trials, ties count 1/2 (written exactly: ``180`` or ``180.5``)
seconds         wall-clock seconds spent evaluating this row (worker side)
noise           noise preset                  seed       root seed of the sweep
json_metadata   other task parameters, sorted-key compact JSON
versions        package versions of the evaluating process, sorted-key compact JSON
==============  ==========================================================================

Crash safety. Each row is written as one ``write`` of a full line ending in ``'\\n'``, then
flushed and fsynced. A last line without ``'\\n'`` is therefore an incomplete write from a
killed run: :meth:`ResultStore.read` ignores it with an :class:`IncompleteRowWarning`, and the
next :meth:`ResultStore.append` cuts that fragment off (only bytes after the last ``'\\n'``)
before writing, so the new row starts on a fresh line and the file stays parseable. The point
whose row was lost is simply evaluated again on resume (with the same seed, so the same
outcome). Any other malformed line is an error naming the file and line number. Blank lines
are skipped. One writer per file at a time.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import importlib.metadata
import io
import json
import os
import platform
import re
import warnings
from typing import TYPE_CHECKING, Any, Iterable

from qmemlearn.analysis.points import PointOutcome, SweepPoint, canonical_json

if TYPE_CHECKING:
    import pandas as pd

CSV_COLUMNS: tuple[str, ...] = (
    "strong_id", "task", "protocol", "rule", "n", "copies", "trials", "successes",
    "seconds", "noise", "seed", "json_metadata", "versions",
)
CSV_HEADER = ",".join(CSV_COLUMNS) + "\n"
_METADATA_FIELDS = ("task", "protocol", "rule", "n", "copies", "noise", "seed")
_INT_RE = re.compile(r"-?[0-9]+")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")


class IncompleteRowWarning(UserWarning):
    """Warned when a results file ends with an incomplete (killed) write."""


@functools.lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Returns the versions of python, numpy, cirq-core and qmemlearn, where installed.

    Example:
        >>> "python" in package_versions()
        True
    """
    versions = {"python": platform.python_version()}
    for name in ("numpy", "cirq-core", "qmemlearn"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


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
    """Additive statistics of one sweep point (one CSV row, or several folded together).

    Rows with the same ``strong_id`` add: ``trials``, ``successes`` and ``seconds`` sum, the
    metadata must agree, and differing ``versions`` become a sorted list of the distinct dicts.

    Example:
        >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=4, trials=10)
        >>> r = Row.from_point(p, PointOutcome(successes=7.5, trials=10), seconds=0.5, versions={})
        >>> (r + r).successes
        15.0
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
        canonical_json(self.json_metadata)
        canonical_json(self.versions)

    @classmethod
    def from_point(
        cls, point: SweepPoint, outcome: PointOutcome, *, seconds: float, versions: Any = None
    ) -> Row:
        """Makes the row of an evaluated point.

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
            json_metadata=point.json_metadata,
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
        return dataclasses.replace(
            self, trials=self.trials + other.trials, successes=self.successes + other.successes,
            seconds=self.seconds + other.seconds,
            versions=_merge_versions(self.versions, other.versions),
        )

    def to_csv_line(self) -> str:
        """Returns this row as one CSV line ending in ``'\\n'``.

        Example:
            >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=4, trials=10)
            >>> line = Row.from_point(p, PointOutcome(successes=3, trials=10), seconds=0, versions={}).to_csv_line()
            >>> line.endswith(',t,p,r,1,4,10,3,0,ideal,0,null,{}\\n')
            True
        """
        values = [
            self.strong_id, self.task, self.protocol, self.rule, str(self.n), str(self.copies),
            str(self.trials), _format_number(self.successes),
            _format_number(round(self.seconds, 6)), self.noise, str(self.seed),
            canonical_json(self.json_metadata), canonical_json(self.versions),
        ]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(values)
        return buffer.getvalue()

    @classmethod
    def from_csv_fields(cls, fields: list[str]) -> Row:
        """Parses the fields of one CSV line (in :data:`CSV_COLUMNS` order).

        Raises:
            ValueError: If a field is missing or malformed.

        Example:
            >>> Row.from_csv_fields(["0" * 64, "t", "p", "r", "1", "4", "10", "3.5", "0",
            ...                      "ideal", "0", "null", "{}"]).successes
            3.5
        """
        if len(fields) != len(CSV_COLUMNS):
            raise ValueError(f"expected {len(CSV_COLUMNS)} fields, got {len(fields)}")
        d = dict(zip(CSV_COLUMNS, fields))
        kwargs: dict[str, Any] = {k: d[k] for k in ("strong_id", "task", "protocol", "rule", "noise")}
        for name in ("n", "copies", "trials", "seed"):
            if not _INT_RE.fullmatch(d[name]):
                raise ValueError(f"{name}={d[name]!r} is not an integer")
            kwargs[name] = int(d[name])
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
        return cls(**kwargs)


def fold_rows(rows: Iterable[Row]) -> dict[str, Row]:
    """Adds rows with the same strong id, keeping first-seen order.

    Raises:
        ValueError: If two rows share a strong id but not their metadata.

    Example:
        >>> fold_rows([])
        {}
    """
    folded: dict[str, Row] = {}
    for row in rows:
        folded[row.strong_id] = folded[row.strong_id] + row if row.strong_id in folded else row
    return folded


class ResultStore:
    """An append-only CSV file of :class:`Row` s; see the module docstring for the format.

    Args:
        path: The CSV file. It need not exist yet; it is created (with its header) on the
            first :meth:`append`.
        fsync: Whether to fsync after every row. Defaults to True.

    Example:
        >>> import tempfile, pathlib
        >>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "stats.csv")
        >>> store.read()
        []
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.path = os.fspath(path)
        self.fsync = fsync
        self._prepared = False

    def __repr__(self) -> str:
        return f"ResultStore({self.path!r})"

    def _fail(self, lineno: int, reason: str, line: str) -> ValueError:
        return ValueError(f"{self.path}:{lineno}: malformed row ({reason}): {line[:300]!r}")

    def _check_header(self, line: str) -> None:
        got = next(csv.reader([line.rstrip("\r")]), [])
        if tuple(got) != CSV_COLUMNS:
            missing = [c for c in CSV_COLUMNS if c not in got]
            extra = [c for c in got if c not in CSV_COLUMNS]
            raise ValueError(
                f"{self.path}:1: CSV header does not match.\n  got:      {got}\n"
                f"  expected: {list(CSV_COLUMNS)}\n  missing: {missing}; unexpected: {extra}"
            )

    def read(self) -> list[Row]:
        """Reads and validates every complete row.

        Returns:
            The rows in file order; ``[]`` if the file does not exist or is empty.

        Raises:
            ValueError: On a wrong header (listing got vs expected columns) or a malformed
                row (naming the file and line number).

        Example:
            >>> ResultStore("/nonexistent/stats.csv").read()
            []
        """
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        try:
            text = data.decode("utf8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{self.path}: not UTF-8 text ({exc})") from None
        lines = text.split("\n")
        complete, tail = lines[:-1], lines[-1]
        if tail:
            if not complete and not CSV_HEADER.startswith(tail):
                self._check_header(tail)
            warnings.warn(
                f"{self.path}:{len(lines)}: ignoring an incomplete last line (no trailing "
                "newline; probably a killed write). The next append removes it.",
                IncompleteRowWarning, stacklevel=2,
            )
        if not complete:
            return []
        self._check_header(complete[0])
        rows = []
        for lineno, line in enumerate(complete[1:], start=2):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            try:
                fields = next(csv.reader([line], strict=True))
                rows.append(Row.from_csv_fields(fields))
            except (ValueError, csv.Error) as exc:
                raise self._fail(lineno, str(exc), line) from None
        return rows

    def fold(self) -> dict[str, Row]:
        """Reads the file and adds rows with the same strong id (see :func:`fold_rows`).

        Example:
            >>> ResultStore("/nonexistent/stats.csv").fold()
            {}
        """
        return fold_rows(self.read())

    def _prepare_for_append(self) -> None:
        if self._prepared:
            return
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        with open(self.path, "ab+") as f:
            f.seek(0)
            first = f.readline()
            if first.endswith(b"\n"):
                self._check_header(first.decode("utf8", "replace")[:-1])
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    self._cut_incomplete_tail(f)
            elif first:
                head = first.decode("utf8", "replace")
                if not CSV_HEADER.startswith(head):
                    self._check_header(head)
                warnings.warn(f"{self.path}: rewriting an incomplete header", IncompleteRowWarning)
                f.truncate(0)
            if os.fstat(f.fileno()).st_size == 0:
                self._write(f, CSV_HEADER)
        self._prepared = True

    def _cut_incomplete_tail(self, f: Any) -> None:
        f.seek(0)
        data = f.read()  # only on repair after a crash, so reading it all is fine
        cut = data.rfind(b"\n") + 1
        warnings.warn(
            f"{self.path}: removing an incomplete last line ({len(data) - cut} bytes, no "
            "trailing newline) before appending",
            IncompleteRowWarning, stacklevel=3,
        )
        f.truncate(cut)

    def _write(self, f: Any, text: str) -> None:
        f.seek(0, os.SEEK_END)
        f.write(text.encode("utf8"))
        f.flush()
        if self.fsync:
            os.fsync(f.fileno())

    def append(self, row: Row) -> None:
        """Appends one row as a single write of a full line, then flushes (and fsyncs).

        A new or empty file gets the header first; an incomplete last line left by a killed
        run is removed first (with a warning).

        Raises:
            ValueError: If the existing file has a wrong header.

        Example:
            >>> import tempfile, pathlib
            >>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "stats.csv")
            >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=4, trials=10)
            >>> store.append(Row.from_point(p, PointOutcome(successes=3, trials=10), seconds=0))
            >>> len(store.read())
            1
        """
        if not isinstance(row, Row):
            raise ValueError(f"row={row!r} must be a Row")
        line = row.to_csv_line()
        self._prepare_for_append()
        with open(self.path, "ab") as f:
            self._write(f, line)

    def to_dataframe(self, *, fold: bool = True) -> pd.DataFrame:
        """Returns the rows as a pandas DataFrame (requires pandas).

        Columns are :data:`CSV_COLUMNS` (``json_metadata`` and ``versions`` as canonical JSON
        text, so they can be grouped on) plus the derived ``success_rate``.

        Args:
            fold: Whether to fold rows by strong id first. Defaults to True.

        Example:
            >>> len(ResultStore("/nonexistent/stats.csv").to_dataframe())
            0
        """
        import pandas as pd

        rows = list(self.fold().values()) if fold else self.read()
        records = []
        for row in rows:
            record = dataclasses.asdict(row)
            record["json_metadata"] = canonical_json(row.json_metadata)
            record["versions"] = canonical_json(row.versions)
            record["success_rate"] = row.successes / row.trials if row.trials else float("nan")
            records.append(record)
        return pd.DataFrame(records, columns=[*CSV_COLUMNS, "success_rate"])
