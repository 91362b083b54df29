"""The forwarding rule: how a proxy's special methods reach its target.

Every forwarded special method follows one rule: find the target (resolving
the proxy if needed), then do the operation on the target exactly as the
interpreter would on the bare object. The rule is written once, as the source
template below; the class body of `Proxy` lists each operation as a one-line
`forward(...)` that says what the operation does to the target.

The methods are compiled from the template rather than built from closures so
that each one is a single Python frame that reads the target straight from its
slot: no property, no helper call, no `*args` packing on the hot path.
"""

from __future__ import annotations

import linecache
import sys
from collections.abc import Callable
from typing import Any

__all__ = ['forward', 'install', 'lookup_special']

_TEMPLATE = """\
def {name}(self, {params}):
{own}    try:
        target = {read}
    except AttributeError:
        target = _UNSET
    if target is _UNSET:
{unresolved}        target = _resolve(self)
    {body}
"""


class _Rule:
    """A forwarded special method, to be compiled by `install`.

    Attributes:
        operation: Python source, in terms of `target` and the parameters: an
            expression whose value the method returns, or a statement.
        params: The method's parameters after `self`.
        inplace: The operation rebinds `target` (an augmented assignment);
            the method stores the new target and returns the proxy.
        own: What the method does instead when the attribute `name` is one
            of the proxy's own (`_OWN_NAMES`), if it takes such a name.
        unresolved: A statement run first when the proxy is unresolved (it
            may return instead of resolving), if any.
    """

    __slots__ = ('inplace', 'operation', 'own', 'params', 'unresolved')

    def __init__(
        self,
        operation: str,
        params: str = '/',
        *,
        inplace: bool = False,
        own: str | None = None,
        unresolved: str | None = None,
    ) -> None:
        self.operation = operation
        self.params = params
        self.inplace = inplace
        self.own = own
        self.unresolved = unresolved

    def source(self, name: str, read: str) -> str:
        """Return the source of the method called `name`.

        Args:
            name: The method's name.
            read: The expression that reads the target slot of `self`.
        """
        if self.inplace:
            body = f'{self.operation}\n    _set_target(self, target)\n    return self'
        elif _is_expression(self.operation):
            body = f'return {self.operation}'
        else:
            body = self.operation
        own = ''
        if self.own is not None:
            own = f'    if name in _OWN_NAMES:\n        return {self.own}\n'
        unresolved = ''
        if self.unresolved is not None:
            unresolved = f'        {self.unresolved}\n'
        return _TEMPLATE.format(
            name=name,
            params=self.params,
            own=own,
            read=read,
            unresolved=unresolved,
            body=body,
        )


def forward(
    operation: str,
    params: str = '/',
    *,
    inplace: bool = False,
    own: str | None = None,
    unresolved: str | None = None,
) -> Callable[..., Any]:
    """Declare a special method that does `operation` to the target.

    Args:
        operation: Python source, in terms of `target` and the parameters: an
            expression whose value the method returns, or a statement.
        params: The method's parameters after `self`.
        inplace: The operation rebinds `target` (an augmented assignment);
            the method stores the new target and returns the proxy.
        own: For methods that take an attribute `name`: what they do instead
            when `name` is one of the proxy's own.
        unresolved: A statement to run first when the proxy is unresolved,
            for methods that can answer (and return) without resolving it.

    Returns:
        A placeholder that `install` replaces with the compiled method (typed
        as a callable that takes and returns anything, so that type checkers
        accept every operation on a proxy and type its result as `Any`).
    """
    rule: Any = _Rule(
        operation, params, inplace=inplace, own=own, unresolved=unresolved
    )
    return rule  # type: ignore[no-any-return]


def _is_expression(source: str) -> bool:
    try:
        compile(source, '<rule>', 'eval')
    except SyntaxError:
        return False
    return True


def install(cls: type, namespace: dict[str, Any], read: str) -> None:
    """Compile every `forward` declared in `cls` into a method of `cls`.

    Args:
        cls: The class whose `forward` placeholders are replaced.
        namespace: The globals the methods run in: `_set_target`, `_resolve`,
            `_UNSET`, whatever `read` and the operations name.
        read: The expression that reads the target slot of `self` (it raises
            `AttributeError` if the slot is empty).
    """
    rules = {k: v for k, v in vars(cls).items() if isinstance(v, _Rule)}
    source = '\n'.join(rule.source(name, read) for name, rule in rules.items())
    filename = f'<{cls.__module__}.{cls.__qualname__} forwarding>'
    # Registered so that tracebacks through a forwarded method show its line.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, 'exec')
    methods: dict[str, Any] = {}
    exec(code, namespace, methods)
    for name, method in methods.items():
        method.__qualname__ = f'{cls.__qualname__}.{name}'
        method.__module__ = cls.__module__
        setattr(cls, name, method)


def lookup_special(obj: object, name: str, protocol: str) -> Any:
    """Look up a special method on the type of `obj`, as the interpreter does.

    Instance attributes are ignored, and a missing method raises the error the
    interpreter raises for the statement that needs it.

    Args:
        obj: The object whose method is wanted.
        name: The special method's name, e.g. `'__enter__'`.
        protocol: The protocol's name for the error, e.g. `'context manager'`.

    Returns:
        The method, bound to `obj`.
    """
    cls = type(obj)
    for klass in cls.__mro__:
        if name in klass.__dict__:
            attribute = klass.__dict__[name]
            get = getattr(type(attribute), '__get__', None)  # pyright: ignore[reportUnknownArgumentType]
            return attribute if get is None else get(attribute, obj, cls)
    if sys.version_info < (3, 11):
        raise AttributeError(name)
    raise TypeError(
        f"'{cls.__qualname__}' object does not support the {protocol} protocol",
    )
