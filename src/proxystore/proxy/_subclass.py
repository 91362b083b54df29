"""The metaclass of `Proxy`: its forwarding table, and subclasses' own names.

`ProxyType` compiles the `forward(...)` placeholders of `Proxy`'s class body
into methods when the class is created. For every subclass it then keeps
what the subclass defines the proxy's own:

- Its names (methods, properties, slots, class attributes; those added or
  deleted later included) are read, set and deleted on the proxy, never
  forwarded. The subclass gets attribute hooks that know its names, compiled
  from `Proxy`'s rules with the names as a free variable, and the metaclass
  updates the names whenever the class or a base changes.
- A subclass that overrides `__proxy_wrapped__` gets every forwarded method
  compiled anew to read the target through that property, so that it sees
  (and may refuse) every operation, as in proxystore. Other classes keep
  reading the slot.
- A subclass that defines `__getattr__` may delegate with
  `super().__getattr__(name)`. `Proxy` itself cannot define `__getattr__`:
  CPython would call it after every failed lookup (forwarding twice) and
  stops specialising attribute reads on classes that have one. So the
  forwarding `__getattr__` lives in `_GetattrFallback`, which `ProxyType.mro`
  places after `Proxy` in the MRO of such subclasses only.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable
from typing import Any

from proxystore.proxy._forwarding import SLOT
from proxystore.proxy._forwarding import WRAPPED
from proxystore.proxy._forwarding import Rule
from proxystore.proxy._forwarding import compile_methods
from proxystore.proxy._forwarding import rules_of

__all__ = ['ProxyType']

_CLASS_METADATA = frozenset(
    {
        '__module__',
        '__qualname__',
        '__doc__',
        '__dict__',
        '__weakref__',
        '__slots__',
        '__annotations__',
        '__orig_bases__',
        '__parameters__',
        '__firstlineno__',
        '__static_attributes__',
        '__classcell__',
        '__type_params__',
        '__annotate__',
        '__annotate_func__',
        '__annotations_cache__',
    }
)
"""Names every class body defines: on instances they stay the target's."""

_ATTRIBUTE_HOOKS = ('__getattribute__', '__setattr__', '__delattr__')

_object_getattribute = object.__getattribute__


