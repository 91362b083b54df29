"""The examples run and print what they promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / 'examples'

pytest.importorskip('tqdm')
# The example runs a pool of worker processes.
pytestmark = pytest.mark.subprocess


def run_example(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / 'pass_by_reference.py'), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def test_pass_by_reference_prints_its_table() -> None:
    result = run_example('--size-mb', '4', '--tasks', '3')
    lines = result.stdout.splitlines()
    assert lines[0] == (
        '3 tasks on a pool of 2 worker processes, each summing a 4.0 MB array:'
    )
    header = next(line for line in lines if line.startswith('way'))
    assert header.split() == (
        'way pickled per task wall time parent peak worker peak'.split()
    )
    by_value = next(line for line in lines if line.startswith('by value')).split()
    by_proxy = next(line for line in lines if line.startswith('by proxy')).split()
    # way (2 words), pickled size and unit, wall time and 's', then the
    # parent's and a worker's peak, each a number and a unit.
    assert by_value[2:4] == ['4.0', 'MB']
    assert by_proxy[3] == 'B'
    assert int(by_proxy[2]) < 500
    assert by_value[5] == by_proxy[5] == 's'
    # The parent held the array and its pickles by value, not by proxy.
    assert by_value[7] == 'MB'
    assert float(by_value[6]) >= 8
    assert by_proxy[7] in {'B', 'kB'}
    # A worker held the unpickled array by value; by proxy it mapped the file,
    # which tracemalloc does not trace.
    assert by_value[9] == 'MB'
    assert float(by_value[8]) >= 4
    assert by_proxy[9] in {'B', 'kB'}
    assert 'tracemalloc' in result.stdout
    assert 'the parent never resolved the proxy' in result.stdout
    # The progress bars go to stderr, out of the table's way.
    assert 'by proxy' in result.stderr
    assert 'storing' in result.stderr


def test_pass_by_reference_without_progress_bars() -> None:
    result = run_example(
        '--size-mb', '1', '--tasks', '2', '--workers', '1', '--no-progress'
    )
    assert result.stdout.startswith('2 tasks on a pool of 1 worker processes')
    assert result.stderr == ''
