"""Resolution: the factory runs once, whatever the threads do."""

from __future__ import annotations

import _thread
import contextlib
import os
import random
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from proxystore.proxy import Proxy
from proxystore.proxy import ProxyResolveError
from proxystore.proxy import extract
from proxystore.proxy import is_resolved
from proxystore.proxy import resolve_async
from proxystore.proxy._pool import _max_workers
from proxystore.proxy._record import _waiting
from proxystore.proxy._resolution import _flights

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


def run_all(threads: list[threading.Thread], switch_interval: float | None) -> None:
    """Start the threads and join them (60 s each at most), at that interval.

    With `switch_interval` `None`, CPython's own; the interval is restored
    afterwards. The caller checks that no thread is still alive.
    """
    previous = sys.getswitchinterval()
    if switch_interval is not None:
        sys.setswitchinterval(switch_interval)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(previous)


def use_together(proxy: Any, threads: int = THREADS) -> list[Any]:
    barrier = threading.Barrier(threads)

    def use(_: int) -> Any:
        barrier.wait()
        return extract(proxy) if _ % 2 else proxy.__class__

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(use, range(threads)))


@pytest.mark.threads
def test_threads_racing_on_first_use_call_the_factory_once() -> None:
    for _ in range(20):
        target = object()
        factory = SlowCounter(target)
        proxy = Proxy(factory)
        results = use_together(proxy)
        assert factory.calls == 1
        assert all(r is target or r is object for r in results)


@pytest.mark.threads
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


@pytest.mark.threads
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


@pytest.mark.threads
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


@pytest.mark.threads
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


@pytest.mark.threads
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


@pytest.mark.threads
@pytest.mark.parametrize('switch_interval', [None, 1e-6])
def test_stress_the_hand_over_races_the_first_waiter(
    switch_interval: float | None,
) -> None:
    # Factories that return at once, so that the leader's hand-over and the
    # first waiter's gate land in the record at nearly the same moment:
    # whichever comes first, every thread gets the target, none hangs, and
    # each factory runs once.
    count, threads = 300, 4
    calls = [0] * count
    lock = threading.Lock()

    def make(index: int) -> Any:
        def factory() -> int:
            with lock:
                calls[index] += 1
            sum(range(100))  # long enough for a thread switch, at 1e-6
            return index

        return factory

    proxies = [Proxy(make(index)) for index in range(count)]
    barrier = threading.Barrier(threads)
    wrong: list[Any] = []

    def run() -> None:
        barrier.wait()
        for index, proxy in enumerate(proxies):
            if extract(proxy) != index:
                wrong.append(index)

    workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    run_all(workers, switch_interval)
    assert not any(worker.is_alive() for worker in workers), 'hang'
    assert wrong == []
    assert calls == [1] * count
    assert not _flights
    assert not _waiting


@pytest.mark.threads
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


@pytest.mark.threads
def test_stress_resolve_async_racing_direct_use() -> None:
    for _ in range(TRIALS):
        factory = Probe()
        proxy: Any = Proxy(factory)
        results = race(proxy, resolve_async, extract, lambda p: p.upper())
        futures = results[::3]
        assert all(f.result(timeout=5) == 'value' for f in futures)
        assert factory.calls == 1


@pytest.mark.threads
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


@pytest.mark.threads
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


@pytest.mark.threads
def test_resolve_async_failure_is_in_the_future() -> None:
    factory = Probe(fail=True)
    proxy = Proxy(factory)
    future = resolve_async(proxy)
    error = future.exception(timeout=5)
    assert isinstance(error, ProxyResolveError)
    assert isinstance(error.cause, ValueError)
    assert not is_resolved(proxy)


@pytest.mark.threads
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


@pytest.mark.event_loop
@pytest.mark.threads
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


@pytest.mark.subprocess
@pytest.mark.threads
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


@pytest.mark.subprocess
@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork')
def test_a_factory_that_forks_leads_in_the_child_too() -> None:
    # The child's only thread is the one running the factory: using the proxy
    # there is a cycle, not a second call of the factory.
    calls: list[int] = []
    proxy: Any = None

    def factory() -> str:
        calls.append(os.getpid())
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)  # fork, threads
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports by its exit code
            try:
                extract(proxy)
            except ProxyResolveError as error:
                os._exit(0 if 'cycle' in str(error) and len(calls) == 1 else 1)
            os._exit(2)
        _, status = os.waitpid(pid, 0)
        return f'child exit {os.WEXITSTATUS(status)}'

    proxy = Proxy(factory)
    assert extract(proxy) == 'child exit 0'
    assert calls == [os.getpid()]


