"""`proxy_property`: a property with a value of its own on the class.

proxystore 1.1.0 ships this private helper as `proxystore.proxy._property`;
code written against it keeps working. This package's `Proxy` does not use
it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import Generic
from typing import TypeVar
from typing import overload

T = TypeVar('T')

__all__ = ['ProxyProperty', 'proxy_property']


class ProxyProperty(Generic[T]):
    """A property that, read on the class, gives `default` instead of itself.

    Args:
        fget: The getter.
        fset: The setter, if any.
        fdel: The deleter, if any.
        default: What reading the attribute on the class gives; with `None`,
            reading it on the class raises `AttributeError`.
        doc: The docstring (the getter's by default).
    """

    def __init__(
        self,
        fget: Callable[[Any], T],
        fset: Callable[[Any, T], None] | None = None,
        fdel: Callable[[Any], None] | None = None,
        default: T | None = None,
        doc: str | None = None,
    ) -> None:
        self.fget = fget
        self.fset = fset
        self.fdel = fdel
        self.default = default
        self.__doc__ = fget.__doc__ if doc is None else doc
        self.name = fget.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is not None:
            return self.fget(instance)
        if self.default is None:
            owner_name = '?' if owner is None else owner.__name__
            raise AttributeError(
                f'property {self.name!r} of {owner_name!r} has no default value',
            )
        return self.default

    def __set__(self, instance: Any, value: T) -> None:
        if self.fset is None:
            raise AttributeError(
                f'property {self.name!r} of {type(instance).__name__!r} object '
                'has no setter',
            )
        self.fset(instance, value)

    def __delete__(self, instance: Any) -> None:
        if self.fdel is None:
            raise AttributeError(
                f'property {self.name!r} of {type(instance).__name__!r} object '
                'has no deleter',
            )
        self.fdel(instance)

    # As in proxystore, setter() and deleter() also change the property they
    # are called on: the decorated function may be given another name
    # (`@bar.setter def _set_bar`), and `bar` must still gain the setter.

    def setter(self, fset: Callable[[Any, T], None]) -> ProxyProperty[T]:
        """Add the setter `fset`; return a copy of the property."""
        self.fset = fset
        return self._copy()

    def deleter(self, fdel: Callable[[Any], None]) -> ProxyProperty[T]:
        """Add the deleter `fdel`; return a copy of the property."""
        self.fdel = fdel
        return self._copy()

    def _copy(self) -> ProxyProperty[T]:
        copy = type(self)(self.fget, self.fset, self.fdel, self.default, self.__doc__)
        copy.name = self.name
        return copy


@overload
def proxy_property(
    fget: Callable[[Any], T],
    *,
    default: T | None = None,
) -> ProxyProperty[T]: ...


@overload
def proxy_property(
    fget: None = None,
    *,
    default: T | None = None,
) -> Callable[[Callable[[Any], T]], ProxyProperty[T]]: ...


def proxy_property(
    fget: Callable[[Any], T] | None = None,
    *,
    default: T | None = None,
) -> ProxyProperty[T] | Callable[[Callable[[Any], T]], ProxyProperty[T]]:
    """Make a `ProxyProperty`: `@proxy_property` or `@proxy_property(default=x)`.

    Args:
        fget: The getter, when used without parentheses.
        default: What reading the attribute on the class gives.

    Returns:
        The property, or a decorator that makes it.
    """
    if fget is not None:
        return ProxyProperty(fget, default=default)

    def decorate(function: Callable[[Any], T]) -> ProxyProperty[T]:
        return ProxyProperty(function, default=default)

    return decorate
