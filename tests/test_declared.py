"""Declared metadata: `declare`, `get_declared`, `check_declared` and `Declared`.

While a proxy is unresolved, what was declared answers attribute reads,
`len()`, `sys.getsizeof()` and `isinstance` without calling the factory;
once it is resolved, the target answers.
"""

from __future__ import annotations

import copy
import pickle
import sys
import threading
from typing import Any

import pytest

from _kinds import Slotted
from _kinds import Wrapped
from proxystore.factory import SimpleFactory
from proxystore.proxy import Declared
from proxystore.proxy import Proxy
from proxystore.proxy import check_declared
from proxystore.proxy import declare
from proxystore.proxy import extract
from proxystore.proxy import forbid_implicit_resolution
from proxystore.proxy import get_declared
from proxystore.proxy import is_resolved
from test_resolution import run_all


class Grid:
    """A stand-in for an array: metadata next to data."""

    def __init__(self, rows: int, cols: int) -> None:
        self.shape = (rows, cols)
        self.dtype = 'float64'
        self.cells = [0.0] * (rows * cols)

    def __len__(self) -> int:
        return self.shape[0]

    def total(self) -> float:
        return sum(self.cells)


def _grid_proxy(rows: int = 3, cols: int = 4, **declared: Any) -> Proxy[Grid]:
    proxy = Proxy(SimpleFactory(Grid(rows, cols)))
    return declare(proxy, Grid, **declared)


def _declared_grid() -> Proxy[Grid]:
    return _grid_proxy(
        attributes={'shape': (3, 4), 'dtype': 'float64'},
        length=3,
        sizeof=96,
    )


# --------------------------------------------------------------------------
# What answers while the proxy is unresolved.


def test_declared_values_answer_without_resolving() -> None:
    proxy = _declared_grid()
    with forbid_implicit_resolution():
        assert proxy.shape == (3, 4)
        assert proxy.dtype == 'float64'
        assert getattr(proxy, 'shape') == (3, 4)  # noqa: B009
        assert hasattr(proxy, 'dtype')
        assert len(proxy) == 3
        assert isinstance(proxy, Grid)
        assert proxy.__class__ is Grid
        assert type(proxy).__sizeof__(proxy) == 96
    assert not is_resolved(proxy)


def test_getsizeof_adds_what_it_adds_to_any_object() -> None:
    proxy = _declared_grid()
    plain = Proxy(SimpleFactory(1))
    header = sys.getsizeof(plain) - object.__sizeof__(plain)
    assert sys.getsizeof(proxy) == 96 + header
    assert not is_resolved(proxy)


def test_undeclared_attributes_still_resolve() -> None:
    proxy = _declared_grid()
    with forbid_implicit_resolution(), pytest.raises(Exception, match='total'):
        proxy.total()
    assert not is_resolved(proxy)
    assert proxy.total() == 0.0
    assert is_resolved(proxy)


def test_the_target_answers_once_resolved() -> None:
    # Declared wrongly on purpose: the resolved proxy tells the truth.
    proxy = _grid_proxy(attributes={'shape': (9, 9)}, length=9, sizeof=1)
    assert proxy.shape == (9, 9)
    assert len(proxy) == 9
    target = extract(proxy)
    assert proxy.shape == (3, 4) == target.shape
    assert len(proxy) == 3
    assert type(proxy).__sizeof__(proxy) == target.__sizeof__()


def test_the_size_of_a_resolved_class_is_the_class_objects() -> None:
    proxy = declare(Proxy(SimpleFactory(Grid)), type, sizeof=10)
    assert type(proxy).__sizeof__(proxy) == 10
    extract(proxy)
    assert type(proxy).__sizeof__(proxy) == type.__sizeof__(Grid)


def test_a_declaration_is_not_needed_for_each_answer() -> None:
    proxy = declare(Proxy(SimpleFactory([1, 2])), length=2)
    with forbid_implicit_resolution():
        assert len(proxy) == 2
        with pytest.raises(Exception, match='implicit'):
            proxy.count(1)  # no attribute declared
    # Without a declared size the proxy's own size, as without declarations.
    assert type(proxy).__sizeof__(proxy) == object.__sizeof__(proxy)


def test_plain_proxies_are_untouched() -> None:
    proxy = Proxy(SimpleFactory([1, 2]))
    assert get_declared(proxy) is None
    assert type(proxy).__sizeof__(proxy) == object.__sizeof__(proxy)
    assert proxy.__reduce__() == (Proxy, (proxy.__proxy_factory__,))


def test_declared_attributes_on_every_kind_of_proxy() -> None:
    for cls in (Proxy, Slotted, Wrapped):
        proxy = declare(
            cls(SimpleFactory(Grid(1, 2))), attributes={'shape': (1, 2)}, length=9
        )
        with forbid_implicit_resolution():
            assert proxy.shape == (1, 2)
        assert not is_resolved(proxy)


