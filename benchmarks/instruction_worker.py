"""The instruction-count worker: runs every operation a given number of times.

It runs under callgrind, inside the environment that has the implementation
installed, with the standard library only:

    valgrind --tool=callgrind --dump-before=_PyLong_GCD \\
        python benchmarks/instruction_worker.py --impl ours --loops 1000

Before each operation, and after the last, it calls `math.gcd`, which nothing
else here calls: callgrind writes out the instructions counted since the
previous call and starts again at zero, so each operation's loop lands in a
part of its own (`MARKER_FUNCTION` names the C function). It prints one JSON
document: the operations in the order of the parts, the sizes and the notes.
`instruction_driver.py` runs it twice, with N and 2N loops, and divides the
difference of each part by N.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
from typing import Any

from operations import ALL_OP_NAMES
from operations import IMPLS
from timing_worker import check_and_size
from timing_worker import prepare

# The C function that `math.gcd(0, 0)` calls once, in CPython 3.10 to 3.15.
# Not `math_gcd` itself: that one is static, and a stripped interpreter (as
# Debian's are) names only the functions it exports, this one among them.
# Where in the call the part ends does not matter: the same few instructions
# fall on each side in the runs of N and 2N loops, and cancel.
MARKER_FUNCTION = '_PyLong_GCD'

WARM_UP = 1100
"""Runs of each operation before it is counted: CPython 3.10 turns on its
caches of global and attribute lookups in a code object after 1,024 calls, so
that without them an operation would be counted partly before and partly
after, depending on how often earlier operations called the same method."""


def _mark() -> None:
    math.gcd(0, 0)


def run_worker(impl_name: str, loops: int) -> dict[str, Any]:
    """Run each operation `loops` times between markers; the result as JSON data."""
    prepared = prepare(impl_name)
    ran: dict[str, Any] = dict.fromkeys(ALL_OP_NAMES)
    # `Timer.timeit` runs the statement in a loop compiled once, with the
    # garbage collector off: the same loop the time measure runs.
    for name, timer in prepared.timers.items():
        # In the part before this one, the same in both runs: it cancels out.
        timer.timeit(WARM_UP)
        _mark()
        timer.timeit(loops)
        ran[name] = loops
    _mark()
    sizes = check_and_size(prepared, ran)
    return {
        'impl': impl_name,
        'version': prepared.impl.version,
        'python': platform.python_version(),
        'loops': loops,
        # The parts between markers, in order; an operation voided by the
        # checks afterwards is still a part, with no figure.
        'parts': list(prepared.timers),
        'voided': [name for name in prepared.timers if ran[name] is None],
        'sizes': sizes,
        'notes': prepared.notes,
    }


def main(argv: list[str] | None = None) -> None:
    """Run one implementation's operations and print the result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--impl', choices=IMPLS, required=True)
    parser.add_argument('--loops', type=int, required=True, help='runs per operation')
    args = parser.parse_args(argv)
    if args.loops < 1:
        parser.error(f'--loops must be at least 1, not {args.loops}')
    json.dump(run_worker(args.impl, args.loops), sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
