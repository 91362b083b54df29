"""Records of work that threads wait for, the hand-over, and the waits between them.

This module owns the protocol that `_resolution` (flights: a proxy's factory
being called) and `_pool` (jobs: `resolve_async`) share. It imports nothing
else of the package but the error class.

A *record* is a list (one is made for every first use of a proxy, and a list
costs a third of a class instance there):

- `record[LEADER]`: the ident of the thread doing the work (`None` for a job
  that no thread has claimed yet).
- `record[OUTCOME]`: `RUNNING` until the work is over; then `DONE`,
  `ABANDONED` (nothing to share: whoever waited starts over) or the
  `Exception` the work failed with.
- `record[ASSIGNED]`: a flight's factory assigned the proxy's target itself.
- `record[HANDOVER:]`: the *gates* of the waiters and the `OVER` mark, in
  the order they were appended.

The hand-over. Each waiter brings a gate of its own (a lock it holds) and
appends it to the record; when the work is over, `end` appends `OVER` and
opens every gate that came before it. A waiter whose gate came after `OVER`
does not wait. Appends to one list happen one at a time, in one order that
every thread sees (on free-threaded builds too: each list operation holds the
list's own lock), so every gate is either opened or not waited on. A first
use that nobody waits for makes no gate and takes no lock.

Interrupts. `end` is idempotent: every caller runs it in a `finally` clause
nested in another that runs it again, so that an exception landing anywhere
in the first run (a `KeyboardInterrupt` delivered at any line under a tracer,
say) is mended by the second. The clean-up is armed before the registration:
the registering call is inside both `try` blocks.

Waiting. A waiter records, in `_waiting`, which record it waits for: the
waits form a graph (a thread waits for a record, whose leader may wait for
another record...). Before waiting, a thread follows that graph; reaching
itself means the wait would never end, and it raises a cycle error instead.
Every new edge and every walk are made under `_lock`, which guards nothing
else and is held only while `_add_wait` runs (dict and list operations, no
call into code of the user's).
"""

# Records hold outcomes and gates of any type.
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false

from __future__ import annotations

import os
import threading
from typing import Any

from proxystore.proxy._errors import ProxyResolveError

__all__ = [
    'ABANDONED',
    'ASSIGNED',
    'DONE',
    'LEADER',
    'OUTCOME',
    'RUNNING',
    'Record',
    'claim',
    'end',
    'hand_over',
    'wait_for',
]

RUNNING: Any = None
"""The outcome of work still in progress."""
DONE: Any = True
"""The outcome of work that succeeded."""
ABANDONED: Any = False
"""The outcome of work that ended with nothing to share (interrupted, or a
job cancelled or given back): whoever waited for it starts over."""


class _Over:
    __slots__ = ()

    def __repr__(self) -> str:
        return '<over>'


OVER: Any = _Over()
"""What `end` appends to a record when the work is over."""
_OVER = (OVER,)

Record = list[Any]
"""Work that threads may wait for (see the module's docstring)."""
LEADER, OUTCOME, ASSIGNED, HANDOVER = 0, 1, 2, 3

_waiting: dict[int, Record] = {}
"""thread ident -> the record it waits for."""
_lock = threading.RLock()
"""Guards the edges of `_waiting` and the walks of the graph, and job claims.

Reentrant: a signal handler, finalizer or weakref callback that the
interpreter runs inside `_add_wait` or `_claim` (at a call there) may use
proxies; if it would have to wait, it gets an error instead (`wait_for`)."""

_allocate_lock = threading.Lock
_get_ident = threading.get_ident


def end(registry: dict[int, Record], key: int, record: Record) -> None:
    """End a record: deregister it and hand its outcome over to its waiters.

    Idempotent (see the module's docstring): a record still `RUNNING` ends
    `ABANDONED`; one that is not registered under `key` (whose registration
    never happened, or was already taken back) is only handed over.

    Args:
        registry: Where the record is registered while the work runs.
        key: Its key there.
        record: The record.
    """
    if record[OUTCOME] is RUNNING:
        record[OUTCOME] = ABANDONED
    if registry.get(key) is record:
        del registry[key]
    # The hand-over, inlined (this is every first use).
    record += _OVER
    if record[HANDOVER] is not OVER:  # somebody waits
        _open_gates(record)


