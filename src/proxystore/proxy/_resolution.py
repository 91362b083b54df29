"""Resolution: calling a proxy's factory exactly once, whatever the threads do.

The design, in full (the Concurrency page of the documentation says the same
for users):

- A resolution in progress is a flight: a record (see `Record`) of the
  thread that leads it and of its outcome (`RUNNING` until the leader is
  done, then `DONE` or the exception that stopped it). Flights are
  registered in `_flights` by the proxy's `id`, only while they run: the
  leader holds the proxy, so its `id` cannot be reused meanwhile, and it
  deregisters in a `finally` clause.
- The first thread to register a flight for a proxy (an atomic
  `dict.setdefault`) leads: it calls the factory, with no lock held.
- A thread that finds a flight registered waits for it (`wait_for`): under
  `_lock` it checks that the wait can end (below), takes the flight's gate
  (a lock held until the flight is over, made by the first waiter) and
  records in `_waiting` which flight it waits for. Then it passes through
  the gate, and shares the leader's target, or its error.
- The hand-over. When it is done, the leader appends `OVER` to its record
  and opens the gate if a waiter appended one before that. The first waiter
  appends the gate to the same list, and waits only if the gate landed
  before `OVER`. A list's appends happen one at a time, in one order that
  every thread sees (on free-threaded builds too: each list operation holds
  that list's own lock), so either the leader sees the gate and opens it,
  or the waiter sees `OVER` and does not wait. So an uncontended first use
  takes no lock and makes none.
- Before waiting, a thread follows the wait-for graph from the flight's
  leader (what that thread waits for, and who leads that, ...). Reaching
  itself means the factories wait on each other, which would never end: it
  raises a cycle error instead. The walk and every new edge are made under
  `_lock`; a flight whose outcome is set is over and its edges are ignored,
  so the walk reports real cycles only. `resolve_async` jobs take part in
  the same graph (see `_pool`), with records of the same shape.
- An assignment of the target (`assign`) goes through the same registry: it
  waits for a factory running in another thread, then stores its target, so
  the assignment wins over the factory's result.

Interrupts. CPython (3.10 to 3.14, free-threaded builds included) delivers
asynchronous exceptions such as `KeyboardInterrupt`, and runs signal
handlers, only at calls, backward jumps and function entries. An interrupt
that lands right after the registering call takes the registration back
(an `except` clause); from there to the leader's `try` no instruction can be
interrupted; and the leader records its outcome and hands over in `except`
and `finally` clauses whose instructions up to the opening of the gate are
loads, stores, list and dict operations, with no call. So whatever
instruction an interrupt hits, the waiters are woken and nothing stays
registered. A waiter registers and deregisters its wait inside one
`try`, so an interrupted wait leaves no edge behind and affects that call
only.
"""

# Targets and factories are of any type.
# pyright: reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

import os
import threading
from typing import Any

from proxystore.proxy import _audit
from proxystore.proxy import _slots
from proxystore.proxy._errors import ProxyResolveError
from proxystore.proxy._slots import UNSET

__all__ = [
    'ABANDONED',
    'ASSIGNED',
    'HANDOVER',
    'LEADER',
    'OUTCOME',
    'OVER',
    'RUNNING',
    'ProxyResolveError',
    'Record',
    'assign',
    'new_record',
    'resolve',
    'wait_for',
]


RUNNING: Any = None
"""The outcome of a flight (or job) still running."""
DONE: Any = True
"""The outcome of a flight whose leader stored the target."""
ABANDONED: Any = False
"""The outcome of a flight (or job) that ended with neither a target nor an
error to share (cancelled, or cut short): whoever waited for it starts over."""


class _Over:
    __slots__ = ()

    def __repr__(self) -> str:
        return '<over>'


OVER: Any = _Over()
"""What the leader appends to its record when it is done (see `Record`)."""
_OVER = (OVER,)


Record = list[Any]
"""What a thread may wait for: a flight, or a `resolve_async` job (`_pool`).

A list rather than a class: one is made for every first use of a proxy, and
a list costs a third of a class instance there.

- `record[LEADER]`: the ident of the thread that runs it (a job has `None`
  until a thread claims it).
- `record[OUTCOME]`: `RUNNING` until it is over.
- `record[ASSIGNED]`: whether the proxy's own factory assigned its target
  (which then wins over what the factory returns).
- `record[HANDOVER]`, once there: whichever was appended first, the gate of
  the waiters (a lock held until the record is over, appended by the first
  waiter) or `OVER` (appended by the leader when it is done). What follows
  it in the list does not matter.
"""
LEADER, OUTCOME, ASSIGNED, HANDOVER = 0, 1, 2, 3


