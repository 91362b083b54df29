"""match_capabilities: capability checks answer as the target's class does."""

from __future__ import annotations

import asyncio
import collections.abc
import contextlib
import copy
import functools
import inspect
import os
import pathlib
import pickle
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest

from _kinds import Slotted
from _transparency import outcome
from _transparency import same
from proxystore.proxy import ImplicitResolutionError
from proxystore.proxy import Proxy
from proxystore.proxy import extract
from proxystore.proxy import forbid_implicit_resolution
from proxystore.proxy import is_resolved
from proxystore.proxy import match_capabilities
from proxystore.proxy import resolve
from proxystore.proxy import resolve_async
from proxystore.proxy._capabilities import _restore_matched
from test_forwarding import TARGETS as OPERATION_TARGETS
from test_forwarding import UNARY
from test_forwarding import UNARY_NAMES
from test_resolution import run_all


def double(x: int) -> int:
    return 2 * x


async def answer() -> int:
    return 42


class Ticker:
    """An async iterator (and nothing else)."""

    def __init__(self) -> None:
        self.left = 2

    def __aiter__(self) -> Ticker:
        return self

    async def __anext__(self) -> int:
        if not self.left:
            raise StopAsyncIteration
        self.left -= 1
        return self.left


class Unhashable:
    def __eq__(self, other: object) -> bool:
        return other is self


class AwaitableOnly:
    def __await__(self) -> Iterator[None]:
        yield


def make_int() -> int:
    return 7


def make_list() -> list[int]:
    return [1, 2]


def make_bytes() -> bytes:
    return b'ab'


def make_function() -> Callable[[int], int]:
    return double


def make_ticker() -> Ticker:
    return Ticker()


def make_path() -> pathlib.PurePosixPath:
    return pathlib.PurePosixPath('/tmp/x')


def make_unhashable() -> Unhashable:
    return Unhashable()


def make_class() -> type:
    return dict


TARGETS: dict[str, Callable[[], Any]] = {
    'int': make_int,
    'list': make_list,
    'bytes': make_bytes,
    'function': make_function,
    'coroutine': answer,
    'async iterator': make_ticker,
    'path': make_path,
    'unhashable': make_unhashable,
    'class': make_class,
}

ABCS = [
    'Callable',
    'Awaitable',
    'Coroutine',
    'Iterable',
    'Iterator',
    'AsyncIterable',
    'AsyncIterator',
    'Sized',
    'Container',
    'Collection',
    'Hashable',
    'Reversible',
    *(['Buffer'] if sys.version_info >= (3, 12) else []),
]

CHECKS: dict[str, Callable[[Any], bool]] = {
    'callable': callable,
    'inspect.isawaitable': inspect.isawaitable,
    'os.PathLike': lambda x: isinstance(x, os.PathLike),
    'AbstractContextManager': lambda x: isinstance(
        x, contextlib.AbstractContextManager
    ),
    'AbstractAsyncContextManager': lambda x: isinstance(
        x, contextlib.AbstractAsyncContextManager
    ),
}
for _name in ABCS:
    CHECKS[_name] = functools.partial(
        lambda abc, x: isinstance(x, abc), getattr(collections.abc, _name)
    )


@contextlib.contextmanager
def fresh(make: Callable[[], Any]) -> Iterator[Any]:
    """A fresh target; a coroutine is closed afterwards (never awaited)."""
    target = make()
    try:
        yield target
    finally:
        if inspect.iscoroutine(target):
            target.close()


def answers(value: Any) -> dict[str, bool]:
    return {name: check(value) for name, check in CHECKS.items()}


def expected_answers(target: Any) -> dict[str, bool]:
    """The target's answers, but for the one a matched proxy keeps wrong."""
    expected = answers(target)
    if isinstance(target, (str, bytes)):
        expected['os.PathLike'] = True  # see the next test
    return expected


@pytest.mark.parametrize('target', ['/tmp/x', b'/tmp/x'])
def test_text_and_bytes_keep_fspath(target: Any) -> None:
    # os.fspath() and open() take str and bytes themselves, never a proxy of
    # one: the proxy keeps __fspath__, so it stays an os.PathLike.
    proxy = match_capabilities(Proxy(lambda: target, target=target))
    assert os.fspath(proxy) == target
    assert isinstance(proxy, os.PathLike)
    assert not isinstance(target, os.PathLike)


