"""Lazy, transparent object proxies and the functions that work on them.

A [`Proxy`][proxystore.proxy.Proxy] stands for an object that a *factory*
returns when the proxy is first used. Pickling a proxy carries only the
factory, so a proxy moves cheaply between processes and resolves where it is
used.

This module holds the `Proxy` class and its forwarding table; the rest of
the package is in private modules, each importing only those listed before
it:

- `_errors`: `ProxyResolveError`.
- `_slots`: the proxy's storage, and the functions that read and write it.
- `_record`: records of work that threads wait for, and the waits.
- `_audit`: recording, logging and forbidding resolutions.
- `_resolution`: resolving a proxy in the calling thread.
- `_attributes`: the `__proxy_*` properties.
- `_pool`: resolving in the background (`resolve_async`).
- `_helpers`: the public functions on proxies (`extract`, `resolve`...).
- `_operations`: what some forwarded operations call.
- `_forwarding`: the templates the forwarding table is compiled from.
- `_subclass`: the metaclass, and subclasses' own names.
- `_locker`: `ProxyLocker`.
- `_capabilities`: `match_capabilities`, and the classes it gives proxies.
- `_property`: `proxy_property`, kept for code written against proxystore.
"""

# Targets are of any type: values taken from them are Any by design.
# pyright: reportUnknownArgumentType=false, reportUnknownVariableType=false
# pyright: reportUnknownMemberType=false, reportPrivateUsage=false
# A pickle may hold anything, whatever _restore's annotations say.
# pyright: reportUnnecessaryIsInstance=false

from __future__ import annotations

import contextlib
import math
import operator
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
from typing import TypeVar

from typing_extensions import TypeAliasType

from proxystore.proxy import _attributes
from proxystore.proxy import _operations as ops
from proxystore.proxy import _slots
from proxystore.proxy._audit import ImplicitResolutionError
from proxystore.proxy._audit import ImplicitResolutionWarning
from proxystore.proxy._audit import Resolution
from proxystore.proxy._audit import forbid_implicit_resolution
from proxystore.proxy._audit import record_resolutions
from proxystore.proxy._capabilities import match_capabilities
from proxystore.proxy._errors import ProxyResolveError
from proxystore.proxy._forwarding import forward
from proxystore.proxy._helpers import check_declared
from proxystore.proxy._helpers import declare
from proxystore.proxy._helpers import extract
from proxystore.proxy._helpers import get_declared
from proxystore.proxy._helpers import get_factory
from proxystore.proxy._helpers import is_resolved
from proxystore.proxy._helpers import resolve
from proxystore.proxy._helpers import resolve_async
from proxystore.proxy._locker import ProxyLocker
from proxystore.proxy._slots import UNSET as _UNSET
from proxystore.proxy._slots import Declared
from proxystore.proxy._slots import DefaultClassType
from proxystore.proxy._slots import DefaultHashType
from proxystore.proxy._slots import Defaults as _Defaults
from proxystore.proxy._slots import _ProxySlots
from proxystore.proxy._slots import peek as _peek
from proxystore.proxy._slots import read_factory as _read_factory
from proxystore.proxy._slots import write_factory as _write_factory
from proxystore.proxy._slots import write_target as _write_target
from proxystore.proxy._subclass import ProxyType
from proxystore.proxy._subclass import compile_forwarding

if TYPE_CHECKING:
    from typing import TypeAlias

__all__ = [
    'Declared',
    'DefaultClassType',
    'DefaultHashType',
    'FactoryType',
    'ImplicitResolutionError',
    'ImplicitResolutionWarning',
    'Proxy',
    'ProxyLocker',
    'ProxyOr',
    'ProxyResolveError',
    'Resolution',
    'check_declared',
    'declare',
    'extract',
    'forbid_implicit_resolution',
    'get_declared',
    'get_factory',
    'is_resolved',
    'match_capabilities',
    'record_resolutions',
    'resolve',
    'resolve_async',
]

T = TypeVar('T')

FactoryType: TypeAlias = Callable[[], T]
"""A callable that takes no arguments and returns the target."""

_object_getattribute = object.__getattribute__
_object_setattr = object.__setattr__
_object_delattr = object.__delattr__
_object_sizeof = object.__sizeof__

