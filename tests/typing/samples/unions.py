"""Unions of proxies and plain values: each item answers for itself."""

from __future__ import annotations

from typing import TypeVar

from typing_extensions import reveal_type

from proxystore.proxy import Proxy
from proxystore.proxy import ProxyOr


class Meters:
    value: float = 1.0

    def unit(self) -> str:
        return 'm'


class Feet:
    value: int = 3

    def unit(self) -> bytes:
        return b'ft'


def proxy_or_plain(item: ProxyOr[Meters]) -> None:
    reveal_type(item)  # R: proxystore.proxy.Proxy[unions.Meters] | unions.Meters
    reveal_type(item.value)  # plugin R: float  # plain R: Any | float
    reveal_type(item.unit())  # plugin R: str  # plain R: Any | str


def two_proxies(item: Proxy[Meters] | Proxy[Feet]) -> None:
    reveal_type(item.value)  # plugin R: float | int  # plain R: Any
    reveal_type(item.unit())  # plugin R: str | bytes  # plain R: Any


def proxy_or_other(item: Proxy[Meters] | Feet) -> None:
    # plugin R: type[unions.Meters] | type[unions.Feet]
    # plain R: type[proxystore.proxy.Proxy[unions.Meters]] | type[unions.Feet]
    reveal_type(item.__class__)
    reveal_type(item.value)  # plugin R: float | int  # plain R: Any | int
    reveal_type(item.unit())  # plugin R: str | bytes  # plain R: Any | bytes


def optional(item: Proxy[Meters] | None) -> None:
    if item is not None:
        reveal_type(item.value)  # plugin R: float  # plain R: Any


def narrowed(item: ProxyOr[Meters]) -> None:
    if isinstance(item, Proxy):
        reveal_type(item)  # R: proxystore.proxy.Proxy[unions.Meters]
        reveal_type(item.value)  # plugin R: float  # plain R: Any
    else:
        reveal_type(item)  # R: unions.Meters


EitherProxy = TypeVar('EitherProxy', bound=Proxy[Meters] | Proxy[Feet])


def bounded_by_a_union(item: EitherProxy) -> EitherProxy:
    reveal_type(item.value)  # plugin R: float | int  # plain R: Any
    return item
