"""One writer at a time: an OS-level lock on a results file that names its holder.

The lock is ``fcntl.flock`` on the results file itself (the ``filelock`` package where there
is no ``fcntl``), so the kernel drops it when the holder dies, SIGKILL included. The holder
writes its pid, host and command to ``<file>.lock`` (:func:`holder_path`) and removes it on
release; a second writer reads it to say who holds the file. A stale note left by a killed
process is harmless: it is only read while the lock is actually held, and is overwritten by
the next holder. Within one process the lock is re-entrant per thread and exclusive between
threads (:func:`hold_writer_lock`).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import socket
import sys
import threading
import time
from typing import Any, BinaryIO, Iterator

from qmemlearn.analysis.points import canonical_json

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

_POLL_SECONDS = 0.05


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


def holder_path(path: str) -> str:
    """The ``<file>.lock`` note naming the writing process while the lock is held.

    Example:
        >>> holder_path("stats.csv")
        'stats.csv.lock'
    """
    return path + ".lock"


def describe_holder(path: str) -> str:
    """Names the process holding the writer lock of ``path`` (from its holder note)."""
    for attempt in range(10):
        try:
            with open(holder_path(path), encoding="utf8") as f:
                info = json.load(f)
            pid, host = int(info["pid"]), str(info["host"])
        except (OSError, ValueError, KeyError, TypeError):
            info = None
        else:
            if host != socket.gethostname() or _pid_alive(pid):
                return (f"pid {pid} on host {host} (command: {info.get('command')!s}; "
                        f"since {info.get('since')})")
        time.sleep(_POLL_SECONDS)  # the holder may be writing its note right now
    return f"another process (no current holder note in {holder_path(path)})"

def _os_lock(path: str, f: BinaryIO, timeout: float | None) -> Any:
    if fcntl is None:  # pragma: no cover - not POSIX
        import filelock

        lock = filelock.FileLock(path + ".flock", timeout=-1 if timeout is None else timeout)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise StoreLockedError(
                f"{path} is being written by another process; waited {timeout} s"
            ) from None
        return lock
    fd = f.fileno()
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return None
    except BlockingIOError:
        pass
    holder = describe_holder(path)
    if timeout == 0:
        raise StoreLockedError(
            f"{path} is being written by {holder}. Wait for it to finish, or "
            "write to another results file."
        )
    print(f"qmemlearn: {path} is being written by {holder}; waiting for it to "
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
                    f"{path} is still being written by {describe_holder(path)} "
                    f"after waiting lock_timeout={timeout} s"
                ) from None
            time.sleep(_POLL_SECONDS)

def _write_holder_note(path: str) -> None:
    temporary = f"{holder_path(path)}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf8") as f:
        f.write(canonical_json(_holder_record()) + "\n")
    os.replace(temporary, holder_path(path))

def _open_locked(path: str, timeout: float | None) -> tuple[BinaryIO, Any, bool]:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    while True:
        created = not os.path.exists(path)
        f = open(path, "ab+")
        try:
            os_lock = _os_lock(path, f, timeout)
        except BaseException:
            f.close()
            raise
        try:  # the previous holder may have removed the (empty) file it had created
            same = os.path.samestat(os.fstat(f.fileno()), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        _unlock(path, f, os_lock, note=False)
    try:
        _write_holder_note(path)
    except BaseException:
        _unlock(path, f, os_lock)
        raise
    return f, os_lock, created

def _unlock(path: str, f: BinaryIO, os_lock: Any, *, note: bool = True) -> None:
    if note:
        with contextlib.suppress(FileNotFoundError):
            os.remove(holder_path(path))
    if os_lock is not None:  # pragma: no cover - not POSIX
        os_lock.release()
    elif fcntl is not None:
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    f.close()


@contextlib.contextmanager
def hold_writer_lock(path: str, timeout: float | None) -> Iterator[_Hold]:
    """Holds the writer lock of ``path`` (re-entrant within a thread); yields the hold.

    The file is created if needed, and removed again on release if this hold created it
    and nothing was written to it.

    Args:
        path: The results file.
        timeout: Seconds to wait for another writer; None waits forever, 0 fails at once.

    Yields:
        The process's :class:`_Hold` on the file: ``file`` is open for appending.

    Raises:
        StoreLockedError: If another process (or thread) holds the lock past ``timeout``
            (the message names its pid, host and command).

    Example:
        >>> import tempfile, pathlib
        >>> path = str(pathlib.Path(tempfile.mkdtemp()) / "stats.csv")
        >>> with hold_writer_lock(path, 0):
        ...     pathlib.Path(holder_path(path)).exists()
        True
    """
    hold = _hold_for(path)
    got = hold.rlock.acquire(blocking=timeout != 0, timeout=-1 if timeout in (None, 0) else timeout)
    if not got:
        raise StoreLockedError(
            f"{path} is being written by another thread of this process (pid {os.getpid()})"
        )
    try:
        if hold.count == 0:
            hold.file, hold.os_lock, hold.created = _open_locked(path, timeout)
            hold.prepared = False
        hold.count += 1
        try:
            yield hold
        finally:
            hold.count -= 1
            if hold.count == 0:
                file, hold.file = hold.file, None
                assert file is not None
                if hold.created and os.fstat(file.fileno()).st_size == 0:
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(path)
                _unlock(path, file, hold.os_lock)
    finally:
        hold.rlock.release()
