"""How the transparency tests judge a proxy against its bare target."""

from __future__ import annotations

import cmath
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from proxystore.proxy import Proxy
from proxystore.proxy import extract

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy is a test dependency
    np = None


# Operations a pure-Python proxy cannot make exact, with why. Only these may
# differ; test_every_known_difference_still_occurs keeps the list honest.
_NUMPY_COERCES = {
    *'eq ne lt le gt ge countOf indexOf contains getitem'.split(),
}
# CPython 3.12+: a proxy exports its target's buffer (PEP 688).
_BUFFERS = sys.version_info >= (3, 12)
_EXACT = (str, list, tuple) if _BUFFERS else (str, bytes, bytearray, list, tuple)
_BUFFER_CONSUMERS = {'memoryview', 'hash memoryview', 'bytearray'}
_PARSED = {
    *'str bytes bytearray'.split(),
    *'numeric str,float str,complex str,numeric bytes'.split(','),
}
_NUMBER_CALLERS = {'%d', 'math.sqrt'}


def _is_array(value: Any) -> bool:
    return np is not None and isinstance(value, np.ndarray)


def _holds_nan(value: Any) -> bool:
    return isinstance(value, (list, tuple, set, frozenset, dict)) and any(
        isinstance(item, (float, complex, Decimal)) and item != item for item in value
    )


def _is_sequence(value: Any) -> bool:
    # What the C API calls a sequence: has __getitem__ and is not a dict.
    return hasattr(type(value), '__getitem__') and not isinstance(value, dict)


def known_difference(name: str, target: str, other: Any = None) -> str | None:
    """Why `name` (with the `other` operand) on a proxy of `target` may differ."""
    if name in _NUMBER_CALLERS and target in _PARSED:
        # A proxy's __int__ and __float__ do what int() and float() do, which
        # parse text; the other callers of those methods then parse it too.
        return "'%d' % proxy and math functions convert text as int() does"
    if name == 'mod' and isinstance(other, (str, bytes, bytearray)):
        return "'...' % proxy takes any object with __getitem__ for a mapping"
    if name in {'concat', 'contains'} and isinstance(other, _EXACT):
        return (
            'str, bytes, list and tuple concatenation (and str containment) need '
            'the real type'
        )
    if name in {'concat', 'iconcat'} and (
        target == 'ndarray' or _is_array(other) or not _is_sequence(other)
    ):
        return 'concatenation uses a sequence slot that a Python class cannot define'
    if name == 'contains' and target == 'set' and isinstance(other, (set, frozenset)):
        return 'a set looks up a set key as a frozenset only if it is a real set'
    if name in _BUFFER_CONSUMERS and not _BUFFERS:
        return 'a proxy exports a buffer only on 3.12+'
    if name == 'bytearray' and _BUFFERS:
        # Every proxy has __buffer__; bytearray() takes the buffer of an
        # object that has one, and iterates it only otherwise.
        return 'bytearray() of a proxy needs a buffer or an int (3.12+)'
    if (
        not _BUFFERS
        and isinstance(other, (bytes, bytearray))
        and target in {'ndarray', 'bytes'}
    ):
        return 'bytes and bytearray operate on any buffer; a proxy is not one'
    if _is_array(other) and target != 'ndarray' and name in _NUMPY_COERCES:
        # A proxy has __len__ and __getitem__: NumPy, which recognises scalars
        # and index kinds by their exact type, takes it for a sequence when it
        # compares with it or is indexed by it.
        return 'NumPy knows scalars by exact type; it takes a proxy for a sequence'
    if name == 'pow' and _is_array(other) and target in {'bool', 'int', 'float'}:
        # array ** 2 squares (a bool array to int8) only for an exponent of
        # an exact Python type; with a proxy it is np.power (to int64).
        return "NumPy's fast path for array ** 2 needs an exact Python number"
    if name in {'contains', 'countOf', 'indexOf'} and _holds_nan(other):
        # Containers look an item up by identity before equality: the very
        # NaN (unequal to itself) is found, a proxy of it is not.
        return 'containment checks identity first; a NaN equals only itself'
    if name == 'pow mod 5' and other is not None and sys.version_info < (3, 14):
        return 'three-argument pow() never tries the reflected method (< 3.14)'
    if name == 'async with' and target == 'int' and sys.version_info < (3, 11):
        return '3.10 raises AttributeError for a missing __aenter__'
    return None


def buffer_of(value: Any) -> tuple[Any, ...]:
    """What `memoryview(value)` shows: its bytes, format, shape and flags."""
    with memoryview(value) as view:
        return view.tobytes(), view.format, view.shape, view.readonly


def outcome(function: Callable[[], Any]) -> tuple[str, Any]:
    try:
        result = function()
    except Exception as error:
        return 'raised', type(error)
    if isinstance(result, Proxy):
        result = extract(result)
    return 'returned', result


def same(bare: tuple[str, Any], proxied: tuple[str, Any]) -> bool:
    """Whether two outcomes agree: the same exception type, or equal values."""
    if bare[0] != proxied[0]:
        return False
    if bare[0] == 'raised':
        return bare[1] is proxied[1]
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
