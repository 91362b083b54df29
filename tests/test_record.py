"""The record of work in progress, the hand-over and the waits (`_record`)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from proxystore.proxy import Proxy
from proxystore.proxy import ProxyResolveError
from proxystore.proxy import _record
from proxystore.proxy import extract
from proxystore.proxy._record import DONE
from proxystore.proxy._record import HANDOVER
from proxystore.proxy._record import OUTCOME
from proxystore.proxy._record import OVER
from proxystore.proxy._record import RUNNING
from proxystore.proxy._record import _waiting
from proxystore.proxy._resolution import _flights


class Gated:
    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> str:
        self.started.set()
        self.release.wait(timeout=5)
        return 'value'


def test_an_uncontended_resolution_makes_no_gate() -> None:
    seen: list[Any] = []
    proxy = Proxy(lambda: seen.append(_flights[id(proxy)]) or 'value')
    assert extract(proxy) == 'value'
    (record,) = seen
    assert record == [threading.get_ident(), DONE, False, OVER]
    assert id(proxy) not in _flights


@pytest.mark.threads
def test_a_waiter_brings_a_gate_that_the_end_opens() -> None:
    factory = Gated()
    proxy = Proxy(factory)
    leader = threading.Thread(target=extract, args=(proxy,))
    leader.start()
    assert factory.started.wait(timeout=5)
    record = _flights[id(proxy)]
    assert record == [leader.ident, RUNNING, False]
    waiter = threading.Thread(target=extract, args=(proxy,))
    waiter.start()
    deadline = time.monotonic() + 5
    while _waiting.get(waiter.ident or 0) is not record:
        assert time.monotonic() < deadline, 'the waiter never recorded its wait'
        time.sleep(0.001)
    gate = record[HANDOVER]
    assert gate.locked()  # held by its waiter until the end opens it
    factory.release.set()
    leader.join(timeout=5)
    waiter.join(timeout=5)
    assert id(proxy) not in _flights
    assert waiter.ident not in _waiting
    assert record[OUTCOME] is DONE
    assert record[HANDOVER:] == [gate, OVER]


def test_a_gate_that_lands_after_the_end_is_not_waited_on() -> None:
    record: _record.Record = [-1, RUNNING, False]
    _record.hand_over(record)  # over, with its outcome not yet seen as such
    _record.wait_for(record)  # returns at once: its gate came after OVER
    assert record[HANDOVER] is OVER
    assert len(record) == HANDOVER + 2
    assert not _waiting


def test_end_is_idempotent_and_takes_back_only_its_own_record() -> None:
    gate = threading.Lock()
    gate.acquire()
    record: _record.Record = [-1, RUNNING, False, gate]
    other: _record.Record = [-2, RUNNING, False]
    registry = {1: record}
    _record.end(registry, 1, record)
    assert registry == {}
    assert record[OUTCOME] is _record.ABANDONED
    assert not gate.locked()
    registry[1] = other  # registered anew by another thread meanwhile
    _record.end(registry, 1, record)  # again: a no-op but for the marks
    assert registry == {1: other}
    assert not gate.locked()
    assert record[OUTCOME] is _record.ABANDONED


@pytest.mark.threads
def test_waiting_while_recording_a_wait_fails_instead_of_deadlocking() -> None:
    # What a finalizer or signal handler run inside _add_wait would do.
    factory = Gated()
    proxy = Proxy(factory)
    leader = threading.Thread(target=extract, args=(proxy,))
    leader.start()
    assert factory.started.wait(timeout=5)
    try:
        with _record._lock:
            with pytest.raises(ProxyResolveError, match='finalizer or signal'):
                extract(proxy)
            # A proxy nobody resolves needs no wait: it resolves.
            assert extract(Proxy(lambda: 'free')) == 'free'
    finally:
        factory.release.set()
        leader.join(timeout=5)
    assert extract(proxy) == 'value'


def test_after_fork_only_the_forking_threads_records_remain() -> None:
    # The fork handlers, called in this process: forked children report no
    # coverage; the fork tests check the behaviour for real.
    me = threading.get_ident()
    gate = threading.Lock()
    gate.acquire()
    theirs: _record.Record = [-1, RUNNING, False, gate]
    mine: _record.Record = [me, RUNNING, False]
    registry = {1: theirs, 2: mine}
    _waiting[-1] = mine
    lock = _record._lock
    try:
        _record.end_others_after_fork(registry, _record.ABANDONED)
        _record._reset_after_fork()
        assert registry == {2: mine}
        assert theirs[OUTCOME] is _record.ABANDONED
        assert not gate.locked()
        assert mine == [me, RUNNING, False]
        assert -1 not in _waiting
        assert _record._lock is not lock
    finally:
        _waiting.pop(-1, None)
