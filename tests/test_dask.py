"""Proxies through a real Dask cluster: where each factory runs.

One module-scoped `distributed.LocalCluster` on the loopback interface, with
two worker processes, serves every test. Each factory records the process it
ran in, so the tests can tell a resolution in the client process (which here
also runs the scheduler) from one on a worker.

What these tests pin down, and docs/guides/dask.md explains:

- Dask's client inspects every task argument: it reads `__dask_tokenize__`
  when it hashes the arguments into a task key and checks classes with
  `isinstance`. An unresolved proxy with cached defaults answers both from
  its cached class, so it goes through `submit` and `map` unresolved and is
  resolved only on a worker, when the task uses it.
- Dask looks for futures inside collections (lists, tuples, sets, dicts):
  a proxy whose cached class is one of those is iterated, so resolved, in the
  client. A `ProxyLocker` keeps it closed.
- Without cached defaults, the `isinstance` checks of Dask's tokenizer and of
  its serializer resolve the proxy, and the worker resolves it while it
  unpacks the task, before the task function runs.
- Whatever the client does, the task carries only the factory: the worker
  calls the factory itself.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _cluster import local_client

distributed = pytest.importorskip('distributed')
numpy = pytest.importorskip('numpy')

pytestmark = pytest.mark.dask

from proxystore.factory import Factory  # noqa: E402
from proxystore.proxy import Proxy  # noqa: E402
from proxystore.proxy import ProxyLocker  # noqa: E402
from proxystore.proxy import is_resolved  # noqa: E402


class Recording(Factory[Any]):
    """Return a value, and log the id of each process it runs in."""

    def __init__(self, value: Any, log: Path) -> None:
        self.value = value
        self.log = log

    def resolve(self) -> Any:
        with self.log.open('a') as file:
            file.write(f'{os.getpid()}\n')
        return self.value


def runs(log: Path) -> list[int]:
    """The processes the factory ran in, in order."""
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def unlock_and_sum(locker: ProxyLocker[Any]) -> tuple[bool, int, int]:
    proxy = locker.unlock()
    arrived_unresolved = not is_resolved(proxy)
    return arrived_unresolved, int(sum(proxy)), os.getpid()


def bare_sum(proxy: Proxy[Any]) -> tuple[bool, int, int]:
    arrived_unresolved = type(proxy) is Proxy and not is_resolved(proxy)
    return arrived_unresolved, int(sum(proxy)), os.getpid()


@pytest.fixture(scope='module')
def client() -> Iterator[Any]:
    with local_client(2) as client:
        yield client


@pytest.fixture(scope='module')
def workers(client: Any) -> set[int]:
    pids = set(client.run(os.getpid).values())
    assert len(pids) == 2
    assert os.getpid() not in pids
    return pids


def received_proxy(numbers: Any, log: Path, *, cache: bool) -> Any:
    """An unresolved proxy, as a process receives it from elsewhere."""
    if cache:
        # Made where the object is at hand, then pickled: it arrives with
        # cached defaults and without its target.
        made = Proxy(Recording(numbers, log), cache_defaults=True, target=numbers)
        proxy = pickle.loads(pickle.dumps(made))
        assert proxy.__proxy_default_class__ is type(numbers)
    else:
        proxy = Proxy(Recording(numbers, log))
    assert not is_resolved(proxy)
    assert runs(log) == []
    return proxy


# How a proxy with cached defaults is passed: bare (of an array: Dask looks
# inside collections, see below), or in a ProxyLocker (of a list, which the
# locker keeps closed). Either way only a worker resolves it.
WAYS = {
    'bare': (numpy.arange, lambda proxy: proxy, bare_sum),
    'locked': (lambda n: list(range(n)), ProxyLocker, unlock_and_sum),
}


@pytest.mark.parametrize('way', WAYS)
def test_proxy_with_cached_defaults_resolves_only_on_a_worker(
    client: Any,
    workers: set[int],
    tmp_path: Path,
    way: str,
) -> None:
    numbers, wrap, task = WAYS[way]
    log = tmp_path / 'runs'
    proxy = received_proxy(numbers(5), log, cache=True)

    unresolved, total, worker = client.submit(task, wrap(proxy)).result(timeout=60)

    assert total == 10
    assert unresolved  # it arrived as a reference, resolved when the task used it
    assert runs(log) == [worker]
    assert worker in workers
    assert not is_resolved(proxy)  # the client never loaded it


@pytest.mark.parametrize('way', WAYS)
def test_proxies_with_cached_defaults_through_map_resolve_only_on_workers(
    client: Any,
    workers: set[int],
    tmp_path: Path,
    way: str,
) -> None:
    numbers, wrap, task = WAYS[way]
    logs = [tmp_path / f'runs-{i}' for i in range(6)]
    proxies = [
        received_proxy(numbers(i + 1), log, cache=True) for i, log in enumerate(logs)
    ]

    results = client.gather(client.map(task, [wrap(p) for p in proxies]))

    assert [total for _, total, _ in results] == [sum(range(i + 1)) for i in range(6)]
    assert all(unresolved for unresolved, _, _ in results)
    for log, (_, _, worker) in zip(logs, results, strict=True):
        assert runs(log) == [worker]
        assert worker in workers
    assert not any(is_resolved(p) for p in proxies)


def test_bare_proxy_of_a_collection_is_unpacked_by_the_client(
    client: Any,
    workers: set[int],
    tmp_path: Path,
) -> None:
    # Dask looks for futures inside lists, tuples, sets and dicts: a proxy
    # whose class says it is one of those is iterated in the client. The task
    # still carries only the factory.
    log = tmp_path / 'runs'
    proxy = received_proxy([4, 5], log, cache=True)

    _, total, worker = client.submit(bare_sum, proxy).result(timeout=60)

    assert total == 9
    assert is_resolved(proxy)
    assert runs(log)[0] == os.getpid()
    assert runs(log)[-1] == worker in workers


def test_bare_proxy_without_cached_defaults(
    client: Any,
    workers: set[int],
    tmp_path: Path,
) -> None:
    # Without a cached class, the isinstance checks of Dask's tokenizer and
    # serializer resolve the proxy in the client process, the scheduler (in
    # that process here) resolves its own copy, and the worker resolves the
    # proxy while it unpacks the task, before the task function runs.
    log = tmp_path / 'runs'
    proxy = received_proxy([6, 7], log, cache=False)

    unresolved, total, worker = client.submit(bare_sum, proxy).result(timeout=60)

    assert total == 13
    assert is_resolved(proxy)
    places = runs(log)
    assert places[0] == os.getpid()
    assert places[-1] == worker in workers
    assert set(places) == {os.getpid(), worker}
    assert not unresolved  # resolved by Dask on the worker, before the task


def test_locked_proxy_without_cached_defaults(
    client: Any,
    workers: set[int],
    tmp_path: Path,
) -> None:
    # With a task function that pickles by name, nothing asks the locked
    # proxy anything in the client.
    log = tmp_path / 'runs'
    proxy = received_proxy([8, 9], log, cache=False)

    unresolved, total, worker = client.submit(
        unlock_and_sum,
        ProxyLocker(proxy),
    ).result(timeout=60)

    assert total == 17
    assert unresolved
    assert runs(log) == [worker]
    assert worker in workers


@pytest.mark.parametrize('cache', [True, False], ids=['cached', 'uncached'])
def test_locked_proxy_with_a_task_that_cloudpickle_must_pickle(
    client: Any,
    workers: set[int],
    tmp_path: Path,
    cache: bool,
) -> None:
    # A function defined in a function (or in __main__, or a notebook) makes
    # Dask pickle the task with cloudpickle, which asks every object for its
    # class: only a cached class answers that without resolving the proxy.
    log = tmp_path / 'runs'
    proxy = received_proxy([10, 11], log, cache=cache)

    def local_task(locker: ProxyLocker[list[int]]) -> tuple[bool, int, int]:
        return unlock_and_sum(locker)

    unresolved, total, worker = client.submit(
        local_task,
        ProxyLocker(proxy),
    ).result(timeout=60)

    assert total == 21
    assert unresolved
    assert worker in workers
    if cache:
        assert runs(log) == [worker]
    else:
        # The client, and the scheduler in the same process here.
        *before, last = runs(log)
        assert before
        assert set(before) == {os.getpid()}
        assert last == worker