@pytest.mark.parametrize('name', TARGETS)
def test_an_unresolved_matched_proxy_answers_as_its_target(name: str) -> None:
    make = TARGETS[name]
    with fresh(make) as target, fresh(make) as default:
        expected = expected_answers(target)
        proxy = Proxy(make, target=default, cache_defaults=True)
        del proxy.__proxy_wrapped__  # unresolved, with its default class
        with forbid_implicit_resolution():
            assert match_capabilities(proxy) is proxy
            assert answers(proxy) == expected
        assert not is_resolved(proxy)


@pytest.mark.parametrize('name', TARGETS)
def test_a_proxy_matched_from_its_target_answers_as_its_target(name: str) -> None:
    make = TARGETS[name]
    with fresh(make) as target, fresh(make) as held:
        proxy = match_capabilities(Proxy(make, target=held))
        assert proxy.__proxy_default_class__ is None
        with forbid_implicit_resolution():
            assert answers(proxy) == expected_answers(target)


def test_plain_proxies_keep_their_class_and_answers() -> None:
    match_capabilities(Proxy(make_int, target=7, cache_defaults=True))
    plain = Proxy(make_int, target=7, cache_defaults=True)
    assert type(plain) is Proxy
    assert type(pickle.loads(pickle.dumps(plain))) is Proxy
    # What the Limits page says: every check sees all of Proxy's methods.
    assert callable(plain)
    assert isinstance(plain, collections.abc.Iterable)


def test_hasattr_follows_the_target() -> None:
    proxy = match_capabilities(Proxy(make_list, target=[1], cache_defaults=True))
    with forbid_implicit_resolution():
        assert not hasattr(proxy, '__call__')  # noqa: B004
    assert hasattr(proxy, '__len__')
    assert not hasattr(match_capabilities(Proxy(make_int, target=7)), '__len__')


def test_isinstance_and_issubclass_of_proxy() -> None:
    proxy = match_capabilities(Proxy(make_int, target=7, cache_defaults=True))
    variant = type(proxy)
    assert variant is not Proxy
    assert Proxy not in variant.__mro__  # a sibling, not a subclass
    assert isinstance(proxy, Proxy)
    assert issubclass(variant, Proxy)
    assert not isinstance(proxy, Slotted)
    assert not issubclass(variant, Slotted)
    assert isinstance(proxy, int)
    assert not isinstance(proxy, str)
    assert isinstance(Proxy(make_int), Proxy)
    assert isinstance(Slotted(make_int), Proxy)
    assert issubclass(Slotted, Proxy)
    assert issubclass(Proxy, Proxy)
    assert not isinstance(7, Proxy)
    assert not issubclass(int, Proxy)
    assert not isinstance(7, Slotted)
    assert not issubclass(variant, int)


def test_variants_are_shared_by_capability_set() -> None:
    one = match_capabilities(Proxy(make_int, target=7, cache_defaults=True))
    two = match_capabilities(Proxy(float, target=1.5, cache_defaults=True))
    other = match_capabilities(Proxy(make_list, target=[1], cache_defaults=True))
    assert type(one) is type(two)
    assert type(one) is not type(other)
    assert type(one).__name__ == 'Proxy'


