"""Every operation on a proxy does what it does on the bare target.

The table below runs each operation on a fresh bare target and on a proxy of
an equal fresh target, and compares the results (value and type) or the
exception types. The few operations a pure-Python proxy cannot make exact are
listed in KNOWN_DIFFERENCES, and asserted to differ as documented.
"""

from __future__ import annotations

import asyncio
import cmath
import copy
import hashlib
import math
import operator
import os
import pathlib
import sys
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from _kinds import proxies
from _transparency import KNOWN_DIFFERENCES
from _transparency import NO_OTHER
from _transparency import Case
from _transparency import Difference
from _transparency import buffer_of
from _transparency import excused
from _transparency import known_difference
from _transparency import outcome
from _transparency import same
from proxystore.proxy import Proxy
from proxystore.proxy import extract
from proxystore.proxy import is_resolved


class Box:
    """A user class with attributes, a context manager and a call."""

    kind = 'box'

    def __init__(self) -> None:
        self.value = 5
        self.entered = False

    def __enter__(self) -> str:
        self.entered = True
        return 'entered'

    def __exit__(self, *exc: object) -> bool:
        return True  # swallow

    def __call__(self, a: int, b: int = 1) -> int:
        return a * 10 + b

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Box) and other.value == self.value

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return 'Box()'


class Numberish:
    """Has only __index__: int(), float() and complex() must still work."""

    def __index__(self) -> int:
        return 6

    def __hash__(self) -> int:
        return 6

    def __repr__(self) -> str:
        return 'Numberish()'


class Countdown:
    """An iterator whose str() and hash() show no address.

    Bare and proxied targets are different objects: an address would differ.
    """

    def __init__(self) -> None:
        self.left = 3

    def __iter__(self) -> Countdown:
        return self

    def __next__(self) -> int:
        if not self.left:
            raise StopIteration
        self.left -= 1
        return self.left

    def __length_hint__(self) -> int:
        return self.left

    def __hash__(self) -> int:
        return 3

    def __repr__(self) -> str:
        return 'Countdown()'


TARGETS: dict[str, Callable[[], Any]] = {
    'int': lambda: 7,
    'negative int': lambda: -3,
    'zero': lambda: 0,
    'bool': lambda: True,
    'float': lambda: 3.14159,
    'complex': lambda: 2 + 3j,
    'str': lambda: 'hello',
    'numeric str': lambda: '12',
    'float str': lambda: ' -1.5 ',
    'complex str': lambda: '1+2j',
    'bytes': lambda: b'abc',
    'numeric bytes': lambda: b'42',
    'bytearray': lambda: bytearray(b'abc'),
    'list': lambda: [3, 1, 2],
    'tuple': lambda: (1, 2),
    'dict': lambda: {'a': 1, 0: 'zero'},
    'set': lambda: {1, 2},
    'frozenset': lambda: frozenset({1}),
    'None': lambda: None,
    'Decimal': lambda: Decimal('1.25'),
    'Fraction': lambda: Fraction(3, 4),
    'range': lambda: range(5),
    'iterator': Countdown,
    'class': lambda: int,
    'path': lambda: pathlib.PurePosixPath('/tmp/x'),
    'function': lambda: len,
    'Box': Box,
    'index only': Numberish,
}

