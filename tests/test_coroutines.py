"""A proxy of a coroutine works wherever asyncio takes a coroutine.

asyncio's Task (the C one and the Python one) steps a coroutine with
`send(None)`; from C that is `PyIter_Send`, which calls `next()` on anything
that is an iterator, as every proxy is. Each entry point runs on real event
loops, with either Task.
"""

from __future__ import annotations

import asyncio
import sys
import types
from collections.abc import Callable
from collections.abc import Coroutine
from typing import Any

import pytest

from proxystore.proxy import Proxy
from proxystore.proxy import extract


class Wrapped(Proxy[Any]):
    """A subclass that reads the target through `__proxy_wrapped__`."""

    __slots__ = ()

    @property
    def __proxy_wrapped__(self) -> Any:
        return super().__proxy_wrapped__


async def double(x: int) -> int:
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    return 2 * x


def proxy_of(coroutine: Coroutine[Any, Any, Any], kind: type[Proxy[Any]]) -> Any:
    return kind(lambda: coroutine)


async def gather(p: Any) -> Any:
    return (await asyncio.gather(p))[0]


async def ensure_future(p: Any) -> Any:
    return await asyncio.ensure_future(p)


async def wait_for(p: Any) -> Any:
    return await asyncio.wait_for(p, timeout=5)


async def create_task(p: Any) -> Any:
    return await asyncio.create_task(p)


async def wait(p: Any) -> Any:
    (done,), _ = await asyncio.wait([asyncio.ensure_future(p)])
    return done.result()


ENTRY_POINTS: dict[str, Callable[[Any], Any]] = {
    'run': asyncio.run,
    'run_until_complete': lambda p: _on_new_loop(
        lambda loop: loop.run_until_complete(p)
    ),
    'gather': lambda p: asyncio.run(gather(p)),
    'ensure_future': lambda p: asyncio.run(ensure_future(p)),
    'wait_for': lambda p: asyncio.run(wait_for(p)),
    'create_task': lambda p: asyncio.run(create_task(p)),
    'wait': lambda p: asyncio.run(wait(p)),
}


def _on_new_loop(use: Callable[[asyncio.AbstractEventLoop], Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return use(loop)
    finally:
        loop.close()


def _python_tasks(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
    return asyncio.tasks._PyTask(coro, loop=loop, **kwargs)  # type: ignore[attr-defined]


@pytest.mark.event_loop
@pytest.mark.parametrize('kind', [Proxy, Wrapped])
@pytest.mark.parametrize('entry', ENTRY_POINTS)
def test_asyncio_takes_a_proxy_of_a_coroutine(entry: str, kind: type[Any]) -> None:
    assert ENTRY_POINTS[entry](proxy_of(double(21), kind)) == 42


@pytest.mark.event_loop
@pytest.mark.parametrize('entry', ['run_until_complete', 'create_task'])
def test_the_python_task_takes_a_proxy_of_a_coroutine(entry: str) -> None:
    def run(loop: asyncio.AbstractEventLoop) -> Any:
        loop.set_task_factory(_python_tasks)
        if entry == 'run_until_complete':
            return loop.run_until_complete(Proxy(lambda: double(4)))
        return loop.run_until_complete(create_task(Proxy(lambda: double(4))))

    assert _on_new_loop(run) == 8


@pytest.mark.event_loop
@pytest.mark.skipif(sys.version_info < (3, 12), reason='eager tasks are 3.12+')
def test_an_eager_task_takes_a_proxy_of_a_coroutine() -> None:
    def run(loop: asyncio.AbstractEventLoop) -> Any:
        loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]
        return loop.run_until_complete(create_task(Proxy(lambda: double(5))))

    assert _on_new_loop(run) == 10


@pytest.mark.event_loop
@pytest.mark.skipif(sys.version_info < (3, 11), reason='TaskGroup is 3.11+')
def test_a_task_group_takes_a_proxy_of_a_coroutine() -> None:
    async def main() -> int:
        async with asyncio.TaskGroup() as group:  # type: ignore[attr-defined]
            task = group.create_task(Proxy(lambda: double(6)))
        return task.result()  # type: ignore[no-any-return]

    assert asyncio.run(main()) == 12


@pytest.mark.event_loop
def test_a_failing_coroutine_fails_its_task() -> None:
    async def fail() -> None:
        await asyncio.sleep(0)
        raise KeyError('inside')

    with pytest.raises(KeyError, match='inside'):
        asyncio.run(Proxy(fail))


@pytest.mark.event_loop
def test_a_task_of_a_proxy_can_be_cancelled() -> None:
    cleaned_up = []

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned_up.append(True)

    async def main() -> None:
        task = asyncio.create_task(Proxy(forever))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert cleaned_up == [True]


@pytest.mark.event_loop
def test_await_still_works() -> None:
    async def main() -> int:
        return await Proxy(lambda: double(7))  # type: ignore[no-any-return]

    assert asyncio.run(main()) == 14


def test_iterators_and_generators_keep_next() -> None:
    def numbers() -> Any:
        yield 1
        yield 2

    for make in (numbers, lambda: iter([1, 2])):
        proxy = Proxy(make)
        assert [next(proxy), next(proxy)] == [1, 2]
        with pytest.raises(StopIteration):
            next(proxy)


def test_next_of_a_non_iterator_raises_the_bare_error() -> None:
    with pytest.raises(TypeError) as bare:
        next(1)  # type: ignore[call-overload]
    with pytest.raises(TypeError) as proxied:
        next(Proxy(lambda: 1))
    assert str(proxied.value) == str(bare.value)


def test_a_type_error_inside_next_is_not_taken_for_a_coroutine() -> None:
    class Failing:
        def __iter__(self) -> Failing:
            return self

        def __next__(self) -> Any:
            raise TypeError('from __next__')

    with pytest.raises(TypeError, match='from __next__'):
        next(Proxy(Failing))


def test_next_of_a_proxy_of_a_coroutine_sends_none() -> None:
    # The documented difference: bare, next() refuses a coroutine.
    @types.coroutine
    def step() -> Any:
        yield 'first'

    async def outer() -> str:
        await step()
        return 'done'

    coroutine = outer()
    with pytest.raises(TypeError):
        next(coroutine)  # type: ignore[call-overload]
    proxy = Proxy(lambda: coroutine)
    assert next(proxy) == 'first'
    with pytest.raises(StopIteration) as stop:
        next(proxy)
    assert stop.value.value == 'done'
    assert extract(proxy).cr_frame is None
