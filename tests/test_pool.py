"""The background pool behind resolve_async: it survives, and never starves."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest

from fault_injection import until
from proxystore.proxy import ImplicitResolutionError
from proxystore.proxy import Proxy
from proxystore.proxy import ProxyResolveError
from proxystore.proxy import _pool
from proxystore.proxy import extract
from proxystore.proxy import forbid_implicit_resolution
from proxystore.proxy import is_resolved
from proxystore.proxy import record_resolutions
from proxystore.proxy import resolve_async
from proxystore.proxy._pool import Pool
from proxystore.proxy._record import _waiting


@pytest.fixture
def small_pool() -> Iterator[Pool]:
    """The shared pool, replaced for the test by one of two threads."""
    previous = _pool._shared.get('pool')
    pool = _pool._shared['pool'] = Pool(2)
    try:
        yield pool
    finally:
        if previous is None:
            _pool._shared.clear()
        else:
            _pool._shared['pool'] = previous


@pytest.mark.threads
def test_waits_nested_deeper_than_the_pool_do_not_starve_it(small_pool: Pool) -> None:
    chain: list[Any] = [Proxy(lambda: 0)]
    for _ in range(12):
        chain.append(Proxy(lambda inner=chain[-1]: resolve_async(inner).result() + 1))
    result: list[Any] = []
    thread = threading.Thread(
        target=lambda: result.append(resolve_async(chain[-1]).result()),
        daemon=True,
    )
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), 'the pool starved'
    assert result == [12]


@pytest.mark.threads
def test_a_waiter_runs_a_job_no_worker_has_started(small_pool: Pool) -> None:
    release = threading.Event()
    busy = [resolve_async(Proxy(lambda: release.wait(5))) for _ in range(2)]
    ran_in: list[str] = []
    proxy = Proxy(lambda: ran_in.append(threading.current_thread().name) or 'value')
    future = resolve_async(proxy)  # queued: both workers are busy
    assert future.result() == 'value'
    assert ran_in == [threading.current_thread().name]
    release.set()
    assert all(f.result(timeout=5) for f in busy)


@pytest.mark.threads
@pytest.mark.parametrize('error', [SystemExit, KeyboardInterrupt, ValueError])
def test_raising_done_callbacks_do_not_kill_the_workers(
    small_pool: Pool,
    error: type[BaseException],
    caplog: pytest.LogCaptureFixture,
) -> None:
    def boom(_: Any) -> None:
        raise error('from a callback')

    with caplog.at_level(logging.ERROR):
        for _ in range(5):  # more than the pool has workers
            release = threading.Event()
            future = resolve_async(Proxy(lambda release=release: release.wait(5)))
            future.add_done_callback(boom)
            release.set()
            assert future.result(timeout=5) is True
        later = resolve_async(Proxy(lambda: 'still served'))
        assert later.result(timeout=5) == 'still served'
        deadline = time.monotonic() + 5
        while len(caplog.records) < 5 and time.monotonic() < deadline:
            time.sleep(0.001)
    assert small_pool.workers <= 2
    assert len(caplog.records) == 5
    assert all(r.exc_info and r.exc_info[0] is error for r in caplog.records)


def test_the_pool_size_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv('PROXYSTORE_RESOLVE_WORKERS', '3')
    assert _pool._max_workers() == 3
    monkeypatch.setenv('PROXYSTORE_RESOLVE_WORKERS', 'many')
    with pytest.raises(ValueError, match='PROXYSTORE_RESOLVE_WORKERS must be an int'):
        _pool._max_workers()
    with pytest.raises(ValueError, match='at least 1'):
        Pool(0)


@pytest.mark.threads
def test_a_cancelled_job_is_never_run(small_pool: Pool) -> None:
    release = threading.Event()
    busy = [resolve_async(Proxy(lambda: release.wait(5))) for _ in range(2)]
    calls: list[int] = []
    proxy = Proxy(lambda: calls.append(1))
    future = resolve_async(proxy)
    assert future.cancel()
    release.set()
    assert all(f.result(timeout=5) for f in busy)
    resolve_async(Proxy(lambda: 0)).result(timeout=5)  # the queue has moved on
    assert calls == []
    assert not is_resolved(proxy)
    assert extract(proxy) is None


def in_child(check: Callable[[], int], timeout: float = 20) -> int:
    """Fork; run `check` in the child; its exit code (-1 if it hung)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # fork with threads
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports by its exit code
        code = 99
        try:
            code = check()
        except BaseException:
            # On stderr, which the test's report shows: an exit code alone
            # would not say what failed.
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.WEXITSTATUS(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return -1


@pytest.mark.subprocess
@pytest.mark.threads
@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork')
def test_a_forked_child_fails_the_parents_jobs_and_starts_its_own_pool(
    small_pool: Pool,
) -> None:
    started, release = threading.Event(), threading.Event()
    running = resolve_async(Proxy(lambda: started.set() or (release.wait(5) and 1)))
    assert started.wait(timeout=5)

    def check() -> int:
        # The job a pool thread was running in the parent: an error, not a
        # wait for a thread that is not here.
        if not isinstance(running.exception(), ProxyResolveError):
            return 1
        try:
            running.result()
        except ProxyResolveError as error:
            if 'forked' not in str(error):
                return 2
        if _pool._shared.get('pool') is not None:
            return 3
        if resolve_async(Proxy(lambda: 'fresh')).result(timeout=5) != 'fresh':
            return 4
        return 0 if _pool._shared['pool'] is not small_pool else 5

    try:
        assert in_child(check) == 0
    finally:
        release.set()
    assert running.result(timeout=5) == 1


@pytest.mark.threads
def test_an_interrupt_of_an_inline_run_is_that_threads_only(small_pool: Pool) -> None:
    # Both workers busy: the job waits in the queue, and result() runs it in
    # the calling thread. The first run is interrupted there: that call
    # raises, the job goes back, and the other waiter gets the target.
    release = threading.Event()
    busy = [resolve_async(Proxy(lambda: release.wait(5))) for _ in range(2)]
    calls: list[str] = []
    leading = threading.Event()
    waiters: list[int] = []

    def factory() -> int:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            leading.set()
            # Interrupted once the other thread waits for this run.
            assert until(lambda: bool(waiters) and waiters[0] in _waiting)
            raise KeyboardInterrupt
        return 42

    future = resolve_async(Proxy(factory))
    got: list[Any] = []

    def other() -> None:
        assert leading.wait(timeout=5)
        waiters.append(threading.get_ident())
        got.append(future.result())

    thread = threading.Thread(target=other)
    thread.start()
    with pytest.raises(KeyboardInterrupt):
        future.result()
    thread.join(timeout=5)
    release.set()
    assert got == [42]
    assert future.result(timeout=5) == 42
    assert len(calls) == 2
    assert all(f.result(timeout=5) for f in busy)


@pytest.mark.threads
@pytest.mark.parametrize('runs_inline', [False, True])
def test_a_job_runs_in_the_context_of_its_submission(
    small_pool: Pool,
    runs_inline: bool,
) -> None:
    # Whichever thread runs the job, the caller's blocks apply to it.
    release = threading.Event()
    busy = []
    if runs_inline:
        busy = [resolve_async(Proxy(lambda: release.wait(5))) for _ in range(2)]
    inner = Proxy(lambda: 41)
    with record_resolutions() as resolutions, forbid_implicit_resolution():
        future = resolve_async(Proxy(lambda: inner + 1))
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(future.exception()))
    thread.start()
    thread.join(timeout=5)
    release.set()
    (error,) = outcome
    assert isinstance(error, ProxyResolveError)
    assert isinstance(error.cause, ImplicitResolutionError)
    assert [r.operation for r in resolutions] == ['resolve_async']
    assert all(f.result(timeout=5) for f in busy)