UNARY: dict[str, Callable[[Any], Any]] = {
    'str': str,
    'format': format,
    'format .2f': lambda x: f'{x:.2f}',
    'format >8': lambda x: f'{x!s:>8}',
    'format x': lambda x: f'{x:x}',
    'format %Y': lambda x: format(x, '%Y'),
    'bool': bool,
    'not': operator.not_,
    'int': int,
    'float': float,
    'complex': complex,
    'index': operator.index,
    '%d': lambda x: '%d' % x,  # noqa: UP031
    'math.sqrt': math.sqrt,
    'round': round,
    'round 2': lambda x: round(x, 2),
    'round None': lambda x: round(x, None),
    'trunc': math.trunc,
    'floor': math.floor,
    'ceil': math.ceil,
    'fspath': os.fspath,
    'bytes': bytes,
    'bytearray': bytearray,
    'memoryview': buffer_of,
    'hash memoryview': lambda x: hashlib.sha256(x).digest(),
    'hash': hash,
    'len': len,
    'length_hint': operator.length_hint,
    'iter': lambda x: list(iter(x)),
    'list': list,
    'reversed': lambda x: list(reversed(x)),
    'next': next,
    'sorted': sorted,
    'sum': sum,
    'dir': dir,
    'vars': vars,
    'neg': operator.neg,
    'pos': operator.pos,
    'abs': abs,
    'invert': operator.invert,
    'contains 1': lambda x: 1 in x,
    'contains "a"': lambda x: 'a' in x,
    'getitem 0': lambda x: x[0],
    'getitem "a"': lambda x: x['a'],
    'getitem slice': lambda x: x[1:],
    'getitem int (generic alias)': lambda x: x[int],
    'setitem 0': lambda x: operator.setitem(x, 0, 9) or x[0],
    'delitem 0': lambda x: operator.delitem(x, 0),
    'call': lambda x: x(3),
    'call keywords': lambda x: x(3, b=4),
    'call "self" keyword': lambda x: x(3, self=4),
    'attribute': lambda x: x.value,
    'class attribute': lambda x: x.kind,
    'method': lambda x: x.upper(),
    'missing attribute': lambda x: x.no_such_attribute,
    'setattr': lambda x: setattr(x, 'value', 11) or x.value,
    'delattr': lambda x: delattr(x, 'value'),
    'hasattr __iter__': lambda x: hasattr(x, '__iter__'),
    'hasattr __len__': lambda x: hasattr(x, '__len__'),
    'hasattr __call__': lambda x: hasattr(x, '__call__'),  # noqa: B004
    'getattr __array__': lambda x: getattr(x, '__array__', None),
    '__doc__': lambda x: x.__doc__,
    '__module__': lambda x: x.__module__,
    '__name__': lambda x: x.__name__,
    '__qualname__': lambda x: x.__qualname__,
    '__annotations__': lambda x: x.__annotations__,
    '__weakref__': lambda x: x.__weakref__,
    '__class__': lambda x: x.__class__,
    'isinstance(x, int)': lambda x: isinstance(x, int),
    'isinstance(1, x)': lambda x: isinstance(1, x),
    'issubclass(bool, x)': lambda x: issubclass(bool, x),
    'with': lambda x: _with(x),
    'async with': lambda x: asyncio.run(_async_with(x)),
    'await': lambda x: asyncio.run(_await(x)),
    'async for': lambda x: asyncio.run(_async_for(x)),
}
# These run their coroutine with asyncio.run.
RUN_ON_A_LOOP = {'async with', 'await', 'async for'}
UNARY_NAMES = [
    pytest.param(name, marks=pytest.mark.event_loop) if name in RUN_ON_A_LOOP else name
    for name in UNARY
]

OTHERS: dict[str, Any] = {
    '2': 2,
    '0': 0,
    '1.5': 1.5,
    '"ab"': 'ab',
    '[1]': [1],
    '{1}': {1},
    'Fraction': Fraction(1, 3),
}

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    name: getattr(operator, name)
    for name in (
        'add sub mul matmul truediv floordiv mod pow lshift rshift and_ xor or_ '
        'lt le eq ne gt ge concat'
    ).split()
}
BINARY['divmod'] = divmod
BINARY['pow mod 5'] = lambda a, b: pow(a, b, 5)

INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    name: getattr(operator, name)
    for name in (
        'iadd isub imul imatmul itruediv ifloordiv imod ipow ilshift irshift iand '
        'ixor ior iconcat'
    ).split()
}


def _with(x: Any) -> Any:
    with x as entered:
        raise ValueError('swallowed only if __exit__ says so')
    return entered


async def _async_with(x: Any) -> Any:
    async with x as entered:
        return entered


async def _await(x: Any) -> Any:
    return await x


async def _async_for(x: Any) -> Any:
    return [item async for item in x]


