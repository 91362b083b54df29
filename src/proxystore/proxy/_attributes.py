"""The proxy's own `__proxy_*` attributes, as properties over its slots.

`Proxy` declares the six public `__proxy_*` names as class attributes: the
properties below, so that `UNSET`, empty slots and the `Defaults` that a
factory slot may hold never show. `__proxy_wrapped__`
resolves the proxy and assigns its target, through `_resolution`: these
properties sit above it, and `_slots` below it is storage only.
"""

# Targets and factories are of any type.
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false

from __future__ import annotations

from typing import Any

from proxystore.proxy import _audit
from proxystore.proxy import _slots
from proxystore.proxy._resolution import assign
from proxystore.proxy._resolution import extract
from proxystore.proxy._slots import UNSET

__all__ = [
    'proxy_default_class',
    'proxy_default_hash',
    'proxy_factory',
    'proxy_resolved',
    'proxy_target',
    'proxy_wrapped',
]

_read_target = _slots.read_target


def _target(proxy: Any) -> Any:
    target = _slots.peek(proxy)
    if target is UNSET:
        raise AttributeError(
            f'{type(proxy).__name__!r} object has no attribute '
            "'__proxy_target__' (the proxy is not resolved)",
        )
    return target


def _delete_target(proxy: Any) -> None:
    _target(proxy)  # deleting what is not there fails, as for any slot
    _slots.unresolve(proxy)


def _resolved(proxy: Any) -> bool:
    return _slots.peek(proxy) is not UNSET


@_audit.explicit('__proxy_wrapped__')
def _wrapped(proxy: Any) -> Any:
    # peek(), inlined: subclasses that override __proxy_wrapped__ reach this
    # on every operation, through super().__proxy_wrapped__.
    try:
        target = _read_target(proxy)
    except AttributeError:  # never initialized
        target = UNSET
    if target is UNSET:
        target = extract(proxy)
    return target


def _read_only(proxy: Any, *value: Any) -> None:
    raise AttributeError("'__proxy_resolved__' is read-only")


proxy_factory = property(
    _slots.factory_of,
    _slots.set_factory,
    _slots.delete_factory,
    doc='The factory; deleting it leaves the proxy uninitialized, without defaults.',
)
proxy_target = property(
    _target,
    assign,
    _delete_target,
    doc='The target; reading it on an unresolved proxy raises AttributeError.',
)
proxy_resolved = property(
    _resolved,
    _read_only,
    _read_only,
    doc='Whether the proxy holds its target (read-only).',
)
proxy_wrapped = property(
    _wrapped,
    assign,
    _delete_target,
    doc='The target, resolving the proxy if needed; set to replace it, '
    'delete to make the proxy unresolved.',
)
proxy_default_class = property(
    _slots.default_class,
    _slots.set_default_class,
    lambda proxy: _slots.set_default_class(proxy, None),
    doc='The class `isinstance` uses while the proxy is unresolved, or None.',
)
proxy_default_hash = property(
    _slots.default_hash,
    _slots.set_default_hash,
    lambda proxy: _slots.set_default_hash(proxy, None),
    doc='The hash `hash()` uses while the proxy is unresolved, or None.',
)
