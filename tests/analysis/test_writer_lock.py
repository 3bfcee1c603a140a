"""Tests for qmemlearn.analysis.writer_lock, through the store that uses it: one writer at a
time, the holder named, the header written once under a start race."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.analysis.rows import CSV_HEADER, Row
from qmemlearn.analysis.store import ResultStore
from qmemlearn.analysis.writer_lock import StoreLockedError, hold_writer_lock, holder_path


def row(copies=4, batch=0):
    p = SweepPoint(task="synthetic", protocol="two-copy", rule="decoy", n=2, copies=copies,
                   trials=10, batch_index=batch)
    return Row.from_point(p, PointOutcome(successes=7.5, trials=10), seconds=0.25, versions={})


def test_hold_writer_lock_is_the_stores_lock(tmp_path):
    path = str(tmp_path / "stats.csv")
    with hold_writer_lock(path, 0) as hold:
        assert os.path.exists(holder_path(path)) and hold.count == 1
        outcome = []  # another thread cannot take it
        thread = threading.Thread(target=lambda: outcome.append(_try(path)))
        thread.start()
        thread.join()
        assert isinstance(outcome[0], StoreLockedError), outcome
    assert not os.path.exists(path) and not os.path.exists(holder_path(path))


def _try(path):
    try:
        ResultStore(path, lock_timeout=0).append(row())
    except StoreLockedError as exc:
        return exc
    return AssertionError("the lock was not exclusive between threads")


def test_a_lock_that_wrote_nothing_leaves_no_file_and_an_empty_file_untouched(tmp_path):
    store = ResultStore(tmp_path / "new.csv")
    with store.writing():
        assert (tmp_path / "new.csv").exists() and os.path.exists(store.holder_path)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "empty.csv").write_bytes(b"")
    with ResultStore(tmp_path / "empty.csv").writing():
        pass
    assert (tmp_path / "empty.csv").read_bytes() == b""


def test_lock_is_reentrant_in_a_thread_and_exclusive_between_threads(tmp_path):
    store = ResultStore(tmp_path / "stats.csv")
    with store.writing():
        with ResultStore(tmp_path / "stats.csv").writing():  # same file, same thread
            store.append(row(4))
        errors = []

        def other_thread():
            try:
                ResultStore(tmp_path / "stats.csv", lock_timeout=0).append(row(8))
            except StoreLockedError as exc:
                errors.append(str(exc))

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert errors and "another thread of this process" in errors[0]
    assert [r.copies for r in store.read()] == [4]


HOLDER = textwrap.dedent("""
    import sys
    from qmemlearn.analysis.store import ResultStore
    with ResultStore(sys.argv[1]).writing():
        print("locked", flush=True)
        sys.stdin.read()
""")


@pytest.fixture
def holder(tmp_path):
    """A separate process holding the writer lock of tmp_path/stats.csv until stdin closes."""
    script = tmp_path / "hold_the_lock.py"
    script.write_text(HOLDER)
    path = tmp_path / "stats.csv"
    proc = subprocess.Popen([sys.executable, str(script), str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "locked\n"
    yield proc, path
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_second_writer_fails_at_once_naming_the_holder(holder):
    proc, path = holder
    start = time.monotonic()
    with pytest.raises(StoreLockedError, match=rf"stats.csv is being written by pid {proc.pid} on "
                       rf"host {socket.gethostname()} \(command: .*hold_the_lock.py .*stats.csv"):
        ResultStore(path, lock_timeout=0).append(row())
    assert time.monotonic() - start < 2
    with pytest.raises(StoreLockedError, match=rf"still being written by pid {proc.pid}.*after "
                                               r"waiting lock_timeout=0.3 s"):
        ResultStore(path, lock_timeout=0.3).append(row())
    assert isinstance(StoreLockedError("x"), OSError)  # the CLI prints OSErrors without traceback
    proc.stdin.close()
    proc.wait(timeout=10)
    ResultStore(path, lock_timeout=0).append(row())
    assert len(ResultStore(path).read()) == 1


def test_second_writer_waits_by_default_then_writes(holder, capfd):
    proc, path = holder
    done = threading.Event()

    def write():
        ResultStore(path).append(row())
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert not done.wait(0.5)
    proc.stdin.close()
    thread.join(timeout=10)
    assert done.is_set()
    assert f"being written by pid {proc.pid}" in capfd.readouterr().err
    assert len(ResultStore(path).read()) == 1


def test_sigkilled_holder_releases_the_lock(holder):
    proc, path = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    store = ResultStore(path, lock_timeout=2)
    store.append(row())  # the kernel dropped the lock; a stale note does not matter
    assert len(store.read()) == 1 and not os.path.exists(store.holder_path)


RACER = textwrap.dedent("""
    import os, sys, time
    from qmemlearn.analysis.points import PointOutcome, SweepPoint
    from qmemlearn.analysis.rows import Row
    from qmemlearn.analysis.store import ResultStore
    path, go, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
    p = SweepPoint(task="t", protocol="p", rule="r", n=1, copies=4, trials=10, batch_index=k)
    r = Row.from_point(p, PointOutcome(successes=k % 10, trials=10), seconds=0, versions={})
    while not os.path.exists(go):
        time.sleep(0.001)
    ResultStore(path).append(r)
""")


def test_header_written_exactly_once_under_a_start_race(tmp_path):
    """20 processes wait for one signal, then all append to one new file at once."""
    script, go, path = tmp_path / "race.py", tmp_path / "go", tmp_path / "race" / "stats.csv"
    script.write_text(RACER)
    procs = [subprocess.Popen([sys.executable, str(script), str(path), str(go), str(k)])
             for k in range(20)]
    time.sleep(1.0)
    go.write_text("")
    assert [proc.wait(timeout=60) for proc in procs] == [0] * 20
    text = path.read_text()
    assert text.startswith(CSV_HEADER) and text.count("strong_id") == 1
    rows = ResultStore(path).read()
    assert sorted(r.batch_index for r in rows) == list(range(20))
    (folded,) = ResultStore(path).fold().values()
    assert folded.trials == 200 and folded.batches == tuple(range(20))