_OWN_NAMES = frozenset(
    {
        '__proxy_factory__',
        '__proxy_target__',
        '__proxy_resolved__',
        '__proxy_wrapped__',
        '__proxy_default_class__',
        '__proxy_default_hash__',
        # Pickling and copying must see the proxy, not the target.
        '__reduce__',
        '__reduce_ex__',
        '__copy__',
        '__deepcopy__',
        # typing sets it on `Proxy[int](factory)`: it must not resolve the proxy.
        '__orig_class__',
        # `class C(proxy)` (a property below).
        '__mro_entries__',
    }
)
"""Names that stay the proxy's own; `__class__` is the target's (or the
cached default). A subclass adds the names it defines."""


class Proxy(_ProxySlots, Generic[T], metaclass=ProxyType):
    """A lazy, transparent object proxy.

    A proxy is created from a *factory*, a callable that returns the object
    the proxy stands for (the *target*). The factory is not called until the
    proxy is first used; then it is called once, and from then on the proxy
    behaves like the target: attributes, operators, `isinstance`, hashing,
    iteration, calls, context managers and `await` all act on the target.

    Pickling or copying a proxy carries only its factory (and its cached
    defaults), never the target: the copy is unresolved and calls the factory
    where it is used.

    ```python
    from proxystore.proxy import Proxy, is_resolved

    proxy = Proxy(lambda: [1, 2, 3])
    assert not is_resolved(proxy)
    assert proxy == [1, 2, 3] and isinstance(proxy, list)
    assert is_resolved(proxy)
    ```

    With a `target` and `cache_defaults=True`, the proxy remembers the
    target's class and hash, so that `isinstance` and `hash` on an unresolved
    proxy (for example one just unpickled) answer without calling the factory.
    While the proxy is resolved the live target always answers instead.

    Attributes:
        __proxy_factory__: The factory. Any value may be assigned (resolving
            then fails with `ProxyResolveError` if it is not callable);
            deleting it leaves the proxy uninitialized, without defaults.
        __proxy_target__: The target; reading it on an unresolved proxy raises
            `AttributeError`.
        __proxy_resolved__: Whether the proxy holds its target (read-only).
        __proxy_wrapped__: The target, resolving the proxy if needed. Setting
            it replaces the target; deleting it makes the proxy unresolved.
        __proxy_default_class__: The class `isinstance` and `__class__` use
            while the proxy is unresolved, or `None`.
        __proxy_default_hash__: The hash (or the `TypeError` of an unhashable
            target) `hash()` uses while the proxy is unresolved, or `None`.

    Args:
        factory: A callable with no arguments that returns the target. It
            should return the same object, or an equal one, on every call.
        cache_defaults: With a `target`, cache its class and hash as
            `__proxy_default_class__` and `__proxy_default_hash__`.
        target: The target, if already at hand: the proxy starts resolved.

    Raises:
        TypeError: If `factory` is not callable.
        ProxyResolveError: On first use, if the factory raises an `Exception`
            (the proxy stays unresolved and the next use tries again).
    """

    __slots__ = ()

    def __init__(
        self,
        factory: FactoryType[T],
        *,
        cache_defaults: bool = False,
        target: T | None = None,
    ) -> None:
        if not callable(factory):
            raise TypeError(
                f'Factory must be callable, not {type(factory).__qualname__}.',
            )
        if target is None:  # the common case, in two slot writes (see _slots)
            _write_factory(self, factory)
            _write_target(self, _UNSET)
            return
        _write_target(self, target)
        if cache_defaults:
            _write_factory(self, _Defaults(factory, *_slots.defaults_of(target)))
        else:
            _write_factory(self, factory)

    # The proxy's own attributes: properties (see _attributes).
    __proxy_factory__: FactoryType[T]
    __proxy_target__: T
    __proxy_resolved__: bool
    __proxy_wrapped__: T
    __proxy_default_class__: DefaultClassType
    __proxy_default_hash__: DefaultHashType
    if not TYPE_CHECKING:
        __proxy_factory__ = _attributes.proxy_factory
        __proxy_target__ = _attributes.proxy_target
        __proxy_resolved__ = _attributes.proxy_resolved
        __proxy_wrapped__ = _attributes.proxy_wrapped
        __proxy_default_class__ = _attributes.proxy_default_class
        __proxy_default_hash__ = _attributes.proxy_default_hash

    # Attribute access: everything goes to the target, save the proxy's own
    # names. __getattribute__ rather than __getattr__, so that a lookup never
    # fails on the proxy first. An unresolved proxy answers `__class__` (from
    # its default class) and probes of special names without resolving.

    if TYPE_CHECKING:  # the signature type checkers (and the plugin) read

        def __getattribute__(self, name: str) -> Any: ...

    else:
        __getattribute__ = forward(
            'getattr(target, name)',
            'name, /',
            own='_object_getattribute(self, name)',
            unresolved="if (name[0] == '_' or _any_declared) and "
            '(known := _unresolved_attribute(self, name)) is not _UNSET: '
            'return known',
        )

    __setattr__ = forward(
        'setattr(target, name, value)',
        'name, value, /',
        own='_object_setattr(self, name, value)',
    )
    __delattr__ = forward(
        'delattr(target, name)',
        'name, /',
        own='_object_delattr(self, name)',
    )

    # The proxy's own behaviour: hashing (it may answer from the cache),
    # repr (it never resolves), pickling and copying (only the factory).

    __hash__ = forward(
        'hash(target)',
        unresolved='if (known := _unresolved_hash(self)) is not None: return known',
    )

    def __repr__(self) -> str:
        name = type(self).__name__
        try:
            factory = repr(_slots.factory_of(self))
        except AttributeError:
            factory = '<missing>'
        target = _peek(self)
        if target is _UNSET:
            return f'<{name} at 0x{id(self):x} with factory {factory}>'
        return (
            f'<{name} at 0x{id(self):x} wrapping {target!r} at 0x{id(target):x} '
            f'with factory {factory}>'
        )

    def __sizeof__(self) -> int:
        # sys.getsizeof(), and so Dask's sizeof: the declared size while the
        # proxy is unresolved, then the target's; without one, the proxy's
        # own size, as in proxystore.
        declared = _slots.declared_of(self)
        if declared is None or declared.sizeof is None:
            return _object_sizeof(self)
        target = _peek(self)
        if target is _UNSET:
            return declared.sizeof
        # Looked up on the type, as sys.getsizeof() does: a class's own
        # __sizeof__ is unbound.
        measure: Any = type(target).__sizeof__
        size: int = measure(target)
        return size

    def __reduce__(self) -> tuple[Any, ...]:
        try:
            factory = _read_factory(self)  # one read: the defaults with it
            default_class = default_hash = declared = None
            if type(factory) is _Defaults:
                default_class = factory.default_class
                default_hash = factory.default_hash
                declared = factory.declared
                factory = factory.factory
        except AttributeError:
            raise TypeError(
                'Cannot pickle a proxy that is not initialized: '
                '__proxy_factory__ is missing.',
            ) from None
        cls = type(self)
        if cls is Proxy and declared is None:
            # What proxystore 1.1.0 pickles, so that pickles load both ways.
            if default_class is None and default_hash is None:
                return Proxy, (factory,)
            return _proxy_trampoline, (factory, default_class, default_hash)
        state = None if cls is Proxy else _subclass_state(self, Proxy)
        restored = (cls, factory, default_class, default_hash, state)
        if declared is None:
            return _restore, restored
        return _restore, (*restored, declared)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return type(self).__reduce__(self)

    def __array_ufunc__(
        self,
        ufunc: Any,
        method: str,
        *inputs: Any,
        **kwargs: Any,
    ) -> Any:
        # NumPy looks this hook up on the type and would otherwise take a
        # proxy for an opaque object (arr + proxy of 1 would be an object
        # array): hand the ufunc the targets instead.
        inputs = tuple(map(ops.unwrap, inputs))
        out = kwargs.get('out')
        if out is not None:
            kwargs['out'] = tuple(map(ops.unwrap, out))
        return getattr(ufunc, method)(*inputs, **kwargs)

    @property
    def __mro_entries__(self) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:  # noqa: PLE0302
        # `class C(proxy)` looks this up on the proxy itself, and a class
        # (the target) has none: a proxy of a class puts the class among C's
        # bases. Other targets answer for themselves (a generic alias has
        # its own; most objects have none, and then neither has the proxy).
        target = extract(self)
        # The real type, as `class` checks it: list[int] claims to be a
        # class on 3.10, but has __mro_entries__ of its own.
        if issubclass(type(target), type):
            return lambda bases: (target,)
        entries: Callable[[tuple[Any, ...]], tuple[Any, ...]]
        entries = getattr(target, '__mro_entries__')  # noqa: B009
        return entries

    # Everything else is forwarded: each line says what the operation does
    # to the target. Parameters are positional-only, as the interpreter calls
    # them; explicit reads such as `proxy.__add__` go to the target instead.

    __str__ = forward('str(target)')
    __bytes__ = forward('bytes(target)')
    __format__ = forward('format(target, format_spec)', 'format_spec, /')
    __bool__ = forward('bool(target)')
    # The builtins' own conversions, text and bytes included: a special
    # method cannot tell int(p) from '%d' % p or math.sqrt(p), which then
    # accept numeric text too (see Limits).
    __int__ = forward('int(target)')
    __float__ = forward('float(target)')
    __complex__ = forward('complex(target)')
    __index__ = forward('operator.index(target)')
    __round__ = forward('round(target, ndigits)', 'ndigits=None, /')
    __trunc__ = forward('math.trunc(target)')
    __floor__ = forward('math.floor(target)')
    __ceil__ = forward('math.ceil(target)')
    __fspath__ = forward('os.fspath(target)')
    __dir__ = forward('dir(target)')

    __lt__ = forward('target < other', 'other, /')
    __le__ = forward('target <= other', 'other, /')
    __eq__ = forward('target == other', 'other, /')
    __ne__ = forward('target != other', 'other, /')
    __gt__ = forward('target > other', 'other, /')
    __ge__ = forward('target >= other', 'other, /')

    __neg__ = forward('-target')
    __pos__ = forward('+target')
    __abs__ = forward('abs(target)')
    __invert__ = forward('~target')

    __add__ = forward('target + other', 'other, /')
    __sub__ = forward('target - other', 'other, /')
    __mul__ = forward('target * other', 'other, /')
    __matmul__ = forward('target @ other', 'other, /')
    __truediv__ = forward('target / other', 'other, /')
    __floordiv__ = forward('target // other', 'other, /')
    __mod__ = forward('target % other', 'other, /')
    __divmod__ = forward('divmod(target, other)', 'other, /')
    __pow__ = forward(
        'target ** other if modulo is None else ops.pow3(target, other, modulo)',
        'other, modulo=None, /',
    )
    __lshift__ = forward('target << other', 'other, /')
    __rshift__ = forward('target >> other', 'other, /')
    __and__ = forward('target & other', 'other, /')
    __xor__ = forward('target ^ other', 'other, /')
    __or__ = forward('target | other', 'other, /')

    __radd__ = forward('other + target', 'other, /')
    __rsub__ = forward('other - target', 'other, /')
    __rmul__ = forward('other * target', 'other, /')
    __rmatmul__ = forward('other @ target', 'other, /')
    __rtruediv__ = forward('other / target', 'other, /')
    __rfloordiv__ = forward('other // target', 'other, /')
    __rmod__ = forward('other % target', 'other, /')
    __rdivmod__ = forward('divmod(other, target)', 'other, /')
    __rpow__ = forward(
        'other ** target if modulo is None else ops.pow3(other, target, modulo)',
        'other, modulo=None, /',
    )
    __rlshift__ = forward('other << target', 'other, /')
    __rrshift__ = forward('other >> target', 'other, /')
    __rand__ = forward('other & target', 'other, /')
    __rxor__ = forward('other ^ target', 'other, /')
    __ror__ = forward('other | target', 'other, /')

    # In-place operators update the target and keep the proxy.
    __iadd__ = forward('target += other', 'other, /', inplace=True)
    __isub__ = forward('target -= other', 'other, /', inplace=True)
    __imul__ = forward('target *= other', 'other, /', inplace=True)
    __imatmul__ = forward('target @= other', 'other, /', inplace=True)
    __itruediv__ = forward('target /= other', 'other, /', inplace=True)
    __ifloordiv__ = forward('target //= other', 'other, /', inplace=True)
    __imod__ = forward('target %= other', 'other, /', inplace=True)
    __ipow__ = forward('target **= other', 'other, modulo=None, /', inplace=True)
    __ilshift__ = forward('target <<= other', 'other, /', inplace=True)
    __irshift__ = forward('target >>= other', 'other, /', inplace=True)
    __iand__ = forward('target &= other', 'other, /', inplace=True)
    __ixor__ = forward('target ^= other', 'other, /', inplace=True)
    __ior__ = forward('target |= other', 'other, /', inplace=True)

    # A subclass that reads the target through its own __proxy_wrapped__
    # gets len() from it: the declared length would cost its every len().
    __len__ = forward(
        'len(target)',
        unresolved='if (known := _declared_length(self)) is not None: return known',
        unresolved_when_wrapped=False,
    )
    __length_hint__ = forward('ops.length_hint(target)')
    __contains__ = forward('item in target', 'item, /')
    __getitem__ = forward('target[key]', 'key, /')
    __setitem__ = forward('target[key] = value', 'key, value, /')
    __delitem__ = forward('del target[key]', 'key, /')
    __iter__ = forward('iter(target)')
    # asyncio's Task steps a coroutine with next() if it is an iterator, as a
    # proxy is: a target that is a coroutine and no iterator is sent None.
    __next__ = forward('next(target)', on_type_error='ops.send_none(target)')
    __reversed__ = forward('reversed(target)')

    # Most calls pass no keywords: do not unpack an empty dict for them.
    __call__ = forward(
        'target(*args, **kwargs) if kwargs else target(*args)',
        '/, *args, **kwargs',
    )
    __enter__ = forward('ops.enter(target)')
    __exit__ = forward('ops.exit_(target, *exc_info)', '/, *exc_info')
    __aenter__ = forward('ops.aenter(target)')
    __aexit__ = forward('ops.aexit(target, *exc_info)', '/, *exc_info')
    __await__ = forward('ops.await_(target).__await__()')
    __aiter__ = forward('aiter(target)')
    __anext__ = forward('anext(target)')

    # The buffer protocol (PEP 688): the target's buffer, asked for with the
    # consumer's flags. CPython releases it when the consumer is done; a
    # __release_buffer__ would add nothing, and NumPy copes less well with
    # exporters that have one.
    if sys.version_info >= (3, 12):
        __buffer__ = forward('ops.buffer(target, flags)', 'flags, /')

    # When the target is a class: isinstance(x, proxy), issubclass(C, proxy).
    __instancecheck__ = forward('isinstance(instance, target)', 'instance, /')
    __subclasscheck__ = forward('issubclass(subclass, target)', 'subclass, /')


