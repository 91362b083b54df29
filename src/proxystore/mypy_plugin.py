"""A mypy plugin that types attribute access on a proxy as on its target.

At runtime a [`Proxy[T]`][proxystore.proxy.Proxy] forwards every attribute it
does not own to its target, so `proxy.name` is `target.name`. Without help,
mypy only sees the proxy's `__getattribute__` and types every such attribute
as `Any`. With this plugin, mypy looks the attribute up on `T` instead: the
result has the type it has on `T` (methods keep their signatures), and an
attribute that `T` lacks is an error.

Enable it in the mypy configuration:

```toml
[tool.mypy]
plugins = ['proxystore.mypy_plugin']
```

Where the target type gives no answer (an `Any` target, an unbounded type
variable, or a lookup the plugin cannot do), the attribute stays `Any`, as
without the plugin. The plugin needs mypy (`pip install
'proxystore-proxy[mypy]'`); `proxystore` itself never imports it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from mypy.checkmember import analyze_member_access
from mypy.errorcodes import ATTR_DEFINED
from mypy.errorcodes import UNION_ATTR
from mypy.maptype import map_instance_to_supertype
from mypy.messages import format_type
from mypy.plugin import AttributeContext
from mypy.plugin import Plugin
from mypy.typeops import make_simplified_union
from mypy.types import AnyType
from mypy.types import Instance
from mypy.types import ProperType
from mypy.types import Type
from mypy.types import TypeOfAny
from mypy.types import TypeType
from mypy.types import TypeVarType
from mypy.types import UninhabitedType
from mypy.types import UnionType
from mypy.types import get_proper_type
from mypy.version import __version__ as mypy_version

__all__ = ['ProxyPlugin', 'plugin']

PROXY_FULLNAME = 'proxystore.proxy.Proxy'
"""Where mypy finds `Proxy`: the module that defines it."""

_OWN_NAMES = frozenset({'__copy__', '__deepcopy__', '__orig_class__'})
"""Names a proxy keeps for itself without declaring them, besides the
`__proxy_*__` attributes: they are never forwarded to the target."""


def _version(version: str) -> tuple[int, int]:
    """The major and minor numbers of a mypy version string."""
    match = re.match(r'(\d+)\.(\d+)', version)
    return (int(match[1]), int(match[2])) if match else (0, 0)


# Before mypy 1.16, analyze_member_access() takes the message builder as an
# argument; later versions refuse it.
_PASS_MESSAGE_BUILDER = _version(mypy_version) < (1, 16)

_MISSING = frozenset({ATTR_DEFINED, UNION_ATTR})
"""The error codes of a missing attribute."""


class ProxyPlugin(Plugin):
    """The plugin: forwards attribute lookups on `Proxy[T]` to `T`.

    mypy calls `get_attribute_hook` for every attribute that it resolves
    through `Proxy.__getattribute__`; the hook it returns computes the type
    of the same attribute on the proxy's target type.
    """

    def get_attribute_hook(
        self,
        fullname: str,
    ) -> Callable[[AttributeContext], Type] | None:
        """Return the hook for an attribute of `Proxy`, if it is forwarded.

        Args:
            fullname: The attribute's full name, `<class fullname>.<name>`.

        Returns:
            A hook that types the attribute as the target's, or `None` for
            attributes of other classes and the proxy's own attributes.
        """
        if fullname == 'builtins.object.__class__':
            return _forwarded_class
        owner, _, name = fullname.rpartition('.')
        if owner != PROXY_FULLNAME or name.startswith('__proxy_') or name in _OWN_NAMES:
            return None
        return functools.partial(_forwarded_attribute, name=name)


def plugin(version: str) -> type[ProxyPlugin]:
    """Return the plugin class; the entry point mypy calls.

    Args:
        version: The version of mypy that loads the plugin.

    Returns:
        [`ProxyPlugin`][proxystore.mypy_plugin.ProxyPlugin].
    """
    return ProxyPlugin


def _forwarded_attribute(ctx: AttributeContext, *, name: str) -> Type:
    """Type `proxy.<name>` as `<name>` on the target type of the proxy."""
    base = get_proper_type(ctx.type)
    proxies = _proxies(base)
    if not proxies:  # pragma: no cover - mypy asks only about proxies
        return ctx.default_attr_type
    if any(name in proxy.type.names for proxy in proxies):
        # Declared by Proxy itself (the forwarded special methods): keep the
        # declared type.
        return ctx.default_attr_type
    results = [_target_attribute(ctx, name, proxy, union=base) for proxy in proxies]
    return make_simplified_union(results)


def _forwarded_class(ctx: AttributeContext) -> Type:
    """Type `value.__class__`: for a proxy, the target's class."""
    # mypy asks about every object's __class__. The type it found, the class
    # of one object (or of one item of a union), tells which object it is.
    default = get_proper_type(ctx.default_attr_type)
    item = get_proper_type(default.item) if isinstance(default, TypeType) else None
    proxies = [] if item is None else _proxies(item)
    if not proxies:
        return ctx.default_attr_type
    base = get_proper_type(ctx.type)
    results = [_target_attribute(ctx, '__class__', p, union=base) for p in proxies]
    return make_simplified_union(results)


