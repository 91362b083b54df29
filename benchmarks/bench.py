"""The benchmarks' command line: per-operation measures and scaling runs.

`run` measures every operation on the bare object, ours and the peers, each
in its own environment, and writes the figures as markdown, JSON and a PNG
chart (the chart needs matplotlib in the interpreter running `run`). It
measures time (`--mode time`, the default: medians of alternated processes)
or instructions (`--mode instructions`: counted by callgrind, which the
machine's load cannot disturb; valgrind must be installed):

    python benchmarks/bench.py run --ours ENV/bin/python \
        --proxystore ENV2/bin/python --peers ENV3/bin/python \
        --out benchmarks/results/3.11 [--mode instructions]

Times go to `<out>.*`, instruction counts to `<out>-instructions.*`; when
the other measure's JSON is already there, the report adds a table of both.

`report` redraws the tables and the chart from a JSON result; `scaling` runs
the pass-by-reference and proxy-scaling benchmarks (`scaling_driver.py`) and
`scaling-report` redraws their report. Our package and proxystore share the
import name `proxystore`, so they can only be compared from separate
environments and processes: `nox -s bench` and `nox -s scaling` build the
environments and run these.

The parts, by role: `operations.py` (what is measured), `timing_worker.py`
(the worker run in each environment), `driver.py` (alternates the
environments), `instruction_worker.py` and `instruction_driver.py` (the same
under callgrind),
`targets.py` (the acceptance targets), `report.py` and `charts.py` (tables and
charts); `transfer_worker.py`, `proxy_scaling.py`, `scaling_driver.py` and
`scaling_report.py` for the scaling runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import driver
import instruction_driver
import report
import scaling_driver
import scaling_report
import timing_worker
from operations import IMPLS


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the command it names."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)

    run = sub.add_parser('run', help='measure every operation and report')
    run.add_argument(
        '--mode',
        choices=('time', 'instructions'),
        default='time',
        help='what to measure (instructions: callgrind, from valgrind)',
    )
    run.add_argument('--ours', required=True, help='python with ours installed')
    run.add_argument('--proxystore', help='python with proxystore==1.1.0')
    run.add_argument('--peers', help='python with lazy-object-proxy and wrapt')
    run.add_argument('--impls', help=f'comma-separated subset of {",".join(IMPLS)}')
    run.add_argument('--rounds', type=int, default=7, help='alternated rounds')
    run.add_argument(
        '--reruns',
        type=int,
        default=3,
        help='passes that rerun the processes the machine ran slow during',
    )
    run.add_argument('--out', required=True, help='output path stem, e.g. results/3.11')
    timing_worker.add_timing_options(run)
    instruction_driver.add_arguments(run)

    redraw = sub.add_parser('report', help='rewrite the outputs from a JSON result')
    redraw.add_argument('json', help='a JSON file written by `run`')
    redraw.add_argument('--out', required=True, help='output path stem')
    redraw.add_argument(
        '--other', help="the other measure's JSON on the same interpreter"
    )

    scaling_driver.add_arguments(
        sub.add_parser('scaling', help='pass-by-reference and proxy scaling runs')
    )
    rescale = sub.add_parser(
        'scaling-report', help='rewrite the scaling outputs from a JSON result'
    )
    rescale.add_argument(
        'json', nargs='+', help='JSON files written by `scaling`, merged'
    )
    rescale.add_argument('--out', required=True, help='output directory')

    args = parser.parse_args(argv)
    if args.command == 'report':
        other = json.loads(Path(args.other).read_text()) if args.other else None
        report.write_outputs(
            json.loads(Path(args.json).read_text()), Path(args.out), other
        )
    elif args.command == 'scaling':
        scaling_report.write_outputs(scaling_driver.run(args), Path(args.out))
    elif args.command == 'scaling-report':
        parts = [json.loads(Path(path).read_text()) for path in args.json]
        scaling_report.write_outputs(scaling_report.merge(parts), Path(args.out))
    elif args.mode == 'instructions':
        if args.quick:
            args.loops = 10
        time_out = Path(args.out)
        out = time_out.with_name(f'{time_out.name}-instructions')
        summary = instruction_driver.run_driver(args)
        report.write_outputs(summary, out, _read(time_out))
    else:
        if args.quick:
            args.repeat, args.number = 1, 20
            args.rounds, args.reruns = min(args.rounds, 2), 0
        out = Path(args.out)
        summary = driver.run_driver(args)
        report.write_outputs(
            summary, out, _read(out.with_name(f'{out.name}-instructions'))
        )


def _read(stem: Path) -> dict[str, Any] | None:
    """The JSON result at `<stem>.json`, if there is one."""
    path = stem.with_name(f'{stem.name}.json')
    return json.loads(path.read_text()) if path.exists() else None


if __name__ == '__main__':
    main()
