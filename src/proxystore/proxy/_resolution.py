"""Resolution: calling a proxy's factory exactly once, whatever the threads do.

The design (the Concurrency page of the documentation says the same for
users; `_record` has the protocol that waiting rests on):

- A resolution in progress is a *flight*: a record (see `_record`) of the
  thread that leads it and of its outcome. Flights are registered in
  `_flights` by the proxy's `id`, only while they run: the leader holds the
  proxy, so its `id` cannot be reused meanwhile.
- The first thread to register a flight for a proxy (an atomic
  `dict.setdefault`) leads: it calls the factory, with no lock held, then
  ends the flight (`_record.end`: deregister, hand over to the waiters).
- A thread that finds a flight registered waits for it (`_record.wait_for`),
  then shares the leader's target, or its error; if the leader was
  interrupted, it starts over, and may lead.
- Nothing but the factory runs while the flight is registered: the
  reporting (`_audit`: records, log messages, the `ProxyResolveError`'s
  message, which reads the factory's name) comes after the hand-over, so
  user code there may use any proxy, this one included, and whatever it
  raises cannot change the outcome that the waiters got.
- An assignment of the target (`assign`) goes through the same registry: it
  waits for a factory running in another thread, then stores its target, so
  the assignment wins over the factory's result.

Interrupts. The registering call is inside a `try` block whose `finally`
clause ends the flight, itself inside one whose `except` clause ends it again
(`end` is idempotent) when an exception left the first: wherever an
exception lands, a `KeyboardInterrupt` at any line under a tracer included,
the waiters are woken and nothing stays registered. The leader's work is in
the first block too, and the factory's error is its `except Exception`
clause's: no `try` statement comes after the registration, because on
CPython 3.11 to 3.13 an exception that a tracer raises at the line of a `try`
nested in another skips the handlers around it.
"""

# Targets and factories are of any type.
# pyright: reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from proxystore.proxy import _audit
from proxystore.proxy import _slots
from proxystore.proxy._errors import ProxyResolveError
from proxystore.proxy._record import ABANDONED
from proxystore.proxy._record import ASSIGNED
from proxystore.proxy._record import DONE
from proxystore.proxy._record import LEADER
from proxystore.proxy._record import OUTCOME
from proxystore.proxy._record import RUNNING
from proxystore.proxy._record import Record
from proxystore.proxy._record import end
from proxystore.proxy._record import end_others_after_fork
from proxystore.proxy._record import wait_for
from proxystore.proxy._slots import UNSET
from proxystore.proxy._slots import Defaults

__all__ = ['ProxyResolveError', 'assign', 'extract']

_flights: dict[int, Record] = {}
"""id(proxy) -> its flight, while it runs."""

_get_ident = threading.get_ident
_read_target = _slots.read_target
_read_factory = _slots.read_factory
_write_target = _slots.write_target
# Whether anyone watches resolutions (see _audit): a block is open in some
# thread, or the logger is enabled for DEBUG (logging remembers its answer).
_blocks = _audit.blocks
_log_enabled_for = _audit.logger.isEnabledFor
_DEBUG = logging.DEBUG


_UNREGISTERED: Record = [None, ABANDONED, False]
"""What `extract` found registered before it looked (nothing)."""


class _ReturnedItself(Exception):
    """The outcome of a flight whose factory returned the proxy itself."""


def extract(proxy: Any) -> Any:  # noqa: PLR0912 - one frame (see the docstring)
    """Resolve a proxy and return its target (the public `extract`, unchecked).

    Calls the factory if no other thread is resolving the proxy, and waits
    for that thread otherwise. This reads and writes the slots only: it is
    what `Proxy` itself and its properties call.

    Raises:
        ProxyResolveError: If the factory fails, if the proxy has no
            (callable) factory, or if the factories wait on each other.
    """
    # Checked (and, in a forbidding block, refused) before anything is
    # registered.
    watch = _audit.watch(proxy) if _blocks or _log_enabled_for(_DEBUG) else None
    key = id(proxy)
    while True:
        flight: Record = [_get_ident(), RUNNING, False]
        current: Record = _UNREGISTERED
        target: Any = UNSET
        # No `try` after the registration (see the module's docstring): the
        # factory's error is the inner `except` clause's, an interrupt the
        # outer one's.
        try:
            try:
                current = _flights.setdefault(key, flight)
                if current is flight:  # this thread leads
                    # Resolved by a flight just over?
                    target = _read_target(proxy)
                    if target is UNSET:
                        factory = _read_factory(proxy)
                        if type(factory) is Defaults:
                            factory = factory.factory
                        result = factory() if watch is None else watch.call(factory)
                        if result is proxy:
                            raise _ReturnedItself
                        # A target the factory assigned itself wins (unless it
                        # also took it back).
                        if flight[ASSIGNED]:
                            target = _read_target(proxy)
                        if target is UNSET:
                            _write_target(proxy, result)
                            target = result
                    flight[OUTCOME] = DONE
            except Exception as error:  # the factory's (or a missing slot's)
                flight[OUTCOME] = error
            finally:
                end(_flights, key, flight)
        except BaseException as error:  # an interrupt
            end(_flights, key, flight)  # again, if the first was cut short
            if watch is not None and current is flight:
                watch.report(error)
            raise
        if current is flight:
            outcome = flight[OUTCOME]
            if outcome is DONE:
                if watch is not None:
                    watch.report(None)
                return target
            if not _slots.fill_target(proxy):  # else made without the constructor
                raise _failure(proxy, outcome, watch)
        else:
            target = _outcome_of(proxy, current)
            if target is not UNSET:
                return target
            # The leader was interrupted (or the proxy was unresolved again):
            # start over, leading or waiting.


