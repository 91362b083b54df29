"""The proxy's storage: its slots, and the functions that read and write them.

A proxy keeps two slots, defined by `_ProxySlots`, a private base class of
`Proxy`, and a weak reference slot:

- `__proxy_factory__`: the factory, or, for a proxy with a default class or
  hash (see `cache_defaults`) or declared attributes (`declare`), a
  `Defaults` that holds the factory, both defaults and the `Declared`.
  Empty only on a proxy that was never initialized (made with
  `Proxy.__new__`) or whose factory was deleted.
- `__proxy_target__`: the target, or `UNSET` while the proxy is unresolved.
  The constructor writes `UNSET`, so that a first use costs a comparison
  rather than a raised exception; the slot is empty only on a proxy that never
  went through the constructor, and `peek` reads that as `UNSET` too.

Two slots, not four: each slot the constructor writes costs a call of a
member descriptor's method (about 800 instructions), and most proxies have no
defaults. Pickling a new proxy, its most common first use, reads one slot.

`read_*` and `write_*` are the member descriptors' C methods: no
`__getattribute__` or subclass property can intercept them, and they raise
`AttributeError` on an empty slot. The other functions never raise for an
empty slot. A `Defaults` is never changed: setting a default or the factory
of a proxy that has defaults stores a new one, so a reader sees both
defaults of one moment. Two threads that set the factory or a default of the
same proxy at once may lose one of the two settings (as two assignments of
one attribute would): set them before the proxy is shared.

This module is storage only: the `__proxy_*` attributes that users see,
which may resolve, are properties defined above it (`_attributes`).
"""

# Targets and factories are of any type.
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from types import MappingProxyType
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

    __slots__ = ('__proxy_factory__', '__proxy_target__', '__weakref__')


_members = _ProxySlots.__dict__
read_factory: Callable[[Any], Any] = _members['__proxy_factory__'].__get__
write_factory: Callable[[Any, Any], None] = _members['__proxy_factory__'].__set__
delete_factory: Callable[[Any], None] = _members['__proxy_factory__'].__delete__
read_target: Callable[[Any], Any] = _members['__proxy_target__'].__get__
write_target: Callable[[Any, Any], None] = _members['__proxy_target__'].__set__
del _members


class Declared:
    """What was declared about a proxy's target before it is loaded.

    Made by `declare`, read with `get_declared`. While the proxy is
    unresolved, reads of the declared attributes answer their values, `len()`
    the declared length and `sys.getsizeof()` the declared size; once it is
    resolved, the target answers. Never changed once made; equal to another
    `Declared` with the same values.

    Attributes:
        attributes: The declared attribute values, by name (read-only).
        length: The declared `len()` of the target, or `None`.
        sizeof: The declared size of the target in bytes (what
            `sys.getsizeof()` and Dask's `sizeof` report), or `None`.

    Raises:
        TypeError: If a name is not a string, or `length` or `sizeof` is not
            an int.
        ValueError: If a name is not an identifier, is a special name
            (`__x__`), or is one of the proxy's own; or if `length` or
            `sizeof` is negative.
    """

    __slots__ = ('attributes', 'length', 'sizeof')

    attributes: Mapping[str, Any]
    length: int | None
    sizeof: int | None

    def __init__(
        self,
        attributes: Mapping[str, Any] | None = None,
        length: int | None = None,
        sizeof: int | None = None,
    ) -> None:
        values = dict(attributes or {})
        for name in values:
            _check_declared_name(name)
        _check_size('length', length)
        _check_size('sizeof', sizeof)
        _set = object.__setattr__
        _set(self, 'attributes', MappingProxyType(values))
        _set(self, 'length', length)
        _set(self, 'sizeof', sizeof)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f'Declared is read-only: cannot set {name!r}.')

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f'Declared is read-only: cannot delete {name!r}.')

    def __eq__(self, other: object) -> bool:
        if type(other) is not Declared:
            return NotImplemented
        return (
            dict(self.attributes) == dict(other.attributes)
            and self.length == other.length
            and self.sizeof == other.sizeof
        )

    __hash__ = None  # type: ignore[assignment]  # attribute values may be unhashable

    def __repr__(self) -> str:
        fields = [f'attributes={dict(self.attributes)!r}']
        if self.length is not None:
            fields.append(f'length={self.length!r}')
        if self.sizeof is not None:
            fields.append(f'sizeof={self.sizeof!r}')
        return f'Declared({", ".join(fields)})'

    def __reduce__(self) -> tuple[Any, ...]:
        # Through the constructor, so that a pickle is checked as a call is.
        return Declared, (dict(self.attributes), self.length, self.sizeof)


def _check_declared_name(name: object) -> None:
    if not isinstance(name, str):
        raise TypeError(
            f'Declared attribute names must be str, not {type(name).__qualname__}.',
        )
    if not name.isidentifier():
        raise ValueError(f'Cannot declare attribute {name!r}: not an identifier.')
    if name[:2] == '__' == name[-2:]:
        raise ValueError(
            f'Cannot declare attribute {name!r}: special names are answered by '
            'the class (declare the class instead).',
        )


