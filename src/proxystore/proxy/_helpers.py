"""Functions that inspect and resolve proxies without being forwarded.

As in proxystore, they go through a proxy's `__proxy_*` attributes, so that a
subclass that overrides one (to refuse an invalidated reference, say) is
obeyed; for the attributes `Proxy` itself defines, they read the slots
directly, which is the same thing, faster.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from proxystore.proxy import _attributes
from proxystore.proxy import _audit
from proxystore.proxy import _slots
from proxystore.proxy._pool import submit
from proxystore.proxy._resolution import extract as _extract
from proxystore.proxy._slots import UNSET

if TYPE_CHECKING:
    from proxystore.proxy import FactoryType
    from proxystore.proxy import Proxy

T = TypeVar('T')

# `Proxy`'s own properties: a subclass that overrides one is obeyed.
_WRAPPED = _attributes.proxy_wrapped
_RESOLVED = _attributes.proxy_resolved


def _proxy_class(function: str, proxy: object) -> Any:
    # Any: the caller reads the class's __proxy_*__ attributes.
    cls = type(proxy)
    if not issubclass(cls, _slots._ProxySlots):  # pyright: ignore[reportPrivateUsage]
        raise TypeError(
            f'{function}() expects a Proxy, not {cls.__qualname__}.',
        )
    return cls


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
    _proxy_class('get_factory', proxy)
    return proxy.__proxy_factory__


@_audit.explicit('extract')
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
    if _proxy_class('extract', proxy).__proxy_wrapped__ is not _WRAPPED:
        return proxy.__proxy_wrapped__
    target = _slots.peek(proxy)
    if target is UNSET:
        target = _extract(proxy)
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
    if _proxy_class('is_resolved', proxy).__proxy_resolved__ is not _RESOLVED:
        return proxy.__proxy_resolved__
    return _slots.peek(proxy) is not UNSET


@_audit.explicit('resolve')
def resolve(proxy: Proxy[T]) -> None:
    """Resolve a proxy now, if it is not resolved yet.

    Args:
        proxy: The proxy.

    Raises:
        TypeError: If `proxy` is not a `Proxy`.
        ProxyResolveError: If the proxy cannot be resolved.
    """
    if _proxy_class('resolve', proxy).__proxy_wrapped__ is not _WRAPPED:
        proxy.__proxy_wrapped__  # noqa: B018 - resolving is the point
    elif _slots.peek(proxy) is UNSET:
        _extract(proxy)


@_audit.explicit('resolve_async')
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

    Waiting for the future with `result()` or `exception()` takes part in
    cycle detection, as using the proxy does; if no background thread has
    started the resolution yet, the waiting thread runs it itself. From
    asyncio, `await asyncio.wrap_future(resolve_async(proxy))` waits
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
    _proxy_class('resolve_async', proxy)
    if not is_resolved(proxy):
        return submit(lambda: extract(proxy))
    future: Future[T] = Future()
    future.set_result(extract(proxy))
    return future
