"""Background resolution: the threads behind `resolve_async`.

A small pool of daemon threads, started on demand (so that a slow factory
never keeps the interpreter from exiting), runs jobs. A job resolves one
proxy and completes its future. The jobs take part in the wait-for graph of
`_resolution`: a thread that waits for a job's future with `result()` or
`exception()` records that it waits for the job, whose leader is the thread
running it; and if no thread runs the job yet, the waiting thread runs it
itself, so that waits nested deeper than the pool cannot starve it.

The pool has `PROXYSTORE_RESOLVE_WORKERS` threads at most (an environment
variable read when the pool starts; by default the number of CPUs plus four,
at most eight).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from queue import SimpleQueue
from typing import Any
from typing import TypeVar

from proxystore.proxy import _audit
from proxystore.proxy import _resolution
from proxystore.proxy._errors import ProxyResolveError
from proxystore.proxy._resolution import ABANDONED
from proxystore.proxy._resolution import HANDOVER
from proxystore.proxy._resolution import LEADER
from proxystore.proxy._resolution import OUTCOME
from proxystore.proxy._resolution import OVER
from proxystore.proxy._resolution import RUNNING
from proxystore.proxy._resolution import new_record

__all__ = ['Pool', 'submit']

T = TypeVar('T')

# Where concurrent.futures reports a raising done-callback too. (The
# proxystore.proxy logger has a NullHandler: this must show by default.)
_logger = logging.getLogger('concurrent.futures')


class _Job:
    """One call to run, and the future it completes.

    Attributes:
        call: What to run.
        future: The future it completes.
        record: Its record in the wait-for graph (see `_resolution.Record`):
            no leader until a thread claims the job, `RUNNING` until the
            future is complete.
    """

    __slots__ = ('call', 'future', 'record')

    def __init__(self, call: Callable[[], Any], future: Future[Any]) -> None:
        self.call = call
        self.future = future
        self.record = new_record(None)

    def _claim(self, me: int) -> bool:
        # Claims are made under the resolution lock: one thread runs the job.
        with _resolution._lock:  # pyright: ignore[reportPrivateUsage]
            if self.record[LEADER] is not None:
                return False
            self.record[LEADER] = me
            return True

    def run(self) -> None:
        """Run the call and complete the future, unless another thread does.

        A done-callback of the future may raise anything; that reaches the
        caller of `run` after the job is complete.
        """
        record = self.record
        future = self.future
        me = threading.get_ident()
        try:
            if not self._claim(me) or not future.set_running_or_notify_cancel():
                return
            try:
                result = self.call()
            except BaseException as error:
                record[OUTCOME] = error
                future.set_exception(error)
            else:
                record[OUTCOME] = True
                future.set_result(result)
        finally:
            if record[LEADER] == me:
                # The hand-over of `_resolution.resolve`, for the job's
                # waiters: no call before the gate is opened.
                if record[OUTCOME] is RUNNING:  # cancelled, or interrupted
                    record[OUTCOME] = ABANDONED
                record += (OVER,)
                if record[HANDOVER] is not OVER:
                    record[HANDOVER].release()
                if not future.done():  # interrupted before the call ended
                    future.set_exception(
                        ProxyResolveError('The background resolution was interrupted.')
                    )


class _JobFuture(Future[T]):
    """The future of a job: waiting for it joins the wait-for graph."""

    _job: _Job

    def result(self, timeout: float | None = None) -> T:
        """Wait for the result (see `concurrent.futures.Future.result`)."""
        self._join(timeout)
        return super().result(timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """Wait for the exception (see `concurrent.futures.Future.exception`)."""
        self._join(timeout)
        return super().exception(timeout)

    def _join(self, timeout: float | None) -> None:
        job = self._job
        if timeout is not None or job.record[OUTCOME] is not RUNNING:
            return  # a bounded wait cannot hang: wait as usual
        job.run()  # unless a worker has claimed it
        _resolution.wait_for(job.record)


class Pool:
    """A pool of daemon threads that run jobs, started on demand.

    Args:
        max_workers: The most threads the pool starts.
    """

    def __init__(self, max_workers: int) -> None:
        if max_workers < 1:
            raise ValueError(f'max_workers must be at least 1, not {max_workers}.')
        self.max_workers = max_workers
        self._jobs: SimpleQueue[_Job] = SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # workers waiting for a job
        self._queued = 0  # jobs no worker has taken yet
        self._workers = 0

    def submit(self, call: Callable[[], T]) -> Future[T]:
        """Run `call` in a worker thread; return its future."""
        future: _JobFuture[T] = _JobFuture()
        future._job = _Job(call, future)  # pyright: ignore[reportPrivateUsage]
        self._jobs.put(future._job)  # pyright: ignore[reportPrivateUsage]
        with self._lock:
            self._queued += 1
            # Every queued job needs a worker of its own, up to the maximum.
            start = self._queued > self._idle and self._workers < self.max_workers
            if start:
                self._workers += 1
        if start:
            threading.Thread(
                target=self._work,
                name='proxy-resolver',
                daemon=True,
            ).start()
        return future

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            job = self._jobs.get()
            with self._lock:
                self._idle -= 1
                self._queued -= 1
            try:
                job.run()  # unless a waiter has claimed it
            except BaseException:
                # A done-callback raised (a SystemExit, say): the job is
                # complete; report it and keep serving.
                _logger.exception('Exception in a done-callback of %r', job.future)


# Resolutions that these run are explicit (see _audit).
_audit.EXPLICIT.update(
    {
        Pool._work.__code__: 'resolve_async',  # pyright: ignore[reportPrivateUsage]
        _JobFuture.result.__code__: 'resolve_async',  # pyright: ignore[reportUnknownMemberType]
        _JobFuture.exception.__code__: 'resolve_async',  # pyright: ignore[reportUnknownMemberType]
    }
)


def _max_workers() -> int:
    setting = os.environ.get('PROXYSTORE_RESOLVE_WORKERS')
    if setting is None:
        return min(8, (os.cpu_count() or 1) + 4)
    try:
        return int(setting)
    except ValueError:
        raise ValueError(
            f'PROXYSTORE_RESOLVE_WORKERS must be an integer, not {setting!r}.',
        ) from None


_pool: Pool | None = None
_pool_lock = threading.Lock()


def submit(call: Callable[[], T]) -> Future[T]:
    """Run `call` in the shared background pool and return its future.

    Args:
        call: What to run; its result (or exception) completes the future.

    Returns:
        The future of the call.
    """
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = Pool(_max_workers())
    return _pool.submit(call)


def _reset_after_fork() -> None:
    # The child has none of the workers (nor, perhaps, a usable lock).
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)
