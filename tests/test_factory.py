"""Factories: calling one resolves it; they pickle."""

from __future__ import annotations

import pickle

import pytest

from proxystore.factory import Factory
from proxystore.factory import LambdaFactory
from proxystore.factory import SimpleFactory
from proxystore.proxy import Proxy


def make(a: int, b: int = 0) -> int:
    return a + b


def test_factory_is_abstract() -> None:
    with pytest.raises(TypeError, match='abstract'):
        Factory()  # type: ignore[abstract]


def test_call_delegates_to_resolve() -> None:
    class Constant(Factory[int]):
        def resolve(self) -> int:
            return 42

    assert Constant()() == 42
    assert Proxy(Constant()) == 42


def test_simple_factory() -> None:
    factory = SimpleFactory([1, 2])
    assert factory() == [1, 2]
    assert factory.resolve() is factory()
    assert repr(factory) == 'SimpleFactory([1, 2])'


def test_lambda_factory_passes_arguments() -> None:
    factory = LambdaFactory(make, 1, b=2)
    assert factory() == 3
    assert factory.resolve() == 3
    assert repr(factory).startswith('LambdaFactory(<function make')
    assert repr(factory).endswith(', 1, b=2)')


def test_lambda_factory_refuses_non_callables() -> None:
    with pytest.raises(TypeError, match='must be callable'):
        LambdaFactory(42)  # type: ignore[arg-type]


@pytest.mark.parametrize('protocol', range(pickle.HIGHEST_PROTOCOL + 1))
def test_factories_pickle(protocol: int) -> None:
    simple = pickle.loads(pickle.dumps(SimpleFactory({'a': 1}), protocol=protocol))
    assert simple() == {'a': 1}
    lam = pickle.loads(pickle.dumps(LambdaFactory(make, 2, b=3), protocol=protocol))
    assert lam() == 5
