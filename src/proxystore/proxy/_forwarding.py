"""The forwarding rule: how a proxy's special methods reach its target.

Every forwarded special method follows one rule: find the target (resolving
the proxy if needed), then do the operation on the target exactly as the
interpreter would on the bare object. The rule is written once, as the source
templates below; the class body of `Proxy` lists each operation as a one-line
`forward(...)` that says what the operation does to the target.

The methods are compiled from the templates rather than built from closures
so that each one is a single Python frame that reads the target straight from
its slot: no property, no helper call, no `*args` packing on the hot path.
Their globals are a namespace of their own, made of the names the caller
hands `compile_methods` and nothing else: the templates' names (below), and
those the class's `forward(...)` lines use. A global read costs what a read
of a module's global costs; a closure variable would cost more on every call
(a cell to copy into the frame, then to read). A name that the code reads
and the namespace lacks fails the compilation, naming it.

The templates read the names of `TEMPLATE_NAMES`, below them.

Two ways to find the target, one template each:

- `SLOT` reads the target slot and resolves an unresolved proxy: `Proxy`
  and most subclasses.
- `WRAPPED` reads `__proxy_wrapped__`: a subclass that overrides that
  property (to check something first, say) sees every operation go through
  it, as in proxystore. The read is `object.__getattribute__`'s, which finds
  the property as `self.__proxy_wrapped__` would, a frame sooner: the
  proxy's own attribute hook would only hand the name on to it.
"""

from __future__ import annotations

import builtins
import linecache
import symtable
import sys
from collections.abc import Callable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from proxystore.proxy import _audit
from proxystore.proxy import _slots
from proxystore.proxy._resolution import extract
from proxystore.proxy._slots import UNSET

__all__ = [
    'ATTRIBUTE_HOOKS',
    'SLOT',
    'TEMPLATE_NAMES',
    'WRAPPED',
    'compile_methods',
    'forward',
    'rules_of',
]

ATTRIBUTE_HOOKS = ('__getattribute__', '__setattr__', '__delattr__')
"""The forwarded methods that take an attribute's name: a subclass compiles
its own, which know its names."""

_compilations: dict[str, int] = {}
"""How many compilations each file name (less its counter) has named."""

# CPython 3.12+ compiles `super(C, obj).name` to a lookup done in C, with no
# call and no super object: the cheapest read of a slot past the proxy's own
# __getattribute__ and properties. Earlier versions would make a super object
# on every read, so there the methods call the slot's member descriptor.
_READ_SLOT = (
    'super(Proxy, self).__proxy_target__'
    if sys.version_info >= (3, 12)
    else '_read_target(self)'
)

SLOT = f"""\
def {{name}}(self, {{params}}):
{{own}}    try:
        target = {_READ_SLOT}
    except AttributeError:
        target = _UNSET
    if target is _UNSET:
{{unresolved}}        target = _extract(self)
    {{body}}
"""

WRAPPED = """\
def {name}(self, {params}):
{own}{unresolved}    target = _object_getattribute(self, '__proxy_wrapped__')
    {body}
"""

_WRAPPED_UNRESOLVED = """\
    if _peek(self) is _UNSET:
        {statement}
"""


TEMPLATE_NAMES: Mapping[str, Any] = {
    '_UNSET': UNSET,
    '_extract': extract,
    '_read_target': _slots.read_target,
    '_write_target': _slots.write_target,
    '_peek': _slots.peek,
    '_object_getattribute': object.__getattribute__,
    '_object_setattr': object.__setattr__,
}
"""The names the templates read, but `Proxy`: the class whose table they
make, which `super(Proxy, self)` reads the target's slot past on 3.12+
(`_read_target` on earlier versions)."""


class forward:
    """Declare a special method that does `operation` to the target.

    In the class body of `Proxy`, `__add__ = forward('target + other',
    'other, /')` is a placeholder that `compile_methods` (called by the
    metaclass) replaces with the compiled method.

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
        unresolved_when_wrapped: Whether `unresolved` runs in the methods
            that read the target through `__proxy_wrapped__` too. There it
            costs every call, resolved or not, a read of the slot: a rule
            whose unresolved answer is a convenience (a declared length)
            leaves those subclasses their property's answer instead.
        on_type_error: An expression to return instead when the operation
            raises `TypeError` (which `sys.exc_info()` gives, to re-raise):
            for the rare operation whose C callers need more than the
            operation. A `try` costs nothing until something is raised.
    """

    __slots__ = (
        'inplace',
        'on_type_error',
        'operation',
        'own',
        'params',
        'unresolved',
        'unresolved_when_wrapped',
    )

    def __init__(
        self,
        operation: str,
        params: str = '/',
        *,
        inplace: bool = False,
        own: str | None = None,
        unresolved: str | None = None,
        unresolved_when_wrapped: bool = True,
        on_type_error: str | None = None,
    ) -> None:
        self.operation = operation
        self.params = params
        self.inplace = inplace
        self.own = own
        self.unresolved = unresolved
        self.unresolved_when_wrapped = unresolved_when_wrapped
        self.on_type_error = on_type_error

    if TYPE_CHECKING:
        # What type checkers see is the method the placeholder becomes: it
        # takes anything and returns `Any`, so that every operation on a
        # proxy is accepted and typed `Any`.
        def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

    def source(self, name: str, template: str, is_own: str) -> str:
        """Return the source of the method called `name`.

        Args:
            name: The method's name.
            template: `SLOT` or `WRAPPED`.
            is_own: The condition, in terms of `name`, under which the
                attribute `name` is the proxy's own (for rules with `own`).
        """
        wrapped = template is WRAPPED
        if self.inplace:
            store = (
                "_object_setattr(self, '__proxy_wrapped__', target)"
                if wrapped
                else '_write_target(self, target)'
            )
            body = f'{self.operation}\n    {store}\n    return self'
        elif _is_expression(self.operation):
            body = f'return {self.operation}'
        else:
            body = self.operation
        if self.on_type_error is not None:
            # One line with `try:`, so that CPython 3.11 drops the `try`'s
            # NOP: the method then runs exactly the operation's instructions.
            body = (
                f'try: {body}\n    except TypeError:\n'
                f'        return {self.on_type_error}'
            )
        own = ''
        if self.own is not None:
            own = f'    if {is_own}:\n        return {self.own}\n'
        unresolved = ''
        if self.unresolved is not None:
            if not wrapped:
                unresolved = f'        {self.unresolved}\n'
            elif self.unresolved_when_wrapped:
                unresolved = _WRAPPED_UNRESOLVED.format(statement=self.unresolved)
        return template.format(
            name=name,
            params=self.params,
            own=own,
            unresolved=unresolved,
            body=body,
        )


