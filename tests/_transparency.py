"""How the transparency tests judge a proxy against its bare target."""

from __future__ import annotations

import array
import asyncio
import cmath
import collections
import hashlib
import math
import operator
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from typing import NamedTuple

from proxystore.proxy import Proxy
from proxystore.proxy import extract

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy is a test dependency
    np = None


def buffer_of(value: Any) -> tuple[Any, ...]:
    """What `memoryview(value)` shows: its bytes, format, shape and flags."""
    with memoryview(value) as view:
        return view.tobytes(), view.format, view.shape, view.readonly


NO_OTHER: Any = object()
"""The `other` of an operation on the proxy alone."""


class Case(NamedTuple):
    """One operation on a proxy of `target`, with its other operand if any."""

    operation: str
    target: Any
    other: Any = NO_OTHER
    proxy_left: bool = True
    """Whether the proxy is the left operand (else `other` is)."""


@dataclass(frozen=True)
class Difference:
    """A way a pure-Python proxy cannot act as its target, and its cases.

    Only these may differ: `known_difference` finds the one that names a
    case, and test_every_known_difference_still_occurs shows each one on its
    example, on each version where `applies`.
    """

    why: str
    matches: Callable[[Case], bool]
    example: Case
    run: Callable[[Any], Any]
    """The example's operation, on the target or a proxy of it."""
    applies: bool = True
    """Whether the difference exists on the running Python version."""
    message_only: bool = False
    """Whether only the message differs (the exception type agrees)."""


_BUFFERS = sys.version_info >= (3, 12)
_ORDERING = {'lt', 'le', 'gt', 'ge'}
_NUMPY_COERCES = {'eq', 'ne', *_ORDERING, 'countOf', 'indexOf', 'contains', 'getitem'}


def _is_array(value: Any) -> bool:
    return np is not None and isinstance(value, np.ndarray)


_NAN = Decimal('NaN')


def _holds_nan(value: Any) -> bool:
    return isinstance(value, (list, tuple, set, frozenset, dict)) and any(
        isinstance(item, (float, complex, Decimal)) and item != item for item in value
    )


def _is_sequence(value: Any) -> bool:
    # What the C API calls a sequence: has __getitem__ and is not a dict.
    return hasattr(type(value), '__getitem__') and not isinstance(value, dict)


def _has(value: Any, *names: str) -> bool:
    return any(hasattr(type(value), name) for name in names)


def _exports_buffer(value: Any) -> bool:
    try:
        memoryview(value).release()
    except TypeError:
        return False
    return True


def _values_for(template: Any) -> tuple[type, ...]:
    # str formatting takes a str for values; bytes formatting any text.
    return (tuple, str) if isinstance(template, str) else (tuple, *_TEXT)


def _unorderable(case: Case) -> bool:
    """Whether `other <op> target` raises TypeError bare."""
    try:
        getattr(operator, case.operation)(case.other, case.target)
    except TypeError:
        return True
    except Exception:
        pass
    return False


_TEXT = (str, bytes, bytearray)
# The exponent whose type NumPy's fast path tells apart: a float in NumPy 2.2
# (seen in 2.2.6), an int in later versions (seen in 2.4.6).
_SQUARE = 2.0 if np is not None and np.lib.NumpyVersion(np.__version__) < '2.3.0' else 2
# The sequences with a C concatenation of their own.
_CONCATENATES = (*_TEXT, list, tuple, array.array, collections.deque)

