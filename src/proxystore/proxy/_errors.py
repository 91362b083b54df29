"""The error of a proxy that cannot be resolved."""

from __future__ import annotations

from typing import Any

__all__ = ['ProxyResolveError']


class ProxyResolveError(Exception):
    """Error raised when a proxy cannot be resolved.

    Raised when the factory raises an `Exception`, when the proxy has no
    factory (or one that is not callable), and when factories wait on each
    other in a cycle. The proxy stays unresolved, so a later use calls the
    factory again.

    Args:
        message: What went wrong.
        cause: The exception that prevented the resolution, if any.

    Attributes:
        cause: The exception that prevented the resolution, or `None`.
    """

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.cause = cause

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.args[0], self.cause)
