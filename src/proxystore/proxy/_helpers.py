"""Functions that inspect and resolve proxies without being forwarded."""

from __future__ import annotations

from typing import Any
from typing import TypeVar

from proxystore.proxy._proxy import _UNSET
from proxystore.proxy._proxy import FactoryType
from proxystore.proxy._proxy import Proxy
from proxystore.proxy._proxy import _get_factory
from proxystore.proxy._proxy import _get_target
from proxystore.proxy._proxy import _resolve

T = TypeVar('T')


def _not_a_proxy(function: str, value: object) -> TypeError:
    return TypeError(
        f'{function}() expects a Proxy, not {type(value).__qualname__}.',
    )


def _peek(function: str, proxy: Any) -> Any:
    # The target slot's value, or _UNSET; checks that `proxy` is a Proxy.
    try:
        return _get_target(proxy)
    except AttributeError:
        return _UNSET
    except TypeError:
        raise _not_a_proxy(function, proxy) from None


def get_factory(proxy: Proxy[T]) -> FactoryType[T]:
    """Return the factory of a proxy, without resolving it.

    Args:
        proxy: The proxy.

    Returns:
        The callable that the proxy calls to get its target.

    Raises:
        TypeError: If `proxy` is not a `Proxy`.
        AttributeError: If the proxy has no factory.
    """
    try:
        return _get_factory(proxy)  # type: ignore[no-any-return]
    except TypeError:
        raise _not_a_proxy('get_factory', proxy) from None


def extract(proxy: Proxy[T]) -> T:
    """Return the target of a proxy, resolving the proxy first if needed.

    Args:
        proxy: The proxy.

    Returns:
        The object the proxy stands for.

    Raises:
        TypeError: If `proxy` is not a `Proxy`.
        ProxyResolveError: If the proxy cannot be resolved.
    """
    target = _peek('extract', proxy)
    if target is _UNSET:
        target = _resolve(proxy)
    return target  # type: ignore[no-any-return]


def is_resolved(proxy: Proxy[T]) -> bool:
    """Tell whether a proxy holds its target, without resolving it.

    Args:
        proxy: The proxy.

    Returns:
        `True` if the proxy holds its target (its factory has been called or
        the target was given), `False` otherwise.

    Raises:
        TypeError: If `proxy` is not a `Proxy`.
    """
    return _peek('is_resolved', proxy) is not _UNSET


def resolve(proxy: Proxy[T]) -> None:
    """Resolve a proxy now, if it is not resolved yet.

    Args:
        proxy: The proxy.

    Raises:
        TypeError: If `proxy` is not a `Proxy`.
        ProxyResolveError: If the proxy cannot be resolved.
    """
    if _peek('resolve', proxy) is _UNSET:
        _resolve(proxy)