KNOWN_DIFFERENCES = [
    Difference(
        # A proxy's __int__ and __float__ do what int() and float() do, which
        # parse text; the C callers of those methods then parse it too.
        "'%d' % proxy and math functions convert text as int() and float() do",
        lambda c: c.operation in {'%d', 'math.sqrt'} and isinstance(c.target, _TEXT),
        Case('%d', '12'),
        lambda x: '%d' % x,  # noqa: UP031
    ),
    Difference(
        "math functions call a proxy's __float__: their error is float()'s",
        lambda c: (
            c.operation == 'math.sqrt'
            and not isinstance(c.target, _TEXT)
            and not _has(c.target, '__float__', '__index__')
        ),
        Case('math.sqrt', None),
        math.sqrt,
        message_only=True,
    ),
    Difference(
        "'...' % values takes a real tuple for several values, a proxy for one",
        lambda c: c.operation == '%d' and isinstance(c.target, tuple),
        Case('%d', (1, 2)),
        lambda x: '%d' % x,  # noqa: UP031
        message_only=True,
    ),
    Difference(
        "'...' % proxy takes any object with __getitem__ for a mapping",
        lambda c: (
            c.operation == 'mod'
            and not c.proxy_left
            and isinstance(c.other, _TEXT)
            # What '...' % takes for values rather than for a mapping.
            and (
                not _is_sequence(c.target) or isinstance(c.target, _values_for(c.other))
            )
        ),
        Case('mod', 1, 'ab', proxy_left=False),
        lambda x: 'ab' % x,  # noqa: F507, UP031
    ),
    Difference(
        'str, list and tuple concatenation needs the real type on the right',
        lambda c: (
            c.operation == 'concat'
            and not c.proxy_left
            and type(c.other) in {str, list, tuple}
            and isinstance(c.target, type(c.other))
        ),
        Case('concat', 'cd', 'ab', proxy_left=False),
        lambda x: operator.concat('ab', x),
    ),
    Difference(
        "'in' on a str needs a real str on the left",
        lambda c: (
            c.operation == 'contains'
            and not c.proxy_left
            and isinstance(c.other, str)
            and isinstance(c.target, str)
        ),
        Case('contains', 'b', 'abc', proxy_left=False),
        lambda x: operator.contains('abc', x),
    ),
    Difference(
        # operator.concat() takes anything with __getitem__ (as every proxy)
        # for a sequence; a sequence's own concatenation is a C slot, so the
        # proxy's is its +, which fails in the words of +.
        "concatenating a proxy of what cannot concatenate fails in +'s words",
        lambda c: (
            c.operation in {'concat', 'iconcat'}
            and c.proxy_left
            and not isinstance(c.target, _CONCATENATES)
            and not _is_array(c.target)
            and _is_sequence(c.other)
            and not _is_array(c.other)
        ),
        Case('concat', 1, 'ab'),
        lambda x: operator.concat(x, 'ab'),
        message_only=True,
    ),
    Difference(
        "concatenation uses a sequence's concat slot, which a Python class "
        'cannot define',
        lambda c: (
            c.operation in {'concat', 'iconcat'}
            and (
                _is_array(c.target)
                or _is_array(c.other)
                or (
                    c.proxy_left
                    and _is_sequence(c.target)
                    and not _is_sequence(c.other)
                )
            )
        ),
        Case('iconcat', [1], {2}),
        lambda x: operator.iconcat(x, {2}),
    ),
    Difference(
        # A proxy has __index__ for every target: a sequence takes it for an
        # index, and the error is that of the target's missing __index__.
        "indexing a sequence with a proxy of a non-integer fails in __index__'s words",
        lambda c: (
            c.operation == 'getitem'
            and not c.proxy_left
            and _is_sequence(c.other)
            and not _is_array(c.other)
            and not _has(c.target, '__index__')
        ),
        Case('getitem', None, 'ab', proxy_left=False),
        lambda x: 'ab'[x],
        message_only=True,
    ),
    Difference(
        # The KeyError carries the key, here the proxy, whose repr is its own.
        "a missing proxy key's KeyError shows the proxy's repr",
        lambda c: (
            c.operation == 'getitem' and not c.proxy_left and isinstance(c.other, dict)
        ),
        Case('getitem', 'b', {'a': 1}, proxy_left=False),
        lambda x: {'a': 1}[x],
        message_only=True,
    ),
    Difference(
        'a set looks up a set key as a frozenset only if it is a real set',
        lambda c: (
            c.operation == 'contains'
            and not c.proxy_left
            and isinstance(c.other, (set, frozenset))
            and isinstance(c.target, set)
        ),
        Case('contains', {1}, {frozenset({1})}, proxy_left=False),
        lambda x: operator.contains({frozenset({1})}, x),
    ),
    Difference(
        'a proxy exports a buffer only on 3.12+',
        lambda c: (
            c.operation in {'memoryview', 'hash memoryview', 'bytearray'}
            and _exports_buffer(c.target)
            # bytearray() of bytes iterates them to the same bytes.
            and not (c.operation == 'bytearray' and isinstance(c.target, _TEXT))
        ),
        Case('memoryview', b'ab'),
        buffer_of,
        applies=not _BUFFERS,
    ),
    Difference(
        # Every proxy has __index__: bytearray() takes it for a count.
        'bytearray() knows text by its exact type; a proxy of text it tries '
        'as a count, then iterates (before 3.12)',
        lambda c: c.operation == 'bytearray' and isinstance(c.target, str),
        Case('bytearray', 'ab'),
        bytearray,
        applies=not _BUFFERS,
    ),
    Difference(
        # Every proxy has __buffer__; bytearray() takes the buffer of an
        # object that has one, and iterates it (or counts to it) only
        # otherwise.
        'bytearray() of a proxy needs a buffer or an int (3.12+)',
        lambda c: (
            c.operation == 'bytearray'
            and not _exports_buffer(c.target)
            and not _has(c.target, '__index__')
        ),
        Case('bytearray', [1, 2]),
        bytearray,
        applies=_BUFFERS,
    ),
    Difference(
        'hashlib refuses text by its exact type, and a proxy for its buffer',
        lambda c: c.operation == 'hash memoryview' and isinstance(c.target, str),
        Case('hash memoryview', 'ab'),
        lambda x: hashlib.sha256(x).digest(),
        message_only=True,
    ),
    Difference(
        # The consumer sees the error of the proxy's __buffer__ (memoryview's
        # of the target), not its own.
        "a buffer consumer's error for a proxy without one is memoryview()'s",
        lambda c: (
            (
                (c.operation == 'hash memoryview' and not isinstance(c.target, str))
                or (
                    # `in` on bytes tries an int, then a buffer.
                    c.operation == 'contains'
                    and not c.proxy_left
                    and isinstance(c.other, (bytes, bytearray))
                    and not _has(c.target, '__index__')
                )
            )
            and not _exports_buffer(c.target)
        ),
        Case('hash memoryview', 1),
        lambda x: hashlib.sha256(x).digest(),
        applies=_BUFFERS,
        message_only=True,
    ),
    Difference(
        'bytes and bytearray operate on any buffer; a proxy is not one',
        lambda c: isinstance(c.other, (bytes, bytearray)) and _exports_buffer(c.target),
        Case('contains', b'b', b'abc', proxy_left=False),
        lambda x: operator.contains(b'abc', x),
        applies=not _BUFFERS,
    ),
    Difference(
        # A proxy has __len__ and __getitem__: NumPy, which recognises scalars
        # and index kinds by their exact type, takes it for a sequence when it
        # compares with it or is indexed by it.
        'NumPy knows scalars and index arrays by exact type; it takes a proxy '
        'for a sequence',
        lambda c: (
            _is_array(c.other)
            and c.operation in _NUMPY_COERCES
            and (
                not _is_array(c.target)
                or (c.operation == 'getitem' and not c.proxy_left)
            )
        ),
        Case('getitem', True, np.arange(2) if np is not None else None, False),
        lambda x: np.arange(2)[x],
        applies=np is not None,
    ),
    Difference(
        # array ** 2 squares (a bool array to int8) only for an exponent of
        # an exact Python type; with a proxy it is np.power (to int64).
        "NumPy's fast path for array ** 2 needs an exact Python number",
        lambda c: (
            c.operation == 'pow'
            and not c.proxy_left
            and _is_array(c.other)
            and type(c.target) in {bool, int, float}
        ),
        Case('pow', _SQUARE, np.array([True]) if np is not None else None, False),
        lambda x: np.array([True]) ** x,
        applies=np is not None,
    ),
    Difference(
        # Containers look an item up by identity before equality: the very
        # NaN (unequal to itself) is found, a proxy of it is not.
        'containment checks identity first; a NaN equals only itself',
        lambda c: (
            c.operation in {'contains', 'countOf', 'indexOf'} and _holds_nan(c.other)
        ),
        Case('indexOf', _NAN, (None, _NAN)),
        lambda x: operator.indexOf((None, _NAN), x),
    ),
    Difference(
        'three-argument pow() never tries the reflected method (< 3.14)',
        lambda c: c.operation == 'pow mod 5' and not c.proxy_left,
        Case('pow mod 5', 3, 2, proxy_left=False),
        lambda x: pow(2, x, 5),
        applies=sys.version_info < (3, 14),
    ),
    Difference(
        # The interpreter tries the reflected comparison, the proxy's, which
        # compares target and other in that order and raises at once.
        "a failed reflected comparison's message names the reflected operator",
        lambda c: c.operation in _ORDERING and not c.proxy_left and _unorderable(c),
        Case('lt', 1, 'ab', proxy_left=False),
        lambda x: 'ab' < x,
        message_only=True,
    ),
    Difference(
        # A proxy has __aiter__ for every target; for one without, it raises
        # aiter()'s error.
        "'async for' over a proxy of a non-iterable fails in aiter()'s words",
        lambda c: c.operation == 'async for' and not _has(c.target, '__aiter__'),
        Case('async for', 1),
        lambda x: asyncio.run(_async_for(x)),
        message_only=True,
        # The example runs an event loop, which WebAssembly cannot block on.
        applies=sys.platform not in {'emscripten', 'wasi'},
    ),
]


