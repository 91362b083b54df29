"""An interrupt, or a call back into the library, at every line it runs.

See fault_injection.py: each scenario and action runs in a process of its
own, as many at once as the machine has CPUs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SCENARIOS = ['extract', 'fail', 'record', 'forbid', 'resolve_async']
ACTIONS = ['raise', 'callback']


def run(scenario: str, action: str) -> tuple[int, str, str]:
    script = Path(__file__).with_name('fault_injection.py')
    done = subprocess.run(
        [sys.executable, str(script), scenario, action],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.threads
@pytest.mark.subprocess
def test_every_line_survives_a_fault() -> None:
    cases = [(scenario, action) for scenario in SCENARIOS for action in ACTIONS]
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        results = dict(
            zip(cases, pool.map(lambda case: run(*case), cases), strict=True)
        )
    problems = {}
    points = {}
    for case, (code, stdout, stderr) in results.items():
        if code != 0:
            problems[case] = stderr[-3000:]
            continue
        report = json.loads(stdout.strip().splitlines()[-1])
        points[case] = report['points']
        if report['failures']:
            problems[case] = report['failures']
    assert problems == {}
    # The tracer reached the library: every scenario runs dozens of its lines.
    assert min(points.values()) > 50, points
    print(f'injection points per case: {points}')
