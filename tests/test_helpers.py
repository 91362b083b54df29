"""get_factory, extract, is_resolved and resolve."""

from __future__ import annotations

from typing import Any

import pytest

from proxystore.factory import SimpleFactory
from proxystore.proxy import Proxy
from proxystore.proxy import ProxyResolveError
from proxystore.proxy import extract
from proxystore.proxy import get_factory
from proxystore.proxy import is_resolved
from proxystore.proxy import resolve


def test_get_factory_does_not_resolve() -> None:
    factory = SimpleFactory(1)
    proxy = Proxy(factory)
    assert get_factory(proxy) is factory
    assert not is_resolved(proxy)


def test_extract_returns_the_target_itself() -> None:
    target = [1]
    proxy = Proxy(SimpleFactory(target))
    assert extract(proxy) is target
    assert type(extract(proxy)) is list
    assert extract(proxy) is target


def test_resolve_resolves_once() -> None:
    calls: list[int] = []

    def factory() -> int:
        calls.append(1)
        return 1

    proxy = Proxy(factory)
    resolve(proxy)
    resolve(proxy)
    assert is_resolved(proxy)
    assert calls == [1]


def test_helpers_work_on_uninitialized_proxies() -> None:
    proxy = Proxy.__new__(Proxy)
    assert not is_resolved(proxy)
    with pytest.raises(ProxyResolveError):
        resolve(proxy)
    with pytest.raises(ProxyResolveError):
        extract(proxy)
    with pytest.raises(AttributeError):
        get_factory(proxy)


@pytest.mark.parametrize('helper', [extract, get_factory, is_resolved, resolve])
@pytest.mark.parametrize('value', [1, 'proxy', [1], None])
def test_helpers_refuse_non_proxies(helper: Any, value: Any) -> None:
    with pytest.raises(TypeError, match=f'{helper.__name__}\\(\\) expects a Proxy'):
        helper(value)


def test_helpers_work_on_subclasses() -> None:
    class Sub(Proxy[Any]):
        __slots__ = ()

    proxy = Sub(SimpleFactory('v'))
    assert not is_resolved(proxy)
    assert extract(proxy) == 'v'
    assert is_resolved(proxy)
