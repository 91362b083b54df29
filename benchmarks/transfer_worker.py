"""Send a NumPy array to N tasks on worker processes, one way, and measure it.

Runs inside the environment of one contender, for one payload size and each
task count, and prints one JSON document:

    python benchmarks/transfer_worker.py --contender ours --nbytes 1000000 \
        --tasks 1,8,64 --workers 2

The contenders (`CONTENDERS`): `value` passes the array itself, which the
pool pickles into every task; `ours` and `proxystore` store it once as a
`.npy` file and pass a `Proxy` whose factory maps the file (the
`examples/pass_by_reference.py` way), with whichever `proxystore.proxy` this
environment has; `shm` copies it once into `multiprocessing.shared_memory`
and passes the segment's name; `dask` scatters it once to a Dask
`LocalCluster` and passes the future. Every task sums the array.

Measured for each task count, from the start of sending (storing, copying
or scattering included) to the last result: the wall time; the bytes pickled
per task (for `dask`, the array as serialized once by scatter, divided by the
tasks); the parent's peak resident memory above what it held before; and the
largest peak resident memory of a worker above its own baseline. Memory is
the kernel's high-water mark (`VmHWM`, reset through `/proc/self/clear_refs`,
so Linux only). Pages of a mapped file or a shared memory segment count as
resident in every process that reads them, though the machine holds them once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import platform
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

CONTENDERS = ('value', 'ours', 'proxystore', 'shm', 'dask')
# The barrier the pool's workers meet at to reset their memory figures, and
# each worker's baseline: set in every worker by `_start_worker`.
_BARRIER: Any = None
_BASELINE = 0


def _status_kib(field: str) -> int:
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith(f'{field}:'):
            return int(line.split()[1])
    raise RuntimeError(f'no {field} in /proc/self/status')


def reset_peak() -> int:
    """Reset this process's peak resident memory; the resident KiB now."""
    Path('/proc/self/clear_refs').write_text('5')
    return _status_kib('VmRSS')


def peak_above(baseline_kib: int) -> int:
    """Bytes of this process's peak resident memory above `baseline_kib`."""
    return max(0, _status_kib('VmHWM') - baseline_kib) * 1024


