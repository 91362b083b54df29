"""Recording, logging and forbidding resolutions (proxystore.proxy._audit)."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import os
import pickle
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from proxystore.proxy import ImplicitResolutionError
from proxystore.proxy import ImplicitResolutionWarning
from proxystore.proxy import Proxy
from proxystore.proxy import ProxyResolveError
from proxystore.proxy import Resolution
from proxystore.proxy import _audit
from proxystore.proxy import extract
from proxystore.proxy import forbid_implicit_resolution
from proxystore.proxy import is_resolved
from proxystore.proxy import record_resolutions
from proxystore.proxy import resolve
from proxystore.proxy import resolve_async
from test_pool import in_child

_object_getattribute = object.__getattribute__


def _line() -> int:
    """The line number of the caller's line."""
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return frame.f_back.f_lineno


class Counting:
    """A factory that counts its calls and the calls of its repr."""

    def __init__(self, value: Any = 'value') -> None:
        self.value = value
        self.calls = 0
        self.reprs = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.value

    def __repr__(self) -> str:
        self.reprs += 1
        return f'Counting({self.value!r})'


def _fail() -> Any:
    raise ValueError('the store is down')


class Checked(Proxy[Any]):
    """A subclass that checks something on every use, as ProxyStore's refs do."""

    @property
    def __proxy_wrapped__(self) -> Any:
        return self.check(super().__proxy_wrapped__)

    @staticmethod
    def check(target: Any) -> Any:
        return target

    @classmethod
    def kind(cls) -> str:
        return cls.__name__


# Recording.


def test_a_record_says_what_resolved_the_proxy_and_where() -> None:
    factory = Counting([1, 2, 3])
    proxy = Proxy(factory)
    with record_resolutions() as resolutions:
        line = _line() + 1
        assert len(proxy) == 3
    (seen,) = resolutions
    assert isinstance(seen, Resolution)
    assert seen.factory == 'Counting([1, 2, 3])'
    assert seen.operation == '__len__'
    assert not seen.explicit
    assert seen.succeeded
    assert seen.error is None
    assert seen.thread == threading.current_thread().name
    assert seen.duration >= 0
    assert seen.location is not None
    assert (seen.location.filename, seen.location.lineno) == (__file__, line)
    assert seen.location.name == 'test_a_record_says_what_resolved_the_proxy_and_where'
    last = seen.stack[-1]
    assert (last.filename, last.lineno) == (__file__, line)
    assert 'len(proxy)' in ''.join(seen.stack.format())


@pytest.mark.parametrize(
    ('use', 'operation'),
    [
        (lambda p: p.upper(), "__getattribute__('upper')"),
        (lambda p: p + '!', '__add__'),
        (str, '__str__'),
        (hash, '__hash__'),
        (lambda p: isinstance(p, str), "__getattribute__('__class__')"),
    ],
)
def test_each_implicit_operation_is_named(use: Any, operation: str) -> None:
    with record_resolutions() as resolutions:
        use(Proxy(Counting()))
    assert [(r.operation, r.explicit) for r in resolutions] == [(operation, False)]


@pytest.mark.parametrize(
    ('use', 'operation'),
    [
        (extract, 'extract'),
        (resolve, 'resolve'),
        (lambda p: p.__proxy_wrapped__, '__proxy_wrapped__'),
        (
            lambda p: object.__getattribute__(p, '__proxy_wrapped__'),
            '__proxy_wrapped__',
        ),
    ],
)
def test_explicit_resolutions_are_recorded_as_such(use: Any, operation: str) -> None:
    with record_resolutions() as resolutions:
        use(Proxy(Counting()))
    assert [(r.operation, r.explicit) for r in resolutions] == [(operation, True)]


def test_a_failed_resolution_is_recorded_and_the_proxy_stays_usable() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError('the store is down')
        return 'value'

    proxy = Proxy(flaky)
    with record_resolutions() as resolutions:
        with pytest.raises(ProxyResolveError):
            proxy.upper()
        assert proxy.upper() == 'VALUE'
    failed, succeeded = resolutions
    assert not failed.succeeded
    assert isinstance(failed.error, ValueError)
    assert str(failed.error) == 'the store is down'
    assert succeeded.succeeded


