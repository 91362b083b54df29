"""The proxy core: the `Proxy` class.

A proxy keeps four slots: its factory, its target (or `_UNSET` while
unresolved) and the optional cached class and hash of the target. Everything
else it is asked (attributes, operators, conversions, protocols) is forwarded
to the target. The few names that must stay the proxy's own are listed in
`_OWN_NAMES`; subclasses add the names they define.

The slots are defined by a private base class and are never reached through
attribute lookup on the proxy, so that its own `__getattribute__` is not
re-entered and no property runs: they are written through their member
descriptors' C methods (`_set_target` and friends) and read the same way, or,
on the hot paths, with `super(Proxy, proxy).__proxy_target__`, which CPython
3.12+ compiles to a read done in C (see `_READ_TARGET`).
"""

# Targets are of any type: values taken from them are Any by design.
# pyright: reportUnknownArgumentType=false, reportUnknownVariableType=false
# pyright: reportUnknownMemberType=false

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

from proxystore.proxy._forwarding import forward
from proxystore.proxy._forwarding import install
from proxystore.proxy._forwarding import lookup_special
from proxystore.proxy._resolution import make_resolver

if TYPE_CHECKING:
    from typing import TypeAlias

T = TypeVar('T')

FactoryType: TypeAlias = Callable[[], T]
"""A callable that takes no arguments and returns the target."""
DefaultClassType: TypeAlias = type | None
"""The type of a proxy's cached class: a class, or `None` for none cached."""
DefaultHashType: TypeAlias = Exception | int | None
"""The type of a proxy's cached hash: the hash, the `TypeError` of an
unhashable target, or `None` for none cached."""


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return '<unset>'


_UNSET: Any = _Unset()
"""The target slot's value while the proxy is unresolved."""

_object_getattribute = object.__getattribute__
_object_setattr = object.__setattr__
_object_delattr = object.__delattr__


class _ProxySlots:
    """The proxy's storage, in a base class so `super(Proxy, proxy)` sees it."""

    __slots__ = (
        '__proxy_default_class__',
        '__proxy_default_hash__',
        '__proxy_factory__',
        '__proxy_target__',
        '__weakref__',
    )

    if TYPE_CHECKING:
        __proxy_target__: Any
        __proxy_factory__: Any