def _proxies(typ: ProperType) -> list[Instance]:
    """The proxies in `typ` (itself, its union items or its bound) as `Proxy`."""
    if isinstance(typ, TypeVarType):
        return _proxies(get_proper_type(typ.upper_bound))
    if isinstance(typ, UnionType):
        return [
            proxy
            for item in typ.relevant_items()
            for proxy in _proxies(get_proper_type(item))
        ]
    if isinstance(typ, Instance):
        for base in typ.type.mro:
            if base.fullname == PROXY_FULLNAME:
                return [map_instance_to_supertype(typ, base)]
    return []


def _target_attribute(
    ctx: AttributeContext,
    name: str,
    proxy: Instance,
    *,
    union: ProperType,
) -> Type:
    """The type of attribute `name` of the target of `proxy`."""
    fallback = AnyType(TypeOfAny.special_form)
    target = get_proper_type(proxy.args[0])
    if isinstance(target, (AnyType, UninhabitedType)):
        return fallback
    if isinstance(target, TypeVarType):
        bound = get_proper_type(target.upper_bound)
        if isinstance(bound, Instance) and bound.type.fullname == 'builtins.object':
            # Unbounded: nothing is known of the target's attributes.
            return fallback
    try:
        if not isinstance(union, UnionType):
            return _member(ctx, name, target)
        # mypy reports each item of a union that lacks the attribute: do the
        # same, naming the proxy item rather than its target.
        with ctx.api.msg.filter_errors(save_filtered_errors=True) as watcher:
            result = _member(ctx, name, target)
        missing = [e for e in watcher.filtered_errors() if e.code in _MISSING]
        others = [e for e in watcher.filtered_errors() if e.code not in _MISSING]
        if missing:
            ctx.api.fail(
                f'Item {format_type(proxy, ctx.api.options)} of '
                f'{format_type(union, ctx.api.options)} has no attribute "{name}"',
                ctx.context,
                code=UNION_ATTR,
            )
        ctx.api.msg.add_errors(others)
        return result
    except Exception:  # never crash mypy: fall back to Any
        return fallback


def _member(ctx: AttributeContext, name: str, target: ProperType) -> Type:
    """Look `name` up on `target` as mypy does for `target.<name>`."""
    options: dict[str, Any] = {
        'is_lvalue': False,
        'is_super': False,
        'is_operator': False,
        'original_type': target,
        'self_type': target,
        'chk': ctx.api,
    }
    if _PASS_MESSAGE_BUILDER:  # pragma: no cover - depends on mypy's version
        options['msg'] = ctx.api.msg
    return analyze_member_access(name, target, ctx.context, **options)