# What the forwarded attribute hooks and __hash__ do on an unresolved proxy.


def _unresolved_attribute(proxy: Proxy[Any], name: str) -> Any:
    """Answer a read of an unresolved proxy's attribute without resolving it.

    A declared attribute (see `declare`) answers its value. With a default
    class, `__class__` and the special names that the class does not define
    are answered without resolving: duck-typing probes such as
    `getattr(proxy, '__dask_tokenize__', None)` (what Dask does to every task
    argument) then leave a proxy in transit unresolved.

    Returns:
        The answer, or `_UNSET` if only the target can answer.

    Raises:
        AttributeError: If the default class says the attribute is missing.
    """
    # _slots.defaults_held(), inlined: every isinstance() of an unresolved
    # proxy reads __class__ here.
    try:
        held = _read_factory(proxy)
    except AttributeError:  # never initialized
        return _UNSET
    if type(held) is not _Defaults:
        return _UNSET
    declared = held.declared
    if declared is not None and name in declared.attributes:
        return declared.attributes[name]
    default = held.default_class
    if default is None:
        return _UNSET
    if name == '__class__':
        return default
    if (
        name[:2] == '__' == name[-2:]
        and name not in _INSTANCE_SPECIALS
        and not any(name in k.__dict__ for k in default.__mro__)
        # A class also has the attributes of its own bases: only it can say.
        and not issubclass(default, type)
    ):
        raise AttributeError(
            f"'{ops.type_name(default)}' object has no attribute '{name}'",
        )
    return _UNSET


