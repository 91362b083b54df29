"""The instruction-count driver: every operation's instructions, under callgrind.

Each implementation's worker (`instruction_worker.py`) runs twice under
callgrind, in its own environment, with N and then 2N loops per operation;
callgrind counts the instructions of each operation's loop apart (the worker
marks where each begins). The difference between the two runs, divided by N,
is what one run of the operation costs: start-up, imports, compiling the
loop and warming the interpreter's caches are the same in both runs and
cancel. Instruction counts do not depend on the machine's load, so the
implementations need not alternate, and two runs give the same figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from driver import machine
from instruction_worker import MARKER_FUNCTION
from operations import ALL_OP_NAMES
from operations import ENV_OF
from operations import IMPLS

ELF_MAGIC = b'\x7fELF'


def real_interpreter(python: str) -> str:
    """`python` if it is an interpreter binary; callgrind would count a script.

    A pyenv shim, or any launcher script, would be what callgrind measures
    (it does not follow child processes), so only an executable file is
    taken; a virtual environment's `bin/python` is a link to, or a copy of,
    the interpreter, and that is fine.
    """
    found = shutil.which(python)
    if found is None:
        raise SystemExit(f'no interpreter at {python!r}')
    with open(os.path.realpath(found), 'rb') as file:
        if file.read(4) != ELF_MAGIC:
            raise SystemExit(
                f'{python} is a script, not an interpreter binary (a pyenv shim?):'
                ' give the interpreter itself or a virtual environment`s bin/python'
            )
    return found


def valgrind() -> str:
    """The valgrind program, or an error that says how to get it."""
    found = shutil.which('valgrind')
    if found is None:
        raise SystemExit(
            'valgrind is needed to count instructions (Debian: apt-get install'
            ' valgrind); `--mode time` measures without it'
        )
    return found


def _totals(out: Path, parts: int) -> list[int]:
    """The instructions of each numbered part callgrind wrote, in order."""
    counts = []
    for i in range(1, parts + 1):
        path = out.with_name(f'{out.name}.{i}')
        if not path.exists():
            raise RuntimeError(f'callgrind wrote no part {i} ({path})')
        for line in path.read_text().splitlines():
            if line.startswith('totals:'):
                counts.append(int(line.split()[1]))
                break
        else:
            raise RuntimeError(f'no totals in {path}')
    return counts


def count_once(python: str, impl: str, loops: int) -> dict[str, Any]:
    """One worker run under callgrind: its JSON, with `counts` by operation."""
    worker = Path(__file__).resolve().parent / 'instruction_worker.py'
    # A fixed environment, not the caller's: its size moves the addresses
    # of what the process allocates, and with them a few instructions (the
    # dictionaries keyed by `id`, the alignment of copies).
    env = {
        'PATH': os.defpath,
        'LC_ALL': 'C.UTF-8',
        'PYTHONHASHSEED': '0',  # the same hashes, so the same dict probes
        'PYTHONDONTWRITEBYTECODE': '1',  # both runs compile the same sources
    }
    with tempfile.TemporaryDirectory(prefix='callgrind-') as tmp:
        out = Path(tmp) / 'callgrind.out'
        command = [
            valgrind(),
            '--tool=callgrind',
            f'--callgrind-out-file={out}',
            f'--dump-before={MARKER_FUNCTION}',
            '--dump-line=no',
            '--compress-strings=no',
            real_interpreter(python),
            '-s',  # no user site-packages
            '-X',
            'utf8',
            str(worker),
            '--impl',
            impl,
            '--loops',
            str(loops),
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, check=False
        )
        if done.returncode:
            sys.stderr.write(done.stderr[-4000:])
            raise SystemExit(f'worker {impl} failed under callgrind: {command}')
        result: dict[str, Any] = json.loads(done.stdout)
        names = result['parts']
        # Part 1 is the start-up up to the first marker; then one per
        # operation. More parts than that: something else called the marker.
        extra = out.with_name(f'{out.name}.{len(names) + 2}')
        if extra.exists():
            raise SystemExit(
                f'{impl}: {MARKER_FUNCTION} was called outside the markers;'
                ' the parts cannot be told apart'
            )
        counts = _totals(out, len(names) + 1)[1:]
    result['counts'] = dict(zip(names, counts, strict=True))
    return result


def count_impl(python: str, impl: str, loops: int) -> dict[str, Any]:
    """Instructions per run of each operation: (2N loops - N loops) / N."""
    once = count_once(python, impl, loops)
    twice = count_once(python, impl, 2 * loops)
    instructions: dict[str, float | None] = dict.fromkeys(ALL_OP_NAMES)
    for name, count in twice['counts'].items():
        if name not in once['voided'] and name not in twice['voided']:
            instructions[name] = (count - once['counts'][name]) / loops
    return {
        'impl': impl,
        'version': once['version'],
        'python': once['python'],
        'instructions': instructions,
        'sizes': once['sizes'],
        'notes': {**once['notes'], **twice['notes']},
    }


def run_driver(args: argparse.Namespace) -> dict[str, Any]:
    """Count every implementation's instructions; the summary for the report."""
    pythons = {'ours': args.ours, 'proxystore': args.proxystore, 'peers': args.peers}
    impls = [
        impl
        for impl in (args.impls.split(',') if args.impls else IMPLS)
        if pythons[ENV_OF[impl]]
    ]
    if 'ours' not in impls:
        raise SystemExit('`ours` must be among the implementations')
    if args.loops < 1:
        raise SystemExit(f'--loops must be at least 1, not {args.loops}')
    valgrind()
    for impl in impls:
        real_interpreter(pythons[ENV_OF[impl]])
    started = time.perf_counter()

    def work(impl: str) -> dict[str, Any]:
        result = count_impl(pythons[ENV_OF[impl]], impl, args.loops)
        print(
            f'counted {impl:<10} {time.perf_counter() - started:6.1f}s',
            file=sys.stderr,
            flush=True,
        )
        return result

    # The counts do not depend on the load, so the runs may share the cores.
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = dict(zip(impls, pool.map(work, impls), strict=True))
    version = subprocess.run(
        [valgrind(), '--version'], capture_output=True, text=True, check=True
    ).stdout.strip()
    return {
        'mode': 'instructions',
        'python': results['ours']['python'],
        'implementation': platform.python_implementation(),
        'machine': machine(),
        'versions': {impl: result['version'] for impl, result in results.items()},
        'settings': {
            'loops': args.loops,
            'valgrind': version,
            'seconds': round(time.perf_counter() - started, 1),
        },
        'impls': impls,
        'instructions': {impl: r['instructions'] for impl, r in results.items()},
        'sizes': {impl: r['sizes'] for impl, r in results.items()},
        'notes': {impl: r['notes'] for impl, r in results.items()},
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the instruction-count mode."""
    parser.add_argument(
        '--loops',
        type=int,
        default=500,
        help='N: runs per operation in the first process (2N in the second)',
    )
    parser.add_argument(
        '--jobs', type=int, default=2, help='implementations counted at once'
    )
