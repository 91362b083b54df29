"""How the proxy's own costs grow: many proxies, and many threads on first use.

Runs inside the environment of one implementation (standard library only)
and prints one JSON document:

    python benchmarks/proxy_scaling.py --impl ours --counts 1000,1000000 \
        --threads 1,8,64

For each count: the time to create that many unresolved proxies (each with
a factory of its own, made beforehand, as a store makes one per key), with
the garbage collector on as in any program and then off, the
bytes per proxy that tracemalloc sees them take (measured in a separate pass,
since tracing slows allocation) and the time to pickle each of them. For
each thread count: the wall time from releasing the threads until all have
used a proxy for the first time, one proxy shared by all the threads and one
proxy each, and how many times the factories ran. A factory sleeps 1 ms, as
a read from a store would wait.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import platform
import statistics
import sys
import threading
import time
import tracemalloc
from typing import Any

IMPLS = ('ours', 'proxystore', 'lop.cext')
# The first-use races are repeated this many times within one process.
RACES = 5


class KeyFactory:
    """A small picklable factory holding a key, as a store's factory does."""

    __slots__ = ('key',)

    def __init__(self, key: int) -> None:
        self.key = key

    def __call__(self) -> int:
        return self.key

    def __reduce__(self) -> tuple[Any, ...]:
        return KeyFactory, (self.key,)


class SlowFactory:
    """A factory that waits 1 ms, as a store read would, and counts its calls."""

    calls = 0

    def __call__(self) -> complex:
        SlowFactory.calls += 1
        time.sleep(0.001)
        return complex(1, 2)


def proxy_class(impl: str) -> Any:
    """The `Proxy` class of `impl`, as installed in this environment."""
    if impl == 'lop.cext':
        from lazy_object_proxy.cext import Proxy as LazyProxy

        return LazyProxy
    from proxystore.proxy import Proxy

    return Proxy


def _create(cls: Any, factories: list[KeyFactory]) -> tuple[list[Any], float]:
    proxies: list[Any] = [None] * len(factories)
    start = time.perf_counter()
    for i, fn in enumerate(factories):
        proxies[i] = cls(fn)
    return proxies, time.perf_counter() - start


def many(cls: Any, count: int) -> dict[str, float]:
    """Create, then pickle, `count` proxies; times and bytes per proxy."""
    factories = [KeyFactory(i) for i in range(count)]
    gc.collect()
    proxies, create_s = _create(cls, factories)
    dumps = pickle.dumps
    start = time.perf_counter()
    pickles = [dumps(p) for p in proxies]
    pickle_s = time.perf_counter() - start
    pickled = sum(map(len, pickles)) / count
    del proxies, pickles
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        proxies, _ = _create(cls, factories)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # The list holding the proxies is not theirs.
    after -= sys.getsizeof(proxies)
    del proxies
    # Once more with the garbage collector off: what its passes cost.
    gc.collect()
    gc.disable()
    try:
        proxies, create_nogc_s = _create(cls, factories)
    finally:
        gc.enable()
    del proxies
    return {
        'count': count,
        'create_s': create_s,
        'create_nogc_s': create_nogc_s,
        'pickle_s': pickle_s,
        'bytes_per_proxy': (after - before) / count,
        'pickled_bytes': pickled,
    }


def _first_use(
    proxy: Any, barrier: threading.Barrier, failures: list[BaseException]
) -> None:
    barrier.wait()
    try:
        if proxy.real != 1:
            raise AssertionError('wrong target')
    except BaseException as exc:
        failures.append(exc)


def race(cls: Any, threads: int, *, shared: bool) -> dict[str, float]:
    """Threads released at once, each using a proxy first: wall time and calls."""
    walls, calls = [], []
    for _ in range(RACES):
        factory = SlowFactory()
        if shared:
            proxies = [cls(factory)] * threads
        else:
            proxies = [cls(factory) for _ in range(threads)]
        barrier = threading.Barrier(threads + 1)
        failures: list[BaseException] = []
        workers = [
            threading.Thread(target=_first_use, args=(p, barrier, failures))
            for p in proxies
        ]
        for worker in workers:
            worker.start()
        SlowFactory.calls = 0
        barrier.wait()
        start = time.perf_counter()
        for worker in workers:
            worker.join()
        walls.append(time.perf_counter() - start)
        calls.append(SlowFactory.calls)
        if failures:
            raise failures[0]
    return {
        'threads': threads,
        'shared': shared,
        'wall_s': statistics.median(walls),
        'factory_calls': max(calls),
    }


def measure(*, impl: str, counts: list[int], threads: list[int]) -> dict[str, Any]:
    """Every measurement of one implementation; the result as JSON data."""
    cls = proxy_class(impl)
    return {
        'impl': impl,
        'python': platform.python_version(),
        'many': [many(cls, count) for count in counts],
        'races': [
            race(cls, n, shared=shared) for shared in (True, False) for n in threads
        ],
    }


def main(argv: list[str] | None = None) -> None:
    """Measure one implementation and print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--impl', choices=IMPLS, required=True)
    parser.add_argument('--counts', default='1000,10000,100000,1000000')
    parser.add_argument('--threads', default='1,2,4,8,16,32,64')
    args = parser.parse_args(argv)
    result = measure(
        impl=args.impl,
        counts=[int(n) for n in args.counts.split(',')],
        threads=[int(n) for n in args.threads.split(',')],
    )
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
