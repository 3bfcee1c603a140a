import os
import sys

import pytest

from qmemlearn.analysis.executors import (
    DaskExecutor, Executor, LocalPoolExecutor, SerialExecutor, make_executor,
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