def test_only_calls_of_factories_are_recorded() -> None:
    factory = Counting(7)
    resolved = Proxy(factory)
    extract(resolved)
    cached = Proxy(Counting(8), cache_defaults=True, target=8)
    cached = pickle.loads(pickle.dumps(cached))  # unresolved, with defaults
    with record_resolutions() as resolutions:
        assert resolved + 1 == 8
        assert isinstance(cached, int)  # the cached class answers
        assert hash(cached) == hash(8)
        repr(cached)
    assert resolutions == []
    assert not is_resolved(cached)


def test_a_missing_factory_is_recorded_as_a_failure() -> None:
    proxy: Proxy[Any] = Proxy.__new__(Proxy)
    with record_resolutions() as resolutions, pytest.raises(ProxyResolveError):
        str(proxy)
    (seen,) = resolutions
    assert seen.factory == '<missing>'
    assert isinstance(seen.error, AttributeError)


def test_nested_records_each_see_what_happens_inside_them() -> None:
    with record_resolutions() as outer:
        str(Proxy(Counting('a')))
        with record_resolutions() as inner:
            str(Proxy(Counting('b')))
        str(Proxy(Counting('c')))
    assert [r.factory for r in outer] == [
        "Counting('a')",
        "Counting('b')",
        "Counting('c')",
    ]
    assert [r.factory for r in inner] == ["Counting('b')"]


def test_a_nested_factory_is_located_in_the_outer_factory() -> None:
    inner = Proxy(Counting(2))
    line = 0

    def outer_factory() -> int:
        nonlocal line
        line = _line() + 1
        return inner * 3

    with record_resolutions() as resolutions:
        assert Proxy(outer_factory) + 0 == 6
    first, second = resolutions  # the inner one ends first
    assert first.factory == 'Counting(2)'
    assert first.location is not None
    assert (first.location.name, first.location.lineno) == ('outer_factory', line)
    assert second.operation == '__add__'


def test_a_subclass_property_is_part_of_the_proxy_not_the_location() -> None:
    proxy = Checked(Counting('abc'))
    with record_resolutions() as resolutions:
        line = _line() + 1
        assert len(proxy) == 3
    (seen,) = resolutions
    assert seen.operation == '__len__'
    assert seen.location is not None
    assert seen.location.lineno == line


@pytest.mark.threads
def test_records_belong_to_the_thread_that_opened_them() -> None:
    done = threading.Event()

    def elsewhere() -> None:
        str(Proxy(Counting('other thread')))
        done.set()

    with record_resolutions() as resolutions:
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        str(Proxy(Counting('here')))
    assert done.is_set()
    assert [r.factory for r in resolutions] == ["Counting('here')"]


@pytest.mark.event_loop
def test_records_include_tasks_started_inside_and_context_copies() -> None:
    async def use(proxy: Proxy[str]) -> str:
        await asyncio.sleep(0)
        return proxy.upper()

    async def main() -> list[Resolution]:
        outside = asyncio.ensure_future(use(Proxy(Counting('outside'))))
        with record_resolutions() as resolutions:
            inside = asyncio.ensure_future(use(Proxy(Counting('inside'))))
            await asyncio.gather(inside, outside)
            contextvars.copy_context().run(str, Proxy(Counting('copy')))
        return resolutions

    resolutions = asyncio.run(main())
    assert sorted(r.factory for r in resolutions) == [
        "Counting('copy')",
        "Counting('inside')",
    ]


@pytest.mark.threads
def test_threads_recording_at_once_see_only_their_own() -> None:
    seen: dict[int, list[str]] = {}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:

        def work(n: int) -> None:
            with record_resolutions() as resolutions:
                for i in range(50):
                    str(Proxy(Counting(f'{n}-{i}')))
            seen[n] = [r.factory for r in resolutions]

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    for n in range(4):
        assert seen[n] == [f"Counting('{n}-{i}')" for i in range(50)]
    assert not _audit.blocks


def test_a_long_factory_repr_is_cut() -> None:
    with record_resolutions() as resolutions:
        str(Proxy(Counting('x' * 1000)))
    assert len(resolutions[0].factory) <= 200


def test_a_factory_whose_repr_fails_still_resolves() -> None:
    class Opaque:
        def __call__(self) -> int:
            return 1

        def __repr__(self) -> str:
            raise RuntimeError('no repr')

    with record_resolutions() as resolutions:
        assert Proxy(Opaque()) + 1 == 2
    assert resolutions[0].factory.startswith('<Opaque instance at 0x')


