"""Resolution: calling a proxy's factory exactly once, whatever the threads do.

The state of every resolution in progress lives here, keyed by the proxy's id,
so that a proxy carries no lock of its own: proxies are created by the
million, resolutions in progress are few. A resolved proxy never gets here.

The first thread to register a resolution (an atomic `dict.setdefault`) is its
leader and calls the factory. A thread that needs the proxy meanwhile waits on
a gate of its own (a plain lock) that the leader opens when it is done, and
then shares the leader's target or its error. No lock is held while a factory
runs, so different proxies resolve in parallel, and the leader takes no lock
at all; the global lock guards only the wait-for graph that detects cycles.
"""

# Targets and factories are of any type; pyright cannot type the slot reads
# through super() (the slots live on a class this module does not know).
# pyright: reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import Future
from queue import SimpleQueue
from threading import Lock
from threading import Thread
from threading import get_ident
from types import CodeType
from types import FrameType
from typing import Any

__all__ = ['ProxyResolveError', 'make_resolver', 'submit']


class ProxyResolveError(Exception):
    """Error raised when a proxy cannot be resolved.

    Raised when the factory raises an `Exception`, when the proxy has no
    factory, and when a factory needs the very proxy it is resolving. The
    proxy stays unresolved, so a later use calls the factory again.

    Args:
        message: What went wrong.
        cause: The exception that prevented the resolution, if any.

    Attributes:
        cause: The exception that prevented the resolution, or `None`.
    """

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.cause = cause

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.args[0], self.cause)


# A resolution in progress is a list, created empty by its leader: a first
# use pays for no more than that. The first thread that has to wait fills in
# [leader, outcome] (the leader's thread, found on the stacks, and _RUNNING)
# and every waiter then appends a closed gate of its own.
#
# Two hand-offs, each with both sides writing before they read, so that at
# least one side sees the other:
# - the leader deregisters, then checks whether the list is still empty; a
#   waiter fills the list, then checks that the leader is still registered.
#   So either the leader sees the waiters or they do not wait.
# - the leader sets the outcome (_DONE or the exception that stopped it),
#   then opens the gates it finds; a waiter appends its gate, then reads the
#   outcome. So either the gate is opened or the waiter does not close it on
#   itself.
# The leader never takes a lock. (A list, not a class: one is made for every
# resolution, on the hot path.)
_LEADER, _OUTCOME, _GATES = 0, 1, 2
_RUNNING: Any = None
_DONE: Any = object()
_GONE = -1  # recorded leader of a resolution whose leader has already left
_Flight = list[Any]


_flights: dict[int, _Flight] = {}  # id(proxy) -> its resolution in progress
_waiting: dict[int, _Flight] = {}  # thread ident -> the resolution it waits on
_lock = Lock()  # guards _waiting and the recording of leaders
_resolve_code: CodeType | None = None  # the code of `resolve`, to find leaders


def _reset_after_fork() -> None:
    # The child has only the forking thread: every other thread's resolution
    # is gone with its thread, and a lock may have been held at the fork.
    global _lock, _pool, _pool_lock
    _lock = Lock()
    _pool_lock = Lock()
    _flights.clear()
    _waiting.clear()
    _pool = None


os.register_at_fork(after_in_child=_reset_after_fork)


def _cycle_error() -> ProxyResolveError:
    return ProxyResolveError(
        'Cannot resolve the proxy: its factory needs the proxy itself, '
        'directly or through other proxies (a cycle).',
    )


def _find_leader(flight: _Flight) -> int:
    """The ident of the thread whose `resolve` frame leads `flight`.

    Returns `_GONE` if no thread does any more (the resolution just ended).
    """
    stacks = sys._current_frames()  # pyright: ignore[reportPrivateUsage]
    for ident, top in stacks.items():
        frame: FrameType | None = top
        while frame is not None:
            if frame.f_code is _resolve_code and frame.f_locals.get('flight') is flight:
                return ident
            frame = frame.f_back
    return _GONE


def _wait_for(key: int, flight: _Flight) -> None:
    """Wait until `flight` (the resolution of proxy `key`) is over.

    Raises:
        ProxyResolveError: If the resolution failed, or if waiting would
            never end (the factories wait on each other).
    """
    me = get_ident()
    with _lock:
        if not flight:  # the first waiter: announce that somebody waits
            flight += (None, _RUNNING)
        if _flights.get(key) is not flight:
            return  # already over
        leader = flight[_LEADER]
        if leader is None:
            leader = flight[_LEADER] = _find_leader(flight)
        # Follow the "waits for" edges from the leader: reaching this thread
        # means the factories wait on each other, which would never end.
        while True:
            if leader == me:
                raise _cycle_error()
            waited = _waiting.get(leader)
            if waited is None:
                break
            leader = waited[_LEADER]
        _waiting[me] = flight
    try:
        gate = Lock()
        gate.acquire()
        flight.append(gate)
        if flight[_OUTCOME] is _RUNNING:  # the leader will open the gate
            gate.acquire()
    finally:
        del _waiting[me]
    outcome = flight[_OUTCOME]
    if isinstance(outcome, ProxyResolveError):
        # A fresh exception per thread: one instance raised in several
        # threads at once would share (and garble) its traceback.
        raise ProxyResolveError(outcome.args[0], outcome.cause) from outcome.cause


