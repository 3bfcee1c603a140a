import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from qmemlearn.analysis.executors import (
    DaskExecutor, Executor, LocalPoolExecutor, SerialExecutor, exit_with_parent, make_executor,
)


def square(x):
    return x * x


def fail(x):
    raise RuntimeError(f"boom {x}")


def test_serial_runs_lazily_in_submission_order():
    calls = []

    def record(x):
        calls.append(x)
        return x

    with SerialExecutor() as ex:
        assert isinstance(ex, Executor)
        futures = [ex.submit(record, i) for i in range(3)]
        assert calls == []
        first = next(iter(ex.as_completed(futures)))
        assert first.result() == 0 and calls == [0]
        assert futures[2].result() == 2 and calls == [0, 2]
        assert [f.result() for f in ex.as_completed(futures)] == [0, 1, 2]
        assert calls == [0, 2, 1]


def test_serial_stores_exceptions_like_a_pool():
    ex = SerialExecutor()
    (future,) = list(ex.as_completed([ex.submit(fail, 3)]))
    with pytest.raises(RuntimeError, match="boom 3"):
        future.result()


def test_local_pool_uses_spawn_and_runs_work():
    with LocalPoolExecutor(max_workers=2) as ex:
        assert ex._pool._mp_context.get_start_method() == "spawn"
        futures = [ex.submit(square, i) for i in range(5)]
        assert sorted(f.result() for f in ex.as_completed(futures)) == [0, 1, 4, 9, 16]
        with pytest.raises(RuntimeError, match="boom 1"):
            ex.submit(fail, 1).result()


def test_dask_executor_local_cluster():
    with DaskExecutor(None, n_workers=2, threads_per_worker=1, processes=False) as ex:
        assert ex.workers == 2
        futures = [ex.submit(square, i) for i in range(5)]
        assert sorted(f.result() for f in ex.as_completed(futures)) == [0, 1, 4, 9, 16]
    assert ex.client is None


def test_dask_missing_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"install qmemlearn\[dask\]"):
        DaskExecutor()


def test_make_executor_choices():
    assert isinstance(make_executor(1), SerialExecutor)
    with make_executor(2) as ex:
        assert isinstance(ex, LocalPoolExecutor) and ex.workers == 2
    with make_executor() as ex:
        assert ex.workers == (os.cpu_count() or 1)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match=rf"workers={bad!r} must be None or an int >= 1"):
            make_executor(bad)
    with pytest.raises(ValueError, match="max_workers=0 must be None or an int >= 1"):
        LocalPoolExecutor(0)


ORPHAN_PARENT = textwrap.dedent("""
    import time
    from qmemlearn.analysis.executors import LocalPoolExecutor

    if __name__ == "__main__":
        ex = LocalPoolExecutor(max_workers=2)
        futures = [ex.submit(time.sleep, 120) for _ in range(4)]
        deadline = time.monotonic() + 30
        while len(ex._pool._processes) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # let the workers start their tasks
        print(" ".join(str(pid) for pid in ex._pool._processes), flush=True)
        time.sleep(120)
""")


def _running(pid):
    """Whether ``pid`` is a live process (zombies waiting to be reaped count as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_exit_when_the_parent_is_sigkilled(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(ORPHAN_PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    pids = []
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(_running(pid) for pid in pids)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_running(pid) for pid in pids), "pool workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in pids:  # never leave orphans behind, even when the test fails
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def test_exit_with_parent_is_the_pool_initializer():
    with LocalPoolExecutor(max_workers=1) as ex:
        assert ex._pool._initializer is exit_with_parent
        assert ex._pool._initargs == (os.getpid(),)
        assert ex.submit(square, 3).result() == 9  # the watch does not disturb the work