@dataclass(frozen=True)
class SharedArray:
    """The name, shape and type of an array in a shared memory segment."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    def total(self) -> float:
        """Attach to the segment, sum the array, detach."""
        from multiprocessing import shared_memory

        extra = {'track': False} if sys.version_info >= (3, 13) else {}
        segment = shared_memory.SharedMemory(self.name, **extra)
        try:
            array: Any = np.ndarray(self.shape, self.dtype, buffer=segment.buf)
            result = float(np.sum(array))
            del array
        finally:
            segment.close()
        return result


def task(argument: Any) -> tuple[float, bool, int, int]:
    """Sum the array; whether it came unresolved; the pid and its peak memory."""
    reference = _unresolved(argument)
    if isinstance(argument, SharedArray):
        total = argument.total()
    else:
        total = float(np.sum(argument))
    return total, reference, os.getpid(), peak_above(_BASELINE)


class _Counter:
    def __init__(self) -> None:
        self.nbytes = 0

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        self.nbytes += size
        return size


def pickled_size(argument: Any) -> int:
    """The bytes of `argument` pickled as the pool pickles it, counted as written."""
    counter = _Counter()
    pickle.Pickler(counter, protocol=pickle.DEFAULT_PROTOCOL).dump(argument)
    return counter.nbytes


def _unresolved(argument: Any) -> bool:
    if type(argument).__name__ != 'Proxy':
        return False
    from proxystore.proxy import is_resolved

    return not is_resolved(argument)


def _start_worker(barrier: Any) -> None:
    global _BARRIER, _BASELINE
    _BARRIER = barrier
    # Imported once per worker, before timing, as a long-lived pool would.
    try:
        import proxystore.factory
        import proxystore.proxy  # noqa: F401
    except ImportError:
        pass
    _BASELINE = reset_peak()


def _reset_worker() -> int:
    """Run on every worker at once (the barrier sees to it): reset its peak."""
    global _BASELINE
    _BARRIER.wait(timeout=60)
    _BASELINE = reset_peak()
    return os.getpid()


@dataclass(frozen=True, kw_only=True)
class Run:
    """One measured run: N tasks of one contender on one payload."""

    tasks: int
    wall_s: float
    pickled_per_task: float
    parent_peak: int
    worker_peak: int

    def as_json(self) -> dict[str, Any]:
        """The run as a JSON object."""
        return dict(self.__dict__)


def _store(array: np.ndarray[Any, Any], directory: Path) -> Any:
    """Store the array as a file; a proxy of it, as this environment makes one."""
    from proxystore.factory import LambdaFactory
    from proxystore.proxy import Proxy

    path = directory / 'array.npy'
    np.save(path, array)
    return Proxy(LambdaFactory(np.load, str(path), mmap_mode='r'))


def _pool_runs(
    *, contender: str, array: np.ndarray[Any, Any], tasks: list[int], workers: int
) -> list[Run]:
    context = get_context('spawn')
    barrier = context.Barrier(workers)
    expected = float(np.sum(array))
    runs = []
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(barrier,)
    ) as pool:
        # One untimed round on a small array first: every code path warmed.
        _send(pool, contender, np.arange(128, dtype=np.float64), 4 * workers)
        for n in tasks:
            # Every worker started, and its peak memory reset, before timing.
            resets = [pool.submit(_reset_worker) for _ in range(workers)]
            if len({f.result() for f in resets}) != workers:
                raise AssertionError('a worker missed the reset')
            baseline = reset_peak()
            directory = Path(tempfile.mkdtemp(prefix='transfer-'))
            segment: Any = None
            try:
                start = time.perf_counter()
                argument, segment = _argument(contender, array, directory)
                futures = [pool.submit(task, argument) for _ in range(n)]
                results = [f.result() for f in as_completed(futures)]
                wall = time.perf_counter() - start
                parent_peak = peak_above(baseline)
                pickled = pickled_size(argument)
                _check(contender, results, expected)
            finally:
                if segment is not None:
                    segment.close()
                    segment.unlink()
                shutil.rmtree(directory)
            runs.append(
                Run(
                    tasks=n,
                    wall_s=wall,
                    pickled_per_task=pickled,
                    parent_peak=parent_peak,
                    worker_peak=max(r[3] for r in results),
                )
            )
    return runs


def _send(pool: Any, contender: str, array: np.ndarray[Any, Any], n: int) -> None:
    directory = Path(tempfile.mkdtemp(prefix='transfer-'))
    try:
        argument, segment = _argument(contender, array, directory)
        results = [f.result() for f in [pool.submit(task, argument) for _ in range(n)]]
        _check(contender, results, float(np.sum(array)))
        if segment is not None:
            segment.close()
            segment.unlink()
    finally:
        shutil.rmtree(directory)


def _argument(
    contender: str, array: np.ndarray[Any, Any], directory: Path
) -> tuple[Any, Any]:
    """What each task is passed, and the shared memory segment if one was made."""
    if contender == 'value':
        return array, None
    if contender in ('ours', 'proxystore'):
        return _store(array, directory), None
    from multiprocessing import shared_memory

    segment = shared_memory.SharedMemory(create=True, size=max(1, array.nbytes))
    view: Any = np.ndarray(array.shape, array.dtype, buffer=segment.buf)
    view[:] = array
    del view
    return SharedArray(segment.name, array.shape, array.dtype.str), segment


def _check(contender: str, results: list[Any], expected: float) -> None:
    for total, reference, _, _ in results:
        if not np.isclose(total, expected):
            raise AssertionError(f'{contender}: sum {total} != {expected}')
        if reference != (contender in ('ours', 'proxystore')):
            raise AssertionError(f'{contender}: arrived resolved={not reference}')


def _dask_runs(
    *, array: np.ndarray[Any, Any], tasks: list[int], workers: int
) -> list[Run]:
    import logging

    from distributed import Client
    from distributed import LocalCluster
    from distributed.protocol import serialize_bytelist

    expected = float(np.sum(array))
    serialized = sum(memoryview(frame).nbytes for frame in serialize_bytelist(array))
    runs = []
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host='127.0.0.1',
            # Without an address the scheduler's HTTP server takes port 8787,
            # which other clusters on the machine may be using.
            dashboard_address='127.0.0.1:0',
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        small = client.scatter(np.arange(128, dtype=np.float64))
        client.gather([client.submit(_dask_task, small, i) for i in range(4 * workers)])
        del small
        _wait_for_release(client)
        for n in tasks:
            baselines = client.run(reset_peak)
            baseline = reset_peak()
            start = time.perf_counter()
            future = client.scatter(array)
            futures = [
                client.submit(_dask_task, future, i, pure=False) for i in range(n)
            ]
            totals = client.gather(futures)
            wall = time.perf_counter() - start
            parent_peak = peak_above(baseline)
            peaks = client.run(_dask_peaks, baselines)
            del futures, future
            _wait_for_release(client)
            for total in totals:
                if not np.isclose(total, expected):
                    raise AssertionError(f'dask: sum {total} != {expected}')
            runs.append(
                Run(
                    tasks=n,
                    wall_s=wall,
                    pickled_per_task=serialized / n,
                    parent_peak=parent_peak,
                    worker_peak=max(peaks.values()),
                )
            )
    return runs


def _wait_for_release(client: Any) -> None:
    # The workers drop the scattered array once the futures are released.
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        if not any(client.run(_held).values()):
            return
        time.sleep(0.05)


def _held(dask_worker: Any = None) -> int:
    assert dask_worker is not None
    return len(dask_worker.data)


def _dask_task(array: Any, index: int) -> float:
    return float(np.sum(array))


def _dask_peaks(baselines: dict[str, int], dask_worker: Any = None) -> int:
    assert dask_worker is not None
    return peak_above(baselines[dask_worker.address])


def measure(
    *, contender: str, nbytes: int, tasks: list[int], workers: int
) -> dict[str, Any]:
    """Every run of one contender on one payload size; the result as JSON data."""
    array = np.arange(max(1, nbytes // 8), dtype=np.float64)
    if contender == 'dask':
        runs = _dask_runs(array=array, tasks=tasks, workers=workers)
    else:
        runs = _pool_runs(
            contender=contender, array=array, tasks=tasks, workers=workers
        )
    return {
        'contender': contender,
        'nbytes': int(array.nbytes),
        'workers': workers,
        'python': platform.python_version(),
        'versions': _versions(contender),
        'runs': [run.as_json() for run in runs],
    }


def _versions(contender: str) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    found = {'numpy': np.__version__}
    names = {
        'ours': 'proxystore-proxy',
        'proxystore': 'proxystore',
        'dask': 'distributed',
    }
    if contender in names:
        with contextlib.suppress(PackageNotFoundError):
            found[names[contender]] = version(names[contender])
    return found


def main(argv: list[str] | None = None) -> None:
    """Measure one contender on one payload size and print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--contender', choices=CONTENDERS, required=True)
    parser.add_argument('--nbytes', type=int, required=True, help='payload bytes')
    parser.add_argument('--tasks', default='1,8,64', help='comma-separated counts')
    parser.add_argument('--workers', type=int, default=2, help='worker processes')
    args = parser.parse_args(argv)
    result = measure(
        contender=args.contender,
        nbytes=args.nbytes,
        tasks=[int(n) for n in args.tasks.split(',')],
        workers=args.workers,
    )
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
