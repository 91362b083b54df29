"""What the per-operation benchmark times: the objects, the operations, the peers.

Standard library only: the timing worker imports this module inside every
implementation's environment. `Target` is the proxied object, `OPS` the timed
statements (`SUBCLASS_OPS` those on subclasses of `Proxy`), and `IMPLS` the
implementations, each found in one of the environments named by `ENV_OF`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

IMPLS = ('bare', 'ours', 'proxystore', 'lop.cext', 'lop.slots', 'wrapt')
PEERS = ('proxystore', 'lop.cext', 'lop.slots', 'wrapt')
# Which environment (`run` option) has each implementation installed.
ENV_OF = {
    'bare': 'ours',
    'ours': 'ours',
    'proxystore': 'proxystore',
    'lop.cext': 'peers',
    'lop.slots': 'peers',
    'wrapt': 'peers',
}
LABELS = {
    'bare': 'bare object',
    'ours': 'ours',
    'proxystore': 'proxystore 1.1.0',
    'lop.cext': 'lazy_object_proxy.cext',
    'lop.slots': 'lazy_object_proxy.slots',
    'wrapt': 'wrapt.LazyObjectProxy',
}

# --------------------------------------------------------------------------
# The proxied objects. A small user-defined class whose special methods are written in
# Python (so the bare object pays one Python frame per operation, as most user
# objects do), and a few-KB object for pickling.


class Target:
    """The proxied object: special methods written in Python, as users write them."""

    def __init__(self) -> None:
        self.value = 1

    def method(self) -> int:
        return self.value

    def __call__(self) -> int:
        return self.value

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index: int) -> int:
        return index

    def __contains__(self, item: object) -> bool:
        return item == 1

    def __iter__(self) -> Any:
        return iter(())

    def __add__(self, other: int) -> int:
        return self.value + other

    def __radd__(self, other: int) -> int:
        return other + self.value

    def __iadd__(self, other: int) -> Target:
        return self

    def __eq__(self, other: object) -> bool:
        return self.value == other

    def __lt__(self, other: int) -> bool:
        return self.value < other

    def __hash__(self) -> int:
        return 1

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return 'target'


TARGET = Target()


def factory() -> Target:
    return TARGET


# A few KB when pickled: 400 floats and a name.
BIG = {'name': 'measurements', 'values': [i / 7 for i in range(400)]}


class BigFactory:
    """A small picklable factory, like a store key: pickles as its key."""

    __slots__ = ('key',)

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self) -> dict[str, Any]:
        return BIG

    def __reduce__(self) -> tuple[Any, ...]:
        return BigFactory, (self.key,)


# --------------------------------------------------------------------------
# Subclasses of `Proxy`, as ProxyStore's reference proxies are, defined the same
# way on whichever `Proxy` the worker imported (ours or proxystore's):
#
# - `owned`: a slot of its own, an `__init__` that sets it before calling
#   `Proxy.__init__`, and a `__reduce__`, in the shape of ProxyStore's
#   `OwnedProxy`, but with `__proxy_wrapped__` left as `Proxy` defines it.
# - `checked`: `owned` plus a `__proxy_wrapped__` property that checks the
#   slot on every use, as ProxyStore's `BaseRefProxy` does (so ProxyStore's
#   `OwnedProxy` and `RefProxy`, built on it, really have this shape).

SUBCLASS_KINDS = ('owned', 'checked')
_SUBCLASSES: dict[type, dict[str, type]] = {}


def make_subclasses(base: type) -> dict[str, type]:
    """The subclasses of `base` (a `Proxy` class), by kind; made once per base."""
    if base in _SUBCLASSES:
        return _SUBCLASSES[base]

    class OwnedSubclass(base):  # type: ignore[misc,valid-type]
        __slots__ = ('__proxy_valid__',)
        KIND = 'owned'

        def __init__(
            self,
            factory: Callable[[], Any],
            *,
            cache_defaults: bool = False,
            target: Any = None,
        ) -> None:
            object.__setattr__(self, '__proxy_valid__', True)
            super().__init__(factory, cache_defaults=cache_defaults, target=target)

        def __reduce__(self) -> tuple[Any, ...]:
            factory = object.__getattribute__(self, '__proxy_factory__')
            return _rebuild_subclass, (type(self).KIND, factory)

    class CheckedSubclass(OwnedSubclass):
        __slots__ = ()
        KIND = 'checked'

        @property
        def __proxy_wrapped__(self) -> Any:
            if not object.__getattribute__(self, '__proxy_valid__'):
                raise ReferenceError('this reference is no longer valid')
            return super().__proxy_wrapped__

        @__proxy_wrapped__.setter
        def __proxy_wrapped__(self, target: Any) -> None:
            object.__setattr__(self, '__proxy_target__', target)

        @__proxy_wrapped__.deleter
        def __proxy_wrapped__(self) -> None:
            object.__delattr__(self, '__proxy_target__')

    _SUBCLASSES[base] = {'owned': OwnedSubclass, 'checked': CheckedSubclass}
    return _SUBCLASSES[base]


def _rebuild_subclass(kind: str, factory: Callable[[], Any]) -> Any:
    from proxystore.proxy import Proxy

    return make_subclasses(Proxy)[kind](factory)


# --------------------------------------------------------------------------
# The operations. Each is a statement timed in a loop by `timeit` over objects
# built beforehand: `p` is a resolved proxy of TARGET (the bare object itself
# for `bare`), `u` an unresolved proxy with cached defaults (a pickled and
# loaded copy of one made with `cache_defaults=True`), `b` a resolved proxy of
# BIG, `T` the Target class and `f` the factory. `{new}` stands for the
# expression that creates an unresolved proxy (`f()` for the bare object). In
# the operations on a subclass, `p` is a resolved proxy of TARGET made by that
# subclass (still the bare object for `bare`; there is none for the peers).


@dataclass(frozen=True)
class Op:
    """One timed statement, run in a namespace that has `p`, `u`, `b`, `T`, `f`."""

    name: str
    stmt: str
    setup: str = 'pass'
    cached: bool = False  # times `u`, the unresolved proxy with cached defaults
    subclass: str = ''  # one of SUBCLASS_KINDS: `p` is made by that subclass


OPS = (
    Op('create', '{new}'),
    Op('create + first use', '{new}.value'),
    Op('getattr', 'p.value'),
    Op('setattr', 'p.value = 1'),
    Op('method call', 'p.method()'),
    Op('call', 'p()'),
    Op('len', 'len(p)'),
    Op('getitem', 'p[0]'),
    Op('contains', '1 in p'),
    Op('iter', 'iter(p)'),
    Op('add', 'p + 1'),
    Op('radd', '1 + p'),
    Op('iadd', 'q += 1', setup='q = p'),
    Op('eq', 'p == 1'),
    Op('lt', 'p < 1'),
    Op('hash', 'hash(p)'),
    Op('hash (unresolved, cached defaults)', 'hash(u)', cached=True),
    Op('bool', 'bool(p)'),
    Op('str', 'str(p)'),
    Op('isinstance', 'isinstance(p, T)'),
    Op('isinstance (unresolved, cached defaults)', 'isinstance(u, T)', cached=True),
    Op('pickle dumps+loads', 'loads(dumps(b))'),
)
OP_NAMES = tuple(op.name for op in OPS)
# Kept apart from OPS: the peers have no counterpart, so these are compared
# with proxystore only, and neither the targets on OPS nor the geometric mean
# include them.
SUBCLASS_OPS = tuple(
    Op(f'{kind}: {name}', stmt, subclass=kind)
    for kind in SUBCLASS_KINDS
    for name, stmt in (
        ('getattr', 'p.value'),
        ('method call', 'p.method()'),
        ('add', 'p + 1'),
        ('len', 'len(p)'),
    )
)
SUBCLASS_OP_NAMES = tuple(op.name for op in SUBCLASS_OPS)
ALL_OPS = OPS + SUBCLASS_OPS
ALL_OP_NAMES = OP_NAMES + SUBCLASS_OP_NAMES
MEMORY = 'memory per unresolved proxy (bytes)'
PICKLE_SIZE = 'pickled size (bytes)'
SIZES = (MEMORY, PICKLE_SIZE)
