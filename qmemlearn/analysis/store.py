"""The append-only CSV results store, with one writer at a time (STYLE §4–§5).

A :class:`ResultStore` is one CSV file of :class:`~qmemlearn.analysis.rows.Row` s, one row
per batch (columns: :mod:`qmemlearn.analysis.rows`); rows with the same ``strong_id`` add up
when folded, and two rows claiming the same batch are refused.

One writer at a time. Writing happens under an OS-level lock on the CSV file itself
(``fcntl.flock``; the ``filelock`` package where there is no ``fcntl``), taken by
:meth:`ResultStore.writing` and held for a whole sweep (a file the lock had to create is
removed again if nothing was written). A second writer waits (the default,
``lock_timeout=None``) or fails at once (``lock_timeout=0``) with a
:class:`StoreLockedError` that says which process holds the file: the holder writes its pid,
host and command to ``<file>.lock`` and removes it on release (a stale one left by a killed
process is harmless; the kernel drops the lock itself). The header is written only under
the lock, by the first append, and only to an empty file, so it is written exactly once,
also when many processes start at once. Within one process the lock is re-entrant (per thread). Reading takes no lock.

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
import datetime
import json
import os
import socket
import sys
import threading
import time
import warnings
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator

from qmemlearn.analysis.points import canonical_json
from qmemlearn.analysis.rows import (
    CSV_COLUMNS, CSV_HEADER, Row, check_header, fold_rows, package_versions,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CSV_COLUMNS", "CSV_HEADER", "IncompleteRowWarning", "ResultStore", "Row",
    "StoreLockedError", "fold_rows", "package_versions",
]

_POLL_SECONDS = 0.05


class IncompleteRowWarning(UserWarning):
    """Warned when a results file ends with an incomplete (killed) write."""


class StoreLockedError(OSError):
    """Raised when a results file is being written by another process (or thread)."""


class _Hold:
    """This process's hold on one file's lock: a per-thread re-entrant lock plus the fd."""

    def __init__(self) -> None:
        self.rlock = threading.RLock()
        self.count = 0
        self.file: BinaryIO | None = None
        self.os_lock: Any = None
        self.created = False
        self.prepared = False


_HOLDS: dict[str, _Hold] = {}
_HOLDS_GUARD = threading.Lock()


def _hold_for(path: str) -> _Hold:
    with _HOLDS_GUARD:
        return _HOLDS.setdefault(os.path.realpath(path), _Hold())


def _holder_record() -> dict[str, Any]:
    return {
        "pid": os.getpid(), "host": socket.gethostname(),
        "command": " ".join(sys.argv)[:300] or sys.executable,
        "since": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


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
        return self.path + ".lock"

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

    # ----------------------------------------------------------------- locking

    def _describe_holder(self) -> str:
        for attempt in range(10):
            try:
                with open(self.holder_path, encoding="utf8") as f:
                    info = json.load(f)
                pid, host = int(info["pid"]), str(info["host"])
            except (OSError, ValueError, KeyError, TypeError):
                info = None
            else:
                if host != socket.gethostname() or _pid_alive(pid):
                    return (f"pid {pid} on host {host} (command: {info.get('command')!s}; "
                            f"since {info.get('since')})")
            time.sleep(_POLL_SECONDS)  # the holder may be writing its note right now
        return f"another process (no current holder note in {self.holder_path})"

    def _os_lock(self, f: BinaryIO, timeout: float | None) -> Any:
        if fcntl is None:  # pragma: no cover - not POSIX
            import filelock

            lock = filelock.FileLock(self.path + ".flock", timeout=-1 if timeout is None else timeout)
            try:
                lock.acquire()
            except filelock.Timeout:
                raise StoreLockedError(
                    f"{self.path} is being written by another process; waited {timeout} s"
                ) from None
            return lock
        fd = f.fileno()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return None
        except BlockingIOError:
            pass
        holder = self._describe_holder()
        if timeout == 0:
            raise StoreLockedError(
                f"{self.path} is being written by {holder}. Wait for it to finish, or "
                "write to another results file."
            )
        print(f"qmemlearn: {self.path} is being written by {holder}; waiting for it to "
              "finish", file=sys.stderr, flush=True)
        if timeout is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            return None
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return None
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreLockedError(
                        f"{self.path} is still being written by {self._describe_holder()} "
                        f"after waiting lock_timeout={timeout} s"
                    ) from None
                time.sleep(_POLL_SECONDS)

    def _write_holder_note(self) -> None:
        temporary = f"{self.holder_path}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf8") as f:
            f.write(canonical_json(_holder_record()) + "\n")
        os.replace(temporary, self.holder_path)

    def _open_locked(self, timeout: float | None) -> tuple[BinaryIO, Any, bool]:
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        while True:
            created = not os.path.exists(self.path)
            f = open(self.path, "ab+")
            try:
                os_lock = self._os_lock(f, timeout)
            except BaseException:
                f.close()
                raise
            try:  # the previous holder may have removed the (empty) file it had created
                same = os.path.samestat(os.fstat(f.fileno()), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            self._unlock(f, os_lock, note=False)
        try:
            self._write_holder_note()
        except BaseException:
            self._unlock(f, os_lock)
            raise
        return f, os_lock, created

    def _unlock(self, f: BinaryIO, os_lock: Any, *, note: bool = True) -> None:
        if note:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.holder_path)
        if os_lock is not None:  # pragma: no cover - not POSIX
            os_lock.release()
        elif fcntl is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        f.close()

    @contextlib.contextmanager
    def writing(self, *, timeout: float | None | str = "default") -> Iterator[ResultStore]:
        """Holds the writer lock on the file (re-entrant within a thread).

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
        hold = _hold_for(self.path)
        got = hold.rlock.acquire(blocking=timeout != 0, timeout=-1 if timeout in (None, 0) else timeout)
        if not got:
            raise StoreLockedError(
                f"{self.path} is being written by another thread of this process "
                f"(pid {os.getpid()})"
            )
        try:
            if hold.count == 0:
                hold.file, hold.os_lock, hold.created = self._open_locked(timeout)
                hold.prepared = False
            hold.count += 1
            try:
                yield self
            finally:
                hold.count -= 1
                if hold.count == 0:
                    file, hold.file = hold.file, None
                    if hold.created and os.fstat(file.fileno()).st_size == 0:
                        with contextlib.suppress(FileNotFoundError):
                            os.remove(self.path)
                    self._unlock(file, hold.os_lock)
        finally:
            hold.rlock.release()

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
        with self.writing():
            hold = _hold_for(self.path)
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
