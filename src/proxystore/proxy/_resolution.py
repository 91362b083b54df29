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

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future
from queue import SimpleQueue
from threading import Lock
from threading import Thread
from threading import get_ident
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


# A resolution in progress is a list: [leader's thread ident, error, ...]. It
# doubles as an ordered log: each waiter appends its own (closed) gate, and
# the leader, when it is done, appends _DONE and opens every gate before it.
# list.append is atomic, so each side knows from the order whether the other
# will act: the leader never takes a lock, with or without the GIL.
# (A list, not a class: one is made for every resolution, on the hot path.)
_OWNER, _ERROR, _LOG = 0, 1, 2
_DONE: Any = object()
_Flight = list[Any]


_flights: dict[int, _Flight] = {}  # id(proxy) -> its resolution in progress
_waiting: dict[int, _Flight] = {}  # thread ident -> the resolution it waits on
_lock = Lock()  # guards _waiting


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


def _wait_for(key: int, flight: _Flight) -> None:
    """Wait until `flight` (the resolution of proxy `key`) is over.

    Raises:
        ProxyResolveError: If the resolution failed, or if waiting would
            never end (the factories wait on each other).
    """
    me = get_ident()
    with _lock:
        if _flights.get(key) is not flight:
            return  # already over
        owner = flight[_OWNER]
        # Follow the "waits for" edges from the leader: reaching this thread
        # means the factories wait on each other, which would never end.
        while True:
            if owner == me:
                raise _cycle_error()
            waited = _waiting.get(owner)
            if waited is None:
                break
            owner = waited[_OWNER]
        _waiting[me] = flight
    try:
        gate = Lock()
        gate.acquire()
        flight.append(gate)
        for entry in flight[_LOG:]:
            if entry is gate:  # appended before _DONE: the leader will open it
                gate.acquire()
                break
            if entry is _DONE:
                break
    finally:
        del _waiting[me]
    shared = flight[_ERROR]
    if isinstance(shared, ProxyResolveError):
        # A fresh exception per thread: one instance raised in several
        # threads at once would share (and garble) its traceback.
        raise ProxyResolveError(shared.args[0], shared.cause) from shared.cause


def _open_gates(flight: _Flight) -> None:
    # The gates appended before _DONE belong to threads that will wait.
    for entry in flight[_LOG:]:
        if entry is _DONE:
            return
        entry.release()


def make_resolver(
    get_target: Callable[[Any], Any],
    set_target: Callable[[Any, Any], None],
    get_factory: Callable[[Any], Any],
    unset: object,
) -> Callable[[Any], Any]:
    """Build the function that resolves a proxy, for the given slot accessors.

    Args:
        get_target: Reads the target slot (`unset` while unresolved).
        set_target: Writes the target slot.
        get_factory: Reads the factory slot (`AttributeError` if missing).
        unset: The target slot's value while the proxy is unresolved.

    Returns:
        `resolve(proxy)`, which returns the proxy's target, calling the
        factory if no other thread is doing so, and waiting for that thread
        otherwise.
    """

    def peek(proxy: Any) -> Any:
        try:
            return get_target(proxy)
        except AttributeError:  # not initialized
            return unset

    def resolve(proxy: Any) -> Any:
        key = id(proxy)
        flight: _Flight = [get_ident(), None]
        while (current := _flights.setdefault(key, flight)) is not flight:
            _wait_for(key, current)
            target = peek(proxy)
            if target is not unset:
                return target
            # The leader was interrupted (or the proxy unresolved again): lead.
        try:
            try:
                target = get_target(proxy)
            except AttributeError:  # not initialized
                target = unset
            if target is not unset:  # resolved by a leader just before us
                return target
            try:
                factory = get_factory(proxy)
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
            flight[_ERROR] = failure
            raise
        finally:
            _flights.pop(key, None)  # gone if the factory forked: reset in the child
            flight.append(_DONE)
            if flight[_LOG] is not _DONE:  # a gate came first: somebody waits
                _open_gates(flight)

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
