"""The package's public surface matches proxystore 1.1.0's names."""

from __future__ import annotations

import importlib.metadata
import typing

import proxystore
import proxystore.proxy
from proxystore.proxy import Proxy
from proxystore.proxy import ProxyOr


def test_version_comes_from_installed_metadata() -> None:
    assert proxystore.__version__ == importlib.metadata.version('proxystore-proxy')


def test_public_names() -> None:
    expected = {
        'DefaultClassType',
        'DefaultHashType',
        'FactoryType',
        'Proxy',
        'ProxyLocker',
        'ProxyOr',
        'ProxyResolveError',
        'extract',
        'get_factory',
        'is_resolved',
        'resolve',
    }
    assert expected <= set(proxystore.proxy.__all__)
    for name in proxystore.proxy.__all__:
        assert hasattr(proxystore.proxy, name)


def test_public_objects_live_in_proxystore_proxy() -> None:
    for name in ('Proxy', 'ProxyLocker', 'ProxyResolveError', 'extract', 'resolve'):
        assert getattr(proxystore.proxy, name).__module__ == 'proxystore.proxy'


def test_proxy_or_alias() -> None:
    assert ProxyOr.__name__ == 'ProxyOr'
    (param,) = ProxyOr.__type_params__
    # The value is text (a forward reference): resolve it in the module where
    # the alias is defined, as a type checker or get_type_hints() would.
    value = ProxyOr.__value__
    resolved = eval(value, vars(proxystore.proxy)) if isinstance(value, str) else value
    assert resolved == Proxy[param] | param
    assert resolved[int] == Proxy[int] | int
    assert typing.get_origin(ProxyOr[int]) is ProxyOr
    assert typing.get_args(ProxyOr[int]) == (int,)


def test_proxy_is_generic() -> None:
    alias = Proxy[int]
    assert typing.get_origin(alias) is Proxy
    assert typing.get_args(alias) == (int,)


def test_type_aliases() -> None:
    from proxystore.proxy import DefaultClassType
    from proxystore.proxy import DefaultHashType
    from proxystore.proxy import FactoryType

    assert typing.get_args(DefaultClassType) == (type, type(None))
    assert set(typing.get_args(DefaultHashType)) == {Exception, int, type(None)}
    assert typing.get_origin(FactoryType[int]) is not None