def rules_of(namespace: Mapping[str, Any]) -> dict[str, forward]:
    """The `forward` placeholders of a class body, by name."""
    return {name: v for name, v in namespace.items() if isinstance(v, forward)}


def _is_expression(source: str) -> bool:
    try:
        compile(source, '<rule>', 'eval')
    except SyntaxError:
        return False
    return True


def compile_methods(
    rules: Mapping[str, forward],
    *,
    template: str,
    names: Mapping[str, Any],
    module: str,
    qualname: str,
    is_own: str = 'name in own',
    closure: Mapping[str, Any] | None = None,
) -> dict[str, Callable[..., Any]]:
    """Compile rules into methods.

    Args:
        rules: The rules, by method name.
        template: `SLOT` or `WRAPPED`.
        names: The methods' globals (builtins aside): the templates' names
            and those the operations use.
        module: The module of the class the methods are for.
        qualname: The qualified name of the class the methods are for.
        is_own: The condition under which an attribute name is the proxy's
            own, for the rules that take one.
        closure: Values the methods see as free variables (per class values,
            such as a subclass's own names).

    Returns:
        The methods, by name, each marked with `_proxy_generated = True`.

    Raises:
        NameError: If a method reads a global name that is neither in
            `names` nor a builtin.
    """
    closure = dict(closure or {})
    body = '\n'.join(
        rule.source(name, template, is_own) for name, rule in rules.items()
    )
    # As dataclasses does: an outer function whose parameters are the closure
    # values and whose inner functions are the methods.
    methods_names = list(rules)
    source = f'def __create_methods__({", ".join(closure)}):\n'
    source += ''.join(f'    {line}' if line else line for line in body.splitlines(True))
    returned = ', '.join(methods_names) + (',' if len(methods_names) == 1 else '')
    source += f'\n    return {returned}\n'
    kind = 'forwarding' if template is SLOT else 'forwarding through __proxy_wrapped__'
    filename = _new_filename(f'{module}.{qualname} {kind}')
    # Registered so that tracebacks and `inspect.getsource` show the code.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    _audit.FILENAMES.add(filename)
    namespace = {'__builtins__': builtins, '__name__': module, **names}
    _check_globals(source, filename, namespace, qualname)
    local: dict[str, Any] = {}
    exec(compile(source, filename, 'exec'), namespace, local)
    made = local['__create_methods__'](**closure)
    methods = dict(zip(methods_names, made, strict=True))
    for name, method in methods.items():
        method.__qualname__ = f'{qualname}.{name}'
        method.__module__ = module
        method._proxy_generated = True  # pyright: ignore[reportFunctionMemberAccess]
    return methods


def _new_filename(base: str) -> str:
    """A file name no compilation has used: `<base>`, then `<base> #2`..."""
    count = _compilations[base] = _compilations.get(base, 0) + 1
    return f'<{base}>' if count == 1 else f'<{base} #{count}>'


def _check_globals(
    source: str, filename: str, namespace: Mapping[str, Any], qualname: str
) -> None:
    # The compiler's own account of the names each method reads as globals,
    # at the cost of a second parse (scanning the bytecode costs more). Every
    # scope below the module's is looked at: the methods, the function around
    # them, and what they nest (annotation scopes from 3.14, comprehensions
    # before 3.12).
    scopes = symtable.symtable(source, filename, 'exec').get_children()
    for scope in scopes:
        scopes += scope.get_children()
        missing = sorted(
            name
            for symbol in scope.get_symbols()
            if symbol.is_global()
            and (name := symbol.get_name()) not in namespace
            and name not in vars(builtins)
            # Counted wherever `super` is named, for its zero-argument form;
            # the methods name their class instead, and never read it.
            and name != '__class__'
        )
        if missing:
            raise NameError(
                f'Forwarded method {qualname}.{scope.get_name()} reads '
                f'{", ".join(missing)}, which is neither among the names given '
                'to compile it nor a builtin.'
            )
