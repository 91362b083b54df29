"""Every kind of proxy the transparency tests try each case on.

A plain `Proxy`; subclasses with slots of their own, with a `__dict__`, and
with a `__proxy_wrapped__` of their own (every operation then reads the
target through it); and a proxy that went through `pickle` with its target's
class and hash cached. Each kind is tried unresolved and resolved.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from proxystore.proxy import Proxy
from proxystore.proxy import extract


class Slotted(Proxy[Any]):
    """A subclass with a slot of its own (and a name no target has)."""

    __slots__ = ('_kind_tag',)


class WithDict(Proxy[Any]):
    """A subclass without `__slots__`: its instances have a `__dict__`."""


class Wrapped(Proxy[Any]):
    """A subclass that reads and writes the target via `__proxy_wrapped__`."""

    __slots__ = ()

    @property
    def __proxy_wrapped__(self) -> Any:
        return super().__proxy_wrapped__

    @__proxy_wrapped__.setter
    def __proxy_wrapped__(self, target: Any) -> None:
        object.__setattr__(self, '__proxy_target__', target)

    @__proxy_wrapped__.deleter
    def __proxy_wrapped__(self) -> None:
        object.__delattr__(self, '__proxy_target__')


class _Maker:
    """A factory that pickles as a key to the function that makes the target.

    The target itself need not pickle; the function is found again by its
    key (while `proxies` runs) when the proxy is unpickled.
    """

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make
        _MAKERS[id(make)] = make

    def __call__(self) -> Any:
        return self.make()

    def __reduce__(self) -> tuple[Any, ...]:
        return _maker, (id(self.make),)


_MAKERS: dict[int, Callable[[], Any]] = {}


def _maker(key: int) -> _Maker:
    return _Maker(_MAKERS[key])


def _pickled(make: Callable[[], Any]) -> Proxy[Any]:
    target = make()
    proxy = Proxy(_Maker(make), cache_defaults=True, target=target)
    try:
        data = pickle.dumps(proxy)
    except pickle.PicklingError:
        # The cached class cannot be pickled by reference (the class of
        # `len`, say): reconstruct from the same __reduce__, without bytes.
        return copy.copy(proxy)
    restored: Proxy[Any] = pickle.loads(data)
    return restored


KINDS: dict[str, Callable[[Callable[[], Any]], Proxy[Any]]] = {
    'Proxy': Proxy,
    'slots': Slotted,
    'dict': WithDict,
    'wrapped': Wrapped,
    'pickled': _pickled,
}
"""How to make each kind of proxy from a function that makes a fresh target
(the pickled kind pickles one such target with its factory)."""


def proxies(make: Callable[[], Any]) -> Iterator[tuple[str, Proxy[Any]]]:
    """A proxy of a fresh target of every kind, unresolved and resolved.

    Yields:
        A label (the kind, and whether resolved), and the proxy.
    """
    try:
        for kind, new in KINDS.items():
            for resolved in (False, True):
                proxy = new(make)
                if resolved:
                    extract(proxy)
                yield f'{kind}, {"resolved" if resolved else "unresolved"}', proxy
    finally:
        _MAKERS.pop(id(make), None)
