"""The proxy's own `__proxy_*` attributes, through every way code reaches them.

Code built on proxystore reads and writes these names with plain attribute
access, with `object.__getattribute__` / `__setattr__` / `__delattr__`, and
with `super()` in a subclass: all three must agree.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

from proxystore.proxy import Proxy
from proxystore.proxy import ProxyResolveError
from proxystore.proxy import extract
from proxystore.proxy import get_factory
from proxystore.proxy import is_resolved


class Viewed(Proxy[Any]):
    """A subclass whose methods reach the attributes with super()."""

    __slots__ = ()

    def super_get(self, name: str) -> Any:
        return getattr(super(), name)


def plain_get(proxy: Any, name: str) -> Any:
    return getattr(proxy, name)


def object_get(proxy: Any, name: str) -> Any:
    return object.__getattribute__(proxy, name)


def super_get(proxy: Any, name: str) -> Any:
    return Viewed.super_get(proxy, name)


READERS: list[Callable[[Any, str], Any]] = [plain_get, object_get, super_get]


def plain_set(proxy: Any, name: str, value: Any) -> None:
    setattr(proxy, name, value)


def object_set(proxy: Any, name: str, value: Any) -> None:
    object.__setattr__(proxy, name, value)


def plain_del(proxy: Any, name: str) -> None:
    delattr(proxy, name)


def object_del(proxy: Any, name: str) -> None:
    object.__delattr__(proxy, name)


WRITERS = [plain_set, object_set]
DELETERS = [plain_del, object_del]


def make(value: Any = 'value') -> Viewed:
    return Viewed(lambda: value)


def test_the_six_names_are_attributes_of_the_class() -> None:
    for name in (
        '__proxy_factory__',
        '__proxy_target__',
        '__proxy_resolved__',
        '__proxy_wrapped__',
        '__proxy_default_class__',
        '__proxy_default_hash__',
    ):
        assert hasattr(Proxy, name), name


# __proxy_factory__


@pytest.mark.parametrize('read', READERS)
def test_factory_reads_the_same_every_way(read: Any) -> None:
    def factory() -> str:
        return 'value'

    proxy = Viewed(factory)
    assert read(proxy, '__proxy_factory__') is factory
    assert not is_resolved(proxy)


@pytest.mark.parametrize('write', WRITERS)
def test_any_factory_may_be_assigned(write: Any) -> None:
    proxy = make()
    write(proxy, '__proxy_factory__', None)
    assert proxy.__proxy_factory__ is None
    assert get_factory(proxy) is None
    with pytest.raises(ProxyResolveError, match=r'not callable .*NoneType'):
        extract(proxy)
    write(proxy, '__proxy_factory__', lambda: 'new')
    assert extract(proxy) == 'new'


def test_the_constructor_still_refuses_a_non_callable_factory() -> None:
    with pytest.raises(TypeError, match='Factory must be callable, not int'):
        Proxy(42)  # type: ignore[arg-type]


@pytest.mark.parametrize('delete', DELETERS)
def test_a_proxy_without_factory_is_not_initialized(delete: Any) -> None:
    proxy = make()
    delete(proxy, '__proxy_factory__')
    for use in (str, lambda p: p + 1, extract, lambda p: p.__proxy_wrapped__):
        with pytest.raises(
            ProxyResolveError,
            match=r'^Proxy is not initialized: __proxy_factory__ is missing\.$',
        ) as info:
            use(proxy)
        assert isinstance(info.value.cause, AttributeError)
    assert not is_resolved(proxy)


def test_a_proxy_made_with_new_is_not_initialized_until_given_a_target() -> None:
    first = Proxy.__new__(Proxy)
    second = Proxy.__new__(Proxy)
    with pytest.raises(ProxyResolveError, match='not initialized') as info:
        first + second
    assert isinstance(info.value.cause, AttributeError)
    assert not is_resolved(first)
    with pytest.raises(AttributeError):
        object.__getattribute__(first, '__proxy_target__')
    first.__proxy_wrapped__ = 1
    assert first + 1 == 2
    assert str(first) == '1'


# __proxy_target__


@pytest.mark.parametrize('read', READERS)
def test_target_is_missing_while_unresolved(read: Any) -> None:
    proxy = make('value')
    with pytest.raises(AttributeError, match='__proxy_target__'):
        read(proxy, '__proxy_target__')
    assert not is_resolved(proxy)
    extract(proxy)
    assert read(proxy, '__proxy_target__') == 'value'


@pytest.mark.parametrize('write', WRITERS)
def test_setting_the_target_resolves_the_proxy(write: Any) -> None:
    calls: list[int] = []
    proxy = Viewed(lambda: calls.append(1))
    write(proxy, '__proxy_target__', 'given')
    assert is_resolved(proxy)
    assert proxy == 'given'
    assert calls == []


@pytest.mark.parametrize('delete', DELETERS)
@pytest.mark.parametrize('name', ['__proxy_target__', '__proxy_wrapped__'])
def test_deleting_the_target_unresolves_the_proxy(delete: Any, name: str) -> None:
    calls: list[int] = []

    def factory() -> int:
        calls.append(1)
        return len(calls)

    proxy = Viewed(factory)
    assert proxy == 1
    delete(proxy, name)
    assert not is_resolved(proxy)
    assert proxy == 2
    # Deleting what is not there fails, as for any attribute.
    delete(proxy, name)
    with pytest.raises(AttributeError):
        delete(proxy, name)


def test_no_internal_marker_ever_shows() -> None:
    proxy = make()
    for read in READERS:
        for name in ('__proxy_target__',):
            with pytest.raises(AttributeError):
                read(proxy, name)
    assert object.__getattribute__(proxy, '__proxy_default_class__') is None
    assert object.__getattribute__(proxy, '__proxy_default_hash__') is None
    assert 'unset' not in repr(proxy)


# __proxy_resolved__


@pytest.mark.parametrize('read', READERS)
def test_resolved_is_a_bool_every_way(read: Any) -> None:
    proxy = make()
    assert read(proxy, '__proxy_resolved__') is False
    extract(proxy)
    assert read(proxy, '__proxy_resolved__') is True


@pytest.mark.parametrize('write', WRITERS)
def test_resolved_is_read_only(write: Any) -> None:
    proxy = make()
    with pytest.raises(AttributeError, match='read-only'):
        write(proxy, '__proxy_resolved__', True)
    with pytest.raises(AttributeError, match='read-only'):
        del proxy.__proxy_resolved__
    assert not is_resolved(proxy)


# __proxy_wrapped__


@pytest.mark.parametrize('read', READERS)
def test_wrapped_resolves_every_way(read: Any) -> None:
    proxy = make('value')
    assert read(proxy, '__proxy_wrapped__') == 'value'
    assert is_resolved(proxy)


@pytest.mark.parametrize('write', WRITERS)
def test_assigning_wrapped_replaces_the_target(write: Any) -> None:
    proxy = make('value')
    assert proxy == 'value'
    write(proxy, '__proxy_wrapped__', 'replaced')
    assert proxy == 'replaced'
    assert extract(proxy) == 'replaced'


# __proxy_default_class__ and __proxy_default_hash__


@pytest.mark.parametrize('read', READERS)
def test_defaults_are_none_when_nothing_is_cached(read: Any) -> None:
    for proxy in (make(), Viewed(lambda: 1, target=1)):
        assert read(proxy, '__proxy_default_class__') is None
        assert read(proxy, '__proxy_default_hash__') is None


@pytest.mark.parametrize('read', READERS)
def test_cached_defaults_read_the_same_every_way(read: Any) -> None:
    proxy = Viewed(lambda: 'x', cache_defaults=True, target='x')
    assert read(proxy, '__proxy_default_class__') is str
    assert read(proxy, '__proxy_default_hash__') == hash('x')


@pytest.mark.parametrize('write', WRITERS)
def test_defaults_may_be_set_after_construction(write: Any) -> None:
    proxy = make(3)
    write(proxy, '__proxy_default_class__', int)
    write(proxy, '__proxy_default_hash__', hash(3))
    assert isinstance(proxy, int)
    assert hash(proxy) == hash(3)
    assert not is_resolved(proxy)
    write(proxy, '__proxy_default_class__', None)
    write(proxy, '__proxy_default_hash__', None)
    assert proxy.__proxy_default_class__ is None
    assert proxy.__proxy_default_hash__ is None
    assert not is_resolved(proxy)
    assert isinstance(proxy, int)  # now asks the target
    assert is_resolved(proxy)


@pytest.mark.parametrize('write', WRITERS)
def test_bad_defaults_are_refused(write: Any) -> None:
    proxy = make()
    with pytest.raises(TypeError, match='__proxy_default_class__ must be a class'):
        write(proxy, '__proxy_default_class__', 'str')
    with pytest.raises(TypeError, match='__proxy_default_hash__ must be an int'):
        write(proxy, '__proxy_default_hash__', 'hash')
    assert proxy.__proxy_default_class__ is None
    assert proxy.__proxy_default_hash__ is None


def test_deleting_a_default_clears_it() -> None:
    proxy = Viewed(lambda: 'x', cache_defaults=True, target='x')
    del proxy.__proxy_default_class__
    object.__delattr__(proxy, '__proxy_default_hash__')
    assert proxy.__proxy_default_class__ is None
    assert proxy.__proxy_default_hash__ is None


# The factory and the defaults share one slot (see _slots): each reads and
# changes as if it had its own, except that deleting the factory drops them.


@pytest.mark.parametrize('write', WRITERS)
def test_the_factory_and_the_defaults_change_apart(write: Any) -> None:
    def first() -> str:
        return 'x'

    def second() -> str:
        return 'y'

    proxy = Viewed(first, cache_defaults=True, target='x')
    del proxy.__proxy_wrapped__
    assert proxy.__proxy_factory__ is first
    write(proxy, '__proxy_factory__', second)
    assert get_factory(proxy) is second
    assert proxy.__proxy_default_class__ is str
    assert proxy.__proxy_default_hash__ == hash('x')
    write(proxy, '__proxy_default_hash__', None)
    assert proxy.__proxy_factory__ is second
    assert proxy.__proxy_default_class__ is str
    assert not is_resolved(proxy)
    assert extract(proxy) == 'y'


def test_a_proxy_without_defaults_pickles_as_a_new_one() -> None:
    proxy = Proxy(_value, cache_defaults=True, target=1)
    proxy.__proxy_default_class__ = None
    proxy.__proxy_default_hash__ = None
    assert proxy.__reduce_ex__(2) == (Proxy, (_value,))


def test_deleting_the_factory_drops_the_defaults() -> None:
    proxy = Proxy(_value, cache_defaults=True, target=1)
    del proxy.__proxy_factory__
    assert proxy.__proxy_default_class__ is None
    assert proxy.__proxy_default_hash__ is None
    with pytest.raises(TypeError, match='not initialized'):
        proxy.__reduce_ex__(2)


def test_defaults_set_on_a_proxy_never_initialized_wait_for_its_factory() -> None:
    proxy = Proxy.__new__(Proxy)
    proxy.__proxy_default_class__ = int
    assert proxy.__proxy_default_class__ is int
    assert isinstance(proxy, int)  # the default answers; nothing resolves
    with pytest.raises(AttributeError):
        proxy.__proxy_factory__
    proxy.__proxy_factory__ = _value
    assert proxy.__proxy_default_class__ is int
    assert extract(proxy) == 1


def test_an_unresolved_proxy_is_as_small_as_two_slots() -> None:
    class TwoSlots:
        __slots__ = ('__weakref__', 'factory', 'target')

    assert sys.getsizeof(Proxy(_value)) == sys.getsizeof(TwoSlots())


def _value() -> int:
    return 1


def test_a_proxy_made_without_the_constructor_resolves_through_its_attribute() -> None:
    proxy = Proxy.__new__(Proxy)  # no target slot written
    proxy.__proxy_factory__ = _value
    assert proxy.__proxy_wrapped__ == 1
    assert is_resolved(proxy)


def test_clearing_the_defaults_of_a_proxy_never_initialized_stores_nothing() -> None:
    proxy = Proxy.__new__(Proxy)
    proxy.__proxy_default_class__ = None
    assert proxy.__proxy_default_class__ is None
    with pytest.raises(AttributeError):
        proxy.__proxy_factory__
