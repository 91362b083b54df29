"""Pass a large array to a process pool by value, then by reference.

The parent stores a NumPy array once in a local file store (a temporary
directory), then runs the same tasks on a pool of worker processes twice:
first passing the array itself, which the pool pickles into every task, then
passing a proxy whose factory maps the stored file, so that each task
carries a few hundred bytes and each worker reads the array from the store.

It prints, for both ways, the bytes pickled per task, the wall time of the
tasks, and the peak memory allocated while they ran, in the parent and in the
workers. Memory is measured with tracemalloc, which traces Python allocations
(the array, the pickles made of it) but not a memory-mapped file: the pages
of the stored file belong to the operating system's page cache, which the
workers share. Sizes are in decimal units (1 MB = 1,000,000 bytes), as in the
progress bars.
"""

from __future__ import annotations

import argparse
import pickle
import tempfile
import time
import tracemalloc
from concurrent.futures import Executor
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from proxystore.factory import LambdaFactory
from proxystore.proxy import Proxy
from proxystore.proxy import is_resolved

MB = 1_000_000  # decimal, as tqdm counts bytes


def start_tracing() -> None:
    """Trace the Python allocations of a worker process."""
    tracemalloc.start()


def task(array: Any) -> tuple[float, bool, int]:
    """Sum the array; report whether it arrived as an unresolved proxy.

    Also reports the peak of the worker's traced memory during the task,
    which includes the argument as it arrived (unpickled before the call).
    """
    tracemalloc.reset_peak()
    arrived_as_reference = isinstance(array, Proxy) and not is_resolved(array)
    total = float(np.sum(array))
    return total, arrived_as_reference, tracemalloc.get_traced_memory()[1]


def store(array: np.ndarray[Any, Any], path: Path, progress: bool) -> None:
    """Write the array to the file store once, as a .npy file, in chunks."""
    stored = np.lib.format.open_memmap(
        path, mode='w+', dtype=array.dtype, shape=array.shape
    )
    step = max(1, MB // array.itemsize)
    with tqdm(
        total=array.nbytes,
        unit='B',
        unit_scale=True,
        desc='storing',
        disable=not progress,
    ) as bar:
        for start in range(0, len(array), step):
            chunk = array[start : start + step]
            stored[start : start + step] = chunk
            bar.update(chunk.nbytes)
    stored.flush()
    del stored


def settle(pool: Executor, workers: int) -> None:
    """Run a trivial task per worker: starts the workers, flushes the queues."""
    for _ in as_completed([pool.submit(int) for _ in range(workers)]):
        pass


def run(
    pool: Executor,
    argument: Any,
    tasks: int,
    desc: str,
    progress: bool,
) -> tuple[list[tuple[float, bool, int]], float, int]:
    """Run the tasks; return their results, the wall time and the peak memory."""
    tracemalloc.reset_peak()
    start = time.perf_counter()
    futures = [pool.submit(task, argument) for _ in range(tasks)]
    for _ in tqdm(as_completed(futures), total=tasks, desc=desc, disable=not progress):
        pass
    wall = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    return [f.result() for f in futures], wall, peak


def size(nbytes: float) -> str:
    for unit in ('B', 'kB', 'MB', 'GB'):
        if nbytes < 1000 or unit == 'GB':
            return f'{nbytes:,.0f} {unit}' if unit == 'B' else f'{nbytes:,.1f} {unit}'
        nbytes /= 1000
    raise AssertionError('unreachable')


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--size-mb',
        type=float,
        default=100,
        help='array size in MB, 10**6 bytes (default 100)',
    )
    parser.add_argument(
        '--tasks', type=int, default=8, help='number of tasks (default 8)'
    )
    parser.add_argument(
        '--workers', type=int, default=2, help='worker processes (default 2)'
    )
    parser.add_argument(
        '--no-progress', action='store_true', help='do not show progress bars'
    )
    args = parser.parse_args(argv)
    progress = not args.no_progress

    tracemalloc.start()
    count = max(1, int(args.size_mb * MB) // 8)
    array = np.random.default_rng(0).random(count)
    expected = float(np.sum(array))

    with tempfile.TemporaryDirectory(prefix='file-store-') as directory:
        path = Path(directory) / 'array.npy'
        store(array, path, progress)
        # The factory maps the stored file where the proxy is used.
        proxy = Proxy(LambdaFactory(np.load, str(path), mmap_mode='r'))

        context = get_context('spawn')  # as on macOS and Windows: nothing inherited
        with ProcessPoolExecutor(
            args.workers, mp_context=context, initializer=start_tracing
        ) as pool:
            settle(pool, args.workers)  # start the workers before timing

            value_bytes = len(pickle.dumps(array))
            by_value, value_time, value_peak = run(
                pool, array, args.tasks, 'by value', progress
            )
            # From here on the parent needs only the file, not the array; the
            # pool's queues drop the last pickle of it once they move on.
            del array
            settle(pool, args.workers)
            proxy_bytes = len(pickle.dumps(proxy))
            by_proxy, proxy_time, proxy_peak = run(
                pool, proxy, args.tasks, 'by proxy', progress
            )

    for total, _, _ in by_value + by_proxy:
        assert np.isclose(total, expected), (total, expected)
    assert all(reference for _, reference, _ in by_proxy)
    assert not any(reference for _, reference, _ in by_value)
    assert not is_resolved(proxy), 'the parent never resolved the proxy'
    value_worker_peak = max(peak for _, _, peak in by_value)
    proxy_worker_peak = max(peak for _, _, peak in by_proxy)

    print(
        f'{args.tasks} tasks on a pool of {args.workers} worker processes, '
        f'each summing a {size(count * 8)} array:'
    )
    print()
    header = ('way', 'pickled per task', 'wall time', 'parent peak', 'worker peak')
    print(
        f'{header[0]:<10}{header[1]:>18}{header[2]:>12}{header[3]:>14}{header[4]:>14}'
    )
    rows = (
        ('by value', value_bytes, value_time, value_peak, value_worker_peak),
        ('by proxy', proxy_bytes, proxy_time, proxy_peak, proxy_worker_peak),
    )
    for way, nbytes, wall, peak, worker_peak in rows:
        print(
            f'{way:<10}{size(nbytes):>18}{wall:>10.2f} s'
            f'{size(peak):>14}{size(worker_peak):>14}'
        )
    print()
    print(
        'Peak memory: the most Python memory tracemalloc traced while the tasks '
        'ran,\nin the parent and in the busiest task of a worker. A mapped file '
        'is not traced:\nits pages are the page cache, shared by the workers.'
    )
    print()
    print(
        'Both ways computed the same sums. By proxy, every task received the '
        'factory\nand mapped the stored file in its worker; the parent never '
        'resolved the proxy.'
    )


if __name__ == '__main__':
    main()