def hand_over(record: Record) -> None:
    """Mark a record over and open the gates of its waiters (idempotent)."""
    record += _OVER
    if record[HANDOVER] is not OVER:  # somebody waits
        _open_gates(record)


def _open_gates(record: Record) -> None:
    """Open the gates that came before the record's first `OVER`."""
    for gate in record[HANDOVER : record.index(OVER)]:
        try:  # noqa: SIM105 - a with statement costs more
            gate.release()
        except RuntimeError:  # opened by an earlier hand-over, cut short
            pass


def wait_for(record: Record) -> None:
    """Wait until the work of a record is over.

    Args:
        record: The record of a flight or a job.

    Raises:
        ProxyResolveError: If the wait would never end: the thread doing the
            work waits, through other records, for this thread; or if this
            thread is inside `_add_wait` or `_claim` (a finalizer or signal
            handler that the interpreter ran there).
    """
    if _lock._is_owned():  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]
        raise ProxyResolveError(
            'Cannot wait for a proxy from a finalizer or signal handler run '
            'while this thread was recording a wait.',
        )
    me = _get_ident()
    outer = _waiting.get(me)  # a wait that a signal handler interrupted
    gate = _allocate_lock()
    gate.acquire()
    try:
        try:
            if _join(me, record, gate):
                gate.acquire()  # until the work is over
        finally:
            _leave(me, record, outer)
    finally:
        _leave(me, record, outer)  # again (see `end`)


# One line each: a tracer sees no line between taking the lock and the call,
# nor between the call and giving the lock back (a `with` statement's exit is
# a line of its own when its body has several), so an exception at any line
# leaves the lock free.
# fmt: off
def _join(me: int, record: Record, gate: Any) -> bool:
    with _lock: return _add_wait(me, record, gate)  # noqa: E701


def claim(record: Record) -> bool:
    """Claim a job's record for this thread; whether no other thread had."""
    with _lock: return _claim(record, _get_ident())  # noqa: E701
# fmt: on


def _claim(record: Record, me: int) -> bool:
    if record[LEADER] is not None:
        return False
    record[LEADER] = me
    return True


def _add_wait(me: int, record: Record, gate: Any) -> bool:
    """Record that thread `me` waits for `record`; whether it must wait.

    Raises:
        ProxyResolveError: If the wait would close a cycle.
    """
    if record[OUTCOME] is not RUNNING:
        return False
    if _waits_for(record, me):
        raise ProxyResolveError(
            'Cannot resolve the proxy: its factory needs the proxy itself, '
            'directly or through other proxies or resolve_async() futures '
            '(a cycle).',
        )
    _waiting[me] = record
    record += (gate,)
    # Unless the work was over first.
    return OVER not in record[HANDOVER : record.index(gate)]


def _leave(me: int, record: Record, outer: Record | None) -> None:
    # Plain dict operations (atomic, also on free-threaded builds): taking an
    # edge away never makes a walk find a cycle that is not there.
    if _waiting.get(me) is record:
        if outer is None:
            del _waiting[me]
        else:
            _waiting[me] = outer


def _waits_for(record: Record | None, me: int) -> bool:
    """Whether the thread doing `record` waits for thread `me` (under _lock).

    Every edge followed was made under the lock, and its record was still
    running when the walk read it: edges only appear under the lock, and
    work never runs again once over, so every edge followed was real when
    the walk began. The walk is bounded by the number of edges.
    """
    for _ in range(len(_waiting) + 1):
        if record is None or record[OUTCOME] is not RUNNING:
            return False
        leader = record[LEADER]
        if leader == me:
            return True
        record = None if leader is None else _waiting.get(leader)
    return False


def end_others_after_fork(registry: dict[int, Record], outcome: Any) -> None:
    """In a forked child: end the records of the threads that did not survive.

    Args:
        registry: The records to look at.
        outcome: The outcome they get if they were still running.
    """
    me = _get_ident()
    for key, record in list(registry.items()):
        if record[LEADER] != me:
            if record[OUTCOME] is RUNNING:
                record[OUTCOME] = outcome
            end(registry, key, record)


def _reset_after_fork() -> None:
    # The child has only the forking thread: a new lock (the old one may be
    # held by a thread that is gone), and only that thread's waits.
    global _lock
    _lock = threading.RLock()
    me = _get_ident()
    for ident in list(_waiting):
        if ident != me:
            del _waiting[ident]


os.register_at_fork(after_in_child=_reset_after_fork)
