"""The background pool behind resolve_async: it survives, and never starves."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from proxystore.proxy import Proxy
from proxystore.proxy import _pool
from proxystore.proxy import extract
from proxystore.proxy import is_resolved
from proxystore.proxy import resolve_async
from proxystore.proxy._pool import Pool


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


@pytest.mark.subprocess
@pytest.mark.threads
def test_after_fork_the_child_starts_a_pool_of_its_own(small_pool: Pool) -> None:
    # The fork handler, called in this process (see test_resolution for why).
    _pool._reset_after_fork()
    assert _pool._pool is None
    assert resolve_async(Proxy(lambda: 'fresh')).result(timeout=5) == 'fresh'
    assert isinstance(_pool._pool, Pool)
    assert _pool._pool is not small_pool