def new_record(leader: int | None) -> Record:
    """A record of something starting now, run by thread `leader`."""
    return [leader, RUNNING, False]


_flights: dict[int, Record] = {}
"""id(proxy) -> its flight, while it runs."""
_waiting: dict[int, Record] = {}
"""thread ident -> the flight (or resolve_async job) it waits for."""
_lock = threading.RLock()
"""Guards the waiters' side: `_waiting`, the walk of the wait-for graph and
the making of gates. Reentrant, so that a finalizer that the interpreter
runs inside one of its short critical sections cannot deadlock on it (it
gets an error instead if it has to wait, see `wait_for`)."""

_allocate_lock = threading.Lock
_get_ident = threading.get_ident
_get_target = _slots._get_target  # pyright: ignore[reportPrivateUsage]
_get_factory = _slots.get_factory
_set_target = _slots.set_target


def resolve(proxy: Any) -> Any:  # noqa: PLR0912 - the leader's steps, inlined
    """Resolve a proxy and return its target.

    Calls the factory if no other thread is resolving the proxy, and waits
    for that thread otherwise. This reads and writes the slots only: it is
    what `Proxy` itself and its properties call.

    Raises:
        ProxyResolveError: If the factory fails, if the proxy has no
            (callable) factory, or if the factories wait on each other.
    """
    # Does anyone watch resolutions (record_resolutions() or
    # forbid_implicit_resolution() in some thread, or the log at DEBUG)? If
    # so, _audit checks this one and gives the factory through a reader that
    # times and reports its call.
    factory_of = _get_factory
    if _audit.watching:
        factory_of = _audit.watch(proxy)
    key = id(proxy)
    while True:
        flight: Record = [_get_ident(), RUNNING, False]
        try:
            current = _flights.setdefault(key, flight)
        except BaseException as error:
            # An interrupt right after the call, before `current` was bound:
            # take back a registration it may have made (nobody else does),
            # with its outcome, as every other exit does.
            flight[OUTCOME] = error
            if key in _flights and _flights[key] is flight:
                del _flights[key]
                flight += _OVER
                if flight[HANDOVER] is not OVER:
                    flight[HANDOVER].release()
            raise
        if current is flight:  # this thread leads (no call before the try)
            try:
                # Resolved by a flight just over? (peek(), inlined twice: this
                # is every first use.)
                try:
                    target = _get_target(proxy)
                except AttributeError:  # never initialized
                    target = UNSET
                if target is UNSET:
                    try:
                        result = factory_of(proxy)()
                    except Exception as error:
                        if factory_of is _get_factory:  # else it was reported
                            _audit.failed(proxy, error)
                        raise _factory_error(proxy, error) from error
                    if result is proxy:
                        raise _factory_error(proxy, None)
                    # A target the factory assigned itself wins (unless it
                    # also took it back).
                    target = _get_target(proxy) if flight[ASSIGNED] else UNSET
                    if target is UNSET:
                        _set_target(proxy, result)
                        target = result
                flight[OUTCOME] = DONE
                return target
            except BaseException as error:
                flight[OUTCOME] = error
                raise
            finally:
                # The hand-over (see the module's docstring). No call comes
                # before the gate is opened, so no interrupt can come between.
                del _flights[key]
                flight += _OVER
                if flight[HANDOVER] is not OVER:
                    flight[HANDOVER].release()
        target = _outcome_of(proxy, key, current)
        if target is not UNSET:
            return target
        # The leader was interrupted (or the proxy was unresolved again):
        # start over, leading or waiting.


def _outcome_of(proxy: Any, key: int, flight: Record) -> Any:
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
    failure = flight[OUTCOME]
    if isinstance(failure, ProxyResolveError):
        raise ProxyResolveError(failure.args[0], failure.cause) from failure.cause
    if failure is RUNNING:
        _forget(key, flight)
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
            current = _flights.setdefault(key, flight)
            if current is flight:
                _set_target(proxy, target)
                flight[OUTCOME] = DONE
                return
            if current[LEADER] == me:
                _set_target(proxy, target)
                current[ASSIGNED] = True
                return
        except BaseException as error:
            flight[OUTCOME] = error
            raise
        finally:
            # The hand-over, as in `resolve`.
            if key in _flights and _flights[key] is flight:
                del _flights[key]
                flight += _OVER
                if flight[HANDOVER] is not OVER:
                    flight[HANDOVER].release()
        wait_for(current)


