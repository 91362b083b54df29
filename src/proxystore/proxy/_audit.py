"""Resolutions you can see: record them, log them, forbid the implicit ones.

The resolver (`_resolution.extract`) calls `watch` before every resolution
it starts, but only while a block of this module is open in some thread
(`blocks`) or the `proxystore.proxy` logger is enabled for DEBUG (logging
remembers that answer): with neither, a first use costs a check of each.
`watch` finds, in one walk of the stack, the frame that triggered the
resolution and the operation it ran; it raises or warns in a forbidding
block, and gives the resolver a `Watch`, which times the factory's call.
The resolver reports the resolution (`Watch.report`, `failed`) once the
flight is over and nothing of it is registered: user code in a logging
handler, a filter or a warning filter may use any proxy, and what it raises
never changes the resolution's outcome.

The blocks are kept in context variables, so they belong to the thread or
asyncio task that opens them (and to the tasks and `copy_context()` runs
started inside them). This module holds no lock: its shared state is one
dict, changed by single dict operations, so a signal handler or finalizer
that opens a block, whatever it interrupts, cannot deadlock on it.
"""

# Targets and factories are of any type.
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false
# pyright: reportUnknownArgumentType=false, reportPrivateUsage=false

from __future__ import annotations

import logging
import os
import reprlib
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from collections.abc import Generator
from contextlib import contextmanager
from contextvars import ContextVar
from contextvars import Token
from dataclasses import dataclass
from types import CodeType
from types import FrameType
from types import SimpleNamespace
from typing import Any
from typing import TypeVar

from proxystore.proxy import _slots
from proxystore.proxy._errors import ProxyResolveError

__all__ = [
    'ImplicitResolutionError',
    'ImplicitResolutionWarning',
    'Resolution',
    'forbid_implicit_resolution',
    'record_resolutions',
]

logger = logging.getLogger('proxystore.proxy')
# A library adds no handler but this one: without it, Python would print the
# WARNING of every failed resolution to stderr when the application has not
# configured logging.
logger.addHandler(logging.NullHandler())

blocks: dict[object, int] = {}
"""The blocks open in all threads, and the `resolve_async` jobs running in
the context of one (-> the ident of their thread): the resolver watches
while there is one."""


_recorders: ContextVar[tuple[list[Resolution], ...]] = ContextVar(
    'proxystore.proxy.recorders',
    default=(),
)
"""The lists of the `record_resolutions` blocks open in this context."""
_forbidding: ContextVar[str] = ContextVar('proxystore.proxy.forbid', default='')
"""What an implicit resolution gets here: '' (nothing), 'warn' or 'raise'."""


class ImplicitResolutionError(ProxyResolveError):
    """An implicit resolution inside `forbid_implicit_resolution()`.

    The proxy stays unresolved: its factory was not called.

    Attributes:
        operation (str): What tried to resolve the proxy (`'__len__'`,
            `"__getattribute__('shape')"`...).
        factory (str): The repr of the proxy's factory.
        location (traceback.FrameSummary | None): The frame that did it: the
            first one outside this package and the proxy's own methods (`None`
            if there is none).
    """

    def __init__(
        self,
        message: str,
        operation: str = '',
        factory: str = '',
        location: traceback.FrameSummary | None = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.factory = factory
        self.location = location

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.args[0], self.operation, self.factory, self.location)


class ImplicitResolutionWarning(UserWarning):
    """An implicit resolution inside `forbid_implicit_resolution(warn=True)`."""


@dataclass(frozen=True)
class Resolution:
    """A resolution seen by `record_resolutions()`: a call of a factory.

    Attributes:
        factory: The repr of the proxy's factory (cut to 200 characters).
        operation: What resolved the proxy: `'extract'`, `'resolve'`,
            `'resolve_async'`, `'__proxy_wrapped__'` (explicit), or the
            forwarded operation (`'__len__'`, `"__getattribute__('shape')"`,
            `'__class__'` for `isinstance`...).
        explicit: Whether `operation` is one of the explicit ones.
        thread: The name of the thread that called the factory.
        duration: How long the factory ran, in seconds.
        error: The `ProxyResolveError` (or interrupt) that ended the
            resolution, or `None` if the proxy was resolved.
        location: The frame that triggered the resolution: the first one
            outside this package and the proxy's own methods, or `None`.
        stack: The whole stack at that point, outermost frame first; its
            lines are read from the source files when it is formatted
            (`''.join(resolution.stack.format())`).
    """

    factory: str
    operation: str
    explicit: bool
    thread: str
    duration: float
    error: BaseException | None
    location: traceback.FrameSummary | None
    stack: traceback.StackSummary

    @property
    def succeeded(self) -> bool:
        """Whether the factory returned the target."""
        return self.error is None