_INSTANCE_SPECIALS = frozenset({'__wrapped__', '__signature__'})
"""Special names that objects commonly hold in their own `__dict__`."""


def _declared_length(proxy: Proxy[Any]) -> int | None:
    """The declared length of an unresolved proxy's target, or `None`."""
    declared = _slots.declared_of(proxy)
    return None if declared is None else declared.length


def _unresolved_hash(proxy: Proxy[Any]) -> int | None:
    """The default hash of an unresolved proxy's target, or `None`.

    Raises:
        TypeError: If the target is unhashable (by its default hash).
    """
    default = _slots.default_hash(proxy)
    if isinstance(default, Exception):
        # A new exception each time: re-raising the cached one would chain
        # every previous traceback onto it.
        raise type(default)(*default.args)
    return default


# The forwarding table, compiled now that every name its operations use
# exists: the names, as the `forward(...)` lines above call them.
compile_forwarding(
    Proxy,
    names={
        'math': math,
        'operator': operator,
        'os': os,
        'ops': ops,
        '_UNSET': _UNSET,
        '_object_getattribute': _object_getattribute,
        '_object_setattr': _object_setattr,
        '_object_delattr': _object_delattr,
        '_unresolved_attribute': _unresolved_attribute,
        '_unresolved_hash': _unresolved_hash,
        '_declared_length': _declared_length,
        '_any_declared': _slots.any_declared,
    },
    own=_OWN_NAMES,
)