def test_a_subclass_with_its_own_wrapped_property_answers_len_through_it() -> None:
    # Every len() of such a subclass goes through its property (checking the
    # declared length would cost each one a read of the slot).
    for cls, expected in ((Proxy, 9), (Slotted, 9), (Wrapped, 1)):
        proxy = declare(cls(SimpleFactory(Grid(1, 2))), length=9)
        assert len(proxy) == expected
        assert is_resolved(proxy) is (cls is Wrapped)


@pytest.mark.threads
def test_threads_see_a_declared_value_or_the_targets() -> None:
    calls: list[int] = []

    def load() -> Grid:
        calls.append(1)
        return Grid(2, 2)

    proxy = declare(Proxy(load), Grid, attributes={'shape': (2, 2)}, length=2)
    seen: list[Any] = []
    start = threading.Barrier(8)

    def use() -> None:
        start.wait()
        for _ in range(200):
            seen.append((proxy.shape, len(proxy)))
            if len(seen) == 50:
                proxy.total()  # resolves, while others read

    threads = [threading.Thread(target=use) for _ in range(8)]
    run_all(threads, 1e-6)
    assert not any(thread.is_alive() for thread in threads)
    assert set(seen) == {((2, 2), 2)}
    assert len(seen) == 8 * 200
    assert calls == [1]


# --------------------------------------------------------------------------
# Declaring, reading back, replacing.


def test_declare_returns_the_proxy_and_get_declared_reads_it() -> None:
    proxy = Proxy(SimpleFactory(Grid(3, 4)))
    assert declare(proxy, attributes={'shape': (3, 4)}, length=3) is proxy
    assert get_declared(proxy) == Declared({'shape': (3, 4)}, 3, None)
    assert proxy.__proxy_default_class__ is None  # no class declared


def test_declarations_replace_earlier_ones() -> None:
    proxy = _declared_grid()
    declare(proxy, attributes={'dtype': 'int8'})
    declared = get_declared(proxy)
    assert declared == Declared({'dtype': 'int8'})
    assert proxy.__proxy_default_class__ is Grid  # kept: no class given
    with forbid_implicit_resolution(), pytest.raises(Exception, match='implicit'):
        proxy.shape


def test_declarations_survive_other_settings() -> None:
    proxy = _declared_grid()
    proxy.__proxy_factory__ = SimpleFactory(Grid(1, 1))
    proxy.__proxy_default_class__ = None
    proxy.__proxy_default_hash__ = 7
    assert get_declared(proxy) == Declared({'shape': (3, 4), 'dtype': 'float64'}, 3, 96)
    assert hash(proxy) == 7
    assert not is_resolved(proxy)
    del proxy.__proxy_factory__  # uninitialized: nothing is left
    assert get_declared(proxy) is None


def test_declarations_on_a_proxy_made_without_the_constructor() -> None:
    proxy = Proxy.__new__(Proxy)
    declare(proxy, Grid, attributes={'shape': (1, 1)})
    assert get_declared(proxy) == Declared({'shape': (1, 1)})
    assert proxy.shape == (1, 1)


def test_declared_is_read_only_and_compares_by_value() -> None:
    declared = Declared({'shape': (1, 2)}, 1, 8)
    assert declared == Declared({'shape': (1, 2)}, length=1, sizeof=8)
    assert declared != Declared({'shape': (1, 2)}, 1)
    assert declared != {'shape': (1, 2)}
    assert (
        repr(declared) == "Declared(attributes={'shape': (1, 2)}, length=1, sizeof=8)"
    )
    with pytest.raises(AttributeError, match='read-only'):
        declared.length = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match='read-only'):
        del declared.sizeof  # type: ignore[misc]
    with pytest.raises(TypeError):
        declared.attributes['shape'] = (2, 2)  # type: ignore[index]
    with pytest.raises(TypeError, match='unhashable'):
        hash(declared)


def test_declared_copies_the_mapping_it_is_given() -> None:
    values = {'shape': (1, 2)}
    declared = Declared(values)
    values['shape'] = (5, 5)
    assert declared.attributes['shape'] == (1, 2)


# --------------------------------------------------------------------------
# Pickling and copying.


def test_pickling_keeps_declarations_and_the_class() -> None:
    proxy = _declared_grid()
    for copied in (
        pickle.loads(pickle.dumps(proxy)),
        copy.copy(proxy),
        copy.deepcopy(proxy),
    ):
        assert get_declared(copied) == get_declared(proxy)
        with forbid_implicit_resolution():
            assert copied.shape == (3, 4)
            assert len(copied) == 3
            assert isinstance(copied, Grid)
        assert not is_resolved(copied)
        assert copied.total() == 0.0


