"""Pass an object by reference to a process pool: only the factory travels.

The parent wraps a loader in a proxy and sends the proxy to worker processes
(started with spawn, as on macOS and Windows). Each worker gets a few dozen
bytes, resolves the proxy on first use and works on the real object.
"""

from __future__ import annotations

import argparse
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from proxystore.factory import LambdaFactory
from proxystore.proxy import Proxy
from proxystore.proxy import is_resolved


def load_numbers(count: int) -> list[int]:
    """Stand-in for an expensive load (a file, a database, a remote store)."""
    return list(range(count))


def task(numbers: list[int]) -> tuple[int, bool, int]:
    """Work on the object; report whether it arrived unresolved."""
    arrived_unresolved = isinstance(numbers, Proxy) and not is_resolved(numbers)
    return sum(numbers), arrived_unresolved, os.getpid()


def main() -> None:
    """Run the tasks by value and by proxy, and print what each sent."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--count', type=int, default=1_000_000)
    parser.add_argument('--tasks', type=int, default=4)
    args = parser.parse_args()

    value = load_numbers(args.count)
    proxy: list[int] = Proxy(LambdaFactory(load_numbers, args.count))  # type: ignore[assignment]

    print(
        f'{"way":<10}{"bytes per task":>16}{"result":>22}{"unresolved on arrival":>24}'
    )
    with ProcessPoolExecutor(2, mp_context=get_context('spawn')) as pool:
        for way, argument in (('by value', value), ('by proxy', proxy)):
            results = list(pool.map(task, [argument] * args.tasks))
            size = len(pickle.dumps(argument))
            total, unresolved, _ = results[0]
            print(f'{way:<10}{size:>16,}{total:>22,}{unresolved!s:>24}')
    assert not is_resolved(proxy), 'the parent never needed the object'


if __name__ == '__main__':
    main()