# Cycles: real ones fail at once, and nothing else is one.


@pytest.mark.threads
def test_a_chain_across_threads_is_not_a_cycle() -> None:
    # B's factory uses C, C's uses D, D's uses A: threads start on B, C, D
    # and A at once. Each waits for the next, none for itself.
    for _ in range(50):
        chain_trial()


def chain_trial() -> None:
    calls: list[str] = []
    start = threading.Barrier(4)

    def make(name: str, after: Any) -> Any:
        def factory() -> int:
            calls.append(name)
            time.sleep(0.0005)
            return 1 if after is None else extract(after[0]) + 1

        return factory

    a = Proxy(make('a', None))
    d = Proxy(make('d', [a]))
    c = Proxy(make('c', [d]))
    b = Proxy(make('b', [c]))
    results: dict[str, Any] = {}

    def use(name: str, proxy: Any) -> None:
        start.wait(timeout=5)
        try:
            results[name] = extract(proxy)
        except ProxyResolveError as error:  # reported below
            results[name] = error

    threads = [
        threading.Thread(target=use, args=item)
        for item in (('b', b), ('c', c), ('d', d), ('a', a))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == {'a': 1, 'b': 4, 'c': 3, 'd': 2}
    assert sorted(calls) == ['a', 'b', 'c', 'd']


@pytest.mark.threads
def test_a_cycle_through_a_resolve_async_future_fails_at_once() -> None:
    a: Any = Proxy(lambda: resolve_async(b).result() + 1)
    b: Any = Proxy(lambda: extract(a) + 1)
    outcome: list[BaseException] = []

    def use() -> None:
        try:
            extract(a)
        except ProxyResolveError as error:
            outcome.append(error)

    thread = threading.Thread(target=use, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive(), 'deadlock'
    assert len(outcome) == 1
    assert 'cycle' in repr(_root(outcome[0]).args) or 'cycle' in str(outcome[0])
    assert not is_resolved(a)
    assert not is_resolved(b)


def _root(error: BaseException) -> BaseException:
    while isinstance(error, ProxyResolveError) and error.cause is not None:
        error = error.cause
    return error


# Assignments and errors.


@pytest.mark.threads
def test_a_target_assigned_while_the_factory_runs_wins() -> None:
    factory = Gated('from the factory')
    proxy: Any = Proxy(factory)
    led: list[Any] = []
    leader = threading.Thread(target=lambda: led.append(extract(proxy)))
    leader.start()
    assert factory.started.wait(timeout=5)
    assigner = threading.Thread(
        target=lambda: setattr(proxy, '__proxy_wrapped__', 'assigned'),
    )
    assigner.start()
    time.sleep(0.02)
    assert assigner.is_alive()  # waits for the factory
    factory.release.set()
    leader.join(timeout=5)
    assigner.join(timeout=5)
    assert led == ['from the factory']
    assert extract(proxy) == 'assigned'


def test_a_target_the_factory_assigns_itself_wins() -> None:
    proxy: Any = None

    def factory() -> str:
        proxy.__proxy_wrapped__ = 'assigned inside'
        return 'returned'

    proxy = Proxy(factory)
    assert extract(proxy) == 'assigned inside'
    assert proxy == 'assigned inside'


def test_a_target_the_factory_assigns_and_takes_back_leaves_the_result() -> None:
    proxy: Any = None

    def factory() -> str:
        proxy.__proxy_wrapped__ = 'assigned inside'
        del proxy.__proxy_wrapped__
        return 'returned'

    proxy = Proxy(factory)
    assert extract(proxy) == 'returned'
    assert proxy.__proxy_target__ == 'returned'


def test_nested_failures_name_the_root_cause_once() -> None:
    def fail() -> int:
        raise ValueError('the root cause')

    proxies: list[Any] = [Proxy(fail)]
    for _ in range(100):
        proxies.append(Proxy(lambda inner=proxies[-1]: extract(inner) + 1))
    with pytest.raises(ProxyResolveError) as info:
        extract(proxies[-1])
    message = str(info.value)
    assert message.count('the root cause') == 1
    assert message.endswith('failed: ValueError: the root cause')
    assert len(message) < 200
    depth, error = 0, info.value
    while isinstance(error, ProxyResolveError) and error.cause is not None:
        depth, error = depth + 1, error.cause
    assert depth == 101
    assert isinstance(error, ValueError)


# Stress: a random graph of proxies whose factories use earlier ones, some
# through resolve_async, resolved by 16 threads at once.


@pytest.mark.threads
@pytest.mark.parametrize('switch_interval', [None, 1e-6])
def test_stress_a_graph_of_proxies_resolves_each_once(
    switch_interval: float | None,
) -> None:
    rng = random.Random(1234)
    count = 150
    calls = [0] * count
    lock = threading.Lock()
    proxies: list[Any] = []

    def make(index: int, deps: list[int], background: bool) -> Any:
        def factory() -> int:
            with lock:
                calls[index] += 1
            total = 1
            for dep in deps:
                if background:
                    total += resolve_async(proxies[dep]).result()
                else:
                    total += extract(proxies[dep])
            return total

        return factory

    for index in range(count):
        deps = rng.sample(range(index), min(index, rng.randint(0, 3)))
        proxies.append(Proxy(make(index, deps, rng.random() < 0.2)))
    orders = [rng.sample(range(count), count) for _ in range(16)]
    errors: list[BaseException] = []
    results: list[dict[int, int]] = [{} for _ in orders]

    def run(order: list[int], out: dict[int, int]) -> None:
        try:
            for index in order:
                out[index] = extract(proxies[index])
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=pair, daemon=True)
        for pair in zip(orders, results, strict=True)
    ]
    run_all(threads, switch_interval)
    assert not any(thread.is_alive() for thread in threads), 'hang'
    assert errors == []
    assert calls == [1] * count
    assert all(result == results[0] for result in results)
    assert not _waiting


