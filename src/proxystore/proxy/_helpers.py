"""Functions that inspect and resolve proxies without being forwarded.

As in proxystore, they go through a proxy's `__proxy_*` attributes, so that a
subclass that overrides one (to refuse an invalidated reference, say) is
obeyed; for the attributes `Proxy` itself defines, they read the slots
directly, which is the same thing, faster.
"""

from __future__ import annotations

from collections.abc import Mapping
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


P = TypeVar('P', bound='Proxy[Any]')


def declare(
    proxy: P,
    cls: type | None = None,
    /,
    *,
    attributes: Mapping[str, Any] | None = None,
    length: int | None = None,
    sizeof: int | None = None,
) -> P:
    """Declare what is known about a proxy's target, so that it answers unresolved.

    A driver that holds proxies of large objects often knows their metadata
    (an array's shape, dtype and size) when it makes them. Declared, those
    answer without loading the target: while the proxy is unresolved, a read
    of a declared attribute returns its value, `len()` the declared length,
    `sys.getsizeof()` (and so Dask's `sizeof`) the declared size, and
    `isinstance` and `__class__` the declared class. Nothing that computes on
    the data uses them. Once the proxy is resolved, the target answers
    everything; `check_declared` tells whether the two agree.

    ```python
    from proxystore.proxy import Proxy, declare, is_resolved

    proxy = declare(
        Proxy(lambda: [1, 2, 3]), list, attributes={'unit': 'm'}, length=3
    )
    assert len(proxy) == 3 and isinstance(proxy, list) and proxy.unit == 'm'
    assert not is_resolved(proxy)
    ```

    The declarations replace earlier ones and travel with the proxy when it
    is pickled or copied. Declare before the proxy is shared: two threads
    that set the declarations, the factory or a default of one proxy at once
    may lose one of the two settings.

    Args:
        proxy: The proxy.
        cls: The class of the target: it becomes the proxy's default class
            (`__proxy_default_class__`). `None` leaves the default class as
            it is.
        attributes: Attribute values of the target, by name. Special names
            (`__x__`) cannot be declared: the class answers for them.
        length: The `len()` of the target.
        sizeof: The size of the target in bytes, as `sys.getsizeof()` of it
            would be (for memory accounting; not checked).

    Returns:
        The proxy, so that `declare(Proxy(...), ...)` reads as one
        expression.

    Raises:
        TypeError: If `proxy` is not a `Proxy`, `cls` is not a class, a name
            is not a string, or `length` or `sizeof` is not an int.
        ValueError: If a name is not an identifier or is a special name, or
            `length` or `sizeof` is negative.
    """
    _proxy_class('declare', proxy)
    declared = _slots.Declared(attributes, length, sizeof)  # checks them all
    if cls is not None:
        _slots.set_default_class(proxy, cls)
    _slots.set_declared(proxy, declared)
    return proxy


def get_declared(proxy: Proxy[T]) -> _slots.Declared | None:
    """Return what was declared about a proxy's target, without resolving it.

    Args:
        proxy: The proxy.

    Returns:
        The `Declared` values given to `declare`, or `None` if nothing was
        declared. The declared class is the proxy's `__proxy_default_class__`.

    Raises:
        TypeError: If `proxy` is not a `Proxy`.
    """
    _proxy_class('get_declared', proxy)
    return _slots.declared_of(proxy)


@_audit.explicit('check_declared')
def check_declared(proxy: Proxy[T]) -> T:
    """Resolve a proxy and check that its target agrees with what was declared.

    The declared class must be a class of the target (`isinstance`), each
    declared attribute equal (`==`) to the target's, and the declared length
    its `len()`. The declared size is an estimate, and is not checked.

    Args:
        proxy: The proxy.

    Returns:
        The target.

    Raises:
        TypeError: If `proxy` is not a `Proxy`.
        ProxyResolveError: If the proxy cannot be resolved.
        ValueError: If the target disagrees with a declaration; the message
            names every disagreement.
    """
    _proxy_class('check_declared', proxy)
    target = extract(proxy)
    held = _slots.defaults_held(proxy)  # one read: the class and declarations
    declared = None if held is None else held.declared
    cls = None if held is None else held.default_class
    problems: list[str] = []
    if cls is not None and not isinstance(target, cls):
        problems.append(
            f'the target is a {type(target).__qualname__}, declared {cls.__qualname__}'
        )
    if declared is not None:
        for name, value in declared.attributes.items():
            try:
                actual = getattr(target, name)
            except AttributeError:
                problems.append(f'the target has no attribute {name!r}')
                continue
            problem = _disagreement(f'{name!r}', actual, value)
            if problem:
                problems.append(problem)
        if declared.length is not None:
            try:
                actual = len(target)  # type: ignore[arg-type]
            except TypeError:
                problems.append('the target has no len()')
            else:
                if actual != declared.length:
                    problems.append(f'len() is {actual}, declared {declared.length}')
    if problems:
        raise ValueError(
            'The target disagrees with what was declared: ' + '; '.join(problems) + '.'
        )
    return target


def _disagreement(name: str, actual: object, value: object) -> str:
    """Why `actual` is not the declared `value`, or '' if they agree."""
    try:
        if actual is value or bool(actual == value):
            return ''
    except Exception as error:  # reported, not raised
        return (
            f'{name} cannot be compared with its declared value '
            f'({type(error).__name__}: {error})'
        )
    return f'{name} is {actual!r}, declared {value!r}'
