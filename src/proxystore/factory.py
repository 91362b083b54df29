"""Factories: picklable callables that produce a proxy's target.

A factory is what a [`Proxy`][proxystore.proxy.Proxy] carries and what is
pickled in its place. Write one that pickles to what is needed to *find* the
object (a key, a path), not the object itself, and a proxy stays small
wherever it travels.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any
from typing import Generic
from typing import TypeVar

__all__ = ['Factory', 'LambdaFactory', 'SimpleFactory']

T = TypeVar('T')


class Factory(abc.ABC, Generic[T]):
    """Base class of factories: calling a factory resolves it.

    Subclasses implement [`resolve()`][proxystore.factory.Factory.resolve].
    """

    def __call__(self) -> T:
        """Return the object; the same as `resolve()`."""
        return self.resolve()

    @abc.abstractmethod
    def resolve(self) -> T:
        """Produce and return the object."""


class SimpleFactory(Factory[T]):
    """A factory that holds its object and returns it.

    The object is pickled with the factory, so a proxy made from it is as big
    as the object when pickled; use it for small objects and for tests.

    Args:
        obj: The object to return.
    """

    def __init__(self, obj: T) -> None:
        self._obj = obj

    def resolve(self) -> T:
        """Return the object."""
        return self._obj

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self._obj,)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self._obj!r})'


class LambdaFactory(Factory[T]):
    """A factory that calls a function with fixed arguments.

    Args:
        target: The function (or any callable) to call.
        args: Positional arguments for `target`.
        kwargs: Keyword arguments for `target`.

    Raises:
        TypeError: If `target` is not callable.
    """

    def __init__(self, target: Callable[..., T], *args: Any, **kwargs: Any) -> None:
        if not callable(target):
            raise TypeError(
                f'LambdaFactory target must be callable, not '
                f'{type(target).__qualname__}.',
            )
        self._target = target
        self._args = args
        self._kwargs = kwargs

    def resolve(self) -> T:
        """Call the function and return what it returns."""
        return self._target(*self._args, **self._kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        if self._kwargs:
            return _lambda_factory, (type(self), self._target, self._args, self._kwargs)
        return type(self), (self._target, *self._args)

    def __repr__(self) -> str:
        arguments = [repr(self._target)]
        arguments += [repr(a) for a in self._args]
        arguments += [f'{k}={v!r}' for k, v in self._kwargs.items()]
        return f'{type(self).__name__}({", ".join(arguments)})'


def _lambda_factory(
    cls: type[LambdaFactory[T]],
    target: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> LambdaFactory[T]:
    """Rebuild a pickled `LambdaFactory` that has keyword arguments."""
    return cls(target, *args, **kwargs)
