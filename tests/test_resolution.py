"""Resolution: the factory runs once, whatever the threads do."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from proxystore.proxy import Proxy
from proxystore.proxy import ProxyResolveError
from proxystore.proxy import extract
from proxystore.proxy import is_resolved
from proxystore.proxy import resolve_async
from proxystore.proxy._pool import _max_workers
from proxystore.proxy._resolution import _waiting

THREADS = 8


class SlowCounter:
    """A factory that sleeps (to widen races) and counts its calls."""

    def __init__(self, value: Any = 'value', delay: float = 0.01) -> None:
        self.value = value
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        return self.value


class Gated:
    """A factory that signals when it starts and returns once released."""

    def __init__(self, value: Any = 'value') -> None:
        self.value = value
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> Any:
        self.started.set()
        self.release.wait(timeout=5)
        return self.value


def use_together(proxy: Any, threads: int = THREADS) -> list[Any]:
    barrier = threading.Barrier(threads)

    def use(_: int) -> Any:
        barrier.wait()
        return extract(proxy) if _ % 2 else proxy.__class__

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(use, range(threads)))


def test_threads_racing_on_first_use_call_the_factory_once() -> None:
    for _ in range(20):
        target = object()
        factory = SlowCounter(target)
        proxy = Proxy(factory)
        results = use_together(proxy)
        assert factory.calls == 1
        assert all(r is target or r is object for r in results)


def test_failure_reaches_every_waiting_thread_and_leaves_the_proxy_unresolved() -> None:
    class Failing(SlowCounter):
        def __call__(self) -> Any:
            super().__call__()
            raise ValueError('boom')

    factory = Failing()
    proxy = Proxy(factory)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def use() -> None:
        barrier.wait()
        try:
            extract(proxy)
        except ProxyResolveError as error:
            errors.append(error)

    threads = [threading.Thread(target=use) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == THREADS
    assert factory.calls == 1
    assert all(isinstance(error.cause, ValueError) for error in errors)
    assert len({id(error) for error in errors}) == THREADS
    assert not is_resolved(proxy)


def test_different_proxies_resolve_in_parallel() -> None:
    # Two factories that each wait for the other to have started: they can
    # only both finish if no lock is held while a factory runs.
    started = [threading.Event(), threading.Event()]

    def factory(me: int) -> Any:
        started[me].set()
        assert started[1 - me].wait(timeout=5), 'resolutions were serialized'
        return me

    proxies = [Proxy(lambda: factory(0)), Proxy(lambda: factory(1))]
    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(extract, proxies)) == [0, 1]


def test_factory_using_its_own_proxy_fails_at_once() -> None:
    proxy: Any = Proxy(lambda: proxy + 1)
    with pytest.raises(ProxyResolveError) as info:
        extract(proxy)
    assert isinstance(info.value.cause, ProxyResolveError)
    assert 'cycle' in str(info.value.cause)
    assert not is_resolved(proxy)


def test_cycle_through_another_proxy_fails_at_once() -> None:
    first: Any = Proxy(lambda: second + 1)
    second: Any = Proxy(lambda: first + 1)
    with pytest.raises(ProxyResolveError):
        extract(first)
    assert not is_resolved(first)
    assert not is_resolved(second)


def test_cycle_across_threads_fails_instead_of_deadlocking() -> None:
    both_started = threading.Barrier(2)

    def make(other: list[Any]) -> Any:
        def factory() -> Any:
            both_started.wait(timeout=5)
            return extract(other[0])

        return factory

    a_box: list[Any] = []
    b_box: list[Any] = []
    a = Proxy(make(b_box))
    b = Proxy(make(a_box))
    a_box.append(a)
    b_box.append(b)
    outcomes: list[str] = []

    def use(proxy: Any) -> None:
        try:
            extract(proxy)
            outcomes.append('resolved')
        except ProxyResolveError:
            outcomes.append('error')

    threads = [threading.Thread(target=use, args=(p,)) for p in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads), 'deadlock'
    assert outcomes == ['error', 'error']


def test_interrupted_leader_lets_a_waiter_take_over() -> None:
    leader_started = threading.Event()
    release_leader = threading.Event()
    calls: list[str] = []

    def factory() -> str:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            leader_started.set()
            release_leader.wait(timeout=5)
            raise KeyboardInterrupt
        return 'second try'

    proxy = Proxy(factory)
    interrupted: list[BaseException] = []

    def lead() -> None:
        try:
            extract(proxy)
        except KeyboardInterrupt as error:
            interrupted.append(error)

    leader = threading.Thread(target=lead, name='leader')
    leader.start()
    assert leader_started.wait(timeout=5)
    waiter_result: list[Any] = []
    waiter = threading.Thread(
        target=lambda: waiter_result.append(extract(proxy)),
        name='waiter',
    )
    waiter.start()
    time.sleep(0.05)  # let the waiter block on the leader
    release_leader.set()
    leader.join(timeout=5)
    waiter.join(timeout=5)
    assert len(interrupted) == 1
    assert waiter_result == ['second try']
    assert calls == ['leader', 'waiter']


# Stress: many threads, many trials, a factory that sleeps to widen races.

TRIALS = 25


class Probe:
    """A factory that counts calls and the most that ever ran at once.

    With `waiters`, a call first waits (up to a second) until that many other
    threads wait on the resolution, so that a race is certain to be a race.
    """

    def __init__(
        self,
        value: Any = 'value',
        *,
        fail: bool = False,
        waiters: int = 0,
    ) -> None:
        self.value = value
        self.fail = fail
        self.waiters = waiters
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        deadline = time.monotonic() + 1
        while len(_waiting) < self.waiters and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(0.001)
        with self._lock:
            self.running -= 1
        if self.fail:
            raise ValueError('boom')
        return self.value


def race(proxy: Any, *uses: Any, threads: int = THREADS) -> list[Any]:
    """Apply the uses (round robin) to the proxy in threads started at once."""
    barrier = threading.Barrier(threads)

    def run(index: int) -> Any:
        barrier.wait()
        try:
            return uses[index % len(uses)](proxy)
        except ProxyResolveError as error:
            return error

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, range(threads)))


def test_stress_racing_uses_call_the_factory_exactly_once() -> None:
    for _ in range(TRIALS):
        target = [1, 2, 3]
        factory = Probe(target)
        proxy: Any = Proxy(factory)
        results = race(
            proxy,
            extract,
            len,
            lambda p: p.count(1),
            lambda p: isinstance(p, list),
            lambda p: p == [1, 2, 3],
            lambda p: p[0],
        )
        assert factory.calls == 1
        assert results[:6] == [target, 3, 1, True, True, 1]
        assert results[0] is target


def test_stress_failing_factory_fails_every_thread_once_per_round() -> None:
    for _ in range(TRIALS):
        factory = Probe(fail=True, waiters=THREADS - 1)
        proxy: Any = Proxy(factory)
        results = race(proxy, extract)
        assert factory.calls == 1
        assert all(isinstance(r, ProxyResolveError) for r in results)
        assert not is_resolved(proxy)
        factory.fail = False
        factory.waiters = 0
        assert extract(proxy) == 'value'
        assert factory.calls == 2


def test_stress_resolve_async_racing_direct_use() -> None:
    for _ in range(TRIALS):
        factory = Probe()
        proxy: Any = Proxy(factory)
        results = race(proxy, resolve_async, extract, lambda p: p.upper())
        futures = results[::3]
        assert all(f.result(timeout=5) == 'value' for f in futures)
        assert factory.calls == 1


def test_stress_unresolving_while_others_use_the_proxy() -> None:
    factory = Probe([7])
    proxy: Any = Proxy(factory)
    stop = threading.Event()
    errors: list[BaseException] = []
    results: list[Any] = []

    def use() -> None:
        while not stop.is_set():
            try:
                results.append(proxy[0])
            except BaseException as error:  # reported below
                errors.append(error)

    def unresolve() -> None:
        for _ in range(100):
            # Deleting the target of an unresolved proxy fails, as deleting
            # any missing attribute does.
            with contextlib.suppress(AttributeError):
                del proxy.__proxy_wrapped__
            time.sleep(0.0005)

    users = [threading.Thread(target=use) for _ in range(4)]
    for thread in users:
        thread.start()
    unresolve()
    stop.set()
    for thread in users:
        thread.join()
    assert errors == []
    assert results
    assert set(results) == {7}
    assert factory.most_at_once == 1  # never two factory calls at once
    assert 1 <= factory.calls <= 101


# Background resolution.


def test_resolve_async_resolves_in_a_daemon_thread() -> None:
    ran_in: list[threading.Thread] = []

    def factory() -> str:
        ran_in.append(threading.current_thread())
        return 'value'

    proxy = Proxy(factory)
    future = resolve_async(proxy)
    assert future.result(timeout=5) == 'value'
    assert is_resolved(proxy)
    assert ran_in[0] is not threading.current_thread()
    assert ran_in[0].daemon


def test_resolve_async_on_a_resolved_proxy_is_done_at_once() -> None:
    proxy = Proxy(lambda: 'value', target='value')
    future = resolve_async(proxy)
    assert future.done()
    assert future.result() == 'value'


def test_resolve_async_failure_is_in_the_future() -> None:
    factory = Probe(fail=True)
    proxy = Proxy(factory)
    future = resolve_async(proxy)
    error = future.exception(timeout=5)
    assert isinstance(error, ProxyResolveError)
    assert isinstance(error.cause, ValueError)
    assert not is_resolved(proxy)


@pytest.mark.parametrize('count', [2, _max_workers()])
def test_resolve_async_runs_factories_at_the_same_time(count: int) -> None:
    # Make sure a worker is already idle: new jobs must not queue behind it.
    resolve_async(Proxy(lambda: 0)).result(timeout=5)
    time.sleep(0.01)
    # Each factory returns only once all of them have started: together.
    barrier = threading.Barrier(count, timeout=10)
    proxies = [Proxy(lambda: barrier.wait() >= 0) for _ in range(count)]
    futures = [resolve_async(p) for p in proxies]
    assert [f.result(timeout=15) for f in futures] == [True] * count


def test_resolve_async_from_asyncio() -> None:
    import asyncio

    async def main() -> Any:
        proxy = Proxy(lambda: time.sleep(0.01) or 'value')
        return await asyncio.wrap_future(resolve_async(proxy))

    assert asyncio.run(main()) == 'value'


def test_resolve_async_refuses_non_proxies() -> None:
    with pytest.raises(TypeError, match='resolve_async'):
        resolve_async('value')  # type: ignore[arg-type]


# Processes.


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork')
def test_fork_while_another_thread_resolves() -> None:
    slow = Gated('parent')
    proxy: Any = Proxy(slow)
    resolver = threading.Thread(target=lambda: extract(proxy))
    resolver.start()
    assert slow.started.wait(timeout=5)
    # The child inherits the registered resolution but not the thread doing
    # it: it must resolve on its own instead of waiting forever.
    proxy.__proxy_factory__ = lambda: 'child'
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # fork with threads
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports by its exit code
        code = 0 if extract(proxy) == 'child' else 1
        os._exit(code)
    slow.release.set()
    resolver.join(timeout=5)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status)
    assert os.WEXITSTATUS(status) == 0
