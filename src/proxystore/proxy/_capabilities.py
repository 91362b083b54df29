"""Proxies whose class has the special methods of their target's class.

`callable(p)`, `isinstance(p, collections.abc.Iterable)` and the other
one-trick ABCs, `os.PathLike`, `inspect.isawaitable` and asyncio's cache of
coroutine types read the special methods of `type(p)`. `Proxy` defines them
all, so a plain proxy answers each check as if its target could do
everything. `match_capabilities` gives a proxy a class of this module
instead, a *variant*: `Proxy`'s methods, less the capabilities that the
target's class lacks. A variant is a sibling of `Proxy` (both derive from
`_ProxySlots`, and add no slots), not a subclass: a subclass could not lose
`Proxy.__call__`, since `callable` reads only whether the type has one.

Variants are made when first needed and kept, one per set of capabilities,
so there are at most a few dozen in practice. They run `Proxy`'s compiled
methods' own code, each function rebound to globals of the variant's, in
which `Proxy` is the variant: the methods read the target slot with
`super(Proxy, self)` on 3.12+, which a sibling of `Proxy` would refuse.

The first variant makes `ProxyType` answer `isinstance(v, Proxy)` and
`issubclass(V, Proxy)` for variants; until then those checks cost what they
always did (CPython's own, in C).
"""

# Pickles may hold anything, whatever the annotations say.
# pyright: reportPrivateUsage=false, reportUnnecessaryIsInstance=false

from __future__ import annotations

import collections.abc
import contextlib
import sys
import types
import weakref
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from typing import cast

from proxystore.proxy import _slots
from proxystore.proxy import _subclass
from proxystore.proxy._subclass import _CLASS_METADATA
from proxystore.proxy._subclass import ProxyType

if TYPE_CHECKING:
    from proxystore.proxy import Proxy

__all__ = ['CAPABILITIES', 'match_capabilities']

T = TypeVar('T')

CAPABILITIES: frozenset[str] = frozenset(
    {
        '__call__',  # callable(), Callable
        '__await__',  # Awaitable, inspect.isawaitable
        '__iter__',  # Iterable, Iterator, Reversible
        '__next__',  # Iterator; asyncio steps an iterator with next()
        '__aiter__',  # AsyncIterable, AsyncIterator
        '__anext__',  # AsyncIterator
        '__len__',  # Sized
        '__contains__',  # Container
        '__reversed__',  # Reversible
        # iter() and reversed() fall back to indexing an object that has
        # __getitem__: kept, a proxy of an int would be "iterable".
        '__getitem__',
        '__fspath__',  # os.PathLike
        '__hash__',  # Hashable (None in the variant when missing)
        '__enter__',  # contextlib.AbstractContextManager
        '__exit__',
        '__aenter__',  # contextlib.AbstractAsyncContextManager
        '__aexit__',
        *(('__buffer__',) if sys.version_info >= (3, 12) else ()),  # Buffer
    }
)
"""The special methods a variant has only if its target's class has them."""

_KNOWN = CAPABILITIES | {'__buffer__'}
"""The names a pickle may list: those of every supported version."""

# What asyncio.iscoroutine() caches by type(obj): a variant that asyncio
# may remember as a coroutine type is never shared with other classes.
_ASYNCIO_COROUTINES: tuple[type, ...] = (
    types.CoroutineType,
    collections.abc.Coroutine,
    *((types.GeneratorType,) if sys.version_info < (3, 12) else ()),
)

_Key = tuple[frozenset[str], frozenset[str], bool]
"""A variant's capabilities, those set to None, and whether asyncio may
cache it as a coroutine type."""
_variants: dict[_Key, type] = {}
_keys: dict[type, _Key] = {}
"""Every variant's key: what `ProxyType`'s checks look variants up in."""
_class_keys: weakref.WeakKeyDictionary[type, _Key] = weakref.WeakKeyDictionary()
"""The key of each class matched so far: working it out takes microseconds.
(Methods added to a class after it was first matched are not seen.)"""


def _proxy_class() -> type[Any]:
    """`Proxy`, which exists (its table compiled) before any proxy does."""
    root = _subclass._root
    assert root is not None
    return root.cls