class Proxy(_ProxySlots, Generic[T]):
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
        __proxy_factory__: The factory. Setting it checks that it is callable.
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
            raise TypeError('Factory must be callable.')
        _set_factory_slot(self, factory)
        if target is None:
            _set_target(self, _UNSET)
        else:
            _set_target(self, target)
            if cache_defaults:
                _cache_defaults(self, target)

    # Attribute access: everything goes to the target, save the proxy's own
    # names. __getattribute__ rather than __getattr__, so that a lookup never
    # fails on the proxy first. An unresolved proxy answers `__class__` (from
    # its cached default) and probes of special names without resolving.

    if TYPE_CHECKING:  # the signature type checkers (and the plugin) read

        def __getattribute__(self, name: str) -> Any: ...

    else:
        __getattribute__ = forward(
            'getattr(target, name)',
            'name, /',
            own='_own_get(self, name)',
            unresolved="if name[0] == '_': return _unresolved_getattr(self, name)",
        )

    __setattr__ = forward(
        'setattr(target, name, value)',
        'name, value, /',
        own='_own_set(self, name, value)',
    )
    __delattr__ = forward(
        'delattr(target, name)',
        'name, /',
        own='_own_del(self, name)',
    )

    # The proxy's own behaviour: hashing (it may answer from the cache),
    # repr (it never resolves), pickling and copying (only the factory).

    __hash__ = forward('hash(target)', unresolved='return _unresolved_hash(self)')

    def __repr__(self) -> str:
        name = type(self).__name__
        try:
            factory = repr(_get_factory(self))
        except AttributeError:
            factory = '<missing>'
        target = _peek_target(self)
        if target is _UNSET:
            return f'<{name} at 0x{id(self):x} with factory {factory}>'
        return (
            f'<{name} at 0x{id(self):x} wrapping {target!r} at 0x{id(target):x} '
            f'with factory {factory}>'
        )

    def __reduce__(self) -> tuple[Any, ...]:
        try:
            factory = _get_factory(self)
        except AttributeError:
            raise TypeError(
                'Cannot pickle a proxy that is not initialized: '
                '__proxy_factory__ is missing.',
            ) from None
        default_class, default_hash = _defaults(self)
        cls = type(self)
        if cls is Proxy:
            if default_class is None and default_hash is None:
                return Proxy, (factory,)
            return _proxy_trampoline, (factory, default_class, default_hash)
        state = _subclass_state(self)
        return _restore, (cls, factory, default_class, default_hash, state)

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
        inputs = tuple(map(_unwrap, inputs))
        out = kwargs.get('out')
        if out is not None:
            kwargs['out'] = tuple(map(_unwrap, out))
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _install_subclass_hooks(cls)

    # Everything else is forwarded: each line says what the operation does
    # to the target. Parameters are positional-only, as the interpreter calls
    # them; explicit reads such as `proxy.__add__` go to the target instead.

    __str__ = forward('str(target)')
    __bytes__ = forward('bytes(target)')
    __format__ = forward('format(target, format_spec)', 'format_spec, /')
    __bool__ = forward('bool(target)')
    __int__ = forward('_real(target, int, _INT_METHODS)')
    __float__ = forward('_real(target, float, _FLOAT_METHODS)')
    __complex__ = forward('_real(target, complex, _COMPLEX_METHODS)')
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
        'target ** other if modulo is None else _pow3(target, other, modulo)',
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
    __rpow__ = forward('pow(other, target, modulo)', 'other, modulo=None, /')
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

    __len__ = forward('len(target)')
    __length_hint__ = forward('_length_hint(target)')
    __contains__ = forward('item in target', 'item, /')
    __getitem__ = forward('target[key]', 'key, /')
    __setitem__ = forward('target[key] = value', 'key, value, /')
    __delitem__ = forward('del target[key]', 'key, /')
    __iter__ = forward('iter(target)')
    __next__ = forward('next(target)')
    __reversed__ = forward('reversed(target)')

    # Most calls pass no keywords: do not unpack an empty dict for them.
    __call__ = forward(
        'target(*args, **kwargs) if kwargs else target(*args)',
        '/, *args, **kwargs',
    )
    __enter__ = forward('_enter(target)')
    __exit__ = forward('_exit(target, *exc_info)', '/, *exc_info')
    __aenter__ = forward('_aenter(target)')
    __aexit__ = forward('_aexit(target, *exc_info)', '/, *exc_info')
    __await__ = forward('_await(target).__await__()')
    __aiter__ = forward('aiter(target)')
    __anext__ = forward('anext(target)')

    # When the target is a class: isinstance(x, proxy), issubclass(C, proxy).
    __instancecheck__ = forward('isinstance(instance, target)', 'instance, /')
    __subclasscheck__ = forward('issubclass(subclass, target)', 'subclass, /')


Proxy.__module__ = 'proxystore.proxy'

_slot = _ProxySlots.__dict__
_get_target = _slot['__proxy_target__'].__get__
_set_target = _slot['__proxy_target__'].__set__
_get_factory = _slot['__proxy_factory__'].__get__
_set_factory_slot = _slot['__proxy_factory__'].__set__
_del_factory = _slot['__proxy_factory__'].__delete__
_get_default_class = _slot['__proxy_default_class__'].__get__
_set_default_class = _slot['__proxy_default_class__'].__set__
_get_default_hash = _slot['__proxy_default_hash__'].__get__
_set_default_hash = _slot['__proxy_default_hash__'].__set__
del _slot


# Resolution.


def _peek_target(proxy: Proxy[Any]) -> Any:
    """The target, or `_UNSET` if the proxy is unresolved (never resolves)."""
    try:
        return _get_target(proxy)
    except AttributeError:
        return _UNSET


def _is_resolved(proxy: Any) -> bool:
    return _peek_target(proxy) is not _UNSET


_resolve: Callable[[Proxy[Any]], Any] = make_resolver(Proxy, _UNSET)
"""Resolve an unresolved proxy and return its target (see _resolution)."""


def _unwrap(value: Any) -> Any:
    """The target of a proxy (resolving it), or the value itself."""
    return _target(value) if isinstance(value, Proxy) else value


def _target(proxy: Proxy[T]) -> T:
    """The target, resolving the proxy if needed."""
    target = _peek_target(proxy)
    if target is _UNSET:
        target = _resolve(proxy)
    return target  # type: ignore[no-any-return]


# The cached defaults.


def _cache_defaults(proxy: Proxy[Any], target: object) -> None:
    _set_default_class(proxy, target.__class__)
    try:
        _set_default_hash(proxy, hash(target))
    except TypeError as error:
        _set_default_hash(proxy, error)