# Pickling.


def _subclass_state(proxy: Proxy[Any], root: type) -> dict[str, Any] | None:
    """The values of a subclass's own instance attributes (slots and dict)."""
    state: dict[str, Any] = {}
    cls = type(proxy)
    for klass in reversed(cls.__mro__[: cls.__mro__.index(root)]):
        slots = vars(klass).get('__slots__', ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name in {'__dict__', '__weakref__'}:
                continue
            try:
                state[name] = _object_getattribute(proxy, name)
            except AttributeError:
                continue
    with contextlib.suppress(AttributeError):
        state.update(_object_getattribute(proxy, '__dict__'))
    return state or None


def _proxy_trampoline(
    factory: FactoryType[T],
    default_class: DefaultClassType = None,
    default_hash: DefaultHashType = None,
) -> Proxy[T]:
    """Rebuild a pickled proxy with cached defaults.

    The name and arguments are those proxystore 1.1.0 pickles use, so that
    pickles load both ways. Everything is checked as the constructor and the
    `__proxy_default_*__` attributes check it.
    """
    proxy = Proxy(factory)
    _slots.set_defaults(proxy, default_class, default_hash)
    return proxy


def _restore(  # noqa: PLR0917 - what __reduce__ writes, in order
    cls: type[Proxy[T]],
    factory: FactoryType[T],
    default_class: DefaultClassType,
    default_hash: DefaultHashType,
    state: dict[str, Any] | None,
    declared: Declared | None = None,
) -> Proxy[T]:
    """Rebuild a pickled proxy of a subclass, or with declarations, without `__init__`.

    The result is unresolved, whatever the pickle says: only what
    `__reduce__` writes is accepted, checked as the constructor checks it.
    """
    if not (isinstance(cls, type) and issubclass(cls, Proxy)):
        raise TypeError(f'Cannot restore a proxy of class {cls!r}: not a Proxy.')
    if not callable(factory):
        raise TypeError(
            f'Factory must be callable, not {type(factory).__qualname__}.',
        )
    if state is not None and not isinstance(state, dict):
        raise TypeError(
            f'Cannot restore a proxy from state of type {type(state).__qualname__}.',
        )
    if declared is not None and type(declared) is not Declared:
        raise TypeError(
            'Cannot restore a proxy with declarations of type '
            f'{type(declared).__qualname__}.',
        )
    proxy = cls.__new__(cls)
    _write_factory(proxy, factory)
    _write_target(proxy, _UNSET)
    _slots.set_defaults(proxy, default_class, default_hash)
    if declared is not None:
        _slots.set_declared(proxy, declared)
    for name, value in (state or {}).items():
        if name in _OWN_NAMES:
            raise TypeError(f'Cannot restore a proxy with state for {name!r}.')
        _object_setattr(proxy, name, value)
    return proxy


ProxyOr = TypeAliasType('ProxyOr', 'Proxy[T] | T', type_params=(T,))
"""`ProxyOr[T]` is `Proxy[T] | T`: for code that takes a proxy or a plain value."""

for _public in (
    Declared,
    ImplicitResolutionError,
    ImplicitResolutionWarning,
    ProxyResolveError,
    Resolution,
    check_declared,
    declare,
    extract,
    forbid_implicit_resolution,
    record_resolutions,
    get_declared,
    get_factory,
    is_resolved,
    match_capabilities,
    resolve,
    resolve_async,
):
    _public.__module__ = __name__
del _public
