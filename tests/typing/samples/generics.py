"""Proxies in generic code, and the cases where the plugin falls back to Any."""

from __future__ import annotations

from typing import Any
from typing import TypeVar

from typing_extensions import reveal_type

from proxystore.proxy import Proxy
from proxystore.proxy import extract


class Base:
    ident: int = 0

    def describe(self) -> str:
        return 'base'


T = TypeVar('T')
B = TypeVar('B', bound=Base)
P = TypeVar('P', bound=Proxy[Base])


def unbounded(proxy: Proxy[T]) -> T:
    # Nothing is known of T: its attributes stay Any.
    reveal_type(proxy.anything)  # R: Any
    return extract(proxy)


def bounded(proxy: Proxy[B]) -> B:
    # A bound says what T has.
    reveal_type(proxy.ident)  # plugin R: int  # plain R: Any
    reveal_type(proxy.describe())  # plugin R: str  # plain R: Any
    return extract(proxy)


def bounded_proxy(proxy: P) -> P:
    reveal_type(proxy.describe())  # plugin R: str  # plain R: Any
    return proxy


def untyped(proxy: Proxy[Any]) -> None:
    reveal_type(proxy.anything)  # R: Any


class NamedProxy(Proxy[Base]):
    """A subclass: forwarded attributes still come from the target type."""


def subclass(proxy: NamedProxy) -> None:
    reveal_type(proxy.ident)  # plugin R: int  # plain R: Any


def defined_later(proxy: Proxy[Later]) -> None:
    # The attribute's type is inferred after this function is first checked.
    reveal_type(proxy.total)  # plugin R: int  # plain R: Any


class Later:
    def __init__(self) -> None:
        self.total = count()


def count() -> int:
    return 0