# Forbidding.


def test_forbidden_implicit_resolution_raises_and_leaves_the_proxy_alone() -> None:
    factory = Counting([1, 2, 3])
    proxy = Proxy(factory)
    with forbid_implicit_resolution():
        line = _line() + 2
        with pytest.raises(ImplicitResolutionError) as caught:
            len(proxy)
    error = caught.value
    assert isinstance(error, ProxyResolveError)
    assert factory.calls == 0
    assert not is_resolved(proxy)
    assert error.operation == '__len__'
    assert error.factory == 'Counting([1, 2, 3])'
    assert error.location is not None
    assert error.location.lineno == line
    message = str(error)
    assert '__len__' in message
    assert 'Counting([1, 2, 3])' in message
    assert f'{__file__}:{line}' in message
    assert 'extract(proxy)' in message
    assert len(proxy) == 3  # usable after the block


@pytest.mark.threads
def test_explicit_resolution_is_allowed_inside_forbid() -> None:
    with forbid_implicit_resolution():
        assert extract(Proxy(Counting(1))) == 1
        resolve(Proxy(Counting(2)))
        assert Proxy(Counting(3)).__proxy_wrapped__ == 3
        assert resolve_async(Proxy(Counting(4))).result() == 4
        resolved = Proxy(Counting(5))
        extract(resolved)
        assert resolved + 1 == 6  # resolved proxies are not affected


def test_answers_that_do_not_resolve_are_allowed_inside_forbid() -> None:
    proxy = pickle.loads(
        pickle.dumps(Proxy(Counting(8), cache_defaults=True, target=8))
    )
    with forbid_implicit_resolution():
        assert isinstance(proxy, int)
        assert hash(proxy) == hash(8)
        assert 'Proxy' in repr(proxy)
        with pytest.raises(ImplicitResolutionError):
            proxy + 1


def test_forbid_sees_through_a_subclass_property() -> None:
    proxy = Checked(Counting('abc'))
    line = _line() + 2
    with forbid_implicit_resolution(), pytest.raises(ImplicitResolutionError) as caught:
        proxy.upper()
    assert caught.value.operation == "__getattribute__('upper')"
    assert caught.value.location is not None
    assert caught.value.location.lineno == line
    with forbid_implicit_resolution():
        assert extract(proxy) == 'abc'


def test_forbid_can_warn_instead() -> None:
    factory = Counting('abc')
    proxy = Proxy(factory)
    with forbid_implicit_resolution(warn=True):
        line = _line() + 2
        with pytest.warns(ImplicitResolutionWarning, match='__len__') as caught:
            size = len(proxy)
    assert size == 3
    (warning,) = caught
    assert (warning.filename, warning.lineno) == (__file__, line)
    assert factory.calls == 1


def test_a_warning_turned_into_an_error_leaves_the_proxy_unresolved() -> None:
    factory = Counting('abc')
    proxy = Proxy(factory)
    with forbid_implicit_resolution(warn=True), warnings.catch_warnings():
        warnings.simplefilter('error', ImplicitResolutionWarning)
        with pytest.raises(ImplicitResolutionWarning):
            len(proxy)
    assert factory.calls == 0
    assert not is_resolved(proxy)


def test_forbid_blocks_nest_the_innermost_deciding() -> None:
    with forbid_implicit_resolution():
        with forbid_implicit_resolution(warn=True):
            with pytest.warns(ImplicitResolutionWarning):
                str(Proxy(Counting()))
        with pytest.raises(ImplicitResolutionError):
            str(Proxy(Counting()))
    assert str(Proxy(Counting('free'))) == 'free'
    assert not _audit.blocks


def test_a_failing_factory_inside_forbid_gives_its_own_error() -> None:
    proxy = Proxy(_fail)
    with forbid_implicit_resolution():
        with pytest.raises(ProxyResolveError) as caught:
            extract(proxy)
        assert not isinstance(caught.value, ImplicitResolutionError)
        with pytest.raises(ImplicitResolutionError):
            str(proxy)
    assert not is_resolved(proxy)