def _factory_error(proxy: Any, error: Exception | None) -> ProxyResolveError:
    """The error of a resolution whose factory failed with `error`.

    With `error` `None`, the factory returned the proxy itself.
    """
    try:
        factory = _get_factory(proxy)
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
    if error is None:
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
            f'The proxy factory {name} failed: {_summary(root)}', error
        )
    return ProxyResolveError(
        f'The proxy factory {name} raised {_summary(error)}', error
    )


def _summary(error: BaseException) -> str:
    if isinstance(error, ProxyResolveError):
        return str(error)
    return f'{type(error).__name__}: {error}'


def _describe(factory: object) -> str:
    name = getattr(factory, '__qualname__', None)
    if not isinstance(name, str):
        name = f'of type {type(factory).__qualname__}'
    return name


def _forget(key: int, flight: Record) -> None:
    # A flight over without an outcome, which no exit path of `resolve`
    # leaves: a defence, so that such a record could not make every later
    # use of its proxy spin. Its waiters all start over: the outcome says
    # that the flight ended with no error of its own to share.
    with _lock:
        flight[OUTCOME] = ABANDONED
        if key in _flights and _flights[key] is flight:
            del _flights[key]


def _cycle_error() -> ProxyResolveError:
    return ProxyResolveError(
        'Cannot resolve the proxy: its factory needs the proxy itself, '
        'directly or through other proxies or resolve_async() futures '
        '(a cycle).',
    )


def wait_for(node: Record) -> None:
    """Wait until a flight (or a `resolve_async` job) is over.

    Args:
        node: The record of the flight or job.

    Raises:
        ProxyResolveError: If waiting would never end: the thread that runs
            `node` waits, through other flights and jobs, for this thread;
            or if this thread is inside a critical section of this module
            (a finalizer or signal handler that the interpreter ran there).
    """
    me = _get_ident()
    if _lock._is_owned():  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]
        raise ProxyResolveError(
            'Cannot wait for a proxy from a finalizer or signal handler run '
            'while this thread was updating the resolution records.',
        )
    outer: Record | None = None
    registered = False
    try:
        with _lock:
            if node[OUTCOME] is not RUNNING:
                return
            if _waits_for(node, me):
                raise _cycle_error()
            if len(node) == HANDOVER:  # the first waiter brings the gate
                gate = _allocate_lock()
                gate.acquire()
                node += (gate,)
            gate = node[HANDOVER]
            if gate is OVER:  # the leader was done first
                return
            outer = _waiting.get(me)  # a wait that a signal handler interrupted
            _waiting[me] = node
            registered = True  # no call between: an interrupt cannot split them
        with gate:
            pass
    finally:
        # Plain dict operations (atomic, also on free-threaded builds): taking
        # an edge away never makes the walk find a cycle that is not there.
        if registered:
            if outer is None:
                del _waiting[me]
            else:
                _waiting[me] = outer


def _waits_for(node: Record | None, me: int) -> bool:
    """Whether the thread running `node` waits for thread `me` (under _lock).

    Every edge followed is one a thread registered under the lock and whose
    flight was still running when the walk read it; edges only appear under
    the lock, and flights never run again, so every edge followed was real
    when the walk began. The walk is bounded by the number of edges.
    """
    for _ in range(len(_waiting) + 1):
        if node is None or node[OUTCOME] is not RUNNING:
            return False
        leader = node[LEADER]
        if leader == me:
            return True
        node = None if leader is None else _waiting.get(leader)
    return False


def _reset_after_fork() -> None:
    # The child has only the forking thread. The flights it leads still run
    # (using their proxies in the child is a cycle, as in the parent); the
    # others' leaders are gone: hand them over for anyone who finds them.
    global _lock
    _lock = threading.RLock()
    me = _get_ident()
    for key, flight in list(_flights.items()):
        if flight[LEADER] != me:
            flight[OUTCOME] = ProxyResolveError(
                'The thread resolving the proxy did not survive a fork.',
            )
            del _flights[key]
            flight.extend(_OVER)
            if flight[HANDOVER] is not OVER:
                flight[HANDOVER].release()
    for ident in list(_waiting):
        if ident != me:
            del _waiting[ident]


os.register_at_fork(after_in_child=_reset_after_fork)
