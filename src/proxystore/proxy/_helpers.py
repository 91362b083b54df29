"""Functions that inspect and resolve proxies without being forwarded."""

# The helpers read the proxy's slots through _proxy's private accessors.
# pyright: reportPrivateUsage=false

from __future__ import annotations

from concurrent.futures import Future
from typing import Any
from typing import TypeVar

from proxystore.proxy._proxy import _UNSET
from proxystore.proxy._proxy import FactoryType
from proxystore.proxy._proxy import Proxy
from proxystore.proxy._proxy import _get_factory
from proxystore.proxy._proxy import _get_target
from proxystore.proxy._proxy import _resolve
from proxystore.proxy._resolution import submit

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


def resolve_async(proxy: Proxy[T]) -> Future[T]:
    """Start resolving a proxy in the background and return its future.

    The factory runs in a background daemon thread, so that its I/O overlaps
    other work. Using the proxy meanwhile waits for that resolution rather
    than calling the factory a second time. On a resolved proxy the future
    is already done.

    ```python
    from proxystore.proxy import Proxy, extract, resolve_async

    proxy = Proxy(lambda: sum(range(10)))
    future = resolve_async(proxy)   # the factory starts now...
    # ... other work ...
    assert future.result() == 45    # ... and has run once
    assert extract(proxy) == 45
    ```

    From asyncio, `await asyncio.wrap_future(resolve_async(proxy))` waits
    without blocking the event loop.

    Args:
        proxy: The proxy to resolve.

    Returns:
        A future of the proxy's target. Its exception is the
        `ProxyResolveError` if the factory fails (the proxy then stays
        unresolved).

    Raises:
        TypeError: If `proxy` is not a `Proxy`.
    """
    target = _peek('resolve_async', proxy)
    if target is _UNSET:
        return submit(lambda: _resolve(proxy))
    future: Future[T] = Future()
    future.set_result(target)
    return future