async def _async_for(x: Any) -> list[Any]:
    return [item async for item in x]


def known_difference(case: Case) -> Difference | None:
    """The known difference that names `case`, on this version, if any."""
    for difference in KNOWN_DIFFERENCES:
        if difference.applies and difference.matches(case):
            return difference
    return None


def excused(case: Case, bare: tuple[str, Any], proxied: tuple[str, Any]) -> str | None:
    """Why the outcomes of `case` may differ, or `None` if they must not."""
    difference = known_difference(case)
    if difference is None:
        return None
    if difference.message_only and not (
        bare[0] == proxied[0] == 'raised' and bare[1][0] is proxied[1][0]
    ):
        return None
    return difference.why


def _full_name(cls: type) -> str:
    # What type.__fully_qualified_name__ (3.13+) gives.
    if cls.__module__ == 'builtins':
        return cls.__qualname__
    return f'{cls.__module__}.{cls.__qualname__}'


def type_name(value: Any) -> str:
    """The name CPython's error messages give the type of `value`.

    That is the C type's `tp_name` (`'decimal.Decimal'` where `__name__` is
    `'Decimal'`), which Python code reads only from such a message.
    """
    try:
        object.__getattribute__(value, '\0')
    except AttributeError as error:
        return str(error).split("'")[1]
    raise AssertionError(f'{type(value)!r} has an attribute named NUL')