@contextmanager
def record_resolutions() -> Generator[list[Resolution], None, None]:
    """Record the resolutions in this thread or task while the block runs.

    ```python
    from proxystore.proxy import Proxy, extract, record_resolutions

    proxy = Proxy(lambda: [1, 2, 3])
    with record_resolutions() as resolutions:
        len(proxy)
    (seen,) = resolutions
    assert seen.operation == '__len__' and not seen.explicit
    assert seen.location.name == '<module>'  # the line that called len()
    ```

    Each call of a factory made in this thread (or asyncio task) inside the
    block adds a `Resolution` to the list, whichever proxy it is and
    whether it succeeds. Tasks created inside the block, and code run in a
    `contextvars.copy_context()` of it, are recorded too; other threads are
    not (their context is their own), nor `resolve_async`'s background
    threads. Blocks nest: each records what happens inside it.

    Yields:
        The list the resolutions are added to, in order.
    """
    records: list[Resolution] = []
    block = _Block(_recorders)
    try:
        try:
            _open(block, (*_recorders.get(), records))
            yield records
        finally:
            _close(block)
    except BaseException:
        _close(block)  # again, if the first was cut short
        raise


@contextmanager
def forbid_implicit_resolution(*, warn: bool = False) -> Generator[None, None, None]:
    """Refuse to resolve proxies implicitly in this thread or task.

    ```python
    from proxystore.proxy import (
        ImplicitResolutionError, Proxy, extract, forbid_implicit_resolution,
    )

    proxy = Proxy(lambda: [1, 2, 3])
    with forbid_implicit_resolution():
        try:
            len(proxy)
        except ImplicitResolutionError as error:
            assert error.operation == '__len__'
        assert extract(proxy) == [1, 2, 3]   # explicit: allowed
    ```

    Inside the block, any use of an unresolved proxy that would call its
    factory, other than `extract`, `resolve`, `resolve_async` and reading
    `__proxy_wrapped__`, raises `ImplicitResolutionError` (a
    `ProxyResolveError` that names the operation, the factory and the line)
    instead, and the proxy stays unresolved. Resolved proxies, and what an
    unresolved one answers without resolving (its repr, its default class
    and hash), are not affected. The block applies to this thread or task,
    and to the tasks created inside it; blocks nest, the innermost deciding.

    Args:
        warn: Warn with an `ImplicitResolutionWarning`, attributed to the
            line that triggered the resolution, and resolve, instead of
            raising.
    """
    block = _Block(_forbidding)
    try:
        try:
            _open(block, 'warn' if warn else 'raise')
            yield
        finally:
            _close(block)
    except BaseException:
        _close(block)  # again, if the first was cut short
        raise


def in_block() -> bool:
    """Whether a block of this module applies in the current context."""
    return bool(_forbidding.get() or _recorders.get())


class _Block:
    """An open block: the token of its context variable, until it is reset."""

    __slots__ = ('tokens', 'variable')

    def __init__(self, variable: ContextVar[Any]) -> None:
        self.variable = variable
        self.tokens: list[Token[Any]] = []


def _open(block: _Block, value: object) -> None:
    # Each step is one line, and each is undone by _close only if it was
    # done: an interrupt between them leaves nothing that _close misses.
    block.tokens.append(block.variable.set(value))
    blocks[block] = threading.get_ident()


def _close(block: _Block) -> None:
    # Idempotent: called again if an interrupt cut the first call short.
    blocks.pop(block, None)
    if block.tokens:
        block.variable.reset(block.tokens.pop())