def check(
    name: str,
    target_name: str,
    operation: Callable[[Any], Any],
    other: Any = NO_OTHER,
    *,
    proxy_left: bool = True,
) -> None:
    make = TARGETS[target_name]
    bare = outcome(lambda: operation(make()))
    for kind, proxy in proxies(make):
        proxied = outcome(lambda: operation(proxy), proxy)  # noqa: B023 - called at once
        if not same(bare, proxied):
            case = Case(name, make(), other, proxy_left)
            reason = excused(case, bare, proxied)
            assert reason, f'{name} on {target_name} ({kind}): {bare} != {proxied}'


@pytest.mark.parametrize('target_name', TARGETS)
@pytest.mark.parametrize('name', UNARY_NAMES)
def test_unary_operation(name: str, target_name: str) -> None:
    check(name, target_name, UNARY[name])


@pytest.mark.parametrize('other', OTHERS)
@pytest.mark.parametrize('target_name', TARGETS)
@pytest.mark.parametrize('name', BINARY)
def test_binary_operation_both_positions(
    name: str, target_name: str, other: str
) -> None:
    op, value = BINARY[name], OTHERS[other]
    check(name, target_name, lambda x: op(x, value), value)
    check(name, target_name, lambda x: op(value, x), value, proxy_left=False)


@pytest.mark.parametrize('other', OTHERS)
@pytest.mark.parametrize('target_name', TARGETS)
@pytest.mark.parametrize('name', INPLACE)
def test_inplace_operation_updates_target_and_keeps_proxy(
    name: str,
    target_name: str,
    other: str,
) -> None:
    op, value = INPLACE[name], OTHERS[other]
    make = TARGETS[target_name]
    bare = outcome(lambda: op(make(), value))
    for kind, proxy in proxies(make):
        returned: list[Any] = []
        proxied = outcome(
            lambda: returned.append(op(proxy, value)) or returned[0],  # noqa: B023
            proxy,
        )
        if not same(bare, proxied):
            assert excused(Case(name, make(), value), bare, proxied), (
                f'{name} on {target_name} ({kind}): {bare} != {proxied}'
            )
        elif bare[0] == 'returned':
            assert returned[0] is proxy
            assert same(bare, ('returned', extract(proxy)))


@pytest.mark.parametrize(
    'difference', KNOWN_DIFFERENCES, ids=[d.why for d in KNOWN_DIFFERENCES]
)
def test_every_known_difference_still_occurs(difference: Difference) -> None:
    if not difference.applies:
        pytest.skip('not a difference on this version')
    example = difference.example
    bare = outcome(lambda: difference.run(copy.deepcopy(example.target)))
    proxy = Proxy(lambda: copy.deepcopy(example.target))
    proxied = outcome(lambda: difference.run(proxy), proxy)
    assert not same(bare, proxied)
    # The example is named by this difference and no earlier one.
    assert known_difference(example) is difference
    assert excused(example, bare, proxied) == difference.why


def test_a_message_only_difference_excuses_no_other_exception_type() -> None:
    message_only = next(d for d in KNOWN_DIFFERENCES if d.message_only)
    raised = ('raised', (TypeError, 'a'))
    assert excused(message_only.example, raised, ('raised', (TypeError, 'b')))
    assert not excused(message_only.example, raised, ('raised', (ValueError, 'a')))
    assert not excused(message_only.example, raised, ('returned', 1))


def test_a_container_finds_the_very_nan_but_not_a_proxy_of_it() -> None:
    # The table's example is the very same NaN; these are its neighbours.
    nan = Decimal('NaN')
    assert operator.indexOf((None, nan), nan) == 1
    with pytest.raises(ValueError, match='not in'):
        operator.indexOf((None, nan), Proxy(lambda: nan))
    assert Proxy(lambda: nan) not in [nan]
    assert known_difference(Case('indexOf', nan, (None, nan)))
    assert known_difference(Case('countOf', 1.5, [float('nan')]))
    assert not known_difference(Case('countOf', 1.5, [1.5]))


