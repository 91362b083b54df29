"""Resolution: the factory runs once, whatever the threads do."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from proxystore.proxy import Proxy
from proxystore.proxy import ProxyResolveError
from proxystore.proxy import extract
from proxystore.proxy import is_resolved

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
