"""Inject a fault at every line the library runs, one line per run.

Run by tests/test_fault_injection.py in a process of its own (a tracer of
ours would displace a coverage tool's): `python fault_injection.py SCENARIO
ACTION` first runs the scenario once under a tracer that notes every line of
`_record`, `_resolution`, `_pool` and `_audit` that it reaches, in any
thread. Then, for each of those lines, it runs the scenario again with a
tracer that, the first time any thread reaches that line, either raises
`KeyboardInterrupt` there (ACTION `raise`: what an interrupt does under a
debugger or coverage tool, which can land at any line) or calls back into
the library (ACTION `callback`: what a signal handler, finalizer or weakref
callback may do there: open a record and a forbid block, set the logger's
level, resolve another proxy in the background, use the same proxy).

After each run: every thread of the scenario has finished; nothing is
registered (flights, waits, jobs, blocks) and the lock is free; the proxy
resolves at its next use, to its value, with one more factory call at most;
and the pool still runs a job on a worker. The script prints one line of
JSON: the number of injection points and what went wrong at which.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from proxystore.proxy import ImplicitResolutionError
from proxystore.proxy import Proxy
from proxystore.proxy import ProxyResolveError
from proxystore.proxy import _audit
from proxystore.proxy import _pool
from proxystore.proxy import _record
from proxystore.proxy import _resolution
from proxystore.proxy import extract
from proxystore.proxy import forbid_implicit_resolution
from proxystore.proxy import record_resolutions
from proxystore.proxy import resolve_async

FILES = {module.__file__ for module in (_record, _resolution, _pool, _audit)}
LOGGER = logging.getLogger('proxystore.proxy')
DEADLINE = 5.0
Point = tuple[str, int]


def until(condition: Callable[[], bool], timeout: float = DEADLINE) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.0005)
    return True


class Scenario:
    """A proxy used by the main thread and one more, in one of several ways.

    The factory waits (briefly) until the other thread has started waiting
    for it, so that a leader and a waiter meet in every run. It fails on
    its first call if `fails`.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls = 0
        self.fails = name == 'fail'
        self.proxy: Any = Proxy(self.factory)
        self.future: Any = None
        self.threads: list[threading.Thread] = []
        self.started = threading.Event()

    def factory(self) -> int:
        self.calls += 1
        self.started.set()
        until(self.other_waits, timeout=0.5)
        if self.fails and self.calls == 1:
            raise ValueError('first call fails')
        return 42

    def other_waits(self) -> bool:
        return any(
            thread.ident in _record._waiting or not thread.is_alive()
            for thread in self.threads
        )

    def use(self) -> None:
        """What each thread does: one of the public operations."""
        with contextlib.suppress(KeyboardInterrupt, ProxyResolveError):
            if self.name in {'extract', 'fail'}:
                extract(self.proxy)
            elif self.name == 'resolve_async':
                if self.future is not None:
                    self.future.result()
            elif self.name == 'record':
                with record_resolutions():
                    self.proxy + 1
            elif self.name == 'forbid':
                with forbid_implicit_resolution():
                    with contextlib.suppress(ImplicitResolutionError):
                        self.proxy + 1
                    extract(self.proxy)

    def other(self) -> None:
        self.started.wait(timeout=DEADLINE)
        self.use()

    def run(self) -> None:
        with contextlib.suppress(KeyboardInterrupt, ProxyResolveError):
            if self.name == 'resolve_async':
                self.future = resolve_async(self.proxy)
        thread = threading.Thread(target=self.other, daemon=True)
        self.threads.append(thread)
        thread.start()
        try:
            self.use()
        finally:
            self.started.set()  # the other thread goes on, whatever happened


def callback(scenario: Scenario) -> None:
    """What a signal handler or finalizer might do at any line."""
    with contextlib.suppress(ProxyResolveError):
        with record_resolutions():
            pass
        with forbid_implicit_resolution():
            pass
        LOGGER.setLevel(LOGGER.level)
        resolve_async(Proxy(lambda: 'side')).result()
        extract(scenario.proxy)  # the same proxy


@contextlib.contextmanager
def tracing(on_line: Callable[[Point], None]) -> Iterator[None]:
    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == 'line':
            on_line((frame.f_code.co_filename, frame.f_lineno))
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename in FILES else None

    threading.settrace(calls)
    sys.settrace(calls)
    try:
        yield
    finally:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]


