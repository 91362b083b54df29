"""The metaclass of `Proxy`: its forwarding table, and subclasses' own names.

`compile_forwarding` compiles the `forward(...)` placeholders of `Proxy`'s
class body into methods, once the names they use exist; `Proxy` is then the
one root that every proxy class derives from. For every subclass the
metaclass keeps what the subclass defines the proxy's own:

- Its names (methods, properties, slots, class attributes; those added or
  deleted later included) are read, set and deleted on the proxy, never
  forwarded. The subclass gets attribute hooks that know its names, compiled
  from `Proxy`'s rules with the names as a free variable. They are compiled
  anew only when the set of names changes (a name added or deleted, on the
  class or a base), not when a class attribute is assigned a new value.
- A subclass that overrides `__proxy_wrapped__` gets every forwarded method
  compiled anew to read the target through that property, so that it sees
  (and may refuse) every operation, as in proxystore. Other classes keep
  reading the slot.
- A subclass that defines `__getattr__` may delegate with
  `super().__getattr__(name)`. `Proxy` itself cannot define `__getattr__`:
  CPython would call it after every failed lookup (forwarding twice) and
  stops specialising attribute reads on classes that have one. So the
  forwarding `__getattr__` lives in a class of its own (the root's
  `fallback`), which `ProxyType.mro` places after `Proxy` in the MRO of such
  subclasses only.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from proxystore.proxy._forwarding import ATTRIBUTE_HOOKS
from proxystore.proxy._forwarding import SLOT
from proxystore.proxy._forwarding import TEMPLATE_NAMES
from proxystore.proxy._forwarding import WRAPPED
from proxystore.proxy._forwarding import compile_methods
from proxystore.proxy._forwarding import forward
from proxystore.proxy._forwarding import rules_of

__all__ = ['ProxyType', 'compile_forwarding']

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

_object_getattribute = object.__getattribute__


class _Root:
    """`Proxy`, with its compiled forwarding table: what subclasses build on.

    Args:
        cls: The class whose body declares the table.
        names: The names the table's operations use.
        own: The names that stay the proxy's own.
    """

    def __init__(
        self, cls: type, names: Mapping[str, Any], own: frozenset[str]
    ) -> None:
        self.cls = cls
        self.rules = rules_of(vars(cls))
        if not self.rules:
            raise TypeError(f'{cls.__qualname__} declares no forward(...) operation.')
        self.own = own
        self.names = _names_for(cls, names)
        self._wrapped: dict[str, Callable[..., Any]] | None = None
        # Proxy's own names are a global of its hooks, as cheap to read as any.
        methods = self._compile(self.rules, SLOT, cls.__qualname__, names={'own': own})
        for name, method in methods.items():
            type.__setattr__(cls, name, method)
        (fallback,) = self._compile(
            {'__getattr__': self._without_own('__getattribute__')},
            WRAPPED,
            '_GetattrFallback',
        ).values()
        self.fallback: type = type(
            '_GetattrFallback',
            (),
            {
                '__slots__': (),
                '__module__': __name__,
                '__doc__': 'What `super().__getattr__(name)` reaches: forwarding.',
                '__getattr__': fallback,
            },
        )

    def _compile(
        self,
        rules: Mapping[str, forward],
        template: str,
        qualname: str,
        names: Mapping[str, Any] | None = None,
    ) -> dict[str, Callable[..., Any]]:
        return compile_methods(
            rules,
            template=template,
            names={**self.names, **(names or {})},
            module=self.cls.__module__,
            qualname=qualname,
        )

    def _without_own(self, name: str) -> forward:
        rule = self.rules[name]
        return forward(rule.operation, rule.params, unresolved=rule.unresolved)

    def wrapped_methods(self) -> dict[str, Callable[..., Any]]:
        """Every forwarded method, reading the target via `__proxy_wrapped__`.

        The attribute hooks are left out: each subclass gets its own.
        """
        if self._wrapped is None:
            rules = {k: v for k, v in self.rules.items() if k not in ATTRIBUTE_HOOKS}
            self._wrapped = self._compile(
                rules, WRAPPED, f'{self.cls.__qualname__}[wrapped]'
            )
        return self._wrapped

    def hooks(
        self,
        cls: type,
        own: frozenset[str],
        *,
        wrapped: bool,
        has_dict: bool,
    ) -> dict[str, Callable[..., Any]]:
        """The attribute hooks of subclass `cls`, whose own names are `own`."""
        is_own = 'name in own'
        if has_dict:
            is_own += " or name in _object_getattribute(self, '__dict__')"
        return compile_methods(
            {name: self.rules[name] for name in ATTRIBUTE_HOOKS},
            template=WRAPPED if wrapped else SLOT,
            names=self.names,
            module=cls.__module__,
            qualname=cls.__qualname__,
            is_own=is_own,
            closure={'own': own},
        )


def _names_for(root: type, names: Mapping[str, Any]) -> dict[str, Any]:
    """The templates' names (see `_forwarding`), with the operations' `names`."""
    template = {**TEMPLATE_NAMES, 'Proxy': root}
    clashes = sorted(
        name for name, value in names.items() if template.get(name, value) is not value
    )
    if clashes:
        raise ValueError(
            f'Names the forwarding templates use are given other values: '
            f'{", ".join(clashes)}.'
        )
    return {**template, **names}


_root: _Root | None = None
"""`Proxy`, once `compile_forwarding` has compiled its table."""

_own_names: weakref.WeakKeyDictionary[type, frozenset[str]] = (
    weakref.WeakKeyDictionary()
)
"""The names each subclass (with its bases) defines, as its hooks know them."""


def compile_forwarding(
    cls: type, *, names: Mapping[str, Any], own: frozenset[str]
) -> None:
    """Compile the forwarding table of `cls` (that is, `Proxy`): the root.

    Args:
        cls: The class whose body declares the table.
        names: The names the `forward(...)` lines use, by the name they use.
        own: The names that stay the proxy's own (a subclass adds its names).

    Raises:
        RuntimeError: If a table was compiled already: there is one root.
        TypeError: If `cls` declares no `forward(...)` operation.
        ValueError: If `names` gives one of the templates' names another value.
        NameError: If an operation reads a name that `names` lacks.
    """
    global _root
    if _root is not None:
        raise RuntimeError(
            f'The forwarding table is compiled already, for {_root.cls.__qualname__}: '
            f'there is one, which {cls.__qualname__} may subclass.'
        )
    _root = _Root(cls, names, own)


def _below(cls: type, root: _Root) -> tuple[type, ...]:
    """The classes of `cls`'s MRO before the root (`cls` first)."""
    mro = cls.__mro__
    return mro[: mro.index(root.cls)] if root.cls in mro else ()


