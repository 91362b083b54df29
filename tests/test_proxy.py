"""The proxy's own behaviour: laziness, special attributes, defaults, repr, errors."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from proxystore.proxy import Proxy
from proxystore.proxy import ProxyResolveError
from proxystore.proxy import extract
from proxystore.proxy import is_resolved


class Counter:
    """A factory that counts its calls."""

    def __init__(self, value: Any = 'value') -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.value


# Laziness


def test_factory_is_not_called_on_creation() -> None:
    factory = Counter()
    proxy = Proxy(factory)
    assert factory.calls == 0
    assert not is_resolved(proxy)


def test_factory_is_called_once_on_first_use() -> None:
    factory = Counter([1, 2])
    proxy = Proxy(factory)
    assert proxy == [1, 2]
    assert len(proxy) == 2
    assert proxy.count(1) == 1
    assert factory.calls == 1
    assert is_resolved(proxy)


def test_repr_never_resolves() -> None:
    factory = Counter()
    proxy = Proxy(factory)
    repr(proxy)
    assert factory.calls == 0


def test_preset_target_starts_resolved() -> None:
    factory = Counter()
    proxy = Proxy(factory, target='given')
    assert is_resolved(proxy)
    assert proxy == 'given'
    assert factory.calls == 0


def test_generic_alias_construction_does_not_resolve() -> None:
    factory = Counter(5)
    proxy = Proxy[int](factory)
    assert not is_resolved(proxy)
    assert proxy + 1 == 6
    assert factory.calls == 1


# Special attributes


def test_proxy_factory_get_set_delete() -> None:
    first, second = Counter(1), Counter(2)
    proxy = Proxy(first)
    assert proxy.__proxy_factory__ is first
    proxy.__proxy_factory__ = second
    assert extract(proxy) == 2
    del proxy.__proxy_factory__
    with pytest.raises(AttributeError):
        proxy.__proxy_factory__


def test_a_non_callable_factory_may_be_assigned_but_fails_at_resolution() -> None:
    proxy = Proxy(Counter())
    proxy.__proxy_factory__ = 42
    assert proxy.__proxy_factory__ == 42
    with pytest.raises(ProxyResolveError, match=r'factory is not callable .*int'):
        extract(proxy)
    assert not is_resolved(proxy)
    proxy.__proxy_factory__ = Counter('again')
    assert extract(proxy) == 'again'


def test_proxy_target_is_missing_until_resolved() -> None:
    proxy = Proxy(Counter('x'))
    with pytest.raises(AttributeError, match='__proxy_target__'):
        proxy.__proxy_target__
    assert not is_resolved(proxy)
    extract(proxy)
    assert proxy.__proxy_target__ == 'x'


def test_proxy_target_set_and_delete() -> None:
    proxy = Proxy(Counter('x'))
    proxy.__proxy_target__ = 'y'
    assert is_resolved(proxy)
    assert proxy == 'y'
    del proxy.__proxy_target__
    assert not is_resolved(proxy)


def test_proxy_resolved_is_read_only() -> None:
    proxy = Proxy(Counter())
    assert proxy.__proxy_resolved__ is False
    extract(proxy)
    assert proxy.__proxy_resolved__ is True
    with pytest.raises(AttributeError, match='read-only'):
        proxy.__proxy_resolved__ = False
    with pytest.raises(AttributeError, match='read-only'):
        del proxy.__proxy_resolved__


def test_proxy_wrapped_get_resolves() -> None:
    factory = Counter([1])
    proxy = Proxy(factory)
    assert proxy.__proxy_wrapped__ == [1]
    assert proxy.__proxy_wrapped__ is factory.value
    assert factory.calls == 1


def test_proxy_wrapped_set_replaces_the_target() -> None:
    factory = Counter('old')
    proxy = Proxy(factory)
    proxy.__proxy_wrapped__ = 'new'
    assert proxy == 'new'
    assert factory.calls == 0


def test_proxy_wrapped_delete_makes_the_proxy_unresolved() -> None:
    factory = Counter('value')
    proxy = Proxy(factory)
    extract(proxy)
    del proxy.__proxy_wrapped__
    assert not is_resolved(proxy)
    assert proxy == 'value'
    assert factory.calls == 2


# Cached defaults


def test_defaults_are_none_without_cache_defaults() -> None:
    proxy = Proxy(Counter(), target='value')
    assert proxy.__proxy_default_class__ is None
    assert proxy.__proxy_default_hash__ is None


def test_cache_defaults_without_target_is_ignored() -> None:
    proxy = Proxy(Counter(), cache_defaults=True)
    assert proxy.__proxy_default_class__ is None
    assert proxy.__proxy_default_hash__ is None


def test_cache_defaults_records_class_and_hash() -> None:
    proxy = Proxy(Counter('value'), cache_defaults=True, target='value')
    assert proxy.__proxy_default_class__ is str
    assert proxy.__proxy_default_hash__ == hash('value')


def test_cache_defaults_records_type_error_of_unhashable_target() -> None:
    proxy = Proxy(Counter([1]), cache_defaults=True, target=[1])
    assert isinstance(proxy.__proxy_default_hash__, TypeError)


def test_unresolved_proxy_answers_from_cached_defaults() -> None:
    factory = Counter('value')
    proxy = Proxy(factory, cache_defaults=True, target='value')
    del proxy.__proxy_wrapped__
    assert isinstance(proxy, str)
    assert proxy.__class__ is str
    assert hash(proxy) == hash('value')
    assert {proxy: 1}  # usable as a key without resolving
    assert not is_resolved(proxy)
    assert factory.calls == 0


def test_unresolved_proxy_raises_cached_type_error_for_hash() -> None:
    factory = Counter([1])
    proxy = Proxy(factory, cache_defaults=True, target=[1])
    del proxy.__proxy_wrapped__
    for _ in range(2):  # a fresh exception each time
        with pytest.raises(TypeError, match='unhashable'):
            hash(proxy)
    assert not is_resolved(proxy)


def test_unresolved_proxy_answers_probes_of_special_names_from_cached_class() -> None:
    factory = Counter(42)
    proxy = Proxy(factory, cache_defaults=True, target=42)
    del proxy.__proxy_wrapped__
    # What duck typing asks (Dask asks every task argument for its
    # __dask_tokenize__): the cached class does not have them.
    assert getattr(proxy, '__dask_tokenize__', None) is None
    assert not hasattr(proxy, '__iter__')
    assert not hasattr(proxy, '__len__')
    with pytest.raises(AttributeError, match="'int' object has no attribute '__len__'"):
        proxy.__len__
    assert factory.calls == 0
    assert not is_resolved(proxy)
    # A special name the class has is the target's own, so it resolves.
    assert proxy.__add__(1) == 43
    assert factory.calls == 1


@pytest.mark.parametrize(
    'target',
    # The last has a name longer than the 50 characters that the message
    # the type name is read from shows.
    [Decimal('1.5'), 42, Counter(1), type('Named' * 12, (), {})()],
)
def test_unresolved_proxy_refuses_a_special_name_in_the_bare_words(
    target: Any,
) -> None:
    # The interpreter names a type by its C name: 'decimal.Decimal'.
    proxy = Proxy(Counter(target), cache_defaults=True, target=target)
    del proxy.__proxy_wrapped__
    with pytest.raises(AttributeError) as bare:
        target.__no_such__
    with pytest.raises(AttributeError) as proxied:
        proxy.__no_such__
    assert str(proxied.value) == str(bare.value)
    assert not is_resolved(proxy)


def test_unresolved_proxy_of_a_class_asks_the_class_for_special_names() -> None:
    # A class has the special names of its own bases, which its class (the
    # cached one) knows nothing of.
    class Tokenized:
        @classmethod
        def __dask_tokenize__(cls) -> str:
            return 'token'

    proxy = Proxy(Counter(Tokenized), cache_defaults=True, target=Tokenized)
    del proxy.__proxy_wrapped__
    assert proxy.__dask_tokenize__() == 'token'
    with pytest.raises(AttributeError) as bare:
        int.__weakref__
    proxy = Proxy(Counter(int), cache_defaults=True, target=int)
    del proxy.__proxy_wrapped__
    with pytest.raises(AttributeError) as proxied:
        proxy.__weakref__
    assert str(proxied.value) == str(bare.value)


@pytest.mark.parametrize('name', ['__wrapped__', '__signature__', 'plain'])
def test_unresolved_proxy_resolves_for_names_objects_hold_themselves(
    name: str,
) -> None:
    class Holder:
        pass

    holder = Holder()
    setattr(holder, name, 'mine')
    factory = Counter(holder)
    proxy = Proxy(factory, cache_defaults=True, target=holder)
    del proxy.__proxy_wrapped__
    assert getattr(proxy, name) == 'mine'
    assert factory.calls == 1


def test_unresolved_proxy_without_cached_class_resolves_for_special_names() -> None:
    factory = Counter(42)
    proxy = Proxy(factory)
    assert getattr(proxy, '__dask_tokenize__', None) is None
    assert factory.calls == 1


def test_resolved_proxy_ignores_cached_defaults() -> None:
    target = [1]
    proxy = Proxy(Counter(target), cache_defaults=True, target=target)
    proxy.__proxy_default_class__ = dict
    proxy.__proxy_default_hash__ = 5
    assert isinstance(proxy, list)
    with pytest.raises(TypeError):
        hash(proxy)


def test_unresolved_proxy_without_defaults_resolves_for_class_and_hash() -> None:
    factory = Counter('value')
    proxy = Proxy(factory)
    assert isinstance(proxy, str)
    assert factory.calls == 1
    other = Proxy(Counter('value'))
    assert hash(other) == hash('value')
    assert is_resolved(other)


def test_defaults_can_be_set_and_deleted() -> None:
    proxy = Proxy(Counter('value'))
    proxy.__proxy_default_class__ = str
    proxy.__proxy_default_hash__ = 7
    assert isinstance(proxy, str)
    assert hash(proxy) == 7
    assert not is_resolved(proxy)
    del proxy.__proxy_default_class__
    del proxy.__proxy_default_hash__
    assert proxy.__proxy_default_class__ is None
    assert proxy.__proxy_default_hash__ is None


@pytest.mark.parametrize(
    ('name', 'value'),
    [('__proxy_default_class__', 'str'), ('__proxy_default_hash__', 1.5)],
)
def test_bad_default_values_are_refused(name: str, value: Any) -> None:
    proxy = Proxy(Counter())
    with pytest.raises(TypeError, match=name):
        setattr(proxy, name, value)
    assert getattr(proxy, name) is None


# repr


def test_repr_of_unresolved_proxy() -> None:
    factory = Counter()
    proxy = Proxy(factory)
    assert repr(proxy) == f'<Proxy at 0x{id(proxy):x} with factory {factory!r}>'


def test_repr_of_resolved_proxy() -> None:
    target = [1, 2]
    factory = Counter(target)
    proxy = Proxy(factory)
    extract(proxy)
    assert repr(proxy) == (
        f'<Proxy at 0x{id(proxy):x} wrapping [1, 2] at 0x{id(target):x} '
        f'with factory {factory!r}>'
    )


def test_str_is_the_targets() -> None:
    assert str(Proxy(lambda: [1])) == '[1]'
    assert f'{Proxy(lambda: 1.5)!s}' == '1.5'


# Bad input


@pytest.mark.parametrize('factory', [None, 42, 'factory', [lambda: 1]])
def test_non_callable_factory_is_refused(factory: Any) -> None:
    with pytest.raises(TypeError, match='Factory must be callable'):
        Proxy(factory)


@pytest.mark.parametrize('error', [ValueError('boom'), AttributeError('inner')])
def test_failing_factory_raises_resolve_error_and_stays_unresolved(
    error: Exception,
) -> None:
    attempts = []

    def factory() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise error
        return 'recovered'

    proxy = Proxy(factory)
    with pytest.raises(ProxyResolveError) as info:
        proxy.upper()
    assert info.value.cause is error
    assert info.value.__cause__ is error
    assert type(error).__name__ in str(info.value)
    assert 'factory' in str(info.value)
    assert not is_resolved(proxy)
    assert proxy == 'recovered'  # retried on next use
    assert len(attempts) == 2


def test_attribute_error_in_factory_is_not_mistaken_for_a_missing_attribute() -> None:
    def factory() -> None:
        raise AttributeError('deep inside')

    proxy = Proxy(factory)
    with pytest.raises(ProxyResolveError):
        hasattr(proxy, 'anything')


@pytest.mark.parametrize('error', [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_base_exceptions_pass_through_untouched(error: type[BaseException]) -> None:
    raised = error()

    def factory() -> None:
        raise raised

    proxy = Proxy(factory)
    with pytest.raises(error) as info:
        extract(proxy)
    assert info.value is raised
    assert not is_resolved(proxy)


def test_uninitialized_proxy_raises_resolve_error() -> None:
    proxy = Proxy.__new__(Proxy)
    message = 'Proxy is not initialized: __proxy_factory__ is missing.'
    with pytest.raises(ProxyResolveError, match=re.escape(message)):
        proxy + 1
    with pytest.raises(ProxyResolveError, match=re.escape(message)):
        proxy.attribute
    with pytest.raises(ProxyResolveError, match=re.escape(message)):
        hash(proxy)
    assert 'with factory <missing>' in repr(proxy)
    assert not is_resolved(proxy)


def test_deleted_factory_raises_resolve_error() -> None:
    proxy = Proxy(Counter())
    del proxy.__proxy_factory__
    with pytest.raises(ProxyResolveError, match='__proxy_factory__ is missing'):
        extract(proxy)


def test_uninitialized_proxy_can_be_initialized_later() -> None:
    proxy = Proxy.__new__(Proxy)
    object.__setattr__(proxy, '__proxy_factory__', Counter('late'))
    assert proxy == 'late'


def test_factory_returning_the_proxy_itself_is_refused() -> None:
    proxy: Proxy[Any] = Proxy(lambda: proxy)
    with pytest.raises(ProxyResolveError, match='returned the proxy itself'):
        extract(proxy)
    assert not is_resolved(proxy)


def test_resolve_error_describes_factory_without_a_name() -> None:
    class Failing:
        def __call__(self) -> None:
            raise ValueError('nope')

    with pytest.raises(ProxyResolveError, match=r'of type .*Failing raised ValueError'):
        extract(Proxy(Failing()))


def test_resolve_error_pickles() -> None:
    import pickle

    error = ProxyResolveError('message', ValueError('cause'))
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == 'message'
    assert isinstance(copy.cause, ValueError)


def test_type_of_a_proxy_is_proxy() -> None:
    proxy = Proxy(lambda: 1)
    assert type(proxy) is Proxy
    assert isinstance(proxy, Proxy)
    assert isinstance(proxy, int)
