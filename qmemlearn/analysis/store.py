"""The append-only CSV results store, with one writer at a time (STYLE §4–§5).

A :class:`ResultStore` is one CSV file of :class:`~qmemlearn.analysis.rows.Row` s, one row
per batch (columns: :mod:`qmemlearn.analysis.rows`); rows with the same ``strong_id`` add up
when folded, and two rows claiming the same batch are refused.

One writer at a time. Writing happens under an OS-level lock on the CSV file itself
(:mod:`qmemlearn.analysis.writer_lock`), taken by :meth:`ResultStore.writing` and held for a
whole sweep (a file the lock had to create is removed again if nothing was written). A
second writer waits (the default, ``lock_timeout=None``) or fails at once
(``lock_timeout=0``) with a :class:`StoreLockedError` that says which process holds the
file (pid, host, command, from the holder's ``<file>.lock`` note). The header is written
only under the lock, by the first append, and only to an empty file, so it is written
exactly once, also when many processes start at once. Reading takes no lock.

Durability. Each row is written as one ``write`` of a full line ending in ``'\\n'``, then
flushed and fsynced (``fsync=True``), when its batch finishes. A last line without ``'\\n'``
is therefore an incomplete write from a killed run: :meth:`ResultStore.read` ignores it with
an :class:`IncompleteRowWarning`, and the next writer cuts that fragment off (only bytes after
the last ``'\\n'``) before writing, so the file stays parseable. The batch whose row was lost
is evaluated again on resume (same batch index, so the same outcome). Any other malformed
line is an error naming the file and line number. Blank lines are skipped.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import os
import warnings
from typing import TYPE_CHECKING, BinaryIO, Iterator

from qmemlearn.analysis.points import canonical_json
from qmemlearn.analysis.rows import (
    CSV_COLUMNS, CSV_HEADER, Row, check_header, fold_rows, package_versions,
)
from qmemlearn.analysis.writer_lock import StoreLockedError, hold_writer_lock, holder_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CSV_COLUMNS", "CSV_HEADER", "IncompleteRowWarning", "ResultStore", "Row",
    "StoreLockedError", "fold_rows", "package_versions",
]


class IncompleteRowWarning(UserWarning):
    """Warned when a results file ends with an incomplete (killed) write."""


class ResultStore:
    """An append-only CSV file of :class:`Row` s; see the module docstring.

    Args:
        path: The CSV file. It need not exist yet; it is created (with its header) when a
            writer first takes the lock.
        fsync: Whether to fsync after every row. Defaults to True.
        lock_timeout: Seconds a writer waits for another writer to finish: None waits as
            long as it takes, 0 fails at once. Defaults to None.

    Raises:
        ValueError: If ``lock_timeout`` is negative or not a number.

    Example:
        >>> import tempfile, pathlib
        >>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "stats.csv")
        >>> store.read()
        []
    """

    def __init__(
        self, path: str | os.PathLike[str], *, fsync: bool = True,
        lock_timeout: float | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.fsync = fsync
        if lock_timeout is not None and (
            isinstance(lock_timeout, bool) or not isinstance(lock_timeout, (int, float))
            or not lock_timeout >= 0
        ):
            raise ValueError(f"lock_timeout={lock_timeout!r} must be None or a number >= 0 (s)")
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"ResultStore({self.path!r})"

    @property
    def holder_path(self) -> str:
        """The ``<file>.lock`` note naming the writing process while a writer holds the lock."""
        return holder_path(self.path)

    # ----------------------------------------------------------------- reading

    def _fail(self, lineno: int, reason: str, line: str) -> ValueError:
        return ValueError(f"{self.path}:{lineno}: malformed row ({reason}): {line[:300]!r}")

    def _check_header(self, line: str) -> None:
        check_header(next(csv.reader([line.rstrip("\r")]), []), where=f"{self.path}:1")

    def read(self) -> list[Row]:
        """Reads and validates every complete row (no lock needed).

        Returns:
            The rows in file order, each with ``origin="path:line"``; ``[]`` if the file
            does not exist or is empty.

        Raises:
            ValueError: On a wrong header (listing got vs expected columns), non-UTF-8 data
                or a malformed row (naming the file and line number).

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
                "newline; probably a killed write). The next writer removes it.",
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
                rows.append(Row.from_csv_fields(fields, origin=f"{self.path}:{lineno}"))
            except (ValueError, csv.Error) as exc:
                raise self._fail(lineno, str(exc), line) from None
        return rows

    def fold(self) -> dict[str, Row]:
        """Reads the file and adds rows with the same strong id (see :func:`fold_rows`).

        Raises:
            ValueError: As :meth:`read`, and on two rows claiming one batch (naming the
                file, both lines and the strong id).

        Example:
            >>> ResultStore("/nonexistent/stats.csv").fold()
            {}
        """
        return fold_rows(self.read())

    @contextlib.contextmanager
    def writing(self, *, timeout: float | None | str = "default") -> Iterator[ResultStore]:
        """Holds the writer lock on the file (see :func:`hold_writer_lock`).

        The file is created if needed (and removed again on release if nothing was
        written to it). The first :meth:`append` under the lock writes the header to an
        empty file and cuts an incomplete last line left by a killed writer.

        Args:
            timeout: Seconds to wait for another writer; None waits forever, 0 fails at
                once. Defaults to this store's ``lock_timeout``.

        Yields:
            This store; :meth:`append` inside the block writes under the lock.

        Raises:
            StoreLockedError: If another process (or thread) holds the lock past ``timeout``
                (the message names its pid, host and command).

        Example:
            >>> import tempfile, pathlib
            >>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "stats.csv")
            >>> with store.writing():
            ...     pathlib.Path(store.holder_path).exists()
            True
            >>> pathlib.Path(store.path).exists(), pathlib.Path(store.holder_path).exists()
            (False, False)
        """
        timeout = self.lock_timeout if timeout == "default" else timeout
        with hold_writer_lock(self.path, timeout):
            yield self

    def _prepare(self, f: BinaryIO) -> None:
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
            self._fsync_directory()

    def _fsync_directory(self) -> None:
        if not self.fsync or not hasattr(os, "O_DIRECTORY"):
            return
        fd = os.open(os.path.dirname(os.path.abspath(self.path)), os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _cut_incomplete_tail(self, f: BinaryIO) -> None:
        f.seek(0)
        data = f.read()  # only on repair after a crash, so reading it all is fine
        cut = data.rfind(b"\n") + 1
        warnings.warn(
            f"{self.path}: removing an incomplete last line ({len(data) - cut} bytes, no "
            "trailing newline) before appending",
            IncompleteRowWarning, stacklevel=5,
        )
        f.truncate(cut)

    def _write(self, f: BinaryIO, text: str) -> None:
        f.seek(0, os.SEEK_END)
        f.write(text.encode("utf8"))
        f.flush()
        if self.fsync:
            os.fsync(f.fileno())

    def append(self, row: Row) -> None:
        """Appends one row (one batch) as a single write of a full line, flushed and fsynced.

        Takes the writer lock for the write unless this thread holds it already (see
        :meth:`writing`). It does not check for duplicate batches; the engine plans batch
        indices under the lock, and :meth:`fold` refuses duplicates.

        Raises:
            ValueError: If ``row`` is not a single-batch :class:`Row`, or the existing file
                has a wrong header.
            StoreLockedError: As :meth:`writing`.

        Example:
            >>> import tempfile, pathlib
            >>> from qmemlearn.analysis.points import PointOutcome, SweepPoint
            >>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "stats.csv")
            >>> p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=4, trials=10)
            >>> store.append(Row.from_point(p, PointOutcome(successes=3, trials=10), seconds=0))
            >>> len(store.read())
            1
        """
        if not isinstance(row, Row):
            raise ValueError(f"row={row!r} must be a Row")
        line = row.to_csv_line()
        with hold_writer_lock(self.path, self.lock_timeout) as hold:
            assert hold.file is not None
            if not hold.prepared:
                self._prepare(hold.file)
                hold.prepared = True
            self._write(hold.file, line)

    def to_dataframe(self, *, fold: bool = True) -> pd.DataFrame:
        """Returns the rows as a pandas DataFrame (requires pandas).

        Columns are :data:`CSV_COLUMNS` (``json_metadata`` and ``versions`` as canonical JSON
        text, so they can be grouped on; ``batch`` is None for folded rows) plus the derived
        ``batches`` (count) and ``success_rate``.

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
            record["batch"] = record.pop("batch_index")
            record["batches"] = len(row.batches)
            record["json_metadata"] = canonical_json(row.json_metadata)
            record["versions"] = canonical_json(row.versions)
            record["success_rate"] = row.successes / row.trials if row.trials else float("nan")
            records.append(record)
        return pd.DataFrame(records, columns=[*CSV_COLUMNS, "batches", "success_rate"])