class Watch:
    """A resolution being watched: it times the factory and reports the call.

    Attributes:
        site: Where the resolution comes from.
        factory: The repr of the factory.
        recorders: The lists of the `record_resolutions` blocks that apply.
        log: Whether to log the resolution at DEBUG.
        duration: How long the factory ran, in seconds, once it has.
    """

    __slots__ = ('duration', 'factory', 'log', 'recorders', 'site')

    def __init__(
        self,
        site: _Site,
        factory: str,
        recorders: tuple[list[Resolution], ...],
        *,
        log: bool,
    ) -> None:
        self.site = site
        self.factory = factory
        self.recorders = recorders
        self.log = log
        self.duration = 0.0

    def call(self, factory: Callable[[], Any]) -> Any:
        """Call the factory, timing it."""
        start = time.perf_counter()
        try:
            return factory()
        finally:
            self.duration = time.perf_counter() - start

    def report(self, error: BaseException | None) -> None:
        """Record and log the call, once the resolution is over.

        Args:
            error: What the factory raised, or `None` if it succeeded.
        """
        try:
            site = self.site
            if self.recorders:
                resolution = Resolution(
                    factory=self.factory,
                    operation=site.operation,
                    explicit=site.explicit,
                    thread=threading.current_thread().name,
                    duration=self.duration,
                    error=error,
                    location=site.location,
                    stack=site.stack(),
                )
                for records in self.recorders:
                    records.append(resolution)
            if error is not None:
                _log_failure(site, self.factory, error, self.duration)
            elif self.log:
                logger.debug(
                    'Resolved a proxy with factory %s in %.3f ms: %s, at %s',
                    self.factory,
                    self.duration * 1e3,
                    site.operation,
                    site.where(),
                )
        except Exception as failure:
            _unraisable(failure, 'reporting a proxy resolution')


def watch(proxy: Any) -> Watch | None:
    """Check a resolution that is about to start.

    Called by the resolver, first, for every resolution while a block is
    open or the logger is enabled for DEBUG.

    Returns:
        A `Watch` to time and report the factory's call with, or `None` if
        there is nothing to report.

    Raises:
        ImplicitResolutionError: If the resolution is implicit inside a
            `forbid_implicit_resolution()` block.
    """
    forbid = _forbidding.get()
    recorders = _recorders.get()
    log = logger.isEnabledFor(logging.DEBUG)
    if not (forbid or recorders or log):
        return None
    site = _Site(proxy, sys._getframe(2))  # past watch() and extract()
    factory = _factory_repr(proxy)
    if forbid and not site.explicit:
        message = (
            f'{site.operation} would resolve a proxy (factory {factory}), '
            f'at {site.where()}: implicit resolution is forbidden here. Call '
            'extract(proxy) where the target is meant to be used.'
        )
        if forbid == 'raise':
            raise ImplicitResolutionError(
                message, site.operation, factory, site.location
            )
        warnings.warn(message, ImplicitResolutionWarning, stacklevel=site.depth + 3)
    if not (recorders or log):
        return None
    return Watch(site, factory, recorders, log=log)


def failed(proxy: Any, error: BaseException) -> None:
    """Log, at WARNING, a failed resolution that no `Watch` reported.

    Called by the resolver once the flight is over.
    """
    try:
        if logger.isEnabledFor(logging.WARNING):
            site = _Site(proxy, sys._getframe(2))  # past failed() and its caller
            _log_failure(site, _factory_repr(proxy), error, None)
    except Exception as failure:
        _unraisable(failure, 'logging a failed proxy resolution')


def _log_failure(
    site: _Site,
    factory: str,
    error: BaseException,
    duration: float | None,
) -> None:
    if not logger.isEnabledFor(logging.WARNING):
        return
    after = '' if duration is None else f' after {duration * 1e3:.3f} ms'
    logger.warning(
        'Failed to resolve a proxy with factory %s%s: %s, at %s: %s',
        factory,
        after,
        site.operation,
        site.where(),
        error,
    )


def _unraisable(error: Exception, doing: str) -> None:
    # What a logging filter or handler (or a recording list) raised while
    # reporting a resolution: it must not replace the resolution's outcome,
    # so it goes where Python reports errors that have no caller to reach.
    message = f'Exception ignored while {doing}'
    hook = sys.unraisablehook
    if hook is not sys.__unraisablehook__:
        hook(
            SimpleNamespace(  # pyright: ignore[reportArgumentType] - the fields it reads
                exc_type=type(error),
                exc_value=error,
                exc_traceback=error.__traceback__,
                err_msg=message,
                object=None,
            )
        )
    elif sys.stderr is not None:
        # The default hook takes only the interpreter's own type of argument,
        # which Python code cannot make: write what it would write.
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        sys.stderr.write(f'{message}:\n{"".join(lines)}')


def _reset_after_fork() -> None:
    # The child has only the forking thread: the blocks of the others are
    # not open in it.
    me = threading.get_ident()
    for block, ident in list(blocks.items()):
        if ident != me:
            blocks.pop(block, None)