@pytest.mark.parametrize('protocol', range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize('name', TARGETS)
def test_pickles_and_copies_stay_matched(name: str, protocol: int) -> None:
    make = TARGETS[name]
    with fresh(make) as target, fresh(make) as held:
        proxy = match_capabilities(Proxy(make, target=held, cache_defaults=True))
        expected = expected_answers(target)
    copies = [copy.copy(proxy), copy.deepcopy(proxy)]
    # The classes of functions and coroutines do not pickle (by name), so
    # neither do their proxies with a default class: copies use the same
    # __reduce__, without the bytes.
    with contextlib.suppress(pickle.PicklingError):
        copies.append(pickle.loads(pickle.dumps(proxy, protocol=protocol)))
    for restored in copies:
        assert type(restored) is type(proxy)
        assert not is_resolved(restored)
        with forbid_implicit_resolution():
            assert answers(restored) == expected
        assert restored.__proxy_default_class__ is proxy.__proxy_default_class__


def test_a_proxy_matched_without_a_default_class_pickles_matched() -> None:
    proxy = match_capabilities(Proxy(make_list, target=[1, 2]))
    restored = pickle.loads(pickle.dumps(proxy))
    assert type(restored) is type(proxy)
    assert not is_resolved(restored)
    assert restored == [1, 2]


class _Reduces:
    """Pickles as the reduction it is given: what a plain proxy must write."""

    def __init__(self, reduction: tuple[Any, ...]) -> None:
        self.reduction = reduction

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return self.reduction


@pytest.mark.parametrize('protocol', range(pickle.HIGHEST_PROTOCOL + 1))
def test_plain_pickles_are_byte_for_byte_as_before(protocol: int) -> None:
    from proxystore.proxy import _proxy_trampoline

    match_capabilities(Proxy(make_int, target=7))  # variants exist
    plain = pickle.dumps(Proxy(make_int), protocol=protocol)
    assert plain == pickle.dumps(_Reduces((Proxy, (make_int,))), protocol=protocol)
    cached = Proxy(make_int, target=7, cache_defaults=True)
    assert pickle.dumps(cached, protocol=protocol) == pickle.dumps(
        _Reduces((_proxy_trampoline, (make_int, int, 7))), protocol=protocol
    )


def test_a_matched_pickle_holds_a_plain_one() -> None:
    proxy = match_capabilities(Proxy(make_int, target=7, cache_defaults=True))
    loader, (plain, names, blocked, coroutine) = proxy.__reduce_ex__(2)
    assert loader is _restore_matched
    assert type(plain) is Proxy
    assert not is_resolved(plain)
    assert plain.__proxy_default_class__ is int
    assert names == ('__hash__',)
    assert blocked == ()
    assert coroutine is False


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        ((7, (), (), False), 'from int: not a Proxy'),
        ((None, ('__len__',), (), 'yes'), 'coroutine=.yes.'),
        ((None, ('__init__',), (), False), 'capabilities'),
        ((None, ['__len__'], (), False), 'capabilities'),
        ((None, (), ('__len__', 3), False), 'capabilities'),
    ],
)
def test_a_forged_matched_pickle_is_refused(
    args: tuple[Any, ...], message: str
) -> None:
    if args[0] is None:
        args = (Proxy(make_int), *args[1:])
    with pytest.raises(TypeError, match=message):
        _restore_matched(*args)


def test_an_uninitialized_matched_proxy_does_not_pickle() -> None:
    proxy = match_capabilities(Proxy(make_int, target=7))
    del proxy.__proxy_factory__
    with pytest.raises(TypeError, match='not initialized'):
        pickle.dumps(proxy)


def test_a_matched_proxy_behaves_as_a_proxy() -> None:
    proxy = match_capabilities(Proxy(make_list, target=[1, 2], cache_defaults=True))
    del proxy.__proxy_wrapped__
    assert repr(proxy).startswith('<Proxy at 0x')
    assert 'with factory' in repr(proxy)
    with forbid_implicit_resolution(), pytest.raises(ImplicitResolutionError):
        len(proxy)
    assert not is_resolved(proxy)
    assert not proxy.__proxy_resolved__
    assert proxy.__proxy_factory__ is make_list
    resolve(proxy)
    assert is_resolved(proxy)
    assert proxy.__proxy_target__ == [1, 2]
    resolve(proxy)
    assert extract(proxy) == [1, 2]
    proxy += [3]
    assert extract(proxy) == [1, 2, 3]
    assert type(proxy) is not Proxy
    assert proxy.count(3) == 1
    assert proxy[-1] == 3
    assert list(reversed(proxy)) == [3, 2, 1]
    proxy.__proxy_wrapped__ = [9]
    assert proxy == [9]
    assert str(proxy) == '[9]'


def test_a_matched_proxy_of_a_class_subscripts_but_does_not_iterate() -> None:
    proxy = match_capabilities(Proxy(make_class, target=dict, cache_defaults=True))
    assert callable(proxy)
    assert proxy(a=1) == {'a': 1}
    assert proxy[str, int] == dict[str, int]
    for attempt in (iter, reversed):
        with pytest.raises(TypeError, match='not'):
            attempt(proxy)  # type: ignore[operator]
    # "not iterable"; on 3.14+ "not a container or iterable".
    with pytest.raises(TypeError, match='iterable'):
        1 in proxy  # noqa: B015


@pytest.mark.event_loop
def test_a_matched_proxy_of_a_coroutine_runs_and_is_no_iterator() -> None:
    proxy = match_capabilities(Proxy(answer, target=answer(), cache_defaults=True))
    with pytest.raises(TypeError, match='not an iterator'):
        next(proxy)  # bare coroutines refuse next() too
    assert asyncio.run(proxy) == 42