@pytest.mark.threads
def test_forbid_belongs_to_its_thread() -> None:
    results: list[str] = []
    with forbid_implicit_resolution():
        thread = threading.Thread(
            target=lambda: results.append(str(Proxy(Counting('ok'))))
        )
        thread.start()
        thread.join()
    assert results == ['ok']


@pytest.mark.event_loop
def test_forbid_belongs_to_its_task() -> None:
    async def forbidding(started: asyncio.Event, go: asyncio.Event) -> str:
        with forbid_implicit_resolution():
            started.set()
            await go.wait()
            try:
                str(Proxy(Counting()))
            except ImplicitResolutionError:
                return 'refused'
        return 'resolved'

    async def free(started: asyncio.Event, go: asyncio.Event) -> str:
        await started.wait()
        value = str(Proxy(Counting('resolved')))  # while the other task forbids
        go.set()
        return value

    async def main() -> list[str]:
        started, go = asyncio.Event(), asyncio.Event()
        return list(await asyncio.gather(forbidding(started, go), free(started, go)))

    assert asyncio.run(main()) == ['refused', 'resolved']


def test_the_error_pickles() -> None:
    with forbid_implicit_resolution(), pytest.raises(ImplicitResolutionError) as caught:
        str(Proxy(Counting()))
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is ImplicitResolutionError
    assert (copy.args, copy.operation, copy.factory) == (
        caught.value.args,
        caught.value.operation,
        caught.value.factory,
    )


# Logging.


def _logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == 'proxystore.proxy']


def test_resolutions_are_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger='proxystore.proxy'):
        line = _line() + 1
        str(Proxy(Counting('abc')))
    (record,) = _logged(caplog)
    assert record.levelno == logging.DEBUG
    message = record.getMessage()
    for part in ("Counting('abc')", '__str__', f'{__file__}:{line}', ' ms'):
        assert part in message


def test_failures_are_logged_at_warning(caplog: pytest.LogCaptureFixture) -> None:
    for level in (logging.DEBUG, logging.WARNING):
        caplog.clear()
        with caplog.at_level(level, logger='proxystore.proxy'):
            line = _line() + 2
            with pytest.raises(ProxyResolveError):
                str(Proxy(_fail))
        (record,) = _logged(caplog)
        assert record.levelno == logging.WARNING
        message = record.getMessage()
        for part in ('_fail', 'the store is down', f'{__file__}:{line}'):
            assert part in message


def test_nothing_is_formatted_while_nobody_watches(
    caplog: pytest.LogCaptureFixture,
) -> None:
    factory = Counting('abc')
    with caplog.at_level(logging.WARNING, logger='proxystore.proxy'):
        assert str(Proxy(factory)) == 'abc'
    assert factory.reprs == 0
    assert not _logged(caplog)


def test_a_level_change_takes_effect_at_once(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger('proxystore.proxy')
    with caplog.at_level(logging.DEBUG, logger='proxystore.proxy'):
        logger.setLevel(logging.WARNING)
        str(Proxy(Counting('quiet')))
        logger.setLevel(logging.DEBUG)
        str(Proxy(Counting('heard')))
        logger.setLevel(logging.WARNING)
        str(Proxy(Counting('quiet again')))
    messages = [r.getMessage() for r in _logged(caplog)]
    assert len(messages) == 1
    assert "Counting('heard')" in messages[0]


@pytest.mark.subprocess
def test_an_unconfigured_application_prints_nothing() -> None:
    # Without a handler of the library's own, Python would print WARNING
    # records to stderr when the application has not configured logging.
    script = (
        'from proxystore.proxy import Proxy, ProxyResolveError\n'
        'def fail(): raise ValueError("down")\n'
        'try:\n'
        '    str(Proxy(fail))\n'
        'except ProxyResolveError:\n'
        '    print("caught")\n'
    )
    done = subprocess.run(
        [sys.executable, '-c', script],
        capture_output=True,
        text=True,
        check=True,
    )
    assert (done.stdout, done.stderr) == ('caught\n', '')


def test_logging_disable_takes_effect_at_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger='proxystore.proxy'):
        logging.disable(logging.CRITICAL)
        try:
            str(Proxy(Counting('silenced')))
        finally:
            logging.disable(logging.NOTSET)
        str(Proxy(Counting('heard')))
    messages = [r.getMessage() for r in _logged(caplog)]
    assert len(messages) == 1
    assert "Counting('heard')" in messages[0]


