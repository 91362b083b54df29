"""What frameworks do to unresolved proxies in the driver: the matrix, measured.

A driver hands proxies to a framework (Dask, a process pool, asyncio, a
mock, a logger...) and should never load their targets itself. Each row
below takes proxies whose class is known (`cache_defaults=True, target=...`)
and whose metadata is declared (`declare`), then pickled and unpickled (the
form a driver receives them in), passes them
through one framework call under `forbid_implicit_resolution(warn=True)` and
`record_resolutions()`, and counts the factory calls made in the driver's
process, in any of its threads: the blocks follow a context, which a
framework's own threads need not carry.

`MATRIX` is the one source of the expected counts and of why each is what it
is; docs/guides/driver.md shows the same table, and a test here keeps the
two equal. A row whose count changes, up or down, fails until the table
(and so the page) says the new count.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import functools
import io
import logging
import multiprocessing
import os
import pickle
import threading
import unittest.mock
import warnings
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from _cluster import local_client
from proxystore.factory import Factory
from proxystore.proxy import ImplicitResolutionWarning
from proxystore.proxy import Proxy
from proxystore.proxy import declare
from proxystore.proxy import forbid_implicit_resolution
from proxystore.proxy import is_resolved
from proxystore.proxy import match_capabilities
from proxystore.proxy import record_resolutions

PAGE = Path(__file__).parent.parent / 'docs' / 'guides' / 'driver.md'

# Row -> (factory calls in the driver, why). The one source of truth: the
# test below measures each row against it, and the page shows it.
MATRIX: dict[str, tuple[int, str]] = {
    'dask.base.tokenize': (
        0,
        'The cached class says there is no `__dask_tokenize__`; Dask then '
        "tokenizes the proxy's pickle, which carries only the factory.",
    ),
    'dask.sizeof.sizeof': (
        0,
        'Answered by the declared size (`declare(..., sizeof=...)`) through the '
        "proxy's `__sizeof__`. Without one, Dask sees the size of the proxy, "
        'not of its target.',
    ),
    'declared attribute': (
        0,
        'A declared attribute answers while the proxy is unresolved.',
    ),
    'len()': (0, 'The declared length answers while the proxy is unresolved.'),
    'Client.submit': (
        0,
        'The client tokenizes the argument and checks its class from the cache; '
        'the task carries the factory, and the worker resolves.',
    ),
    'Client.submit([proxy, proxy])': (
        0,
        'Dask looks into the list for futures: each proxy in it is checked '
        'from its cache, as a bare argument is.',
    ),
    'Client.map': (0, 'As `Client.submit`, for each argument.'),
    'Client.scatter(proxy)': (
        0,
        'No resolution, but a `TypeError`: every proxy passes '
        '`isinstance(proxy, Iterator)` (`Proxy` defines `__next__`), and '
        'scatter refuses iterators.',
    ),
    'Client.scatter(matched proxy)': (
        1,
        'A matched proxy (`match_capabilities`) of a class that is no iterator '
        'is not one: scatter takes it, and then reads `__module__` as for '
        '`Client.scatter([proxy])`.',
    ),
    'Client.scatter([proxy])': (
        1,
        "distributed's pickler calls `inspect.getmodule(proxy)`, which reads "
        '`__module__`: an instance may have its own, so only the target can '
        "answer. It resolves in the client's event-loop thread.",
    ),
    'ProcessPoolExecutor (spawn)': (
        0,
        'The pool pickles the proxy: the factory, cached defaults and declarations.',
    ),
    'ProcessPoolExecutor (forkserver)': (0, 'As with spawn.'),
    'multiprocessing.Pool (spawn)': (0, 'As `ProcessPoolExecutor`.'),
    'multiprocessing.Pool (forkserver)': (0, 'As `ProcessPoolExecutor`.'),
    'asyncio.gather': (
        0,
        'asyncio inspects the awaitables it is given, never the containers '
        'of proxies they hold.',
    ),
    'asyncio.create_task': (0, 'As `asyncio.gather`.'),
    'unittest.mock.Mock(spec=matched proxy)': (
        1,
        'As with a plain proxy, but the spec is the matched class, which has '
        "only the special methods of the target's class: the mock is not taken "
        'for an awaitable.',
    ),
    'unittest.mock.Mock(spec=)': (
        1,
        'Mock asks whether the spec is a coroutine function, which reads an '
        'attribute the cached class cannot rule out (an instance may have it). '
        'The spec class is `type(proxy)`, `Proxy`, not the cached class.',
    ),
    'copy.copy': (
        0,
        "The proxy has no `__copy__`; `copy` uses the proxy's `__reduce_ex__`: "
        'the copy is a new unresolved proxy with the same factory.',
    ),
    'copy.deepcopy': (
        0,
        'As `copy.copy`: the copy is a new unresolved proxy with a deep copy of '
        'the factory.',
    ),
    'pickle.dumps': (
        0,
        'A proxy pickles as its factory, cached defaults and declarations.',
    ),
    "logging '%r'": (0, "An unresolved proxy's repr is its own."),
    "logging '%s'": (
        1,
        'Inherent: the message is `str()` of the target, which only the target '
        'can give.',
    ),
    'functools.singledispatch': (
        0,
        'Dispatches on `obj.__class__`, which the cached class answers.',
    ),
    'dataclasses.replace': (
        0,
        'Reads the fields with `getattr` and passes the proxy on as it is.',
    ),
}

CALLS: list[tuple[int, str]] = []
"""(process id, thread name) of each factory call made in this process."""


class Payload:
    """A target of a class the frameworks know nothing about."""

    def __init__(self, values: list[int]) -> None:
        self.values = values
        self.count = len(values)

    def __len__(self) -> int:
        return self.count

    def total(self) -> int:
        return sum(self.values)


class Counted(Factory[Payload]):
    """Return a payload, and log each call in the process that makes it."""

    def __init__(self, payload: Payload) -> None:
        self.payload = payload

    def resolve(self) -> Payload:
        CALLS.append((os.getpid(), threading.current_thread().name))
        return self.payload


# What a driver would declare as the size of a payload of `values` items.
SIZE_PER_VALUE = 1000


def received(values: int = 3) -> Proxy[Payload]:
    """An unresolved proxy of known class and metadata, as a driver receives it."""
    payload = Payload(list(range(values)))
    made = Proxy(Counted(payload), cache_defaults=True, target=payload)
    declare(
        made,
        attributes={'count': values},
        length=values,
        sizeof=values * SIZE_PER_VALUE,
    )
    proxy: Proxy[Payload] = pickle.loads(pickle.dumps(made))
    assert not is_resolved(proxy)
    assert proxy.__proxy_default_class__ is Payload
    return proxy


def total(payload: Payload) -> int:
    """A task: resolves its argument where it runs."""
    return payload.total()


async def keep(items: Any) -> Any:
    """A coroutine that holds its argument across a suspension."""
    await asyncio.sleep(0)
    return items


@dataclasses.dataclass
class Job:
    data: Any
    name: str


@functools.singledispatch
def describe(obj: object) -> str:
    return 'object'


@describe.register
def _(obj: Payload) -> str:
    return 'payload'


class Pools:
    """Pools made on first use, one per kind and start method, for the module."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, str], Any] = {}

    def get(self, kind: str, method: str) -> Any:
        if (kind, method) not in self.made:
            context = multiprocessing.get_context(method)
            if kind == 'executor':
                self.made[kind, method] = ProcessPoolExecutor(1, mp_context=context)
            else:
                self.made[kind, method] = context.Pool(1)
        return self.made[kind, method]

    def close(self) -> None:
        for (kind, _), pool in self.made.items():
            if kind == 'executor':
                pool.shutdown()
            else:
                pool.close()
                pool.join()