@pytest.mark.parametrize(
    ('text', 'convert', 'expected'),
    [
        ('12', int, 12),
        (' -1.5 ', float, -1.5),
        (b'42', int, 42),
        (bytearray(b'7'), float, 7.0),
        ('1+2j', complex, 1 + 2j),
        ('0x1f', float, ValueError),
        ('twelve', int, ValueError),
        (b'x', complex, TypeError),
        ([1], int, TypeError),
    ],
)
def test_int_float_complex_convert_as_the_builtins_do(
    text: Any, convert: Callable[[Any], Any], expected: Any
) -> None:
    proxy = Proxy(lambda: text)
    if isinstance(expected, type):
        with pytest.raises(expected) as bare:
            convert(text)
        with pytest.raises(expected) as proxied:
            convert(proxy)
        assert str(proxied.value) == str(bare.value)
    else:
        result = convert(proxy)
        assert result == expected
        assert type(result) is type(expected)


def test_nan_text_converts_to_nan() -> None:
    assert math.isnan(float(Proxy(lambda: 'nan')))
    assert cmath.isnan(complex(Proxy(lambda: 'nan')))


def test_index_still_follows_the_target() -> None:
    # Only int(), float() and complex() parse: indexing with numeric text
    # fails as it does bare.
    with pytest.raises(TypeError):
        operator.index(Proxy(lambda: '1'))
    with pytest.raises(TypeError):
        [1, 2][Proxy(lambda: '1')]  # type: ignore[index]
    assert operator.index(Proxy(lambda: 1)) == 1


def test_inplace_returns_the_same_proxy() -> None:
    numbers = Proxy(lambda: [1])
    alias = numbers
    numbers += [2]
    assert numbers is alias
    assert extract(numbers) == [1, 2]

    count = Proxy(lambda: 1)
    before = count
    count += 1
    assert count is before
    assert type(count) is Proxy
    assert extract(count) == 2


def test_two_proxies_combine() -> None:
    a, b = Proxy(lambda: 2), Proxy(lambda: 3)
    assert a + b == 5
    assert a * b == 6
    assert a < b
    assert divmod(b, a) == (1, 1)
    assert pow(a, b, 5) == 3


def test_three_argument_pow_with_proxy_base() -> None:
    assert pow(Proxy(lambda: 2), 3, Proxy(lambda: 5)) == 3
    assert pow(Proxy(lambda: 2), Proxy(lambda: 3), 5) == 3


def test_three_argument_pow_with_a_proxy_exponent() -> None:
    # From Python 3.14 three-argument pow() tries the exponent's __rpow__
    # (gh-130104); before, a reflected operand had no say.
    exponent = Proxy(lambda: 3)
    if sys.version_info >= (3, 14):
        assert pow(2, exponent, 5) == 3
        assert pow(2, exponent, Proxy(lambda: 5)) == 3
    else:
        with pytest.raises(TypeError):
            pow(2, exponent, 5)


def test_reflected_pow_forwards_the_modulus() -> None:
    # What pow(2, exponent, modulus) calls on 3.14+, on every version.
    exponent = Proxy(lambda: 3)
    assert Proxy.__rpow__(exponent, 2, 5) == 3
    assert Proxy.__rpow__(exponent, 2, Proxy(lambda: 5)) == 3
    assert Proxy.__rpow__(exponent, 2) == 8
    assert Proxy.__rpow__(exponent, 2, None) == 8


def test_three_argument_pow_with_only_a_proxy_modulus_is_a_known_limit() -> None:
    # The interpreter never asks the third operand of pow().
    with pytest.raises(TypeError):
        pow(2, 3, Proxy(lambda: 5))


def test_iteration_protocol() -> None:
    proxy = Proxy(lambda: iter([1, 2]))
    assert next(proxy) == 1
    assert list(proxy) == [2]
    with pytest.raises(StopIteration):
        next(proxy)


def test_length_hint_uses_len_first_then_target_hint() -> None:
    assert operator.length_hint(Proxy(lambda: [1, 2, 3])) == 3
    assert operator.length_hint(Proxy(lambda: iter([1, 2]))) == 2
    assert operator.length_hint(Proxy(lambda: 5), 42) == 42