def _defaults(proxy: Proxy[Any]) -> tuple[DefaultClassType, DefaultHashType]:
    """The cached class and hash; both slots are set, or neither."""
    try:
        return _get_default_class(proxy), _get_default_hash(proxy)
    except AttributeError:
        # Never cached: say so in the slots, so that the next read (the next
        # pickling of the same proxy, say) costs no exception.
        _set_default_class(proxy, None)
        _set_default_hash(proxy, None)
        return None, None


def _default_class(proxy: Proxy[Any]) -> DefaultClassType:
    return _defaults(proxy)[0]


def _default_hash(proxy: Proxy[Any]) -> DefaultHashType:
    return _defaults(proxy)[1]


def _cached_class(proxy: Proxy[Any]) -> DefaultClassType:
    """The cached class, or `None` (never writes the slots, unlike _defaults)."""
    try:
        return _get_default_class(proxy)  # type: ignore[no-any-return]
    except AttributeError:
        return None


def _unresolved_class(proxy: Proxy[Any]) -> type:
    default = _cached_class(proxy)
    if default is None:
        return _resolve(proxy).__class__  # type: ignore[no-any-return]
    return default


def _unresolved_getattr(proxy: Proxy[Any], name: str) -> Any:
    """Read an attribute of an unresolved proxy's target.

    With a cached class, `__class__` and the special names that the class
    does not define are answered without resolving: duck-typing probes such
    as `getattr(proxy, '__dask_tokenize__', None)` (what Dask does to every
    task argument) then leave a proxy in transit unresolved.
    """
    if name == '__class__':
        return _unresolved_class(proxy)
    if name[:2] == '__' == name[-2:] and name not in _INSTANCE_SPECIALS:
        default = _cached_class(proxy)
        if default is not None and not any(name in k.__dict__ for k in default.__mro__):
            raise AttributeError(
                f'{default.__name__!r} object has no attribute {name!r}',
            )
    return getattr(_resolve(proxy), name)


_INSTANCE_SPECIALS = frozenset({'__wrapped__', '__signature__'})
"""Special names that objects commonly hold in their own `__dict__`."""


def _unresolved_hash(proxy: Proxy[Any]) -> int:
    try:
        default = _get_default_hash(proxy)
    except AttributeError:
        default = None
    if default is None:
        return hash(_resolve(proxy))
    if isinstance(default, Exception):
        # A new exception each time: re-raising the cached one would chain
        # every previous traceback onto it.
        raise type(default)(*default.args)
    return default  # type: ignore[no-any-return]


def _check_default_class(value: Any) -> None:
    if value is not None and not isinstance(value, type):
        raise TypeError(
            f'__proxy_default_class__ must be a class or None, not '
            f'{type(value).__qualname__}.',
        )


def _check_default_hash(value: Any) -> None:
    if value is not None and not isinstance(value, (int, Exception)):
        raise TypeError(
            f'__proxy_default_hash__ must be an int, an Exception or None, not '
            f'{type(value).__qualname__}.',
        )


# The proxy's own names: how they are read, set and deleted.


def _read_target(proxy: Proxy[Any]) -> Any:
    target = _peek_target(proxy)
    if target is _UNSET:
        raise AttributeError(
            f'{type(proxy).__name__!r} object has no attribute '
            "'__proxy_target__' (the proxy is not resolved)",
        )
    return target


def _set_factory(proxy: Proxy[Any], factory: Any) -> None:
    if not callable(factory):
        raise TypeError('Factory must be callable.')
    _set_factory_slot(proxy, factory)


def _set_default_class_checked(proxy: Proxy[Any], value: Any) -> None:
    _check_default_class(value)
    _defaults(proxy)
    _set_default_class(proxy, value)


def _set_default_hash_checked(proxy: Proxy[Any], value: Any) -> None:
    _check_default_hash(value)
    _defaults(proxy)
    _set_default_hash(proxy, value)


def _unresolve(proxy: Proxy[Any]) -> None:
    _set_target(proxy, _UNSET)


def _read_only(proxy: Proxy[Any], *value: Any) -> None:
    raise AttributeError("'__proxy_resolved__' is read-only")


_GETTERS: dict[str, Callable[[Any], Any]] = {
    '__proxy_factory__': _get_factory,
    '__proxy_target__': _read_target,
    '__proxy_resolved__': _is_resolved,
    '__proxy_wrapped__': _target,
    '__proxy_default_class__': _default_class,
    '__proxy_default_hash__': _default_hash,
}
_SETTERS: dict[str, Callable[[Any, Any], None]] = {
    '__proxy_factory__': _set_factory,
    '__proxy_target__': _set_target,
    '__proxy_resolved__': _read_only,
    '__proxy_wrapped__': _set_target,
    '__proxy_default_class__': _set_default_class_checked,
    '__proxy_default_hash__': _set_default_hash_checked,
}
_DELETERS: dict[str, Callable[[Any], None]] = {
    '__proxy_factory__': _del_factory,
    '__proxy_target__': _unresolve,
    '__proxy_resolved__': _read_only,
    '__proxy_wrapped__': _unresolve,
    '__proxy_default_class__': lambda proxy: _set_default_class(proxy, None),
    '__proxy_default_hash__': lambda proxy: _set_default_hash(proxy, None),
}

