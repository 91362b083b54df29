"""What the forwarded operations call, where one expression would not do.

Each function takes the target (already resolved) and does what the
interpreter does to a bare object for the operation named in its docstring.
"""

# Targets are of any type: values taken from them are Any by design.
# pyright: reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import sys
import types
from collections.abc import Coroutine
from typing import Any
from typing import NoReturn

from proxystore.proxy._helpers import extract
from proxystore.proxy._slots import is_proxy

__all__ = [
    'aenter',
    'aexit',
    'await_',
    'buffer',
    'enter',
    'exit_',
    'length_hint',
    'lookup_special',
    'pow3',
    'send_none',
    'type_name',
    'unwrap',
]


def length_hint(target: Any) -> Any:
    """`operator.length_hint()`, once `len()` has failed with `TypeError`.

    The target has no `__len__`, so its own `__length_hint__` (if any)
    decides.
    """
    method = getattr(type(target), '__length_hint__', None)
    if method is None:
        return NotImplemented
    return method(target)


def enter(target: Any) -> Any:
    """The start of a `with` statement."""
    method = lookup_special(target, '__enter__')
    if method is None or lookup_special(target, '__exit__') is None:
        _refuse_with(target)
    return method()


def exit_(target: Any, *exc_info: Any) -> Any:
    """The end of a `with` statement."""
    method = lookup_special(target, '__exit__')
    if method is None:
        _refuse_with(target)
    return method(*exc_info)


def aenter(target: Any) -> Any:
    """The start of an `async with` statement."""
    method = lookup_special(target, '__aenter__')
    if method is None or lookup_special(target, '__aexit__') is None:
        _refuse_async_with(target)
    return method()


def aexit(target: Any, *exc_info: Any) -> Any:
    """The end of an `async with` statement."""
    method = lookup_special(target, '__aexit__')
    if method is None:
        _refuse_async_with(target)
    return method(*exc_info)


def _refuse_with(target: Any) -> NoReturn:
    """Raise what `with target:` raises for a target that lacks a method.

    The interpreter looks up both `__enter__` and `__exit__` before it calls
    either, so the statement itself fails, with the error (type, wording and
    the type's C name) of the running version, and calls nothing.
    """
    with target:
        pass
    raise AssertionError(f'{type(target)!r} gained __enter__ and __exit__')


def _refuse_async_with(target: Any) -> NoReturn:
    """Raise what `async with target:` raises for a target that lacks a method.

    As for `with`: both methods are looked up before either is called, so
    the statement fails at once; the coroutine is never awaited.
    """

    async def statement() -> None:
        async with target:
            pass

    coroutine = statement()
    try:
        coroutine.send(None)
    finally:
        coroutine.close()
    raise AssertionError(f'{type(target)!r} gained __aenter__ and __aexit__')


def pow3(base: Any, exponent: Any, modulus: Any) -> Any:
    """Three-argument `pow()` reached through a proxy base or exponent.

    `pow()` never asks a proxy modulus for help (nor, before Python 3.14, a
    proxy exponent): hand it their targets.
    """
    return pow(base, unwrap(exponent), unwrap(modulus))


def send_none(target: Any) -> Any:
    """`next()` of a coroutine, once `next()` has failed with `TypeError`.

    A coroutine is no iterator, but a proxy is one: C code that steps a
    coroutine with `PyIter_Send` (asyncio's Task) calls a proxy's `__next__`
    where it would send `None` to the coroutine itself. So a target that is a
    coroutine and no iterator is sent `None`; for anything else `next()`'s
    error stands.
    """
    if hasattr(type(target), '__next__') or not isinstance(target, Coroutine):
        # next()'s own error, still being handled (the method binds no name
        # to it: one local fewer to set up on every call).
        raise sys.exc_info()[1]  # type: ignore[misc]
    coroutine: Coroutine[Any, Any, Any] = target
    return coroutine.send(None)


async def await_(target: Any) -> Any:
    """`await`."""
    return await target


def buffer(target: Any, flags: int) -> memoryview:
    """`__buffer__`: a memoryview of the target's buffer, for `flags`.

    A builtin or C type exports with the consumer's flags, so that a request
    it cannot meet (a writable view of `bytes`, a contiguous one of a strided
    array) fails as on the bare object. A class that defines `__buffer__` in
    Python exports through `memoryview()`, which calls its
    `__release_buffer__` when the view is released; so does a target with
    no buffer, for the bare object's `TypeError`.
    """
    export = getattr(type(target), '__buffer__', None)
    if type(export) is types.WrapperDescriptorType:
        return export(target, flags)  # type: ignore[no-any-return]
    return memoryview(target)


def unwrap(value: Any) -> Any:
    """The target of a proxy (resolving it, as `extract` does), or the value."""
    if is_proxy(value):
        return extract(value)
    return value


def lookup_special(obj: object, name: str) -> Any:
    """Look up a special method on the type of `obj`, as the interpreter does.

    Instance attributes are ignored.

    Args:
        obj: The object whose method is wanted.
        name: The special method's name, e.g. `'__enter__'`.

    Returns:
        The method, bound to `obj`, or `None` if its type has none.
    """
    cls = type(obj)
    for klass in cls.__mro__:
        if name in klass.__dict__:
            attribute = klass.__dict__[name]
            get = getattr(type(attribute), '__get__', None)  # pyright: ignore[reportUnknownArgumentType]
            return attribute if get is None else get(attribute, obj, cls)
    return None


def type_name(cls: type) -> str:
    """The name the interpreter's messages give `cls`: its C `tp_name`.

    That is `__name__` for a class made by a class statement, and most often
    `'module.Name'` for one made in C (`'decimal.Decimal'`). Python code can
    read it only from such a message: that of `type.__getattribute__` for a
    missing name. It is cut short as the messages about an instance cut it
    (after 50 characters before Python 3.12, after 100 since).
    """
    try:
        type.__getattribute__(cls, '\0')
    except AttributeError as error:
        message = str(error)
    else:  # pragma: no cover - a class with an attribute named NUL
        return cls.__name__
    prefix, _, rest = message.partition("'")
    name, _, _ = rest.rpartition("' has no attribute")
    if prefix != 'type object ' or not name:  # pragma: no cover - new wording
        return cls.__name__
    return name