def test_length_hint_not_implemented_gives_default() -> None:
    class NoHint:
        def __length_hint__(self) -> Any:
            return NotImplemented

    assert operator.length_hint(Proxy(NoHint), 7) == 7


def test_context_manager_returns_target_enter_value() -> None:
    box = Box()
    with Proxy(lambda: box) as entered:
        pass
    assert entered == 'entered'
    assert box.entered


class EnterOnly:
    entered = False

    def __enter__(self) -> None:
        EnterOnly.entered = True

    async def __aenter__(self) -> None:
        EnterOnly.entered = True


def _with_statement(target: Any) -> None:
    with target:
        pass


async def _async_with_statement(target: Any) -> None:
    async with target:
        pass


@pytest.mark.parametrize(
    'statement',
    [
        _with_statement,
        pytest.param(
            lambda x: asyncio.run(_async_with_statement(x)),
            marks=pytest.mark.event_loop,
            id='async',
        ),
    ],
)
@pytest.mark.parametrize('target', [EnterOnly, Decimal, int])
def test_a_missing_context_method_is_refused_as_bare_before_enter(
    statement: Callable[[Any], None], target: Callable[[], Any]
) -> None:
    # The error names the method (3.10) or the type by its C name, as
    # 'decimal.Decimal' (3.11+), and says which method is missed.
    with pytest.raises(Exception) as bare:
        statement(target())
    with pytest.raises(type(bare.value)) as proxied:
        statement(Proxy(target))
    assert str(proxied.value) == str(bare.value)
    assert not EnterOnly.entered


def test_special_method_lookup_ignores_instance_attributes() -> None:
    box = Box()
    box.__enter__ = lambda: 'instance attribute'  # type: ignore[method-assign]
    with Proxy(lambda: box) as entered:
        pass
    assert entered == 'entered'


@pytest.mark.event_loop
def test_async_protocols() -> None:
    class Resource:
        async def __aenter__(self) -> str:
            return 'open'

        async def __aexit__(self, *exc: object) -> None:
            return None

    class Countdown:
        def __init__(self) -> None:
            self.n = 3

        def __aiter__(self) -> Countdown:
            return self

        async def __anext__(self) -> int:
            if self.n == 0:
                raise StopAsyncIteration
            self.n -= 1
            return self.n

    async def value() -> int:
        return 42

    async def main() -> tuple[Any, ...]:
        async with Proxy(Resource) as opened:
            pass
        counted = [n async for n in Proxy(Countdown)]
        countdown = Proxy(Countdown)
        first = await anext(countdown)
        awaited = await Proxy(value)
        return opened, counted, first, awaited

    assert asyncio.run(main()) == ('open', [2, 1, 0], 2, 42)


@pytest.mark.event_loop
def test_await_future_and_generator_based_coroutine() -> None:
    import types

    @types.coroutine
    def legacy() -> Any:
        yield
        return 'legacy'

    async def main() -> tuple[Any, Any]:
        future = asyncio.get_running_loop().create_future()
        future.set_result('future')
        return await Proxy(lambda: future), await Proxy(legacy)

    assert asyncio.run(main()) == ('future', 'legacy')


def test_explicit_special_reads_answer_as_the_target() -> None:
    assert not hasattr(Proxy(lambda: 1), '__iter__')
    assert not hasattr(Proxy(lambda: 1), '__len__')
    assert not hasattr(Proxy(lambda: 1), '__getitem__')
    assert hasattr(Proxy(lambda: [1]), '__iter__')

    class ArrayLike:
        def __array__(self) -> str:
            return 'array'

    proxy = Proxy(ArrayLike)
    assert proxy.__array__() == 'array'
    assert getattr(Proxy(lambda: 1), '__array__', None) is None
    # Bound to the target, not the proxy.
    assert Proxy(lambda: [1, 2]).__len__() == 2


def test_proxy_of_a_class() -> None:
    cls = Proxy(lambda: int)
    assert isinstance(3, cls)
    assert not isinstance('3', cls)
    assert issubclass(bool, cls)
    assert cls('5') == 5
    generic = Proxy(lambda: list)
    assert generic[int] == list[int]


