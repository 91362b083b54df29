"""The proxy's state: its slots, and the `__proxy_*` attributes that expose them.

A proxy keeps four slots, defined by `_ProxySlots`, a private base class of
`Proxy`:

- `__proxy_factory__`: the factory. Empty only on a proxy that was never
  initialized (made with `Proxy.__new__`) or whose factory was deleted.
- `__proxy_target__`: the target, or `UNSET` while the proxy is unresolved.
  The constructor writes `UNSET`, so that a first use costs a comparison
  rather than a raised exception; the slot is empty only on a proxy that never
  went through the constructor, and `peek` reads that as `UNSET` too.
- `__proxy_default_class__`, `__proxy_default_hash__`: the cached class and
  hash of the target, or `None` for nothing cached. The constructor writes
  both, so that pickling a new proxy, its most common first use, reads them
  without a raised exception; they are empty only on a proxy that never went
  through the constructor, which reads as `None` too.

`Proxy` declares the six public `__proxy_*` names as class attributes: the
slots of `__proxy_factory__` as they are, and properties (below) for the
others, so that `UNSET` and empty default slots never show. Code in this
package reads and writes the slots through the member descriptors' C methods
(`get_factory`, `set_target`...), which no `__getattribute__` or subclass
property can intercept.
"""

# Targets and factories are of any type.
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from typing import TypeAlias

DefaultClassType: TypeAlias = type | None
"""The type of a proxy's cached class: a class, or `None` for none cached."""
DefaultHashType: TypeAlias = Exception | int | None
"""The type of a proxy's cached hash: the hash, the `TypeError` of an
unhashable target, or `None` for none cached."""


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return '<unset>'


UNSET: Any = _Unset()
"""The target slot's value while the proxy is unresolved."""


class _ProxySlots:
    """The proxy's storage, in a base class so `super(Proxy, proxy)` sees it."""

    __slots__ = (
        '__proxy_default_class__',
        '__proxy_default_hash__',
        '__proxy_factory__',
        '__proxy_target__',
        '__weakref__',
    )


_members = _ProxySlots.__dict__
get_factory: Callable[[Any], Any] = _members['__proxy_factory__'].__get__
set_factory: Callable[[Any, Any], None] = _members['__proxy_factory__'].__set__
_get_target: Callable[[Any], Any] = _members['__proxy_target__'].__get__
set_target: Callable[[Any, Any], None] = _members['__proxy_target__'].__set__
_get_class = _members['__proxy_default_class__'].__get__
set_class: Callable[[Any, Any], None] = _members['__proxy_default_class__'].__set__
_get_hash = _members['__proxy_default_hash__'].__get__
set_hash: Callable[[Any, Any], None] = _members['__proxy_default_hash__'].__set__
del _members


def is_proxy(value: object) -> bool:
    """Whether `value` is a proxy (without resolving it)."""
    return issubclass(type(value), _ProxySlots)


def peek(proxy: Any) -> Any:
    """The target, or `UNSET` if the proxy is unresolved. Never resolves."""
    try:
        return _get_target(proxy)
    except AttributeError:  # never initialized
        return UNSET


def fill_target(proxy: Any) -> bool:
    """Mark the empty target slot of a proxy made without the constructor unresolved.

    Returns:
        Whether the slot was empty.
    """
    try:
        _get_target(proxy)
    except AttributeError:
        set_target(proxy, UNSET)
        return True
    return False


def unresolve(proxy: Any) -> None:
    """Drop the target: the next use calls the factory again."""
    set_target(proxy, UNSET)


def cached_class(proxy: Any) -> type | None:
    """The cached class of the target, or `None`."""
    try:
        return _get_class(proxy)  # type: ignore[no-any-return]
    except AttributeError:  # never initialized
        return None


def cached_hash(proxy: Any) -> int | Exception | None:
    """The cached hash of the target (or its `TypeError`), or `None`."""
    try:
        return _get_hash(proxy)  # type: ignore[no-any-return]
    except AttributeError:  # never initialized
        return None


def set_cached_class(proxy: Any, value: object) -> None:
    """Cache the target's class; `None` caches nothing.

    Raises:
        TypeError: If `value` is neither a class nor `None`.
    """
    if value is None or isinstance(value, type):
        set_class(proxy, value)
    else:
        raise TypeError(
            f'__proxy_default_class__ must be a class or None, not '
            f'{type(value).__qualname__}.',
        )


def set_cached_hash(proxy: Any, value: object) -> None:
    """Cache the target's hash (or its `TypeError`); `None` caches nothing.

    Raises:
        TypeError: If `value` is not an int, an `Exception` or `None`.
    """
    if value is None or isinstance(value, (int, Exception)):
        set_hash(proxy, value)
    else:
        raise TypeError(
            f'__proxy_default_hash__ must be an int, an Exception or None, not '
            f'{type(value).__qualname__}.',
        )


def cache_defaults(proxy: Any, target: object) -> None:
    """Cache the class and hash of `target` in `proxy`."""
    set_class(proxy, target.__class__)
    try:
        set_hash(proxy, hash(target))
    except TypeError as error:
        set_hash(proxy, error)


# The properties. `__proxy_wrapped__` resolves and assigns through `resolve`
# and `assign`, which the resolution module provides: they are looked up when
# first needed, so that this module stays the bottom of the import graph.


def _read_target(proxy: Any) -> Any:
    target = peek(proxy)
    if target is UNSET:
        raise AttributeError(
            f'{type(proxy).__name__!r} object has no attribute '
            "'__proxy_target__' (the proxy is not resolved)",
        )
    return target


def _delete_target(proxy: Any) -> None:
    _read_target(proxy)  # deleting what is not there fails, as for any slot
    unresolve(proxy)


def _resolved(proxy: Any) -> bool:
    return peek(proxy) is not UNSET


def _wrapped(proxy: Any) -> Any:
    # peek(), inlined: subclasses that override __proxy_wrapped__ reach this
    # on every operation, through super().__proxy_wrapped__.
    try:
        target = _get_target(proxy)
    except AttributeError:  # never initialized
        target = UNSET
    if target is UNSET:
        from proxystore.proxy._resolution import resolve

        target = resolve(proxy)
    return target


def _assign(proxy: Any, target: Any) -> None:
    from proxystore.proxy._resolution import assign

    assign(proxy, target)


def _read_only(proxy: Any, *value: Any) -> None:
    raise AttributeError("'__proxy_resolved__' is read-only")


TARGET = property(
    _read_target,
    _assign,
    _delete_target,
    doc='The target; reading it on an unresolved proxy raises AttributeError.',
)
RESOLVED = property(
    _resolved,
    _read_only,
    _read_only,
    doc='Whether the proxy holds its target (read-only).',
)
WRAPPED = property(
    _wrapped,
    _assign,
    _delete_target,
    doc='The target, resolving the proxy if needed; set to replace it, '
    'delete to make the proxy unresolved.',
)
DEFAULT_CLASS = property(
    cached_class,
    set_cached_class,
    lambda proxy: set_cached_class(proxy, None),
    doc='The class `isinstance` uses while the proxy is unresolved, or None.',
)
DEFAULT_HASH = property(
    cached_hash,
    set_cached_hash,
    lambda proxy: set_cached_hash(proxy, None),
    doc='The hash `hash()` uses while the proxy is unresolved, or None.',
)