def test_pickling_a_resolved_proxy_keeps_it_declared_and_unresolved() -> None:
    proxy = _declared_grid()
    extract(proxy)
    copied = pickle.loads(pickle.dumps(proxy))
    assert not is_resolved(copied)
    assert get_declared(copied) == get_declared(proxy)


def test_subclasses_pickle_with_their_declarations() -> None:
    proxy = declare(Slotted(SimpleFactory(Grid(1, 2))), attributes={'shape': (1, 2)})
    proxy._kind_tag = 'tag'
    copied = pickle.loads(pickle.dumps(proxy))
    assert type(copied) is Slotted
    assert copied._kind_tag == 'tag'
    with forbid_implicit_resolution():
        assert copied.shape == (1, 2)


def test_a_pickle_with_bad_declarations_is_refused() -> None:
    from proxystore.proxy import _restore

    factory = SimpleFactory(1)
    with pytest.raises(TypeError, match='declarations of type dict'):
        _restore(Proxy, factory, None, None, None, {'shape': 1})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='special names'):
        pickle.loads(
            pickle.dumps(Declared({'shape': 1})).replace(b'shape', b'__x__'),
        )


# --------------------------------------------------------------------------
# check_declared.


def test_check_declared_returns_the_target_when_all_agree() -> None:
    proxy = _declared_grid()
    with forbid_implicit_resolution():  # an explicit resolution
        target = check_declared(proxy)
    assert target is extract(proxy)


def test_check_declared_names_every_disagreement() -> None:
    proxy = declare(
        Proxy(SimpleFactory(Grid(3, 4))),
        list,
        attributes={'shape': (4, 3), 'dtype': 'float64', 'unit': 'm'},
        length=4,
    )
    with pytest.raises(ValueError, match='disagrees') as info:
        check_declared(proxy)
    message = str(info.value)
    assert 'the target is a Grid, declared list' in message
    assert "'shape' is (3, 4), declared (4, 3)" in message
    assert "the target has no attribute 'unit'" in message
    assert 'len() is 3, declared 4' in message
    assert 'dtype' not in message


def test_check_declared_reports_values_that_cannot_be_compared() -> None:
    class Opaque:
        def __eq__(self, other: object) -> bool:
            raise ValueError('ambiguous')

        __hash__ = None  # type: ignore[assignment]

    class Holder:
        value = Opaque()

    proxy = declare(Proxy(SimpleFactory(Holder())), attributes={'value': 1}, length=1)
    with pytest.raises(ValueError, match='disagrees') as info:
        check_declared(proxy)
    assert (
        "'value' cannot be compared with its declared value (ValueError: ambiguous)"
        in str(info.value)
    )
    assert 'the target has no len()' in str(info.value)


def test_check_declared_without_declarations_only_resolves() -> None:
    proxy = Proxy(SimpleFactory([1]))
    assert check_declared(proxy) == [1]


# --------------------------------------------------------------------------
# Bad input.


@pytest.mark.parametrize(
    ('kwargs', 'error', 'message'),
    [
        ({'attributes': {1: 2}}, TypeError, 'names must be str, not int'),
        ({'attributes': {'a b': 1}}, ValueError, "'a b': not an identifier"),
        ({'attributes': {'__len__': 1}}, ValueError, 'special names'),
        ({'attributes': {'__proxy_factory__': 1}}, ValueError, 'special names'),
        ({'length': -1}, ValueError, 'length must not be negative, not -1'),
        ({'length': True}, TypeError, 'length must be an int or None, not bool'),
        ({'sizeof': 1.5}, TypeError, 'sizeof must be an int or None, not float'),
    ],
)
def test_bad_declarations_are_refused_and_change_nothing(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    proxy = declare(Proxy(SimpleFactory([1])), attributes={'kept': 1})
    with pytest.raises(error, match=message):
        declare(proxy, list, **kwargs)
    assert get_declared(proxy) == Declared({'kept': 1})
    assert proxy.__proxy_default_class__ is None


def test_a_bad_class_changes_nothing() -> None:
    proxy = declare(Proxy(SimpleFactory([1])), attributes={'kept': 1})
    with pytest.raises(TypeError, match='must be a class or None, not int'):
        declare(proxy, 5, attributes={'other': 2})  # type: ignore[arg-type]
    assert get_declared(proxy) == Declared({'kept': 1})


@pytest.mark.parametrize('function', [declare, get_declared, check_declared])
def test_non_proxies_are_refused(function: Any) -> None:
    with pytest.raises(
        TypeError, match=f'{function.__name__}\\(\\) expects a Proxy, not list'
    ):
        function([1])