def _failure(
    proxy: Any, outcome: Exception, watch: _audit.Watch | None
) -> ProxyResolveError:
    """Report the failure of this thread's flight, over and deregistered.

    Returns:
        The error to raise, its cause set.
    """
    failure = _factory_error(proxy, outcome)
    if watch is not None:
        watch.report(outcome)
    else:
        _audit.failed(proxy, outcome)
    failure.__cause__ = failure.cause
    return failure


def _outcome_of(proxy: Any, flight: Record) -> Any:
    """Wait for another thread's flight; return the target, or `UNSET`.

    Raises:
        ProxyResolveError: The leader's error (a fresh one per thread: one
            instance raised in several threads at once would share, and
            garble, its traceback), or a cycle error.
    """
    wait_for(flight)
    target = _slots.peek(proxy)
    if target is not UNSET:
        return target
    outcome = flight[OUTCOME]
    if isinstance(outcome, Exception):
        error = _factory_error(proxy, outcome)
        raise error from error.cause
    return UNSET


def assign(proxy: Any, target: Any) -> None:
    """Set the target of a proxy (`proxy.__proxy_wrapped__ = target`).

    If another thread's factory is running, wait for it, then store
    `target`: the assignment wins over the factory's result. Inside the
    proxy's own factory, store it at once: the factory's caller keeps it.
    """
    key = id(proxy)
    me = _get_ident()
    while True:
        flight: Record = [me, RUNNING, False]
        try:
            try:
                current = _flights.setdefault(key, flight)
                if current is flight:
                    _write_target(proxy, target)
                    flight[OUTCOME] = DONE
                elif current[LEADER] == me:  # inside the proxy's own factory
                    _write_target(proxy, target)
                    current[ASSIGNED] = True
            finally:
                end(_flights, key, flight)
        except BaseException:
            end(_flights, key, flight)  # again, if the first was cut short
            raise
        if current is flight or current[LEADER] == me:
            return
        wait_for(current)


def _factory_error(proxy: Any, error: Exception) -> ProxyResolveError:
    """The error of a resolution whose factory failed with `error`."""
    try:
        factory = _slots.factory_of(proxy)
    except AttributeError:
        return ProxyResolveError(
            'Proxy is not initialized: __proxy_factory__ is missing.',
            error,
        )
    if not callable(factory):
        return ProxyResolveError(
            f'Cannot resolve the proxy: its factory is not callable '
            f'(it is of type {type(factory).__qualname__}).',
            error,
        )
    name = _describe(factory)
    if isinstance(error, _ReturnedItself):
        return ProxyResolveError(
            f'The proxy factory {name} returned the proxy itself.',
        )
    if isinstance(error, ProxyResolveError):
        # The factory used another proxy that failed: name this factory and
        # the root cause once (the chain is in __cause__).
        root: BaseException = error
        while isinstance(root, ProxyResolveError) and root.cause is not None:
            root = root.cause
        return ProxyResolveError(
            f'The proxy factory {name} failed: {_describe_error(root)}', error
        )
    return ProxyResolveError(
        f'The proxy factory {name} raised {_describe_error(error)}', error
    )


def _describe_error(error: BaseException) -> str:
    if isinstance(error, ProxyResolveError):
        return str(error)
    return f'{type(error).__name__}: {error}'


def _describe(factory: object) -> str:
    name = getattr(factory, '__qualname__', None)
    if not isinstance(name, str):
        name = f'of type {type(factory).__qualname__}'
    return name


def _reset_after_fork() -> None:
    # The flights that other threads of the parent led have no leader in the
    # child: the next use of their proxies leads. Those the forking thread
    # leads still run (using their proxies in the child is a cycle, as it
    # would be in the parent).
    end_others_after_fork(_flights, ABANDONED)


os.register_at_fork(after_in_child=_reset_after_fork)