@pytest.mark.event_loop
def test_a_matched_proxy_of_an_async_iterator_iterates() -> None:
    async def collect(values: Any) -> list[int]:
        return [value async for value in values]

    proxy = match_capabilities(Proxy(make_ticker, target=Ticker()))
    assert asyncio.run(collect(proxy)) == [1, 0]


def test_an_unhashable_target_gives_an_unhashable_proxy() -> None:
    proxy = match_capabilities(Proxy(make_unhashable, target=Unhashable()))
    with pytest.raises(TypeError, match='unhashable'):
        hash(proxy)


def test_when_the_declared_class_disagrees_the_variant_decides() -> None:
    # Declared int, holds a list: the variant has no __len__, as int has none.
    proxy = Proxy(make_list)
    proxy.__proxy_default_class__ = int
    match_capabilities(proxy)
    with pytest.raises(TypeError, match=r"object of type 'Proxy' has no len\(\)"):
        len(proxy)
    assert proxy == [1, 2]  # the operations it has reach the target
    # Declared list, holds an int: len() reaches the int, which refuses it.
    other = Proxy(make_int)
    other.__proxy_default_class__ = list
    match_capabilities(other)
    with pytest.raises(TypeError, match=r"object of type 'int' has no len\(\)"):
        len(other)


def test_matching_again_follows_the_class_known_then() -> None:
    proxy = match_capabilities(Proxy(make_int, target=7))
    first = type(proxy)
    assert match_capabilities(proxy) is proxy
    assert type(proxy) is first
    del proxy.__proxy_wrapped__
    assert match_capabilities(proxy) is proxy
    assert type(proxy) is first
    proxy.__proxy_default_class__ = list
    match_capabilities(proxy)
    assert type(proxy) is not first
    assert isinstance(proxy, collections.abc.Sized)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(TypeError, match='subclass Slotted'):
        match_capabilities(Slotted(make_int, target=7))
    with pytest.raises(TypeError, match='expects a Proxy, not int'):
        match_capabilities(7)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs the target's class"):
        match_capabilities(Proxy(make_int))


@pytest.mark.threads
def test_threads_use_a_matched_proxy_while_it_resolves() -> None:
    calls: list[int] = []

    def slow() -> list[int]:
        calls.append(1)
        time.sleep(0.01)
        return [1, 2, 3]

    proxy = Proxy(slow)
    proxy.__proxy_default_class__ = list
    match_capabilities(proxy)
    start = threading.Barrier(16)
    seen: list[tuple[Any, ...]] = []

    def use() -> None:
        start.wait()
        seen.append(
            (
                callable(proxy),
                isinstance(proxy, collections.abc.Sized),
                len(proxy),
                list(proxy),
                isinstance(proxy, Proxy),
            )
        )

    threads = [threading.Thread(target=use) for _ in range(16)]
    run_all(threads, 1e-6)
    assert not any(thread.is_alive() for thread in threads)
    assert calls == [1]
    assert seen == [(False, True, 3, [1, 2, 3], True)] * 16


@pytest.mark.threads
def test_a_matched_proxy_resolves_in_the_background() -> None:
    proxy = match_capabilities(Proxy(make_list, target=[1, 2], cache_defaults=True))
    del proxy.__proxy_wrapped__
    assert resolve_async(proxy).result() == [1, 2]
    assert is_resolved(proxy)
    assert not callable(proxy)


@pytest.mark.threads
def test_matching_a_proxy_that_other_threads_use_changes_no_answer() -> None:
    # Documented as a thing to do before sharing, but if it happens, each
    # operation runs whole on the class it started with (the same code).
    proxy = Proxy(lambda: [1, 2, 3])
    extract(proxy)
    running = threading.Barrier(9)
    wrong: list[Any] = []

    def use() -> None:
        running.wait()
        for _ in range(500):
            got = (len(proxy), 2 in proxy, list(proxy), proxy.count(1), proxy[0])
            if got != (3, True, [1, 2, 3], 1, 1):
                wrong.append(got)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=use) for _ in range(8)]
        for thread in threads:
            thread.start()
        running.wait()
        match_capabilities(proxy)
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert wrong == []
    assert type(proxy) is not Proxy
    assert not callable(proxy)