def test_a_class_statement_subclasses_the_target_class() -> None:
    import abc

    class Base(abc.ABC):
        kind = 'base'

        @abc.abstractmethod
        def name(self) -> str: ...

    calls = []

    def factory() -> type[Base]:
        calls.append(1)
        return Base

    proxy = Proxy(factory)

    class Derived(proxy):  # type: ignore[misc,valid-type]
        def name(self) -> str:
            return 'derived'

    assert Derived.__mro__ == (Derived, Base, abc.ABC, object)
    assert type(Derived) is abc.ABCMeta
    assert Derived().name() == 'derived'
    assert Derived().kind == 'base'
    assert not issubclass(Derived, Proxy)

    class Mixed(int, proxy):  # type: ignore[misc,valid-type]
        def name(self) -> str:
            return 'mixed'

    assert Mixed.__mro__[:3] == (Mixed, int, Base)
    assert calls == [1]


def test_a_class_statement_takes_a_proxy_of_a_generic_alias() -> None:
    import typing

    class Numbers(Proxy(lambda: list[int])):  # type: ignore[misc]
        pass

    class Legacy(Proxy(lambda: typing.List[int])):  # type: ignore[misc]  # noqa: UP006
        pass

    assert Numbers.__mro__ == (Numbers, list, object)
    assert Legacy.__mro__ == (Legacy, list, typing.Generic, object)


def test_a_class_statement_refuses_a_proxy_of_a_non_class() -> None:
    assert not hasattr(1, '__mro_entries__')
    assert not hasattr(Proxy(lambda: 1), '__mro_entries__')
    with pytest.raises(TypeError):

        class FromInt(1):  # type: ignore[misc]
            pass

    with pytest.raises(TypeError):

        class FromProxy(Proxy(lambda: 1)):  # type: ignore[misc]
            pass


def test_instance_dict_and_vars_are_the_target() -> None:
    box = Box()
    proxy = Proxy(lambda: box)
    assert vars(proxy) is vars(box)
    assert proxy.__dict__ is box.__dict__
    proxy.extra = 1
    assert box.extra == 1  # type: ignore[attr-defined]
    del proxy.extra
    assert not hasattr(box, 'extra')


def test_metadata_names_are_the_targets_on_instances() -> None:
    def documented(x: int) -> int:
        """Documentation."""
        return x

    proxy = Proxy(lambda: documented)
    assert proxy.__doc__ == 'Documentation.'
    assert proxy.__name__ == 'documented'
    assert proxy.__qualname__ == documented.__qualname__
    assert proxy.__module__ == __name__
    assert proxy.__annotations__ == documented.__annotations__
    assert proxy(4) == 4
    # ...while the class keeps its own.
    assert Proxy.__module__ == 'proxystore.proxy'
    assert Proxy.__doc__ is not None
    assert Proxy.__doc__.startswith('A lazy, transparent object proxy.')
    assert Proxy.__name__ == 'Proxy'


def test_setting_metadata_names_sets_them_on_the_target() -> None:
    def function() -> None: ...

    proxy = Proxy(lambda: function)
    proxy.__name__ = 'renamed'
    proxy.__doc__ = 'New doc.'
    assert function.__name__ == 'renamed'
    assert function.__doc__ == 'New doc.'


def test_dir_lists_the_targets_names() -> None:
    assert dir(Proxy(list)) == dir([])


def test_forwarded_errors_are_the_targets_own() -> None:
    with pytest.raises(ZeroDivisionError):
        Proxy(lambda: 1) / 0
    with pytest.raises(KeyError, match='missing'):
        Proxy(dict)['missing']
    with pytest.raises(AttributeError, match='no_such'):
        Proxy(object).no_such


def test_operations_on_an_unresolved_proxy_resolve_it_once() -> None:
    calls = []

    def factory() -> list[int]:
        calls.append(1)
        return [1, 2]

    proxy = Proxy(factory)
    assert not is_resolved(proxy)
    assert len(proxy) == 2
    assert proxy + [3] == [1, 2, 3]  # noqa: RUF005
    assert proxy[0] == 1
    assert calls == [1]