def outcome(function: Callable[[], Any], proxy: Any = None) -> tuple[str, Any]:
    """What `function()` gives: a value, or an exception's type and message.

    With `proxy`, the function ran on it: where the message names the type
    of the proxy (CPython formats the type of an operand it rejects), it
    names its target's instead, as the bare operation's would. Addresses
    differ between bare and proxied objects; they are left out.
    """
    try:
        result = function()
    except Exception as error:
        message = str(error)
        if proxy is not None:
            # 3.15 names types by their full names (module.qualname) in
            # some messages: replace the proxy class's, then its short one.
            message = message.replace(
                _full_name(type(proxy)), _full_name(type(extract(proxy)))
            )
            own = re.escape(type_name(proxy))
            message = re.sub(rf'\b{own}\b', type_name(extract(proxy)), message)
        return 'raised', (type(error), re.sub(r'0x[0-9a-f]+', '0x', message))
    if isinstance(result, Proxy):
        result = extract(result)
    return 'returned', result


def same(bare: tuple[str, Any], proxied: tuple[str, Any]) -> bool:
    """Whether two outcomes agree: the same exception, or equal values."""
    if bare[0] != proxied[0]:
        return False
    if bare[0] == 'raised':
        return bool(bare[1] == proxied[1])
    return equal(bare[1], proxied[1])


def equal(a: Any, b: Any) -> bool:
    """Equal values of the same type (NaN equal to NaN, arrays element-wise)."""
    if type(a) is not type(b):
        return False
    if np is not None and isinstance(a, np.ndarray):
        if a.dtype == object:
            return a.shape == b.shape and all(map(equal, a.ravel(), b.ravel()))
        return (
            a.dtype == b.dtype
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in 'fc'))
        )
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(equal, a, b))
    if isinstance(a, (float, complex)) and cmath.isnan(a):
        return cmath.isnan(b)
    if isinstance(a, Decimal) and a.is_nan():
        return b.is_nan()  # type: ignore[no-any-return]
    try:
        return a is b or bool(a == b)
    except Exception:
        return False