# Interrupts: a KeyboardInterrupt wherever it lands affects that call only.


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt, as in a terminal.

    A process started in the background by a shell without job control
    inherits SIGINT ignored, and Python then leaves it so: these tests would
    never see the interrupt.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.threads
@pytest.mark.usefixtures('ctrl_c_raises')
def test_an_interrupted_leader_in_the_main_thread_hands_over() -> None:
    started = threading.Event()
    calls: list[str] = []

    def factory() -> str:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            started.set()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:  # interruptible, unlike a wait
                time.sleep(0.001)
        return 'value'

    proxy = Proxy(factory)
    results: list[Any] = []
    waiter = threading.Thread(target=lambda: results.append(extract(proxy)))

    def interrupt() -> None:
        assert started.wait(timeout=5)
        waiter.start()
        time.sleep(0.02)
        _thread.interrupt_main()

    helper = threading.Thread(target=interrupt)
    helper.start()
    with pytest.raises(KeyboardInterrupt):
        resolve_until_interrupted(proxy, helper)
    helper.join(timeout=5)
    waiter.join(timeout=5)
    assert results == ['value']
    assert calls == ['MainThread', waiter.name]
    assert id(proxy) not in _flights
    assert not _waiting


def resolve_until_interrupted(proxy: Any, helper: threading.Thread) -> None:
    extract(proxy)
    helper.join()  # the interrupt lands by now, at the latest


@pytest.mark.threads
@pytest.mark.usefixtures('ctrl_c_raises')
@pytest.mark.skipif(not hasattr(signal, 'pthread_kill'), reason='needs pthread_kill')
def test_ctrl_c_reaches_a_main_thread_waiting_for_a_proxy() -> None:
    factory = Gated()
    proxy = Proxy(factory)
    leader = threading.Thread(target=extract, args=(proxy,))
    leader.start()
    assert factory.started.wait(timeout=5)
    main = threading.main_thread().ident
    assert main is not None

    def press_ctrl_c() -> None:
        deadline = time.monotonic() + 5
        while _waiting.get(main) is None and time.monotonic() < deadline:
            time.sleep(0.001)
        signal.pthread_kill(main, signal.SIGINT)

    helper = threading.Thread(target=press_ctrl_c)
    helper.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            resolve_until_interrupted(proxy, helper)
    finally:
        helper.join(timeout=5)
        factory.release.set()
        leader.join(timeout=5)
    assert main not in _waiting
    assert is_resolved(proxy)
    assert extract(proxy) == 'value'
