"""ProxyLocker keeps a proxy from being resolved."""

from __future__ import annotations

import pickle

import pytest

from proxystore.factory import SimpleFactory
from proxystore.proxy import Proxy
from proxystore.proxy import ProxyLocker
from proxystore.proxy import is_resolved


def test_unlock_returns_the_same_unresolved_proxy() -> None:
    proxy = Proxy(SimpleFactory([1]))
    locker = ProxyLocker(proxy)
    assert locker.unlock() is proxy
    assert not is_resolved(proxy)


def test_reading_the_proxy_attribute_is_refused() -> None:
    locker = ProxyLocker(Proxy(SimpleFactory(1)))
    with pytest.raises(AttributeError, match='Cannot access the proxy'):
        locker._proxy
    assert not is_resolved(locker.unlock())


def test_other_attributes_behave_normally() -> None:
    locker = ProxyLocker(Proxy(SimpleFactory(1)))
    assert locker.unlock.__name__ == 'unlock'
    assert type(locker) is ProxyLocker
    assert repr(locker).startswith('<ProxyLocker at 0x')
    with pytest.raises(AttributeError):
        locker.missing


def test_a_locker_takes_other_attributes_but_keeps_its_proxy_hidden() -> None:
    proxy = Proxy(SimpleFactory(1))
    locker = ProxyLocker(proxy)
    locker.tag = 1  # type: ignore[attr-defined]
    assert locker.tag == 1  # type: ignore[attr-defined]
    del locker.tag  # type: ignore[attr-defined]
    assert not hasattr(locker, 'tag')
    with pytest.raises(AttributeError, match='Cannot access the proxy'):
        locker._proxy
    assert locker.unlock() is proxy
    assert not is_resolved(proxy)


@pytest.mark.parametrize('protocol', range(pickle.HIGHEST_PROTOCOL + 1))
def test_locker_pickles(protocol: int) -> None:
    proxy = Proxy(SimpleFactory('value'))
    copy = pickle.loads(pickle.dumps(ProxyLocker(proxy), protocol=protocol))
    assert isinstance(copy, ProxyLocker)
    unlocked = copy.unlock()
    assert not is_resolved(unlocked)
    assert unlocked == 'value'
    assert not is_resolved(proxy)


def test_locker_is_generic() -> None:
    assert ProxyLocker[int] is not None
    assert ProxyLocker.__module__ == 'proxystore.proxy'
