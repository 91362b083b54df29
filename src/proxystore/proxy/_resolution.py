"""Resolution: calling a proxy's factory exactly once, whatever the threads do.

The state of every resolution in progress lives here, keyed by the proxy's id,
so that a proxy carries no lock of its own: proxies are created by the
million, resolutions in progress are few. A resolved proxy never gets here.

One thread (the leader) calls the factory; every other thread that uses the
proxy meanwhile waits on a gate that exists only once somebody waits, and then
shares the leader's result or its error. The global lock guards only the
bookkeeping, never a factory call, so different proxies resolve in parallel.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from threading import Lock
from threading import get_ident
from typing import Any

__all__ = ['ProxyResolveError', 'single_flight']


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


class _Flight:
    """A resolution in progress."""

    __slots__ = ('error', 'gate', 'owner')

    def __init__(self, owner: int) -> None:
        self.owner = owner
        # Created by the first waiter, released by the leader when it is done.
        self.gate: Any = None
        self.error: BaseException | None = None


_lock = Lock()
_flights: dict[int, _Flight] = {}  # id(proxy) -> its resolution in progress
_waiting: dict[int, _Flight] = {}  # thread ident -> the resolution it waits on


def _reset_after_fork() -> None:
    # The child has only the forking thread: every other thread's resolution
    # is gone with its thread, and the lock may have been held at the fork.
    global _lock
    _lock = Lock()
    _flights.clear()
    _waiting.clear()


if hasattr(os, 'register_at_fork'):  # pragma: no branch
    os.register_at_fork(after_in_child=_reset_after_fork)


def _would_deadlock(flight: _Flight, me: int) -> bool:
    # Follow "waits for" edges from the flight's owner; reaching this thread
    # means the factories form a cycle. Called with the lock held.
    owner = flight.owner
    for _ in range(len(_waiting) + 1):
        if owner == me:
            return True
        waited = _waiting.get(owner)
        if waited is None:
            return False
        owner = waited.owner
    return True  # pragma: no cover - a cycle not through this thread


def single_flight(
    proxy: object,
    is_done: Callable[[object], bool],
    compute: Callable[[object], Any],
) -> None:
    """Run `compute(proxy)` in one thread while the others wait for it.

    Args:
        proxy: The proxy to resolve.
        is_done: Tells whether the proxy has been resolved meanwhile.
        compute: Resolves the proxy; called by exactly one thread at a time.

    Raises:
        ProxyResolveError: If `compute` raised it (every waiting thread gets
            an error of its own with the same message and cause), or if the
            resolution would wait on itself.
    """
    key = id(proxy)
    me = get_ident()
    while True:
        with _lock:
            if is_done(proxy):
                return
            flight = _flights.get(key)
            if flight is None:
                flight = _flights[key] = _Flight(me)
                leader = True
            else:
                if _would_deadlock(flight, me):
                    raise ProxyResolveError(
                        'Cannot resolve the proxy: its factory needs the proxy '
                        'itself, directly or through other proxies (a cycle).',
                    )
                if flight.gate is None:
                    flight.gate = Lock()
                    flight.gate.acquire()
                _waiting[me] = flight
                leader = False
        if leader:
            try:
                compute(proxy)
            except BaseException as failure:
                flight.error = failure
                raise
            finally:
                with _lock:
                    _flights.pop(key, None)
                if flight.gate is not None:
                    flight.gate.release()
            return
        try:
            flight.gate.acquire()
            flight.gate.release()
        finally:
            with _lock:
                _waiting.pop(me, None)
        shared = flight.error
        if isinstance(shared, ProxyResolveError):
            # A fresh exception per thread: one instance raised in several
            # threads at once would share (and garble) its traceback.
            raise ProxyResolveError(shared.args[0], shared.cause) from shared.cause
        # Success, or the leader was interrupted (KeyboardInterrupt and the
        # like are the leader's own): look again, and lead if still needed.
