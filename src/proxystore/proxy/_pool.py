"""Background resolution: the threads behind `resolve_async`.

A small pool of daemon threads, started on demand (so that a slow factory
never keeps the interpreter from exiting), runs jobs. A job resolves one
proxy and completes its future; it runs in the context (`contextvars`) of
the thread that called `resolve_async`, so the blocks of `_audit` that apply
there apply to the job, whichever thread runs it.

Jobs take part in the wait-for graph of `_record`: each has a record, whose
leader is the thread running the job. A thread that waits for a job's
future with `result()` or `exception()` waits for that record; and if no
thread runs the job yet, the waiting thread runs it itself (*inline*), so
that waits nested deeper than the pool cannot starve it. A job run inline
behaves as it would in a worker, with one difference: an interrupt of that
thread (`KeyboardInterrupt`...) is the thread's, not the job's. The job
then goes back to the queue with a new record, and its future is not
failed.

The pool has `PROXYSTORE_RESOLVE_WORKERS` threads at most (an environment
variable read when the pool starts; by default the number of CPUs plus four,
at most eight).

No lock. The pool's bookkeeping is lists and a `SimpleQueue` changed by
single C calls (which a signal handler or finalizer that calls
`resolve_async` cannot deadlock on), each changed only after the step it
records has succeeded: an interrupt at any line of `submit` or of a worker
leaves the pool able to run later jobs.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from queue import SimpleQueue
from typing import Any
from typing import TypeVar

from proxystore.proxy import _audit
from proxystore.proxy._errors import ProxyResolveError
from proxystore.proxy._record import ABANDONED
from proxystore.proxy._record import DONE
from proxystore.proxy._record import LEADER
from proxystore.proxy._record import OUTCOME
from proxystore.proxy._record import RUNNING
from proxystore.proxy._record import Record
from proxystore.proxy._record import claim
from proxystore.proxy._record import hand_over
from proxystore.proxy._record import wait_for

__all__ = ['Pool', 'submit']

T = TypeVar('T')

# Where concurrent.futures reports a raising done-callback too. (The
# proxystore.proxy logger has a NullHandler: this must show by default.)
_logger = logging.getLogger('concurrent.futures')

_jobs: dict[int, _Job] = {}
"""id(job) -> job, from its submission until its future is complete."""


class _Job:
    """One call to run, and the future it completes.

    Attributes:
        call: What to run.
        context: The context it runs in (that of its submission).
        future: The future it completes.
        pool: The pool whose queue it is in.
        record: Its record in the wait-for graph: no leader until a thread
            claims it, `RUNNING` until that thread is done. A job given back
            gets a new one.
        started: Whether the future was marked running.
        outcome: `(True, result)` or `(False, exception)` once the call is
            over, else `None`.
        lost: In a forked child, the error of a job queued or running in the
            parent, else `None`.
    """

    __slots__ = (
        'call',
        'context',
        'future',
        'lost',
        'outcome',
        'pool',
        'record',
        'started',
        'watched',
    )

    def __init__(
        self, call: Callable[[], Any], future: Future[Any], pool: Pool
    ) -> None:
        self.call = call
        self.context = contextvars.copy_context()
        # A block of _audit open at submission applies to the run, which
        # may come after the block has closed: the run then counts as one.
        self.watched = _audit.in_block()
        self.future = future
        self.pool = pool
        self.record: Record = [None, RUNNING, False]
        self.started = False
        self.outcome: tuple[bool, Any] | None = None
        self.lost: ProxyResolveError | None = None

    def run(self, *, inline: bool) -> None:
        """Run the call and complete the future, unless another thread does.

        Args:
            inline: The thread is not a worker, but a waiter for the future:
                an interrupt of it gives the job back.

        A done-callback of the future may raise anything; that reaches the
        caller of `run` after the job is complete.
        """
        record = self.record
        try:
            try:
                # The claim comes first in the `try` (the clean-up is armed
                # before it): an interrupt right after it is cleaned up too.
                if claim(record):
                    self._call(inline=inline)
            finally:
                self._settle(record)
        except BaseException:
            self._settle(record)  # again, if the first was cut short
            raise

    def _call(self, *, inline: bool) -> None:
        if not self.started:
            # One line: an interrupt cannot come between the future's change
            # and its record here (which a second run must not repeat).
            self.started = self.future.set_running_or_notify_cancel()
            if not self.started:
                return  # cancelled
        if self.watched:
            _audit.blocks[self] = threading.get_ident()
        try:
            self.outcome = (True, self.context.run(self.call))
        except Exception as error:
            self.outcome = (False, error)
        except BaseException as error:
            # Raised in a worker, it is the job's outcome, as in
            # concurrent.futures; in a waiter, it is that thread's own.
            if not inline:
                self.outcome = (False, error)
            raise

    def _settle(self, record: Record) -> None:
        """End this thread's run: hand the record over, complete the future.

        Idempotent, and nothing unless this thread claimed the record. A
        run that did not finish its call (its thread was interrupted) gives
        the job back: a new record, the job queued again (twice, if this
        runs twice: a claim lets one thread run it).
        """
        if record[LEADER] != threading.get_ident():
            return
        _audit.blocks.pop(self, None)
        outcome = self.outcome
        future = self.future
        given_back = outcome is None and not future.cancelled()
        if given_back and self.record is record:
            self.record = [None, RUNNING, False]
        if record[OUTCOME] is RUNNING:
            record[OUTCOME] = ABANDONED if outcome is None else DONE
        hand_over(record)
        if given_back:
            self.pool.enqueue(self)
            return
        _jobs.pop(id(self), None)
        if outcome is not None and not future.done():
            if outcome[0]:
                future.set_result(outcome[1])
            else:
                future.set_exception(outcome[1])

    def lose_after_fork(self) -> None:
        """In a forked child: the job ran, or will run, in the parent only."""
        self.lost = ProxyResolveError(
            'The background resolution was queued or running in the parent of '
            'this forked process: it does not run here.',
        )
        record = self.record
        if record[OUTCOME] is RUNNING:
            record[OUTCOME] = ABANDONED
        hand_over(record)
        _jobs.pop(id(self), None)


class _JobFuture(Future[T]):
    """The future of a job: waiting for it joins the wait-for graph."""

    _job: _Job

    @_audit.explicit('resolve_async')
    def result(self, timeout: float | None = None) -> T:
        """Wait for the result (see `concurrent.futures.Future.result`)."""
        lost = self._join(timeout)
        if lost is not None:
            raise lost
        return super().result(timeout)

    @_audit.explicit('resolve_async')
    def exception(self, timeout: float | None = None) -> BaseException | None:
        """Wait for the exception (see `concurrent.futures.Future.exception`)."""
        lost = self._join(timeout)
        if lost is not None:
            return lost
        return super().exception(timeout)

    def _join(self, timeout: float | None) -> ProxyResolveError | None:
        job = self._job
        if job.lost is not None:
            # In a forked child, the future's own lock may be held by a
            # thread that did not survive the fork: answer without it.
            return job.lost
        if timeout is None and not self.done():  # a bounded wait cannot hang
            while True:
                record = job.record
                job.run(inline=True)  # unless a thread has claimed it
                wait_for(record)
                if job.record is record:  # not given back: the run is over
                    break
        return None


class Pool:
    """A pool of daemon threads that run jobs, started on demand.

    Args:
        max_workers: The most threads the pool starts.
    """

    def __init__(self, max_workers: int) -> None:
        if max_workers < 1:
            raise ValueError(f'max_workers must be at least 1, not {max_workers}.')
        self.max_workers = max_workers
        self._queue: SimpleQueue[_Job] = SimpleQueue()
        self._idle: list[object] = []
        """A token per worker waiting for a job that nobody has taken."""
        self._permits: list[None] = [None] * max_workers
        """A permit per worker the pool may still start."""
        self._workers: list[threading.Thread] = []
        """The workers that hold a permit (listed just before they start)."""

    @property
    def workers(self) -> int:
        """How many worker threads the pool has started (and not lost)."""
        return self.max_workers - len(self._permits)

    def submit(self, call: Callable[[], T]) -> Future[T]:
        """Run `call` in a worker thread; return its future."""
        future: _JobFuture[T] = _JobFuture()
        job = _Job(call, future, self)
        future._job = job  # pyright: ignore[reportPrivateUsage]
        self.enqueue(job)
        return future

    def enqueue(self, job: _Job) -> None:
        """Queue a job (registered in `_jobs` until done), for a worker."""
        # One line: a job is registered exactly when it is queued.
        self._queue.put(_jobs.setdefault(id(job), job))
        try:
            self._idle.pop()  # that worker takes it
        except IndexError:
            self._start()

    def _start(self) -> None:
        # The worker is listed before it starts, and holds its permit once it
        # has started: an interrupt (at any line, under a tracer) before
        # that gives the permit back.
        self._reclaim()
        taken = False
        worker = None
        try:
            with contextlib.suppress(IndexError):  # at the maximum
                taken = self._permits.pop() is None
            if taken:
                worker = threading.Thread(
                    target=self._work, name='proxy-resolver', daemon=True
                )
                self._workers.append(worker)
                worker.start()
                taken = False
        finally:
            if taken:
                if worker is not None:
                    self._drop(worker)
                self._permits.append(None)

    def _drop(self, worker: threading.Thread) -> bool:
        """Unlist a worker; whether this call did (it returns the permit)."""
        try:
            self._workers.remove(worker)
        except ValueError:
            return False
        return True

    def _reclaim(self) -> None:
        """Take back the permits of workers that died without retiring."""
        for worker in list(self._workers):
            dead = worker.ident is not None and not worker.is_alive()
            if dead and self._drop(worker):
                self._permits.append(None)

    @_audit.explicit('resolve_async')
    def _work(self) -> None:
        token = object()
        job: _Job | None = None
        try:
            try:
                while True:
                    self._idle.append(token)
                    job = self._queue.get()
                    with contextlib.suppress(ValueError):  # taken by a submitter
                        self._idle.remove(token)
                    _serve(job)
                    job = None
            finally:
                self._retire(token, job)
        except BaseException:
            self._retire(token, job)  # again, if the first was cut short
            raise

    def _retire(self, token: object, job: _Job | None) -> None:
        """A worker leaves (an interrupt in its loop): undo what it held.

        Idempotent. A worker that dies before it can retire (an interrupt at
        its first line) is found dead by `_reclaim`.
        """
        with contextlib.suppress(ValueError):
            self._idle.remove(token)
        if self._drop(threading.current_thread()):
            self._permits.append(None)
        if job is not None and job.outcome is None:
            self._queue.put(job)  # what it had taken (run at most once: a claim)
        if not self._queue.empty():
            self._start()  # a worker for what is queued


def _serve(job: _Job) -> None:
    # A function of its own: on CPython 3.11 to 3.13 an exception that a
    # tracer raises at the line of a `try` nested in another skips the
    # handlers around it (here, the worker's clean-up).
    try:
        job.run(inline=False)  # unless a waiter has claimed it
    except BaseException:
        # A done-callback raised (a SystemExit, say): the job is complete;
        # report it and keep serving.
        _logger.exception('Exception in a done-callback of %r', job.future)


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


_shared: dict[str, Pool] = {}
"""The pool of the process, once started (a dict: set with one setdefault)."""


def submit(call: Callable[[], T]) -> Future[T]:
    """Run `call` in the shared background pool and return its future.

    Args:
        call: What to run; its result (or exception) completes the future.

    Returns:
        The future of the call.
    """
    pool = _shared.get('pool')
    if pool is None:
        # Two threads (or a finalizer run inside this allocation) may each
        # make one: the first stored is the pool, the other is dropped
        # before it starts any thread.
        pool = _shared.setdefault('pool', Pool(_max_workers()))
    return pool.submit(call)


def _reset_after_fork() -> None:
    # The child has none of the workers: it starts a pool of its own, and
    # the jobs queued or running in the parent fail here (they ran, or will
    # run, in the parent; their futures' locks may be held by threads that
    # are gone).
    _shared.clear()
    me = threading.get_ident()
    for job in list(_jobs.values()):
        if job.record[LEADER] != me:
            job.lose_after_fork()


os.register_at_fork(after_in_child=_reset_after_fork)
