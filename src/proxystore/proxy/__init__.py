"""Lazy, transparent object proxies and the functions that work on them.

A [`Proxy`][proxystore.proxy.Proxy] stands for an object that a *factory*
returns when the proxy is first used. Pickling a proxy carries only the
factory, so a proxy moves cheaply between processes and resolves where it is
used.
"""

# Pickles made by proxystore name _proxy_trampoline and _restore here.
# pyright: reportPrivateUsage=false

from __future__ import annotations

from typing import TypeVar

from typing_extensions import TypeAliasType

from proxystore.proxy._helpers import extract
from proxystore.proxy._helpers import get_factory
from proxystore.proxy._helpers import is_resolved
from proxystore.proxy._helpers import resolve
from proxystore.proxy._helpers import resolve_async
from proxystore.proxy._locker import ProxyLocker
from proxystore.proxy._proxy import DefaultClassType
from proxystore.proxy._proxy import DefaultHashType
from proxystore.proxy._proxy import FactoryType
from proxystore.proxy._proxy import Proxy
from proxystore.proxy._proxy import _proxy_trampoline
from proxystore.proxy._proxy import _restore
from proxystore.proxy._resolution import ProxyResolveError

__all__ = [
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
    'resolve_async',
]

T = TypeVar('T')

ProxyOr = TypeAliasType('ProxyOr', 'Proxy[T] | T', type_params=(T,))
"""A `Proxy[T]` or a plain `T`: for code that takes either."""

for _public in (
    ProxyResolveError,
    extract,
    get_factory,
    is_resolved,
    resolve,
    resolve_async,
):
    _public.__module__ = __name__
del _public

# Referenced by pickles: keep them importable from here.
_keep = (_proxy_trampoline, _restore)