def fresh_pool() -> _pool.Pool:
    # A pool per run: its workers start under the run's tracer.
    pool = _pool.Pool(2)
    _pool._shared['pool'] = pool
    return pool


def configure(name: str) -> None:
    LOGGER.handlers[:] = [logging.NullHandler()]
    if name == 'record':
        # Reach the audit's reporting: a handler that formats every record.
        handler = logging.StreamHandler(open('/dev/null', 'w'))
        handler.setFormatter(logging.Formatter('%(message)s'))
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.DEBUG)
    else:
        LOGGER.setLevel(logging.WARNING)


def reached(name: str) -> list[Point]:
    points: set[Point] = set()
    fresh_pool()
    scenario = Scenario(name)
    with tracing(points.add):
        scenario.run()
        for thread in scenario.threads:
            thread.join(timeout=DEADLINE)
    return sorted(points)


def check(scenario: Scenario, pool: _pool.Pool, expected_calls: int) -> str | None:
    for thread in scenario.threads:
        thread.join(timeout=DEADLINE)
        if thread.is_alive():
            return 'a thread hung'
    if scenario.future is not None:
        with contextlib.suppress(KeyboardInterrupt, ProxyResolveError):
            scenario.future.exception()  # runs it here if no thread does
    try:
        later = pool.submit(lambda: 'later').result(timeout=DEADLINE)
    except Exception as error:
        return f'the pool runs no later job: {error!r}'
    if later != 'later' or pool.workers > pool.max_workers:
        return f'the pool is broken: {later!r}, {pool.workers} workers'
    if not until(lambda: not _pool._jobs):
        return f'jobs left: {_pool._jobs}'

    def left() -> dict[str, Any]:
        return {
            'flights': dict(_resolution._flights),
            'waits': dict(_record._waiting),
            'blocks': dict(_audit.blocks),
        }

    # A worker may still be on its way out of a wait it no longer needs.
    if not until(lambda: not any(left().values()), timeout=1):
        names = {t.ident: t.name for t in threading.enumerate()}
        return f'left registered: {left()} {names}'
    if not _record._lock.acquire(blocking=False):
        return 'the lock is held'
    _record._lock.release()
    try:
        value = extract(scenario.proxy)
    except ProxyResolveError as error:
        return f'the proxy did not resolve: {error}'
    if value != 42:
        return f'resolved to {value!r}'
    if not scenario.calls <= expected_calls + 1:
        return f'{scenario.calls} factory calls, {expected_calls} expected'
    return None


def main() -> None:
    name, action = sys.argv[1:3]
    configure(name)
    # Thread exceptions (the injected ones) are expected: keep them quiet.
    threading.excepthook = lambda args: None
    baseline = Scenario(name)
    fresh_pool()
    baseline.run()
    for thread in baseline.threads:
        thread.join(timeout=DEADLINE)
    expected_calls = baseline.calls
    points = reached(name)
    if len(sys.argv) > 3:
        points = [
            p for p in points if p[1] == int(sys.argv[3]) and p[0].endswith(sys.argv[4])
        ]
    failures: dict[str, str] = {}
    for point in points:
        faulthandler.dump_traceback_later(20, exit=True)
        print(point, round(time.monotonic(), 2), file=sys.stderr, flush=True)
        pool = fresh_pool()
        scenario = Scenario(name)
        shots = [None]

        def on_line(
            here: Point,
            point: Point = point,
            scenario: Scenario = scenario,
            shots: list[None] = shots,
        ) -> None:
            if here == point and shots:
                with contextlib.suppress(IndexError):
                    shots.pop()  # once, in whichever thread comes first
                    if action == 'raise':
                        raise KeyboardInterrupt
                    callback(scenario)

        with tracing(on_line):
            with contextlib.suppress(KeyboardInterrupt, ProxyResolveError):
                scenario.run()
        problem = check(scenario, pool, expected_calls)
        if problem is not None:
            failures[f'{point[0].rpartition("/")[2]}:{point[1]}'] = problem
            if problem == 'a thread hung':
                break  # the process is no longer trustworthy
    print(json.dumps({'points': len(points), 'failures': failures}))
    sys.stdout.flush()


if __name__ == '__main__':
    main()