_OWN_NAMES = frozenset(_GETTERS) | {
    # Pickling and copying must see the proxy, not the target.
    '__reduce__',
    '__reduce_ex__',
    '__copy__',
    '__deepcopy__',
    # typing sets it on `Proxy[int](factory)`: it must not resolve the proxy.
    '__orig_class__',
}
"""Names that stay the proxy's own; `__class__` is handled in
`__getattribute__` (it is the target's, or the cached default)."""


def _own_get(proxy: Proxy[Any], name: str) -> Any:
    getter = _GETTERS.get(name)
    if getter is None:
        return _object_getattribute(proxy, name)
    return getter(proxy)


def _own_set(proxy: Proxy[Any], name: str, value: Any) -> None:
    setter = _SETTERS.get(name)
    if setter is None:
        _object_setattr(proxy, name, value)
    else:
        setter(proxy, value)


def _own_del(proxy: Proxy[Any], name: str) -> None:
    deleter = _DELETERS.get(name)
    if deleter is None:
        _object_delattr(proxy, name)
    else:
        deleter(proxy)


# Pickling.


def _proxy_trampoline(
    factory: FactoryType[T],
    default_class: DefaultClassType = None,
    default_hash: DefaultHashType = None,
) -> Proxy[T]:
    """Rebuild a pickled proxy with cached defaults.

    The name and arguments are those proxystore 1.1.0 pickles use, so that
    pickles load both ways.
    """
    proxy = Proxy(factory)
    if default_class is not None:
        _set_default_class_checked(proxy, default_class)
    if default_hash is not None:
        _set_default_hash_checked(proxy, default_hash)
    return proxy


def _restore(
    cls: type[Proxy[T]],
    factory: FactoryType[T],
    default_class: DefaultClassType,
    default_hash: DefaultHashType,
    state: dict[str, Any] | None,
) -> Proxy[T]:
    """Rebuild a pickled instance of a `Proxy` subclass, without `__init__`."""
    proxy = cls.__new__(cls)
    _set_factory(proxy, factory)
    _set_target(proxy, _UNSET)
    if default_class is not None:
        _set_default_class_checked(proxy, default_class)
    if default_hash is not None:
        _set_default_hash_checked(proxy, default_hash)
    for name, value in (state or {}).items():
        _object_setattr(proxy, name, value)
    return proxy


_proxy_trampoline.__module__ = _restore.__module__ = 'proxystore.proxy'


# Subclasses: what a subclass defines is the proxy's own.

_CLASS_METADATA = frozenset(
    {
        '__module__',
        '__qualname__',
        '__doc__',
        '__dict__',
        '__weakref__',
        '__slots__',
        '__annotations__',
        '__orig_bases__',
        '__parameters__',
        '__firstlineno__',
        '__static_attributes__',
        '__classcell__',
        '__type_params__',
        '__annotate__',
        '__annotate_func__',
        '__annotations_cache__',
    }
)
"""Names every class body defines: on instances they stay the target's."""


def _own_names_of(cls: type) -> frozenset[str]:
    names: set[str] = set()
    for klass in cls.__mro__[: cls.__mro__.index(Proxy)]:
        for name, value in vars(klass).items():
            if name not in _CLASS_METADATA and not getattr(value, '_proxy_hook', False):
                names.add(name)
    return frozenset(names)


def _subclass_state(proxy: Proxy[Any]) -> dict[str, Any] | None:
    """The values of a subclass's own instance attributes (slots and dict)."""
    state: dict[str, Any] = {}
    cls = type(proxy)
    for klass in reversed(cls.__mro__[: cls.__mro__.index(Proxy)]):
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


