"""The driver: alternates the implementations' environments, reruns slow passes.

Each implementation is timed by `timing_worker.py` in a process of its own,
started with the interpreter of the environment that has it installed. The
rounds alternate the implementations (in an order rotated by one place per
round); a process during which the machine ran slow is run again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from operations import ALL_OP_NAMES
from operations import ENV_OF
from operations import IMPLS
from operations import SIZES
from timing_worker import SLOWER


def _worker_command(python: str, impl: str, args: argparse.Namespace) -> list[str]:
    worker = Path(__file__).resolve().parent / 'timing_worker.py'
    command = [python, '-X', 'utf8', str(worker)]
    command += ['--impl', impl, '--repeat', str(args.repeat)]
    command += ['--repeat-time', str(args.repeat_time)]
    if args.number is not None:
        command += ['--number', str(args.number)]
    return command


def run_driver(args: argparse.Namespace) -> dict[str, Any]:
    """Run the workers in alternated rounds, rerun slow ones; the summary."""
    pythons = {'ours': args.ours, 'proxystore': args.proxystore, 'peers': args.peers}
    impls = [
        impl
        for impl in (args.impls.split(',') if args.impls else IMPLS)
        if pythons[ENV_OF[impl]]
    ]
    if 'ours' not in impls:
        raise SystemExit('`ours` must be among the implementations')
    env = {**os.environ, 'PYTHONHASHSEED': '0'}
    env.pop('PYTHONPATH', None)
    rounds: dict[str, list[dict[str, Any]]] = {impl: [] for impl in impls}
    started = time.perf_counter()
    load_at_start = load()

    def work(impl: str, label: str) -> dict[str, Any]:
        command = _worker_command(pythons[ENV_OF[impl]], impl, args)
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, check=False
        )
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f'worker {impl} failed: {" ".join(command)}')
        print(
            f'{label} {impl:<10} {time.perf_counter() - started:6.1f}s',
            file=sys.stderr,
            flush=True,
        )
        result: dict[str, Any] = json.loads(done.stdout)
        result['load'] = load()  # the machine's load as the process ended
        return result

    for round_ in range(args.rounds):
        # A B C ... then B C ... A: every implementation takes every slot.
        shift = round_ % len(impls)
        for impl in impls[shift:] + impls[:shift]:
            rounds[impl].append(work(impl, f'round {round_ + 1}/{args.rounds}'))

    # A process that ran while the machine was slower than the best speed any
    # process saw is run again, up to `--reruns` times, keeping the faster run.
    reruns = 0
    for _ in range(args.reruns):
        for impl, i in _slow_runs(rounds):
            again = work(impl, f'rerun {i + 1}/{args.rounds}')
            reruns += 1
            if again['reference'] < rounds[impl][i]['reference']:
                rounds[impl][i] = again
    summary = summarise(rounds, args, reruns)
    summary['settings']['load_start'] = load_at_start
    summary['settings']['seconds'] = round(time.perf_counter() - started, 1)
    return summary


def _slow_runs(rounds: dict[str, list[dict[str, Any]]]) -> list[tuple[str, int]]:
    """The runs (implementation, round) that the machine ran slow.

    Those whose best reference is slower than `SLOWER` times the best of all
    runs, and those with no sweep at their own best speed.
    """
    fastest = min(run['reference'] for runs in rounds.values() for run in runs)
    return [
        (impl, i)
        for impl, runs in rounds.items()
        for i, run in enumerate(runs)
        if run['reference'] > SLOWER * fastest or not run['clean_sweeps']
    ]


def _median(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    if not present or len(present) < len(values):
        return None
    return statistics.median(present)


def summarise(
    rounds: dict[str, list[dict[str, Any]]], args: Any, reruns: int = 0
) -> dict[str, Any]:
    """The medians over the rounds, with the settings and the machine."""
    first = {impl: runs[0] for impl, runs in rounds.items()}
    times = {
        impl: {
            op: _median([run['times'].get(op) for run in runs]) for op in ALL_OP_NAMES
        }
        for impl, runs in rounds.items()
    }
    sizes = {
        impl: {name: _median([run['sizes'][name] for run in runs]) for name in SIZES}
        for impl, runs in rounds.items()
    }
    notes = {impl: run['notes'] for impl, run in first.items()}
    return {
        'python': first['ours']['python'],
        'implementation': platform.python_implementation(),
        'machine': machine(),
        'versions': {impl: run['version'] for impl, run in first.items()},
        'settings': {
            'rounds': args.rounds,
            'repeat': args.repeat,
            'repeat_time': args.repeat_time,
            'number': args.number,
            'reruns': reruns,
            'slow': len(_slow_runs(rounds)),
        },
        'impls': list(rounds),
        'times_s': times,
        'sizes': sizes,
        'notes': notes,
        'rounds': rounds,
    }


def machine() -> dict[str, Any]:
    """The processor, the core count, the system and the load just now."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return {
        'cpu': cpu,
        'cores': os.cpu_count(),
        'system': platform.system(),
        'memory_gib': _memory_gib(),
        'load': load(),
    }


def _memory_gib() -> float | None:
    try:
        for line in Path('/proc/meminfo').read_text().splitlines():
            if line.startswith('MemTotal:'):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def load() -> list[float] | None:
    """The load averages over 1, 5 and 15 minutes (as `uptime` shows them)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None