@pytest.mark.threads
def test_a_thread_that_fails_to_start_leaves_the_pool_able_to_serve(
    small_pool: Pool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = threading.Thread.start
    failures = [KeyboardInterrupt, RuntimeError]

    def failing_start(self: threading.Thread) -> None:
        if self.name == 'proxy-resolver' and failures:
            raise failures.pop()('cannot start now')
        start(self)

    monkeypatch.setattr(threading.Thread, 'start', failing_start)
    for error in (RuntimeError, KeyboardInterrupt):
        with pytest.raises(error):
            resolve_async(Proxy(lambda: 0))
    assert small_pool.workers == 0
    assert resolve_async(Proxy(lambda: 'served')).result(timeout=5) == 'served'
    assert small_pool.workers == 1


@pytest.mark.threads
def test_a_finalizer_may_start_the_first_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    # A finalizer that calls resolve_async, run while the first pool of the
    # process is being made (here: by the pool's own construction).
    monkeypatch.setattr(_pool, '_shared', {})
    futures: list[Any] = []
    finalizers = [None]
    init = Pool.__init__

    def init_with_a_finalizer(self: Pool, max_workers: int) -> None:
        if finalizers:
            finalizers.pop()
            futures.append(resolve_async(Proxy(lambda: 'from the finalizer')))
        init(self, max_workers)

    monkeypatch.setattr(Pool, '__init__', init_with_a_finalizer)
    assert resolve_async(Proxy(lambda: 'outer')).result(timeout=5) == 'outer'
    assert futures[0].result(timeout=5) == 'from the finalizer'
    assert len(_pool._shared) == 1