class _GetattrFallback:
    """What `super().__getattr__(name)` reaches in a subclass: forwarding."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - replaced
        raise AttributeError(name)  # by the method _Root.install compiles


class _Root:
    """A class whose body declares a forwarding table (that is, `Proxy`)."""

    def __init__(self, cls: type, rules: dict[str, Rule]) -> None:
        self.cls = cls
        self.rules = rules
        self.namespace: dict[str, Any] = vars(sys.modules[cls.__module__])
        self.own: frozenset[str] = self.namespace['_OWN_NAMES']
        self._wrapped: dict[str, Callable[..., Any]] | None = None

    def install(self) -> None:
        methods = compile_methods(
            self.rules,
            template=SLOT,
            namespace=self.namespace,
            qualname=self.cls.__qualname__,
        )
        for name, method in methods.items():
            type.__setattr__(self.cls, name, method)
        (fallback,) = compile_methods(
            {'__getattr__': self._without_own('__getattribute__')},
            template=WRAPPED,
            namespace=self.namespace,
            qualname=_GetattrFallback.__qualname__,
        ).values()
        type.__setattr__(_GetattrFallback, '__getattr__', fallback)

    def _without_own(self, name: str) -> Rule:
        rule = self.rules[name]
        return Rule(rule.operation, rule.params, unresolved=rule.unresolved)

    def wrapped_methods(self) -> dict[str, Callable[..., Any]]:
        """Every forwarded method, reading the target via `__proxy_wrapped__`.

        The attribute hooks are left out: each subclass gets its own.
        """
        if self._wrapped is None:
            rules = {k: v for k, v in self.rules.items() if k not in _ATTRIBUTE_HOOKS}
            self._wrapped = compile_methods(
                rules,
                template=WRAPPED,
                namespace=self.namespace,
                qualname=f'{self.cls.__qualname__}[wrapped]',
            )
        return self._wrapped

    def hooks(
        self,
        cls: type,
        own: set[str],
        *,
        wrapped: bool,
        has_dict: bool,
    ) -> dict[str, Callable[..., Any]]:
        """The attribute hooks of subclass `cls`, whose own names are `own`."""
        is_own = 'name in own'
        if has_dict:
            is_own += " or name in _object_getattribute(self, '__dict__')"
        return compile_methods(
            {name: self.rules[name] for name in _ATTRIBUTE_HOOKS},
            template=WRAPPED if wrapped else SLOT,
            namespace=self.namespace,
            qualname=cls.__qualname__,
            is_own=is_own,
            closure={'own': own},
        )


_roots: dict[type, _Root] = {}
_own_names: weakref.WeakKeyDictionary[type, set[str]] = weakref.WeakKeyDictionary()


def _root_of(mro: tuple[type, ...] | list[type]) -> _Root | None:
    for klass in mro:
        root = _roots.get(klass)
        if root is not None:
            return root
    return None


def _is_generated(value: object) -> bool:
    return getattr(value, '_proxy_generated', False) is True


def _defined_below(cls: type, root: _Root, name: str) -> bool:
    """Whether a class between `cls` and the root defines `name` itself."""
    for klass in cls.__mro__:
        if klass is root.cls:
            return False
        value = vars(klass).get(name, _MISSING)
        if value is not _MISSING and not _is_generated(value):
            return True
    return False


_MISSING = object()


class ProxyType(type):
    """The metaclass of `Proxy` and its subclasses.

    It compiles the forwarding table of `Proxy` and keeps the names each
    subclass defines the proxy's own, also when class attributes are added
    or deleted after instances exist.
    """

    def __init__(
        cls,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(name, bases, namespace, **kwargs)
        rules = rules_of(namespace)
        if rules:
            root = _roots[cls] = _Root(cls, rules)
            root.install()
        elif _root_of(cls.__mro__) is not None:
            _refresh(cls)

    def mro(cls) -> list[type]:
        """The MRO, with the `__getattr__` fallback after the root if needed."""
        order = super().mro()
        root = _root_of(order[1:])
        if root is None or _GetattrFallback in order:
            return order
        below = order[: order.index(root.cls)]
        if any(
            '__getattr__' in vars(k) and not _is_generated(vars(k)['__getattr__'])
            for k in below
        ):
            order.insert(order.index(root.cls) + 1, _GetattrFallback)
        return order

    def __setattr__(cls, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        _refresh_family(cls, name)

    def __delattr__(cls, name: str) -> None:
        super().__delattr__(name)
        _refresh_family(cls, name)


def _refresh_family(cls: type, name: str) -> None:
    root = _root_of(cls.__mro__)
    if root is None or cls is root.cls or name in _CLASS_METADATA:
        return
    if name == '__getattr__':
        # Recompute the MRO (with or without the fallback) of the family.
        type.__setattr__(cls, '__bases__', cls.__bases__)
    for klass in _family(cls):
        _refresh(klass)


def _family(cls: type) -> list[type]:
    found: list[type] = [cls]
    for klass in found:
        subclasses: list[type] = type.__subclasses__(klass)
        found += [k for k in subclasses if k not in found]
    return found


def _refresh(cls: type) -> None:
    """Bring the hooks and own names of subclass `cls` up to date."""
    root = _root_of(cls.__mro__)
    assert root is not None
    below = cls.__mro__[: cls.__mro__.index(root.cls)]
    names = {
        name
        for klass in below
        if klass is not _GetattrFallback
        for name, value in vars(klass).items()
        if name not in _CLASS_METADATA and not _is_generated(value)
    }
    wrapped = _defined_below(cls, root, '__proxy_wrapped__')
    has_dict = cls.__dictoffset__ != 0
    if not (names or has_dict):
        # Nothing of its own (yet): the class behaves as the root does.
        for name, value in list(vars(cls).items()):
            if _is_generated(value):
                type.__delattr__(cls, name)
        return
    own = _own_names.get(cls)
    if own is None:
        own = _own_names[cls] = set()
    own.clear()
    own.update(names, root.own)

    for name, method in root.wrapped_methods().items():
        current = vars(cls).get(name, _MISSING)
        if wrapped and not _defined_below(cls, root, name):
            type.__setattr__(cls, name, method)
        elif current is not _MISSING and _is_generated(current) and not wrapped:
            type.__delattr__(cls, name)

    hooks = root.hooks(cls, own, wrapped=wrapped, has_dict=has_dict)
    if _defined_below(cls, root, '__getattr__'):
        hooks['__getattribute__'] = _getattr_hook(cls, own, has_dict=has_dict)
    for name, hook in hooks.items():
        if not _defined_below(cls, root, name):
            type.__setattr__(cls, name, hook)


def _getattr_hook(cls: type, own: set[str], *, has_dict: bool) -> Callable[..., Any]:
    """`__getattribute__` for a subclass that defines `__getattr__`.

    The proxy's own names are read as usual, and `__class__` answers as on
    any proxy; every other name fails here, so that CPython calls the
    subclass's `__getattr__`, as proxystore does.
    """
    fallback = _GetattrFallback.__getattr__

    def __getattribute__(self: Any, name: str, /) -> Any:
        if name in own or (has_dict and name in _object_getattribute(self, '__dict__')):
            return _object_getattribute(self, name)
        if name == '__class__':
            return fallback(self, name)
        raise AttributeError(name)

    __getattribute__.__qualname__ = f'{cls.__qualname__}.__getattribute__'
    __getattribute__._proxy_generated = True  # type: ignore[attr-defined]
    return __getattribute__