os.register_at_fork(after_in_child=_reset_after_fork)


_factory_reprs = reprlib.Repr()
_factory_reprs.maxother = 200


def _factory_repr(proxy: Any) -> str:
    try:
        factory = _slots.factory_of(proxy)
    except AttributeError:
        return '<missing>'
    return _factory_reprs.repr(factory)  # which answers for a repr that fails


# Finding the site: which frames belong to the proxy, and which entry points
# are explicit.

_PACKAGE = os.path.dirname(__file__) + os.sep
_MODULE = __name__.rpartition('.')[0]  # proxystore.proxy

FILENAMES: set[str] = set()
"""The file names of the code `_forwarding` compiles (the forwarded methods)."""

EXPLICIT: dict[CodeType, str] = {}
"""Code of the explicit entry points -> the operation's name (see `explicit`)."""

F = TypeVar('F', bound=Callable[..., Any])


def explicit(operation: str) -> Callable[[F], F]:
    """Mark a function as an explicit entry point: its resolutions are `operation`.

    A resolution is explicit when the outermost of this package's frames on
    the stack (see `_Site`) is one of these.
    """

    def register(function: F) -> F:
        EXPLICIT[function.__code__] = operation
        return function

    return register


_TAKE_A_NAME = frozenset(
    {'__getattribute__', '__getattr__', '__setattr__', '__delattr__'}
)
"""The proxy's methods whose second argument is an attribute's name: the
forwarded attribute hooks and a subclass's `__getattr__`."""


class _Site:
    """Where a resolution comes from, found by walking the stack once.

    The walk goes outwards from the resolver through the proxy's frames:
    this package's (the forwarded methods included, whichever module they
    were compiled for) and the proxy's class's own methods (a subclass's
    `__proxy_wrapped__`, say). The outermost of this package's frames is the
    entry point, which names the operation; the first frame past them all
    is the location.
    """

    __slots__ = ('_frame', 'depth', 'explicit', 'location', 'operation')

    def __init__(self, proxy: Any, frame: FrameType | None) -> None:
        own = _own_code(type(proxy))
        entry: FrameType | None = None
        depth = 0
        while frame is not None:
            code = frame.f_code
            filename = code.co_filename
            ours = filename.startswith(_PACKAGE) or filename in FILENAMES
            if not (ours or code in own):
                break
            if ours:
                entry = frame
            frame = frame.f_back
            depth += 1
        self.depth = depth
        self._frame = frame
        self.location = None if frame is None else _summary(frame)
        self.operation, self.explicit = _operation(entry)

    def where(self) -> str:
        location = self.location
        if location is None:
            return '<no Python frame>'
        return f'{location.filename}:{location.lineno} in {location.name}'

    def stack(self) -> traceback.StackSummary:
        summary = traceback.StackSummary.extract(
            traceback.walk_stack(self._frame), lookup_lines=False
        )
        summary.reverse()
        return summary


def _summary(frame: FrameType) -> traceback.FrameSummary:
    return traceback.FrameSummary(
        frame.f_code.co_filename,
        frame.f_lineno,
        frame.f_code.co_name,
        lookup_line=False,
    )


def _operation(entry: FrameType | None) -> tuple[str, bool]:
    if entry is None:  # the resolver itself, called from outside
        return 'resolve', True
    code = entry.f_code
    name = EXPLICIT.get(code)
    if name is not None:
        return name, True
    name = code.co_name
    if name in _TAKE_A_NAME and code.co_argcount >= 2:
        attribute = entry.f_locals.get(code.co_varnames[1])
        if isinstance(attribute, str) and attribute.startswith('__proxy_'):
            return attribute, attribute == '__proxy_wrapped__'
        return f'{name}({attribute!r})', False
    return name, False


def _own_code(cls: type) -> set[CodeType]:
    """The code of the methods and properties a `Proxy` subclass defines."""
    codes: set[CodeType] = set()
    for klass in cls.__mro__:
        if klass.__module__.partition('.')[0] in {'builtins', 'typing'} or (
            klass.__module__.startswith(_MODULE)
        ):
            continue
        for value in vars(klass).values():
            parts: tuple[Any, ...] = (value,)
            if isinstance(value, property):
                parts = (value.fget, value.fset, value.fdel)
            elif isinstance(value, (staticmethod, classmethod)):
                parts = (value.__func__,)
            codes.update(
                part.__code__
                for part in parts
                if isinstance(getattr(part, '__code__', None), CodeType)
            )
    return codes
