"""The proxy's storage: its slots, and the functions that read and write them.

A proxy keeps four slots, defined by `_ProxySlots`, a private base class of
`Proxy`:

- `__proxy_factory__`: the factory. Empty only on a proxy that was never
  initialized (made with `Proxy.__new__`) or whose factory was deleted.
- `__proxy_target__`: the target, or `UNSET` while the proxy is unresolved.
  The constructor writes `UNSET`, so that a first use costs a comparison
  rather than a raised exception; the slot is empty only on a proxy that never
  went through the constructor, and `peek` reads that as `UNSET` too.
- `__proxy_default_class__`, `__proxy_default_hash__`: the target's default
  class and hash (see `cache_defaults`), or `None` for none. The constructor
  writes both, so that pickling a new proxy, its most common first use, reads
  them without a raised exception; they are empty only on a proxy that never
  went through the constructor, which reads as `None` too.

`read_*` and `write_*` are the member descriptors' C methods: no
`__getattribute__` or subclass property can intercept them, and they raise
`AttributeError` on an empty slot. The other functions never raise for an
empty slot. This module is storage only: the `__proxy_*` attributes that
users see, which may resolve, are properties defined above it (`_attributes`).
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
"""The type of a proxy's default class: a class, or `None` for none."""
DefaultHashType: TypeAlias = Exception | int | None
"""The type of a proxy's default hash: the hash, the `TypeError` of an
unhashable target, or `None` for none."""


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
read_factory: Callable[[Any], Any] = _members['__proxy_factory__'].__get__
write_factory: Callable[[Any, Any], None] = _members['__proxy_factory__'].__set__
read_target: Callable[[Any], Any] = _members['__proxy_target__'].__get__
write_target: Callable[[Any, Any], None] = _members['__proxy_target__'].__set__
read_default_class: Callable[[Any], Any] = _members['__proxy_default_class__'].__get__
write_default_class: Callable[[Any, Any], None] = _members[
    '__proxy_default_class__'
].__set__
read_default_hash: Callable[[Any], Any] = _members['__proxy_default_hash__'].__get__
write_default_hash: Callable[[Any, Any], None] = _members[
    '__proxy_default_hash__'
].__set__
del _members


def is_proxy(value: object) -> bool:
    """Whether `value` is a proxy (without resolving it)."""
    return issubclass(type(value), _ProxySlots)


def peek(proxy: Any) -> Any:
    """The target, or `UNSET` if the proxy is unresolved. Never resolves."""
    try:
        return read_target(proxy)
    except AttributeError:  # never initialized
        return UNSET


def fill_target(proxy: Any) -> bool:
    """Mark the empty target slot of a proxy made without the constructor unresolved.

    Returns:
        Whether the slot was empty.
    """
    try:
        read_target(proxy)
    except AttributeError:
        write_target(proxy, UNSET)
        return True
    return False


def unresolve(proxy: Any) -> None:
    """Drop the target: the next use calls the factory again."""
    write_target(proxy, UNSET)


def default_class(proxy: Any) -> type | None:
    """The default class of the target, or `None`."""
    try:
        return read_default_class(proxy)  # type: ignore[no-any-return]
    except AttributeError:  # never initialized
        return None


def default_hash(proxy: Any) -> int | Exception | None:
    """The default hash of the target (or its `TypeError`), or `None`."""
    try:
        return read_default_hash(proxy)  # type: ignore[no-any-return]
    except AttributeError:  # never initialized
        return None


def set_default_class(proxy: Any, value: object) -> None:
    """Set the default class of the target; `None` sets none.

    Raises:
        TypeError: If `value` is neither a class nor `None`.
    """
    _check('__proxy_default_class__', value, type, 'a class')
    write_default_class(proxy, value)


def set_default_hash(proxy: Any, value: object) -> None:
    """Set the default hash of the target (or its `TypeError`); `None` sets none.

    Raises:
        TypeError: If `value` is not an int, an `Exception` or `None`.
    """
    _check('__proxy_default_hash__', value, (int, Exception), 'an int, an Exception')
    write_default_hash(proxy, value)


def _check(name: str, value: object, kinds: Any, described: str) -> None:
    if not (value is None or isinstance(value, kinds)):
        raise TypeError(
            f'{name} must be {described} or None, not {type(value).__qualname__}.',
        )


def cache_defaults(proxy: Any, target: object) -> None:
    """Set the default class and hash of `proxy` from `target`."""
    write_default_class(proxy, target.__class__)
    try:
        write_default_hash(proxy, hash(target))
    except TypeError as error:
        write_default_hash(proxy, error)
