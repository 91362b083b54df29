"""The examples run and print what they promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / 'examples'


def test_pass_by_reference_example() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / 'pass_by_reference.py'), '--count', '1000'],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    lines = result.stdout.splitlines()
    by_value = next(line for line in lines if line.startswith('by value'))
    by_proxy = next(line for line in lines if line.startswith('by proxy'))
    assert by_value.split()[-1] == 'False'
    assert by_proxy.split()[-1] == 'True'
    assert '499,500' in by_proxy  # sum(range(1000)), computed in the worker