def match_capabilities(proxy: Proxy[T]) -> Proxy[T]:
    """Give a proxy the special methods of its target's class, and no others.

    Afterwards `callable(proxy)`, `isinstance(proxy, X)` for the one-trick
    ABCs of `collections.abc` (`Iterable`, `Sized`, `Hashable`...),
    `os.PathLike`, `inspect.isawaitable(proxy)` and `asyncio.iscoroutine(proxy)`
    answer as they would for the target, without resolving the proxy. The
    proxy's class becomes a variant of `Proxy` (`type(proxy) is Proxy` is then
    false, while `isinstance(proxy, Proxy)` stays true); everything else
    behaves as on a `Proxy`, and pickles and copies stay matched.

    The target's class is the proxy's default class (see `cache_defaults`)
    or, without one, the class of the target it holds. Call this before the
    proxy is shared: it assigns the proxy's `__class__`, which other threads
    should not see change (free-threaded builds stop every thread for it
    unless the proxy is referenced once).

    ```python
    import collections.abc
    import contextlib

    from proxystore.proxy import Proxy, match_capabilities

    number = match_capabilities(Proxy(lambda: 7, target=7, cache_defaults=True))
    assert not callable(number)
    assert not isinstance(number, collections.abc.Iterable)
    assert isinstance(number, Proxy) and number + 1 == 8
    ```

    Calling it again matches the proxy to the class known then; a matched
    proxy whose class is no longer known keeps its capabilities.

    Args:
        proxy: A `Proxy`, not an instance of a subclass of it.

    Returns:
        The same proxy.

    Raises:
        TypeError: If `proxy` is not a proxy, or is an instance of a subclass
            of `Proxy` (whose own class must not change).
        ValueError: If the target's class is unknown: the proxy has no default
            class and is unresolved.
    """
    root = _proxy_class()
    cls = type(proxy)
    if cls is not root and cls not in _keys:
        if _slots.is_proxy(proxy):
            raise TypeError(
                f'match_capabilities() takes a Proxy, not an instance of its '
                f'subclass {cls.__qualname__}: a subclass keeps its own class.',
            )
        raise TypeError(
            f'match_capabilities() expects a Proxy, not {cls.__qualname__}.',
        )
    known: type | None = _slots.default_class(proxy)
    if known is None:
        target: object = _slots.peek(proxy)
        if target is not _slots.UNSET:
            known = type(target)
    if known is None:
        if cls is not root:
            return proxy
        raise ValueError(
            "match_capabilities() needs the target's class: make the proxy "
            'with target= and cache_defaults=True, set __proxy_default_class__, '
            'or resolve it first.',
        )
    key = _class_keys.get(known)
    if key is None:
        key = _class_keys[known] = _key(known)
    _switch(proxy, key)
    return proxy


def _has(cls: type, name: str) -> bool:
    # As the interpreter and collections.abc look a special method up: on the
    # class and its bases, never on its metaclass; None means "not supported".
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name] is not None
    return False


def _key(cls: type) -> _Key:
    present = {name for name in CAPABILITIES if _has(cls, name)}
    blocked: set[str] = set() if '__hash__' in present else {'__hash__'}
    if issubclass(cls, (str, bytes)):
        # os.fspath() and open() take text and bytes as they are, which a
        # proxy is not: it keeps __fspath__ (and so stays an os.PathLike).
        present.add('__fspath__')
    if issubclass(cls, type) and '__getitem__' not in present:
        # A class is subscripted through __class_getitem__ (list[int]), which
        # only a class can have: a proxy of one keeps __getitem__. A class is
        # not iterated through it: None stops iter() and reversed() falling
        # back to it (`in` falls back through iter()).
        present.add('__getitem__')
        blocked |= {'__iter__', '__reversed__'} - present
    return frozenset(present), frozenset(blocked), issubclass(cls, _ASYNCIO_COROUTINES)


def _switch(proxy: Any, key: _Key) -> None:
    variant = _variants.get(key)
    if variant is None:
        variant = _make_variant(key)
    if type(proxy) is not variant:
        # object's own setter: the proxy's __setattr__ would forward it.
        object.__setattr__(proxy, '__class__', variant)


