"""The scaling runs' driver: alternates contenders and environments over repeats.

For the pass-by-reference benchmark, every repeat goes through the payload
sizes in turn and, at each size, runs every contender once in a process of
its own (`transfer_worker.py`), in an order rotated by one place per size and
per repeat, so that load on the machine falls on all of them alike. For the
proxy's own scaling, every repeat runs `proxy_scaling.py` once per
implementation, alternated the same way. The load average is recorded with
every process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from driver import load
from driver import machine

HERE = Path(__file__).resolve().parent
SIZES: tuple[int, ...] = tuple(10**k for k in range(3, 10))  # 1 kB to 1 GB
TASKS: tuple[int, ...] = (1, 8, 64)
COUNTS: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
THREADS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
# Which environment (`--ours`, `--proxystore`, `--peers`) runs each contender.
TRANSFER_ENV = {
    'value': 'ours',
    'ours': 'ours',
    'proxystore': 'proxystore',
    'shm': 'ours',
    'dask': 'ours',
}
PROXY_ENV = {'ours': 'ours', 'proxystore': 'proxystore', 'lop.cext': 'peers'}
# Passing by value is skipped where it would pickle more than this in one
# run (1 GB to 8 or 64 tasks): minutes per repeat, and several GB of pickles
# queued in the parent and the workers at once.
BY_VALUE_LIMIT = 7 * 10**9


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `scaling` command's options."""
    parser.add_argument('--ours', required=True, help='python with ours, numpy, dask')
    parser.add_argument('--proxystore', help='python with proxystore==1.1.0, numpy')
    parser.add_argument('--peers', help='python with lazy-object-proxy')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--repeats', type=int, default=3, help='repeats of each run')
    parser.add_argument('--parts', default='transfer,proxies', help='which runs')
    parser.add_argument(
        '--contenders',
        default=','.join(TRANSFER_ENV),
        help='comma-separated subset of the pass-by-reference contenders',
    )
    parser.add_argument(
        '--max-nbytes', type=float, default=1e9, help='largest payload (bytes)'
    )
    parser.add_argument('--workers', type=int, default=2, help='worker processes')
    parser.add_argument(
        '--quick', action='store_true', help='tiny sizes and counts: checks only'
    )


def skipped(contender: str, nbytes: int, tasks: int) -> bool:
    """Whether the run is left out (passing 1 GB by value to many tasks)."""
    return contender == 'value' and nbytes * tasks > BY_VALUE_LIMIT


def _run_json(command: list[str], timeout: float) -> dict[str, Any]:
    env = {**os.environ, 'PYTHONHASHSEED': '0'}
    env.pop('PYTHONPATH', None)
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, timeout=timeout
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f'failed: {" ".join(command)}')
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _rotated(items: list[str], shift: int) -> list[str]:
    shift %= len(items)
    return items[shift:] + items[:shift]


def run_transfer(
    *,
    pythons: dict[str, str],
    sizes: tuple[int, ...],
    tasks: tuple[int, ...],
    repeats: int,
    workers: int,
    contenders: list[str],
    log: Any,
) -> list[dict[str, Any]]:
    """Every contender at every size, `repeats` times; one record per process."""
    contenders = [c for c in contenders if pythons.get(TRANSFER_ENV[c])]
    records = []
    for repeat in range(repeats):
        for i, nbytes in enumerate(sizes):
            for contender in _rotated(contenders, repeat + i):
                counts = [n for n in tasks if not skipped(contender, nbytes, n)]
                if not counts:
                    continue
                command = [
                    pythons[TRANSFER_ENV[contender]],
                    str(HERE / 'transfer_worker.py'),
                    '--contender',
                    contender,
                    '--nbytes',
                    str(nbytes),
                    '--tasks',
                    ','.join(map(str, counts)),
                    '--workers',
                    str(workers),
                ]
                before = load()
                record = _run_json(command, timeout=1800)
                record.update(repeat=repeat, load_before=before, load_after=load())
                records.append(record)
                log(f'transfer {repeat + 1}/{repeats} {nbytes:>13,} B {contender}')
    return records


def run_proxies(
    *,
    pythons: dict[str, str],
    counts: tuple[int, ...],
    threads: tuple[int, ...],
    repeats: int,
    log: Any,
) -> list[dict[str, Any]]:
    """Every implementation's proxy scaling, `repeats` times, alternated."""
    impls = [impl for impl, env in PROXY_ENV.items() if pythons.get(env)]
    records = []
    for repeat in range(repeats):
        for impl in _rotated(impls, repeat):
            command = [
                pythons[PROXY_ENV[impl]],
                str(HERE / 'proxy_scaling.py'),
                '--impl',
                impl,
                '--counts',
                ','.join(map(str, counts)),
                '--threads',
                ','.join(map(str, threads)),
            ]
            before = load()
            record = _run_json(command, timeout=1800)
            record.update(repeat=repeat, load_before=before, load_after=load())
            records.append(record)
            log(f'proxies {repeat + 1}/{repeats} {impl}')
    return records


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the parts asked for; the results with the machine and the settings."""
    pythons = {'ours': args.ours, 'proxystore': args.proxystore, 'peers': args.peers}
    sizes, tasks, counts, threads, repeats = SIZES, TASKS, COUNTS, THREADS, args.repeats
    if args.quick:
        sizes, tasks, counts, threads, repeats = (
            (10**3, 10**5),
            (1, 4),
            (100,),
            (1, 4),
            1,
        )
    sizes = tuple(n for n in sizes if n <= args.max_nbytes)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f'{time.perf_counter() - started:7.1f}s {message}', file=sys.stderr)

    parts = args.parts.split(',')
    results: dict[str, Any] = {
        'machine': machine(),
        'settings': {
            'sizes': list(sizes),
            'tasks': list(tasks),
            'counts': list(counts),
            'threads': list(threads),
            'repeats': repeats,
            'workers': args.workers,
            'by_value_limit': BY_VALUE_LIMIT,
        },
        'transfer': [],
        'proxies': [],
    }
    if 'transfer' in parts:
        results['transfer'] = run_transfer(
            pythons=pythons,
            sizes=sizes,
            tasks=tasks,
            repeats=repeats,
            workers=args.workers,
            contenders=[c for c in TRANSFER_ENV if c in args.contenders.split(',')],
            log=log,
        )
        results['settings']['transfer_seconds'] = round(
            time.perf_counter() - started, 1
        )
    if 'proxies' in parts:
        begun = time.perf_counter()
        results['proxies'] = run_proxies(
            pythons=pythons, counts=counts, threads=threads, repeats=repeats, log=log
        )
        results['settings']['proxies_seconds'] = round(time.perf_counter() - begun, 1)
    results['machine']['load_end'] = load()
    return results