@pytest.mark.subprocess
def test_asyncio_iscoroutine_answers_per_capability_class() -> None:
    # asyncio caches the types it has seen be coroutines for the whole
    # process: a fresh interpreter starts with an empty cache.
    script = textwrap.dedent(
        """
        import asyncio
        from proxystore.proxy import Proxy, match_capabilities

        async def answer():
            return 42

        class AwaitableOnly:
            def __await__(self):
                yield

        def matched(target):
            made = Proxy(lambda: target, target=target, cache_defaults=True)
            return match_capabilities(made)

        coroutine = answer()
        plain = Proxy(lambda: coroutine, target=coroutine, cache_defaults=True)
        assert asyncio.iscoroutine(plain)  # asyncio now remembers Proxy
        assert asyncio.iscoroutine(Proxy(lambda: 1))  # the Limits page's case
        assert asyncio.iscoroutine(matched(coroutine))
        assert not asyncio.iscoroutine(matched(1))
        assert not asyncio.iscoroutine(matched(AwaitableOnly()))
        assert asyncio.iscoroutine(matched(coroutine))
        coroutine.close()
        print('ok')
        """
    )
    result = subprocess.run(
        [sys.executable, '-c', script],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == 'ok\n'


def test_awaitable_only_targets_are_awaitable_and_no_coroutine() -> None:
    proxy = match_capabilities(Proxy(AwaitableOnly, target=AwaitableOnly()))
    assert inspect.isawaitable(proxy)
    assert not isinstance(proxy, collections.abc.Coroutine)


def _matched_kinds(make: Callable[[], Any]) -> Iterator[tuple[str, Proxy[Any]]]:
    target = make()
    unresolved = Proxy(make)
    unresolved.__proxy_default_class__ = type(target)
    yield 'unresolved', match_capabilities(unresolved)
    resolved = Proxy(make)
    extract(resolved)  # target= cannot hold None
    yield 'resolved', match_capabilities(resolved)
    copied = Proxy(make)
    copied.__proxy_default_class__ = type(target)
    yield 'copied', copy.copy(match_capabilities(copied))


@pytest.mark.parametrize('target_name', OPERATION_TARGETS)
@pytest.mark.parametrize('name', UNARY_NAMES)
def test_every_operation_is_as_on_a_proxy(name: str, target_name: str) -> None:
    # A matched proxy does what its bare target does, or what a plain proxy
    # does (the known differences of every proxy), or refuses an operation its
    # variant lacks with the bare target's exception type (CPython's message
    # then names the proxy's class).
    make = OPERATION_TARGETS[target_name]
    operation = UNARY[name]
    bare = outcome(lambda: operation(make()))
    plain_proxy = Proxy(make)
    plain = outcome(lambda: operation(plain_proxy), plain_proxy)
    for kind, proxy in _matched_kinds(make):
        matched = outcome(lambda: operation(proxy), proxy)  # noqa: B023
        if same(bare, matched) or same(plain, matched):
            continue
        assert bare[0] == matched[0] == 'raised', f'{name} ({kind}): {matched}'
        assert bare[1][0] is matched[1][0], f'{name} ({kind}): {bare} != {matched}'


def test_a_variant_made_twice_is_kept_once() -> None:
    # What two threads, or a finalizer run while a variant is being made,
    # do: each makes the class; the first registered is the one used.
    from proxystore.proxy import _capabilities

    key = _capabilities._key(complex)
    first = _capabilities._make_variant(key)
    again = _capabilities._make_variant(key)
    assert again is first
    assert set(_capabilities._keys) == set(_capabilities._variants.values())
    proxy = match_capabilities(Proxy(lambda: 1j, target=1j, cache_defaults=True))
    assert type(proxy) is first


def test_variants_run_proxys_code_with_globals_of_their_own() -> None:
    # One compilation made Proxy's table: the variants copy its one globals
    # dict, with `Proxy` (which the 3.12+ slot reads name) the variant.
    generated = [
        v for v in vars(Proxy).values() if getattr(v, '_proxy_generated', False)
    ]
    assert len({id(v.__globals__) for v in generated}) == 1
    proxy = match_capabilities(Proxy(lambda: [1], target=[1], cache_defaults=True))
    variant = type(proxy)
    assert variant.__len__.__code__ is Proxy.__len__.__code__
    assert variant.__len__.__globals__['Proxy'] is variant
    assert Proxy.__len__.__globals__['Proxy'] is Proxy
    assert len(proxy) == 1
