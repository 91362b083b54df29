"""Everyday code with proxies: clean under `mypy --strict`, plugin or not."""

from __future__ import annotations

import math
from collections.abc import Callable

from proxystore.factory import Factory
from proxystore.factory import LambdaFactory
from proxystore.factory import SimpleFactory
from proxystore.proxy import Declared
from proxystore.proxy import FactoryType
from proxystore.proxy import Proxy
from proxystore.proxy import ProxyLocker
from proxystore.proxy import ProxyOr
from proxystore.proxy import check_declared
from proxystore.proxy import declare
from proxystore.proxy import extract
from proxystore.proxy import get_declared
from proxystore.proxy import get_factory
from proxystore.proxy import is_resolved
from proxystore.proxy import match_capabilities
from proxystore.proxy import resolve


class Point:
    def __init__(self, x: float, y: float) -> None:
        self.x = x
        self.y = y

    def norm(self) -> float:
        return math.hypot(self.x, self.y)


class KeyFactory(Factory[Point]):
    def __init__(self, key: str) -> None:
        self.key = key

    def resolve(self) -> Point:
        return Point(len(self.key), 0.0)


def make_point() -> Point:
    return Point(3.0, 4.0)


def as_point(value: ProxyOr[Point]) -> Point:
    if isinstance(value, Proxy):
        return extract(value)
    return value


def total(values: list[ProxyOr[int]]) -> int:
    return sum(extract(v) if isinstance(v, Proxy) else v for v in values)


def factory_of(proxy: Proxy[Point]) -> FactoryType[Point]:
    return get_factory(proxy)


from_lambda: Proxy[Point] = Proxy(make_point)
from_simple = Proxy(SimpleFactory(Point(1.0, 2.0)))
from_lambda_factory = Proxy(LambdaFactory(Point, 1.0, y=2.0))
from_custom = Proxy(KeyFactory('key'))
already_there = Proxy(make_point, target=Point(3.0, 4.0), cache_defaults=True)

lengths: list[float] = [p.norm() for p in [as_point(from_simple)]]
points: list[Point] = [
    as_point(from_lambda),
    as_point(from_simple),
    as_point(Point(0.0, 0.0)),
    extract(from_lambda_factory),
    extract(from_custom),
]
count: int = total([1, Proxy(lambda: 2)])
factory: Callable[[], Point] = factory_of(already_there)
resolve(from_lambda)
done: bool = is_resolved(from_lambda)
locked: ProxyLocker[Point] = ProxyLocker(from_simple)
unlocked: Proxy[Point] = locked.unlock()
simple: SimpleFactory[Point] = SimpleFactory(Point(0.0, 1.0))
point: Point = simple()
declared: Proxy[Point] = declare(Proxy(make_point), Point, attributes={'x': 3.0})
what: Declared | None = get_declared(declared)
checked: Point = check_declared(declared)
matched: Proxy[Point] = match_capabilities(declared)