def test_forwarded_methods_have_proper_names() -> None:
    assert Proxy.__add__.__qualname__ == 'Proxy.__add__'
    assert Proxy.__add__.__module__ == 'proxystore.proxy'
    assert Proxy.__len__.__name__ == '__len__'


def test_traceback_through_forwarded_method_shows_source() -> None:
    import traceback

    try:
        Proxy(lambda: 1) + 'a'
    except TypeError:
        text = traceback.format_exc()
    assert 'target + other' in text


def test_weak_reference_to_the_proxy() -> None:
    import gc
    import weakref

    proxy = Proxy(lambda: [1])
    ref = weakref.ref(proxy)
    assert ref() is proxy
    del proxy
    gc.collect()
    assert ref() is None


def test_numpy_ufuncs_receive_the_targets_of_proxies() -> None:
    np = pytest.importorskip('numpy')
    array = np.arange(3)
    result = array + Proxy(lambda: 1)
    assert result.dtype == array.dtype  # not an object array of proxies
    assert result.tolist() == [1, 2, 3]
    out = np.zeros(3, dtype=array.dtype)
    np.add(Proxy(lambda: array), 1, out=(Proxy(lambda: out),))
    assert out.tolist() == [1, 2, 3]


# The compiled methods: they read only the names they are given, and each
# compilation has its own source file name.


def test_forwarded_methods_see_only_the_names_given_to_compile_them() -> None:
    import proxystore.proxy

    names = Proxy.__len__.__globals__
    assert names is not vars(proxystore.proxy)
    # The module's other imports and functions are not among them.
    assert 'contextlib' not in names
    assert '_restore' not in names
    assert names['ops'] is proxystore.proxy.ops
    assert names['_unresolved_hash'] is proxystore.proxy._unresolved_hash


def test_a_rule_that_reads_a_name_not_given_fails_to_compile() -> None:
    from proxystore.proxy._forwarding import SLOT
    from proxystore.proxy._forwarding import compile_methods
    from proxystore.proxy._forwarding import forward

    rules = {'__len__': forward('undefined_helper(target)')}
    names = dict(Proxy.__len__.__globals__)
    with pytest.raises(NameError, match=r'Example.__len__ reads undefined_helper,'):
        compile_methods(
            rules, template=SLOT, names=names, module=__name__, qualname='Example'
        )
    names['undefined_helper'] = len
    (method,) = compile_methods(
        rules, template=SLOT, names=names, module=__name__, qualname='Example'
    ).values()
    assert method(Proxy(lambda: [1, 2])) == 2


def test_the_templates_names_cannot_be_given_other_values() -> None:
    from proxystore.proxy._subclass import _names_for

    given = {'_UNSET': None, '_extract': len, 'ops': None}
    with pytest.raises(ValueError, match=r'other values: _UNSET, _extract\.$'):
        _names_for(Proxy, given)
    # The very same value is no clash.
    names = _names_for(Proxy, {'_UNSET': Proxy.__len__.__globals__['_UNSET']})
    assert names['_UNSET'] is Proxy.__len__.__globals__['_UNSET']


def _twin(*, slots: bool) -> type[Proxy[Any]]:
    # Two classes of one qualified name, whose hooks differ in their source.
    if slots:

        class Twin(Proxy[Any]):
            __slots__ = ('label',)

    else:

        class Twin(Proxy[Any]):  # type: ignore[no-redef]
            label = 'class attribute'

    return Twin


def test_classes_of_one_name_show_each_its_own_source() -> None:
    import inspect

    slotted, loose = _twin(slots=True), _twin(slots=False)
    assert slotted.__qualname__ == loose.__qualname__
    slotted_code = slotted.__getattribute__.__code__
    loose_code = loose.__getattribute__.__code__
    assert slotted_code.co_filename != loose_code.co_filename
    # Only the class with a __dict__ looks there for its own names.
    assert '__dict__' not in inspect.getsource(slotted.__getattribute__)
    assert '__dict__' in inspect.getsource(loose.__getattribute__)