def _make_variant(key: _Key) -> type:
    # No lock: making a class runs allocations, so a finalizer may run here
    # and match a proxy itself. Two threads (or a finalizer) that make the
    # same variant at once each make one; the first registered is kept by
    # everyone, and the other is never used.
    global _proxy
    _proxy = root = _proxy_class()
    names, blocked, coroutine = key
    # Proxy's compiled table has one globals dict (one compilation); the
    # variant's copies share a copy of it, whose `Proxy` is the variant.
    rebound = dict(vars(root)['__len__'].__globals__)
    namespace = {
        name: _rebind(value, rebound)
        for name, value in vars(root).items()
        if name not in _CLASS_METADATA and (name not in CAPABILITIES or name in names)
    }
    # None: the operation is refused, and collections.abc says so.
    namespace.update(dict.fromkeys(blocked))
    listed = ', '.join(sorted(names))
    namespace.update(
        __slots__=(),
        __module__=__name__,
        __qualname__=f'Proxy[{listed}]' + (' (coroutine)' if coroutine else ''),
        __doc__=f'A `Proxy` whose class has only these capabilities: {listed}.',
        __reduce__=_reduce,
    )
    made = type('Proxy', (_slots._ProxySlots,), namespace)
    rebound['Proxy'] = made
    # Known to the checks before any proxy can have it.
    _keys[made] = key
    ProxyType.__instancecheck__ = _instancecheck  # type: ignore[method-assign]
    ProxyType.__subclasscheck__ = _subclasscheck  # type: ignore[method-assign]
    variant = _variants.setdefault(key, made)
    if variant is not made:
        del _keys[made]
    return variant


def _rebind(value: Any, rebound: dict[str, Any]) -> Any:
    """A compiled method of `Proxy`'s, with the variant's globals; else `value`."""
    if not getattr(value, '_proxy_generated', False):
        return value
    copy = types.FunctionType(
        value.__code__,
        rebound,
        value.__name__,
        value.__defaults__,
        value.__closure__,
    )
    copy.__kwdefaults__ = value.__kwdefaults__
    copy.__dict__.update(value.__dict__)
    copy.__qualname__ = value.__qualname__
    copy.__module__ = value.__module__
    return copy


_proxy: type | None = None
"""`Proxy`, for the checks, set before they are installed."""
_type_instancecheck = type.__instancecheck__
_type_subclasscheck = type.__subclasscheck__


def _instancecheck(cls: type, instance: Any, /) -> bool:
    # A variant is an instance of Proxy itself, not of its subclasses; the
    # default check would read instance.__class__ (the target's class).
    if type(instance) in _keys:
        return cls is _proxy
    return _type_instancecheck(cls, instance)


def _subclasscheck(cls: type, subclass: type, /) -> bool:
    if subclass in _keys:
        return cls is _proxy
    return _type_subclasscheck(cls, subclass)


def _reduce(proxy: Any) -> tuple[Any, ...]:
    """Pickle a matched proxy as a plain one, with its capabilities."""
    # A plain proxy with the same slots pickles as Proxy pickles it; the
    # loader gives it the capabilities back.
    root = _proxy_class()
    plain: Proxy[Any] = object.__new__(root)
    with contextlib.suppress(AttributeError):  # pickling `plain` then raises
        _slots.write_factory(plain, _slots.read_factory(proxy))
    _slots.write_target(plain, _slots.UNSET)
    names, blocked, coroutine = _keys[type(proxy)]
    return _restore_matched, (
        plain,
        tuple(sorted(names)),
        tuple(sorted(blocked)),
        coroutine,
    )


def _restore_matched(
    proxy: Proxy[T],
    names: tuple[str, ...],
    blocked: tuple[str, ...],
    coroutine: bool,
) -> Proxy[T]:
    """Rebuild a pickled matched proxy from a plain one and its capabilities.

    Raises:
        TypeError: If the arguments are not what `_reduce` writes.
    """
    if type(proxy) is not _proxy_class():
        raise TypeError(
            f'Cannot restore a matched proxy from {type(proxy).__qualname__}: '
            'not a Proxy.',
        )
    if not (
        _are_capabilities(names)
        and _are_capabilities(blocked)
        and isinstance(coroutine, bool)
    ):
        raise TypeError(
            f'Cannot restore a matched proxy with capabilities {names!r}, '
            f'{blocked!r} refused (coroutine={coroutine!r}).',
        )
    # A pickle from 3.12+ may list __buffer__, which earlier versions lack.
    _switch(
        proxy,
        (frozenset(names) & CAPABILITIES, frozenset(blocked) & CAPABILITIES, coroutine),
    )
    return proxy


def _are_capabilities(names: object) -> bool:
    return isinstance(names, tuple) and all(
        isinstance(name, str) and name in _KNOWN
        for name in cast('tuple[object, ...]', names)
    )