def _check_size(what: str, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(
            f'Declared {what} must be an int or None, not {type(value).__qualname__}.',
        )
    if value < 0:
        raise ValueError(f'Declared {what} must not be negative, not {value}.')


any_declared: list[bool] = []
"""Empty until a proxy of this process gets declared attributes: until then,
a read of an unresolved proxy's attribute skips looking for them."""


class Defaults:
    """What the factory slot holds for a proxy with defaults or declarations."""

    __slots__ = ('declared', 'default_class', 'default_hash', 'factory')

    def __init__(
        self,
        factory: Any,
        default_class: DefaultClassType,
        default_hash: DefaultHashType,
        declared: Declared | None = None,
    ) -> None:
        self.factory = factory
        self.default_class = default_class
        self.default_hash = default_hash
        self.declared = declared


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


def factory_of(proxy: Any) -> Any:
    """The factory of a proxy.

    Raises:
        AttributeError: If the proxy has none.
    """
    factory = read_factory(proxy)
    if type(factory) is Defaults:
        return factory.factory  # an empty slot raises AttributeError too
    return factory


def set_factory(proxy: Any, factory: Any) -> None:
    """Set the factory of a proxy, keeping its defaults and declarations."""
    held = defaults_held(proxy)
    if held is None:
        write_factory(proxy, factory)
    else:
        write_factory(
            proxy,
            Defaults(factory, held.default_class, held.default_hash, held.declared),
        )


def defaults_held(proxy: Any) -> Defaults | None:
    """The `Defaults` a proxy's factory slot holds, or `None`."""
    try:
        held = read_factory(proxy)
    except AttributeError:  # never initialized
        return None
    return held if type(held) is Defaults else None


def declared_of(proxy: Any) -> Declared | None:
    """What was declared about the target of a proxy, or `None`."""
    held = defaults_held(proxy)
    return None if held is None else held.declared


def default_class(proxy: Any) -> DefaultClassType:
    """The default class of the target, or `None`."""
    # defaults_held(), inlined: every isinstance() of an unresolved proxy.
    try:
        held = read_factory(proxy)
    except AttributeError:  # never initialized
        return None
    return held.default_class if type(held) is Defaults else None


def default_hash(proxy: Any) -> DefaultHashType:
    """The default hash of the target (or its `TypeError`), or `None`."""
    # defaults_held(), inlined: every hash() of an unresolved proxy.
    try:
        held = read_factory(proxy)
    except AttributeError:  # never initialized
        return None
    return held.default_hash if type(held) is Defaults else None


def set_defaults(proxy: Any, default_class: object, default_hash: object) -> None:
    """Set both defaults of a proxy (`None` for none).

    Raises:
        TypeError: If `default_class` is neither a class nor `None`, or
            `default_hash` is not an int, an `Exception` or `None`.
    """
    _check('__proxy_default_class__', default_class, type, 'a class')
    _check(
        '__proxy_default_hash__',
        default_hash,
        (int, Exception),
        'an int, an Exception',
    )
    _hold(proxy, default_class, default_hash, declared_of(proxy))  # type: ignore[arg-type]


def set_declared(proxy: Any, declared: Declared | None) -> None:
    """Set what is declared about the target of a proxy; `None` for nothing."""
    if declared is not None and not any_declared:
        any_declared.append(True)
    held = defaults_held(proxy)
    if held is None:
        _hold(proxy, None, None, declared)
    else:
        _hold(proxy, held.default_class, held.default_hash, declared)


def _hold(
    proxy: Any,
    default_class: DefaultClassType,
    default_hash: DefaultHashType,
    declared: Declared | None,
) -> None:
    """Write the factory slot: the factory, in a `Defaults` if there are any."""
    none = default_class is None and default_hash is None and declared is None
    try:
        factory = factory_of(proxy)
    except AttributeError:  # never initialized: the defaults, without it
        if none:
            return
        held = Defaults(None, default_class, default_hash, declared)
        del held.factory
    else:
        held = (
            factory
            if none
            else Defaults(factory, default_class, default_hash, declared)
        )
    write_factory(proxy, held)


def set_default_class(proxy: Any, value: object) -> None:
    """Set the default class of the target; `None` sets none.

    Raises:
        TypeError: If `value` is neither a class nor `None`.
    """
    set_defaults(proxy, value, default_hash(proxy))


def set_default_hash(proxy: Any, value: object) -> None:
    """Set the default hash of the target (or its `TypeError`); `None` sets none.

    Raises:
        TypeError: If `value` is not an int, an `Exception` or `None`.
    """
    set_defaults(proxy, default_class(proxy), value)


def _check(name: str, value: object, kinds: Any, described: str) -> None:
    if not (value is None or isinstance(value, kinds)):
        raise TypeError(
            f'{name} must be {described} or None, not {type(value).__qualname__}.',
        )


def defaults_of(target: object) -> tuple[type, int | Exception]:
    """The default class and hash that `target` gives a proxy."""
    cls = target.__class__
    try:
        return cls, hash(target)
    except TypeError as error:
        return cls, error