def _finish(flight: _Flight, outcome: object) -> None:
    """Hand `outcome` to the threads that wait on `flight`, and wake them."""
    flight[_OUTCOME] = outcome
    for gate in flight[_GATES:]:
        gate.release()


def make_resolver(cls: type[Any], unset: object) -> Callable[[Any], Any]:
    """Build the function that resolves the proxies of a class.

    Args:
        cls: The proxy class. Its instances keep their target in the slot
            `__proxy_target__` (`unset` while unresolved) and their factory
            in the slot `__proxy_factory__`, both defined by a base class.
        unset: The target slot's value while the proxy is unresolved.

    Returns:
        `resolve(proxy)`, which returns the proxy's target, calling the
        factory if no other thread is doing so, and waiting for that thread
        otherwise.
    """
    set_target = cls.__proxy_target__.__set__

    # super(cls, proxy) reads a slot past the proxy's __getattribute__: in C
    # on CPython 3.12+, through a small super object before.

    def peek(proxy: Any) -> Any:
        try:
            return super(cls, proxy).__proxy_target__  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        except AttributeError:  # not initialized
            return unset

    def resolve(proxy: Any) -> Any:
        key = id(proxy)
        flight: _Flight = []
        while (current := _flights.setdefault(key, flight)) is not flight:
            _wait_for(key, current)
            target = peek(proxy)
            if target is not unset:
                return target
            # The leader was interrupted (or the proxy unresolved again): lead.
        outcome = _DONE
        try:
            # peek(), inlined: a call costs a first use about 5%.
            try:
                target = super(cls, proxy).__proxy_target__  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            except AttributeError:  # not initialized
                target = unset
            if target is not unset:  # resolved by a leader just before us
                return target
            try:
                factory = super(cls, proxy).__proxy_factory__  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            except AttributeError:
                raise ProxyResolveError(
                    'Proxy is not initialized: __proxy_factory__ is missing.',
                ) from None
            try:
                target = factory()
            except Exception as error:
                raise ProxyResolveError(
                    f'The proxy factory {_describe(factory)} raised '
                    f'{type(error).__name__}: {error}',
                    error,
                ) from error
            if target is proxy:
                raise ProxyResolveError(
                    f'The proxy factory {_describe(factory)} returned the '
                    'proxy itself.',
                )
            set_target(proxy, target)
            return target
        except BaseException as failure:
            outcome = failure
            raise
        finally:
            try:  # noqa: SIM105 (suppress() would cost every resolution a call)
                del _flights[key]
            except KeyError:  # the factory forked: this is the reset child
                pass
            if flight:  # somebody waits
                _finish(flight, outcome)

    global _resolve_code  # every resolver shares this one code object
    _resolve_code = resolve.__code__
    return resolve


def _describe(factory: object) -> str:
    name = getattr(factory, '__qualname__', None)
    if not isinstance(name, str):
        name = f'of type {type(factory).__qualname__}'
    return name


# Background resolution: a few daemon threads, started on demand, so that a
# slow factory never keeps the interpreter from exiting.

_MAX_WORKERS = min(8, (os.cpu_count() or 1) + 4)


class _Pool:
    """A minimal pool of daemon threads that run submitted calls."""

    def __init__(self, max_workers: int) -> None:
        self._max_workers = max_workers
        self._jobs: SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = SimpleQueue()
        self._lock = Lock()
        self._idle = 0  # workers waiting for a job
        self._queued = 0  # jobs no worker has taken yet
        self._workers = 0

    def submit(self, call: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        self._jobs.put((future, call))
        with self._lock:
            self._queued += 1
            # Every queued job needs a worker of its own, up to the maximum.
            start = self._queued > self._idle and self._workers < self._max_workers
            if start:
                self._workers += 1
        if start:
            Thread(target=self._work, name='proxy-resolver', daemon=True).start()
        return future

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            future, call = self._jobs.get()
            with self._lock:
                self._idle -= 1
                self._queued -= 1
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(call())
                except BaseException as error:  # handed to the future, as is
                    future.set_exception(error)


_pool: _Pool | None = None
_pool_lock = Lock()


def submit(call: Callable[[], Any]) -> Future[Any]:
    """Run `call` in a background daemon thread and return its future.

    Args:
        call: What to run; its result (or exception) completes the future.

    Returns:
        The future of the call.
    """
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = _Pool(_MAX_WORKERS)
    return _pool.submit(call)