def _install_subclass_hooks(cls: type) -> None:
    own = _own_names_of(cls)
    has_dict = cls.__dictoffset__ != 0
    if not own and not has_dict:
        return

    def in_own(proxy: Any, name: str) -> bool:
        return name in own or (
            has_dict and name in _object_getattribute(proxy, '__dict__')
        )

    def __getattribute__(self: Any, name: str) -> Any:
        if in_own(self, name):
            return _object_getattribute(self, name)
        return _proxy_getattribute(self, name)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if in_own(self, name):
            _object_setattr(self, name, value)
        else:
            _proxy_setattr(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        if in_own(self, name):
            _object_delattr(self, name)
        else:
            _proxy_delattr(self, name)

    for hook in (__getattribute__, __setattr__, __delattr__):
        inherited = next(k for k in cls.__mro__ if hook.__name__ in vars(k))
        if inherited is Proxy or getattr(
            vars(inherited)[hook.__name__],
            '_proxy_hook',
            False,
        ):
            setattr(hook, '_proxy_hook', True)  # noqa: B010 - a function attribute
            hook.__qualname__ = f'{cls.__qualname__}.{hook.__name__}'
            setattr(cls, hook.__name__, hook)


# What the forwarded operations call.

_INT_METHODS = ('__int__', '__index__') + (
    ('__trunc__',) if sys.version_info < (3, 14) else ()
)
_FLOAT_METHODS = ('__float__', '__index__')
_COMPLEX_METHODS = ('__complex__', '__float__', '__index__')


def _real(target: Any, convert: Callable[[Any], Any], methods: tuple[str, ...]) -> Any:
    # int(), float() and complex() also parse strings and buffers; the
    # special methods they stand for here (used by '%d' % x, math.sqrt(x) and
    # the like) never do. So convert only what has a numeric method.
    cls = type(target)
    if isinstance(target, (int, float, complex)) or any(
        hasattr(cls, name) for name in methods
    ):
        return convert(target)
    raise TypeError(
        f'{convert.__name__}() argument must be a real number, '
        f"not '{cls.__qualname__}'",
    )


def _length_hint(target: Any) -> Any:
    # Reached only when len() failed with TypeError: the target has no
    # __len__, so its own __length_hint__ (if any) decides.
    method = getattr(type(target), '__length_hint__', None)
    if method is None:
        return NotImplemented
    return method(target)


def _enter(target: Any) -> Any:
    lookup_special(target, '__exit__', 'context manager')
    return lookup_special(target, '__enter__', 'context manager')()


def _exit(target: Any, *exc_info: Any) -> Any:
    return lookup_special(target, '__exit__', 'context manager')(*exc_info)


def _aenter(target: Any) -> Any:
    lookup_special(target, '__aexit__', 'asynchronous context manager')
    return lookup_special(target, '__aenter__', 'asynchronous context manager')()


def _aexit(target: Any, *exc_info: Any) -> Any:
    return lookup_special(target, '__aexit__', 'asynchronous context manager')(
        *exc_info,
    )


def _pow3(base: Any, exponent: Any, modulus: Any) -> Any:
    # Three-argument pow() never asks a proxy exponent or modulus for help:
    # hand it their targets.
    return pow(base, _unwrap(exponent), _unwrap(modulus))


async def _await(target: Any) -> Any:
    return await target


# CPython 3.12+ compiles `super(C, obj).name` to a lookup done in C, with no
# call and no super object: the cheapest read of a slot past the proxy's own
# __getattribute__. Earlier versions would make a super object on every read,
# so there the forwarded methods call the slot's member descriptor instead.
_READ_TARGET = (
    'super(Proxy, self).__proxy_target__'
    if sys.version_info >= (3, 12)
    else '_get_target(self)'
)

install(
    Proxy,
    {
        '__name__': 'proxystore.proxy',
        'Proxy': Proxy,
        '_get_target': _get_target,
        '_set_target': _set_target,
        '_resolve': _resolve,
        '_UNSET': _UNSET,
        'math': math,
        'operator': operator,
        'os': os,
        '_real': _real,
        '_INT_METHODS': _INT_METHODS,
        '_FLOAT_METHODS': _FLOAT_METHODS,
        '_COMPLEX_METHODS': _COMPLEX_METHODS,
        '_length_hint': _length_hint,
        '_enter': _enter,
        '_exit': _exit,
        '_aenter': _aenter,
        '_aexit': _aexit,
        '_await': _await,
        '_pow3': _pow3,
        '_OWN_NAMES': _OWN_NAMES,
        '_own_set': _own_set,
        '_own_del': _own_del,
        '_own_get': _own_get,
        '_unresolved_getattr': _unresolved_getattr,
        '_unresolved_hash': _unresolved_hash,
    },
    read=_READ_TARGET,
)
_proxy_getattribute = vars(Proxy)['__getattribute__']
_proxy_setattr = vars(Proxy)['__setattr__']
_proxy_delattr = vars(Proxy)['__delattr__']
