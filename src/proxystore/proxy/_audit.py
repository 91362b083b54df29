"""Resolutions you can see: record them, log them, forbid the implicit ones.

The resolver (`_resolution.resolve`) asks `watch` about every resolution it
starts, but only while a block of this module is open in some thread or the
`proxystore.proxy` logger may be enabled for DEBUG (`watching`): with
neither, a first use costs one check. `watch` finds, in one
walk of the stack, the frame that triggered the resolution and the
operation it ran; it raises or warns in a forbidding block, and gives the
resolver the factory through a `Watch`, which times and reports the call.

The blocks are kept in context variables, so they belong to the thread or
asyncio task that opens them (and to the tasks and `copy_context()` runs
started inside them).
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
from dataclasses import dataclass
from types import CodeType
from types import FrameType
from typing import Any

from proxystore.proxy import _slots
from proxystore.proxy._errors import ProxyResolveError
from proxystore.proxy._forwarding import FILENAMES

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

watching: bool = True
"""Whether the resolver must call `watch`: a block of this module is open in
some thread, or the logger may be enabled for DEBUG. The resolver reads it
on every resolution; it is written under `_state_lock` only, by `_update`. A
thread always sees its own updates, which is all the resolver needs for the
blocks (those that apply to a thread are its own)."""

_state_lock = threading.Lock()
_blocks = 0
"""How many blocks are open, in all threads."""
_debug: bool | None = None
"""The logger's answer to isEnabledFor(DEBUG), `None` if it must be asked."""
_generation = 0
"""How many times logging has changed levels since this module was imported."""


def _update() -> None:
    # Under _state_lock.
    global watching
    watching = _blocks > 0 or _debug is not False


class _LevelCache(dict[int, bool]):
    """The logger's cache of its `isEnabledFor` answers.

    logging empties every logger's cache (with `clear()`) whenever a level
    changes anywhere, or logging is disabled: that is when the answer the
    resolver relies on must be asked again. This runs inside logging's lock;
    `_state_lock` is never held while logging's is taken, so the two locks
    cannot deadlock.
    """

    def clear(self) -> None:
        global _debug, _generation
        super().clear()
        with _state_lock:
            _generation += 1
            _debug = None
            _update()


def _debug_enabled() -> bool:
    """Ask the logger whether it is enabled for DEBUG; remember the answer."""
    global _debug
    generation = _generation
    enabled = logger.isEnabledFor(logging.DEBUG)
    if enabled is _debug:  # already remembered: nothing to update
        return enabled
    with _state_lock:
        # Unless logging changed levels meanwhile (the answer may be stale).
        if _HOOKED and generation == _generation:
            _debug = enabled
            _update()
    return enabled


# Without a cache of the expected kind to hook (on an interpreter whose logging
# works otherwise), the answer is never remembered: the resolver asks every
# time, which is correct, only slower.
_HOOKED = isinstance(getattr(logger, '_cache', None), dict)
if _HOOKED:
    logger._cache = _LevelCache(logger._cache)  # type: ignore[attr-defined]

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
    token = _recorders.set((*_recorders.get(), records))
    _open()
    try:
        yield records
    finally:
        _close()
        _recorders.reset(token)


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
    unresolved one answers without resolving (its repr, its cached class
    and hash), are not affected. The block applies to this thread or task,
    and to the tasks created inside it; blocks nest, the innermost deciding.

    Args:
        warn: Warn with an `ImplicitResolutionWarning`, attributed to the
            line that triggered the resolution, and resolve, instead of
            raising.
    """
    token = _forbidding.set('warn' if warn else 'raise')
    _open()
    try:
        yield
    finally:
        _close()
        _forbidding.reset(token)


def _open() -> None:
    global _blocks
    with _state_lock:
        _blocks += 1
        _update()


def _close() -> None:
    global _blocks
    with _state_lock:
        _blocks -= 1
        _update()


class Watch:
    """A resolution being watched: it times the factory and reports its call."""

    __slots__ = ('factory', 'log', 'recorders', 'site')

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

    def factory_of(self, proxy: Any) -> Callable[[], Any]:
        """The proxy's factory, wrapped so that its call is reported."""
        try:
            factory = _slots.get_factory(proxy)
        except AttributeError as error:
            self._report(error, 0.0)
            raise

        def call() -> Any:
            start = time.perf_counter()
            try:
                target = factory()
            except BaseException as error:
                self._report(error, time.perf_counter() - start)
                raise
            self._report(None, time.perf_counter() - start)
            return target

        return call

    def _report(self, error: BaseException | None, duration: float) -> None:
        site = self.site
        if self.recorders:
            resolution = Resolution(
                factory=self.factory,
                operation=site.operation,
                explicit=site.explicit,
                thread=threading.current_thread().name,
                duration=duration,
                error=error,
                location=site.location,
                stack=site.stack(),
            )
            for records in self.recorders:
                records.append(resolution)
        if error is not None:
            _log_failure(site, self.factory, error, duration)
        elif self.log:
            logger.debug(
                'Resolved a proxy with factory %s in %.3f ms: %s, at %s',
                self.factory,
                duration * 1e3,
                site.operation,
                site.where(),
            )


def watch(proxy: Any) -> Callable[[Any], Any]:
    """Check a resolution that is about to start; return its factory reader.

    Called by the resolver, first, for every resolution while `watching`.

    Returns:
        What the resolver reads the factory with: the slot's reader, or a
        `Watch`'s, which reports the call.

    Raises:
        ImplicitResolutionError: If the resolution is implicit inside a
            `forbid_implicit_resolution()` block.
    """
    forbid = _forbidding.get()
    recorders = _recorders.get()
    log = _debug_enabled()
    if not (forbid or recorders or log):
        return _slots.get_factory
    site = _Site(proxy, sys._getframe(2))  # past watch() and resolve()
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
        return _slots.get_factory
    return Watch(site, factory, recorders, log=log).factory_of


def failed(proxy: Any, error: BaseException) -> None:
    """Log, at WARNING, a failed resolution that no `Watch` reported."""
    if logger.isEnabledFor(logging.WARNING):
        site = _Site(proxy, sys._getframe(2))  # past failed() and resolve()
        _log_failure(site, _factory_repr(proxy), error, None)


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


_factory_reprs = reprlib.Repr()
_factory_reprs.maxother = 200


def _factory_repr(proxy: Any) -> str:
    try:
        factory = _slots.get_factory(proxy)
    except AttributeError:
        return '<missing>'
    return _factory_reprs.repr(factory)  # which answers for a repr that fails


# Finding the site: which frames belong to the proxy, and which entry points
# are explicit.

_PACKAGE = os.path.dirname(__file__) + os.sep
_MODULE = __name__.rpartition('.')[0]  # proxystore.proxy

EXPLICIT: dict[CodeType, str] = {
    _slots.WRAPPED.fget.__code__: '__proxy_wrapped__',  # type: ignore[union-attr]
}
"""Code of the explicit entry points -> the operation's name. `_helpers` and
`_pool` add theirs (`extract`, `resolve`, `resolve_async`'s)."""

_ATTRIBUTE_HOOKS = frozenset(
    {'__getattribute__', '__getattr__', '__setattr__', '__delattr__'}
)


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
    if name in _ATTRIBUTE_HOOKS and code.co_argcount >= 2:
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
