"""An interrupt, or a call back into the library, at every line it runs.

See fault_injection.py, which each case runs in a process of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIOS = ['extract', 'fail', 'record', 'forbid', 'resolve_async']


@pytest.mark.threads
@pytest.mark.subprocess
@pytest.mark.parametrize('action', ['raise', 'callback'])
@pytest.mark.parametrize('scenario', SCENARIOS)
def test_every_line_survives_a_fault(scenario: str, action: str) -> None:
    script = Path(__file__).with_name('fault_injection.py')
    done = subprocess.run(
        [sys.executable, str(script), scenario, action],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report['failures'] == {}
    assert report['points'] > 50  # the tracer reached the library
