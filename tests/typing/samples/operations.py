"""Operators, protocols and built-in functions on proxies: all accepted.

The proxy forwards them to its target at runtime; statically they take
anything and give `Any` (or what the built-in function returns), with or
without the plugin, and under both mypy and pyright in strict mode.
"""

from __future__ import annotations

import math
import operator
import os
from typing import Any

from typing_extensions import reveal_type

from proxystore.proxy import Proxy


def numbers(n: Proxy[int]) -> None:
    reveal_type(n + 1)  # R: Any
    reveal_type(1 + n)  # R: Any
    reveal_type(n * n)  # R: Any
    reveal_type(-n)  # R: Any
    reveal_type(n < 2)  # R: Any
    reveal_type(n == 1)  # R: Any
    reveal_type(divmod(n, 2))  # R: Any
    reveal_type(int(n))  # R: int
    reveal_type(float(n))  # R: float
    reveal_type(round(n))  # R: Any
    reveal_type(math.floor(n))  # R: Any
    reveal_type(operator.index(n))  # R: int
    reveal_type(format(n, 'd'))  # R: str
    n += 1
    n **= 2
    print(abs(n), ~n, +n, n @ n, pow(n, 2, 3), math.trunc(n), math.ceil(n))


def containers(p: Proxy[list[int]]) -> None:
    reveal_type(len(p))  # R: int
    reveal_type(p[0])  # R: Any
    reveal_type(1 in p)  # R: bool
    for item in p:
        reveal_type(item)  # R: Any
    p[0] = 1
    del p[0]
    print(reversed(p), operator.length_hint(p), hash(p), bool(p), str(p), repr(p))


def protocols(p: Proxy[Any], path: Proxy[str]) -> None:
    reveal_type(p(1, key=2))  # R: Any
    reveal_type(os.fspath(path))  # R: Any
    reveal_type(next(p))  # R: Any
    with p as value:
        reveal_type(value)  # R: Any


async def asynchronous(p: Proxy[Any]) -> None:
    reveal_type(await p)  # R: Any
    async with p as value:
        reveal_type(value)  # R: Any
    async for item in p:
        reveal_type(item)  # R: Any