@pytest.fixture(scope='module')
def pools() -> Iterator[Pools]:
    made = Pools()
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(scope='module')
def client() -> Iterator[Any]:
    pytest.importorskip('distributed')
    # Workers in processes of their own: a worker's resolutions must not be
    # counted as the driver's.
    with local_client(1) as client:
        yield client


class Row:
    """The fixtures a row may ask for, made only when it asks."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request

    def fixture(self, name: str) -> Any:
        return self.request.getfixturevalue(name)


def dask_tokenize(row: Row) -> None:
    base = pytest.importorskip('dask.base')
    proxy = received()
    assert base.tokenize(proxy) == base.tokenize(proxy)


def dask_sizeof(row: Row) -> None:
    sizeof = pytest.importorskip('dask.sizeof')
    # The declared size, and the proxy's own header, which sys.getsizeof adds.
    assert 3 * SIZE_PER_VALUE <= sizeof.sizeof(received(3)) < 3 * SIZE_PER_VALUE + 100


def declared_attribute(row: Row) -> None:
    assert received(5).count == 5


def length(row: Row) -> None:
    assert len(received(5)) == 5


def dask_submit(row: Row) -> None:
    client = row.fixture('client')
    assert client.submit(total, received(4)).result() == 6


def totals(payloads: list[Payload]) -> list[int]:
    """A task: resolves the proxies in its argument where it runs."""
    return [payload.total() for payload in payloads]


def dask_submit_list(row: Row) -> None:
    client = row.fixture('client')
    assert client.submit(totals, [received(3), received(4)]).result() == [3, 6]


def dask_map(row: Row) -> None:
    client = row.fixture('client')
    futures = client.map(total, [received(3), received(4)])
    assert client.gather(futures) == [3, 6]


def dask_scatter(row: Row) -> None:
    client = row.fixture('client')
    # Every proxy passes isinstance(proxy, Iterator): Proxy defines __next__.
    with pytest.raises(TypeError, match='Iterators'):
        client.scatter(received(4))


def dask_scatter_matched(row: Row) -> None:
    client = row.fixture('client')
    # A matched proxy of a Payload is no iterator: scatter takes it.
    future = client.scatter(match_capabilities(received(4)))
    assert client.submit(total, future).result() == 6


def dask_scatter_list(row: Row) -> None:
    client = row.fixture('client')
    (future,) = client.scatter([received(4)])
    assert client.submit(total, future).result() == 6


def pool_row(kind: str, method: str) -> Callable[[Row], None]:
    def pool(row: Row) -> None:
        if method not in multiprocessing.get_all_start_methods():
            pytest.skip(f'no {method!r} start method here')
        made = row.fixture('pools').get(kind, method)
        if kind == 'executor':
            assert list(made.map(total, [received(3), received(4)])) == [3, 6]
        else:
            assert made.map(total, [received(3), received(4)]) == [3, 6]

    return pool


def asyncio_gather(row: Row) -> None:
    proxies = [received(), received()]

    async def main() -> Any:
        return await asyncio.gather(keep(proxies), keep({'key': proxies[0]}))

    listed, mapped = asyncio.run(main())
    assert listed is proxies
    assert mapped['key'] is proxies[0]


def asyncio_create_task(row: Row) -> None:
    proxies = (received(), received())

    async def main() -> Any:
        return await asyncio.create_task(keep(proxies))

    assert asyncio.run(main()) is proxies


def mock_spec(row: Row) -> None:
    mock = unittest.mock.Mock(spec=received())
    # The spec is type(proxy), not the cached class: the mock is a Proxy.
    assert mock.__class__ is Proxy
    assert not isinstance(mock, Payload)


def mock_spec_matched(row: Row) -> None:
    proxy = match_capabilities(received())
    mock = unittest.mock.Mock(spec=proxy)
    # The spec is the matched class: no longer one that is awaitable.
    assert mock.__class__ is type(proxy)
    assert not isinstance(mock, unittest.mock.AsyncMock)


def copy_copy(row: Row) -> None:
    assert isinstance(copy.copy(received()), Payload)


def copy_deepcopy(row: Row) -> None:
    assert isinstance(copy.deepcopy(received()), Payload)


def pickle_dumps(row: Row) -> None:
    assert not is_resolved(pickle.loads(pickle.dumps(received())))


def logging_row(style: str) -> Callable[[Row], None]:
    def run(row: Row) -> None:
        text = io.StringIO()
        logger = logging.getLogger(f'{__name__}.{style}')
        handler = logging.StreamHandler(text)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        try:
            logger.info(style, received())
        finally:
            logger.removeHandler(handler)
        assert text.getvalue().strip()

    return run


def singledispatch(row: Row) -> None:
    assert describe(received()) == 'payload'


def dataclasses_replace(row: Row) -> None:
    proxy = received()
    assert dataclasses.replace(Job(proxy, 'a'), name='b').data is proxy


# What a row needs beyond the driver's own thread (see conftest.py).
CLUSTER = [pytest.mark.dask, pytest.mark.subprocess]
PROCESSES = [pytest.mark.subprocess]
LOOP = [pytest.mark.event_loop]
NOTHING: list[pytest.MarkDecorator] = []

RUNS: dict[str, tuple[Callable[[Row], None], list[pytest.MarkDecorator]]] = {
    'dask.base.tokenize': (dask_tokenize, NOTHING),
    'dask.sizeof.sizeof': (dask_sizeof, NOTHING),
    'declared attribute': (declared_attribute, NOTHING),
    'len()': (length, NOTHING),
    'Client.submit': (dask_submit, CLUSTER),
    'Client.submit([proxy, proxy])': (dask_submit_list, CLUSTER),
    'Client.map': (dask_map, CLUSTER),
    'Client.scatter(proxy)': (dask_scatter, CLUSTER),
    'Client.scatter(matched proxy)': (dask_scatter_matched, CLUSTER),
    'Client.scatter([proxy])': (dask_scatter_list, CLUSTER),
    'ProcessPoolExecutor (spawn)': (pool_row('executor', 'spawn'), PROCESSES),
    'ProcessPoolExecutor (forkserver)': (pool_row('executor', 'forkserver'), PROCESSES),
    'multiprocessing.Pool (spawn)': (pool_row('pool', 'spawn'), PROCESSES),
    'multiprocessing.Pool (forkserver)': (pool_row('pool', 'forkserver'), PROCESSES),
    'asyncio.gather': (asyncio_gather, LOOP),
    'asyncio.create_task': (asyncio_create_task, LOOP),
    'unittest.mock.Mock(spec=matched proxy)': (mock_spec_matched, NOTHING),
    'unittest.mock.Mock(spec=)': (mock_spec, NOTHING),
    'copy.copy': (copy_copy, NOTHING),
    'copy.deepcopy': (copy_deepcopy, NOTHING),
    'pickle.dumps': (pickle_dumps, NOTHING),
    "logging '%r'": (logging_row('%r'), NOTHING),
    "logging '%s'": (logging_row('%s'), NOTHING),
    'functools.singledispatch': (singledispatch, NOTHING),
    'dataclasses.replace': (dataclasses_replace, NOTHING),
}


def measure(name: str, request: pytest.FixtureRequest) -> tuple[list[str], list[str]]:
    """Run a row.

    Returns:
        The threads of the driver's factory calls, and the operations that
        triggered those made in this thread.
    """
    run, _ = RUNS[name]
    row = Row(request)
    start = len(CALLS)
    with (
        warnings.catch_warnings(record=True) as caught,
        record_resolutions() as resolutions,
        forbid_implicit_resolution(warn=True),
    ):
        warnings.simplefilter('always', ImplicitResolutionWarning)
        run(row)
    driver = [thread for pid, thread in CALLS[start:] if pid == os.getpid()]
    seen = [resolution.operation for resolution in resolutions]
    warned = [w for w in caught if issubclass(w.category, ImplicitResolutionWarning)]
    # Each recorded resolution is one the block saw, so it warned; and each
    # is a call of the factory in the driver.
    assert len(warned) == len(seen)
    assert len(seen) <= len(driver)
    return driver, seen


@pytest.mark.parametrize(
    'name', [pytest.param(name, marks=marks) for name, (_, marks) in RUNS.items()]
)
def test_row(name: str, request: pytest.FixtureRequest) -> None:
    threads, operations = measure(name, request)
    expected, why = MATRIX[name]
    assert len(threads) == expected, (
        f'{name}: {len(threads)} in the driver, in threads {threads}, '
        f'by {operations} in this one; the table says {expected}: {why}'
    )


def test_every_row_is_measured() -> None:
    assert list(MATRIX) == list(RUNS)


def test_the_page_shows_the_table() -> None:
    rows = [f'| `{name}` | {count} | {why} |' for name, (count, why) in MATRIX.items()]
    table = '\n'.join(
        ['| Row | Driver resolutions | Why |', '| --- | ---: | --- |', *rows]
    )
    assert f'\n{table}\n' in PAGE.read_text(), (
        f'{PAGE.name} must show the table as MATRIX has it:\n{table}'
    )
