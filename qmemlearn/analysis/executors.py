"""Executors: where sweep points are evaluated.

All executors share a tiny interface, :class:`Executor`: ``submit(fn, *args) -> future`` and
``as_completed(futures)`` (an iterator over the given futures as they finish), and they are
context managers that shut down cleanly. Futures have ``result()`` and ``done()``.

* :class:`SerialExecutor` runs everything inline in this process, in submission order (for
  debugging, and for callables that cannot be pickled).
* :class:`LocalPoolExecutor` is a process pool with the ``spawn`` start method, so workers
  share no RNG state and import the package afresh. Its workers never outlive the parent:
  each runs a watchdog thread that ends the worker within ~0.25 s once its parent process is
  gone (SIGKILL included), so a killed sweep leaves no orphans computing on.
* :class:`DaskExecutor` runs on a ``distributed`` cluster (or a local one); ``dask`` is an
  optional dependency (``pip install qmemlearn[dask]``).

Results never depend on the executor: each point draws its randomness from its strong id.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
import time
from typing import Any, Callable, Iterable, Iterator, Protocol, runtime_checkable


@runtime_checkable
class Executor(Protocol):
    """The interface the engine needs from an executor."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Schedules ``fn(*args)`` and returns a future."""

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        """Yields the given futures as they complete."""

    def shutdown(self) -> None:
        """Releases workers; idempotent."""

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: Any) -> None: ...


class _ContextManagerMixin:
    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    def shutdown(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class _LazyFuture(concurrent.futures.Future):
    """A future whose work runs inline the first time its result is needed."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__()
        self._work: tuple[Callable[..., Any], tuple[Any, ...]] | None = (fn, args)

    def run_now(self) -> None:
        if self._work is None:
            return
        fn, args = self._work
        self._work = None
        try:
            value = fn(*args)
        except Exception as exc:  # stored like a pool would; BaseException propagates
            self.set_exception(exc)
        else:
            self.set_result(value)

    def result(self, timeout: float | None = None) -> Any:
        self.run_now()
        return super().result(timeout)


class SerialExecutor(_ContextManagerMixin):
    """Runs submitted work inline, lazily, in submission order (for debugging).

    Work runs when ``as_completed`` reaches it or when its ``result()`` is asked for, so
    nothing pickles and a ``KeyboardInterrupt`` stops at once.

    Example:
        >>> with SerialExecutor() as ex:
        ...     [f.result() for f in ex.as_completed([ex.submit(pow, 2, 10)])]
        [1024]
    """

    workers = 1

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> concurrent.futures.Future:
        return _LazyFuture(fn, args)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        for future in list(futures):
            if isinstance(future, _LazyFuture):
                future.run_now()
            yield future

    def shutdown(self) -> None:
        pass


PARENT_POLL_SECONDS = 0.25
"""How often a pool worker checks that its parent process is alive."""


def _watch_parent(parent_pid: int, poll_seconds: float) -> None:
    while True:
        if os.getppid() != parent_pid:  # the parent died and this process was re-parented
            os._exit(1)
        time.sleep(poll_seconds)


def exit_with_parent(parent_pid: int, poll_seconds: float = PARENT_POLL_SECONDS) -> None:
    """Pool-worker initializer: ends this process soon after ``parent_pid`` dies.

    A daemon thread polls :func:`os.getppid` every ``poll_seconds``; once the parent is gone
    (even after SIGKILL, which runs no cleanup), the worker exits at once with status 1.
    The thread needs the GIL, so a worker stuck in a C call that holds it exits when the
    call returns.

    Args:
        parent_pid: Pid of the process that owns the pool.
        poll_seconds: Seconds between checks. Defaults to :data:`PARENT_POLL_SECONDS`.

    Example:
        >>> concurrent.futures.ProcessPoolExecutor(  # doctest: +SKIP
        ...     initializer=exit_with_parent, initargs=(os.getpid(),))
    """
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent_pid, poll_seconds), name="qmemlearn-parent-watch",
        daemon=True,
    ).start()


class LocalPoolExecutor(_ContextManagerMixin):
    """A local process pool using the ``spawn`` start method; workers die with the parent.

    Args:
        max_workers: Number of worker processes. Defaults to None (all cores).

    Raises:
        ValueError: If ``max_workers`` is not an int >= 1.

    Example:
        >>> with LocalPoolExecutor(max_workers=1) as ex:  # doctest: +SKIP
        ...     ex.submit(pow, 2, 10).result()
        1024
    """

    def __init__(self, max_workers: int | None = None) -> None:
        if max_workers is None:
            max_workers = os.cpu_count() or 1
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise ValueError(f"max_workers={max_workers!r} must be None or an int >= 1")
        self.workers = max_workers
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=max_workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=exit_with_parent, initargs=(os.getpid(),),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> concurrent.futures.Future:
        return self._pool.submit(fn, *args)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        return concurrent.futures.as_completed(list(futures))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(_ContextManagerMixin):
    """Runs work on a Dask ``distributed`` cluster.

    Args:
        address: Scheduler address, e.g. ``"tcp://10.0.0.1:8786"``. Defaults to None: start
            a ``LocalCluster`` owned (and closed) by this executor.
        n_workers: Workers of the local cluster. Defaults to None (Dask's choice).
        threads_per_worker: Threads per local worker. Defaults to 1.
        processes: Whether local workers are processes (else threads). Defaults to True.

    Raises:
        ImportError: If ``dask``/``distributed`` are not installed.

    Example:
        >>> with DaskExecutor(None, n_workers=1, processes=False) as ex:  # doctest: +SKIP
        ...     ex.submit(pow, 2, 10).result()
        1024
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        n_workers: int | None = None,
        threads_per_worker: int = 1,
        processes: bool = True,
    ) -> None:
        try:
            import distributed
        except ImportError as exc:
            raise ImportError(
                "The Dask executor needs dask and distributed: install qmemlearn[dask] "
                "(pip install 'qmemlearn[dask]')"
            ) from exc
        self._distributed = distributed
        self._cluster = None
        if address is None:
            self._cluster = distributed.LocalCluster(
                n_workers=n_workers, threads_per_worker=threads_per_worker,
                processes=processes, dashboard_address=None,
            )
            self.client = distributed.Client(self._cluster)
        else:
            self.client = distributed.Client(address)
        self.workers = sum(
            w.get("nthreads", 1) for w in self.client.scheduler_info().get("workers", {}).values()
        ) or 1

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        return iter(self._distributed.as_completed(list(futures)))

    def shutdown(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(
    workers: int | None = None, dask_address: str | None = None
) -> SerialExecutor | LocalPoolExecutor | DaskExecutor:
    """Chooses an executor from command-line style options.

    Args:
        workers: Worker count. ``1`` gives :class:`SerialExecutor`; ``None`` (default) or
            ``>= 2`` a :class:`LocalPoolExecutor` (None: all cores). With ``dask_address=
            "local"`` it is the number of local Dask workers.
        dask_address: Dask scheduler address, or ``"local"`` for a local Dask cluster.
            Defaults to None (no Dask).

    Returns:
        An executor; use it as a context manager.

    Raises:
        ValueError: If ``workers`` is not None or an int >= 1.

    Example:
        >>> with make_executor(1) as ex:
        ...     type(ex).__name__
        'SerialExecutor'
    """
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ValueError(f"workers={workers!r} must be None or an int >= 1")
    if dask_address is not None:
        if dask_address == "local":
            return DaskExecutor(None, n_workers=workers)
        return DaskExecutor(dask_address)
    if workers == 1:
        return SerialExecutor()
    return LocalPoolExecutor(workers)