def _is_generated(value: object) -> bool:
    return getattr(value, '_proxy_generated', False) is True


def _defined_below(cls: type, root: _Root, name: str) -> bool:
    """Whether a class between `cls` and the root defines `name` itself."""
    for klass in _below(cls, root):
        value = vars(klass).get(name, _MISSING)
        if value is not _MISSING and not _is_generated(value):
            return True
    return False


_MISSING = object()


class ProxyType(type):
    """The metaclass of `Proxy` and its subclasses.

    It keeps the names each subclass defines the proxy's own, also when class
    attributes are added or deleted after instances exist.
    """

    def __init__(
        cls,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(name, bases, namespace, **kwargs)
        if _root is None:  # Proxy itself, its table compiled later
            return
        if rules_of(namespace):
            raise TypeError(
                f'{cls.__qualname__} declares forward(...) operations: only '
                f'{_root.cls.__qualname__} declares the forwarding table.'
            )
        if _root.cls in cls.__mro__:
            _refresh(cls)

    def mro(cls) -> list[type]:
        """The MRO, with the `__getattr__` fallback after the root if needed."""
        order = super().mro()
        root = _root
        if root is None or root.cls not in order[1:] or root.fallback in order:
            return order
        below = order[: order.index(root.cls)]
        if any(
            '__getattr__' in vars(k) and not _is_generated(vars(k)['__getattr__'])
            for k in below
        ):
            order.insert(order.index(root.cls) + 1, root.fallback)
        return order

    def __setattr__(cls, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        _refresh_family(cls, name)

    def __delattr__(cls, name: str) -> None:
        super().__delattr__(name)
        _refresh_family(cls, name)


def _refresh_family(cls: type, name: str) -> None:
    root = _root
    if root is None or cls is root.cls or name in _CLASS_METADATA:
        return
    if not _below(cls, root):
        return
    if name == '__getattr__' and (root.fallback in cls.__mro__) != _defined_below(
        cls, root, '__getattr__'
    ):
        # The fallback must come or go: assigning __bases__ is what makes
        # CPython compute the MRO of the class (and its subclasses) again.
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
    """Bring the hooks of subclass `cls` up to date, if its names changed."""
    root = _root
    assert root is not None
    names = frozenset(
        name
        for klass in _below(cls, root)
        for name, value in vars(klass).items()
        if name not in _CLASS_METADATA and not _is_generated(value)
    )
    known = _own_names.get(cls)
    if known is not None and known == names | root.own:
        return  # a value changed, not the names: the hooks stand
    wrapped = _defined_below(cls, root, '__proxy_wrapped__')
    has_dict = cls.__dictoffset__ != 0
    if not (names or has_dict):
        # Nothing of its own (yet): the class behaves as the root does.
        _own_names[cls] = root.own
        for name, value in list(vars(cls).items()):
            if _is_generated(value):
                type.__delattr__(cls, name)
        return
    own = _own_names[cls] = names | root.own

    for name, method in root.wrapped_methods().items():
        current = vars(cls).get(name, _MISSING)
        if wrapped and not _defined_below(cls, root, name):
            type.__setattr__(cls, name, method)
        elif current is not _MISSING and _is_generated(current) and not wrapped:
            type.__delattr__(cls, name)

    hooks = root.hooks(cls, own, wrapped=wrapped, has_dict=has_dict)
    if _defined_below(cls, root, '__getattr__'):
        hooks['__getattribute__'] = _getattr_hook(cls, root, own, has_dict=has_dict)
    for name, hook in hooks.items():
        if not _defined_below(cls, root, name):
            type.__setattr__(cls, name, hook)


def _getattr_hook(
    cls: type, root: _Root, own: frozenset[str], *, has_dict: bool
) -> Callable[..., Any]:
    """`__getattribute__` for a subclass that defines `__getattr__`.

    The proxy's own names are read as usual, and `__class__` answers as on
    any proxy; every other name fails here, so that CPython calls the
    subclass's `__getattr__`, as proxystore does.
    """
    fallback: Callable[..., Any] = vars(root.fallback)['__getattr__']

    def __getattribute__(self: Any, name: str, /) -> Any:
        if name in own or (has_dict and name in _object_getattribute(self, '__dict__')):
            return _object_getattribute(self, name)
        if name == '__class__':
            return fallback(self, name)
        raise AttributeError(name)

    __getattribute__.__qualname__ = f'{cls.__qualname__}.__getattribute__'
    __getattribute__._proxy_generated = True  # type: ignore[attr-defined]
    return __getattribute__