def test_the_resolver_skips_the_audit_while_nobody_watches(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    watched: list[Any] = []
    watch = _audit.watch
    monkeypatch.setattr(
        _audit, 'watch', lambda proxy: watched.append(1) or watch(proxy)
    )
    logger = logging.getLogger('proxystore.proxy')
    with caplog.at_level(logging.WARNING, logger='proxystore.proxy'):
        str(Proxy(Counting()))
        assert watched == []
        with record_resolutions():
            str(Proxy(Counting()))
        assert watched == [1]
        assert not _audit.blocks
        str(Proxy(Counting()))
        assert watched == [1]
        logger.setLevel(logging.DEBUG)
        str(Proxy(Counting()))
        assert watched == [1, 1]


def test_disabling_the_logger_and_enabling_it_again_is_heard(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # logging does not empty its cache when `disabled` changes: an answer
    # remembered while the logger was disabled must not outlive that.
    logger = logging.getLogger('proxystore.proxy')
    with caplog.at_level(logging.DEBUG, logger='proxystore.proxy'):
        logger.disabled = True
        try:
            str(Proxy(Counting('silenced')))
        finally:
            logger.disabled = False
        str(Proxy(Counting('heard')))
    messages = [r.getMessage() for r in _logged(caplog)]
    assert len(messages) == 1
    assert "Counting('heard')" in messages[0]


def test_failures_are_not_logged_below_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    for level in (logging.ERROR, logging.DEBUG):
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger='proxystore.proxy'):
            logging.getLogger('proxystore.proxy').setLevel(level)
            with record_resolutions() as resolutions, pytest.raises(ProxyResolveError):
                str(Proxy(_fail))
        assert not resolutions[0].succeeded
        expected = [] if level == logging.ERROR else [logging.WARNING]
        assert [r.levelno for r in _logged(caplog)] == expected


def test_a_site_without_a_frame() -> None:
    site = _audit._Site(Proxy(Counting()), None)
    assert site.location is None
    assert site.where() == '<no Python frame>'
    assert (site.operation, site.explicit) == ('resolve', True)


# Reporting comes after the resolution, and user code there may do anything.


class ProxyFilter(logging.Filter):
    """A filter that adds a value read from a proxy (an ordinary pattern)."""

    def __init__(self, proxy: Any) -> None:
        super().__init__()
        self.proxy = proxy

    def filter(self, record: logging.LogRecord) -> bool:
        record.user = str(self.proxy)
        return True


@pytest.mark.parametrize('level', [logging.DEBUG, logging.WARNING])
def test_logging_code_may_use_any_proxy_the_one_resolving_included(
    caplog: pytest.LogCaptureFixture,
    level: int,
) -> None:
    calls: list[int] = []

    def factory() -> str:
        calls.append(1)
        if len(calls) == 1 and level == logging.WARNING:
            raise ValueError('its own error')
        return 'alice'

    proxy = Proxy(factory)
    logger = logging.getLogger('proxystore.proxy')
    with caplog.at_level(level, logger='proxystore.proxy'):
        logger.addFilter(ProxyFilter(proxy))
        try:
            if level == logging.WARNING:
                with pytest.raises(ProxyResolveError) as info:
                    str(proxy)
                # The factory's own error, not a cycle error of the filter's.
                assert isinstance(info.value.cause, ValueError)
            assert str(proxy) == 'alice'
        finally:
            logger.filters.clear()
    assert all(r.user == 'alice' for r in _logged(caplog))  # type: ignore[attr-defined]
    assert len(calls) == (2 if level == logging.WARNING else 1)


class Raising(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        raise RuntimeError('a broken handler')

    def handleError(self, record: logging.LogRecord) -> None:
        raise RuntimeError('a broken handler')


@pytest.fixture
def raising_handler() -> Iterator[None]:
    """DEBUG logging of resolutions on, to a handler that raises."""
    logger = logging.getLogger('proxystore.proxy')
    handler = Raising()
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    yield
    logger.removeHandler(handler)
    logger.setLevel(previous)


@pytest.mark.usefixtures('raising_handler')
def test_a_raising_handler_changes_no_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, 'unraisablehook', unraisable.append)
    ok = Proxy(Counting('fine'))
    assert str(ok) == 'fine'
    failing = Proxy(_fail)
    with pytest.raises(ProxyResolveError) as info:
        str(failing)
    assert not isinstance(info.value.cause, RuntimeError)
    assert ok.__proxy_factory__.calls == 1  # resolved once, and stays so
    assert is_resolved(ok)
    assert [type(u.exc_value) for u in unraisable] == [RuntimeError, RuntimeError]


@pytest.mark.usefixtures('raising_handler')
def test_errors_while_reporting_reach_the_default_unraisable_hook(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The interpreter's own hook accepts only its own type of argument.
    monkeypatch.setattr(sys, 'unraisablehook', sys.__unraisablehook__)
    assert Proxy(lambda: 42) + 1 == 43
    err = capsys.readouterr().err
    assert 'Exception ignored while reporting a proxy resolution:' in err
    assert 'RuntimeError: a broken handler' in err


@pytest.mark.subprocess
def test_signal_handlers_that_open_blocks_and_set_levels_do_not_deadlock() -> None:
    # A SIGALRM handler, every 50 microseconds, does what the main loop does:
    # in a process of its own, bounded by a timeout.
    script = """
import logging, signal
from proxystore.proxy import Proxy, forbid_implicit_resolution, record_resolutions
logger = logging.getLogger('proxystore.proxy')
busy = False
def handler(signum, frame):
    # Not nested in itself: on a slow machine, handlers that interrupt
    # handlers would pile up until the recursion limit.
    global busy
    if busy:
        return
    busy = True
    with record_resolutions(), forbid_implicit_resolution(warn=True):
        debug = logger.level == logging.DEBUG
        logger.setLevel(logging.INFO if debug else logging.DEBUG)
    busy = False
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.00005, 0.00005)
for i in range(20000):
    with record_resolutions():
        str(Proxy(lambda: i))
    logger.setLevel(logging.WARNING)
signal.setitimer(signal.ITIMER_REAL, 0)
print('done')
"""
    done = subprocess.run(
        [sys.executable, '-c', script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, 'done'), done.stderr


@pytest.mark.subprocess
@pytest.mark.threads
@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork')
def test_a_fork_while_other_threads_open_blocks_leaves_the_child_free() -> None:
    stop = threading.Event()

    def churn() -> None:
        # Untraced: a tracer may take a lock of its own on each call
        # (coverage.py's C tracer does), and a fork that finds it held
        # hangs the child in the tracer, at the first call it traces there.
        sys.settrace(None)
        logger = logging.getLogger('proxystore.proxy')
        while not stop.is_set():
            with record_resolutions(), forbid_implicit_resolution():
                logger.setLevel(logging.WARNING)

    threads = [threading.Thread(target=churn) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        codes = []
        for _ in range(20):

            def check() -> int:
                if any(
                    ident != threading.get_ident() for ident in _audit.blocks.values()
                ):
                    return 1
                with record_resolutions() as seen, forbid_implicit_resolution():
                    logging.getLogger('proxystore.proxy').setLevel(logging.INFO)
                    extract(Proxy(lambda: 1))
                return 0 if len(seen) == 1 else 2

            codes.append(in_child(check))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    assert codes == [0] * 20


@pytest.mark.parametrize(
    'block', [record_resolutions, forbid_implicit_resolution], ids=lambda b: b.__name__
)
def test_a_block_left_by_an_exception_is_closed(block: Any) -> None:
    def leave_by_an_error() -> None:
        with block():
            assert _audit.in_block()
            raise KeyError('out')

    with pytest.raises(KeyError):
        leave_by_an_error()
    assert not _audit.in_block()
    assert not _audit.blocks


def test_a_raising_handler_of_a_failure_warning_changes_no_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, 'unraisablehook', unraisable.append)
    logger = logging.getLogger('proxystore.proxy')
    handler = Raising()
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.WARNING)  # no DEBUG: the failure is reported alone
    try:
        with pytest.raises(ProxyResolveError) as info:
            str(Proxy(_fail))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    assert not isinstance(info.value.cause, RuntimeError)
    assert [type(u.exc_value) for u in unraisable] == [RuntimeError]
    assert 'logging a failed proxy resolution' in unraisable[0].err_msg
