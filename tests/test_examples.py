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


UNITS = {'B': 1, 'kB': 1e3, 'MB': 1e6, 'GB': 1e9}  # decimal, as the example's


def table(
    size_mb: int,
) -> tuple[subprocess.CompletedProcess[str], dict[str, list[str]]]:
    """Run the example on an array of `size_mb`; its output and its two rows."""
    result = run_example('--size-mb', str(size_mb), '--tasks', '3')
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f'3 tasks on a pool of 2 worker processes, each summing a {size_mb}.0 MB array:'
    )
    header = next(line for line in lines if line.startswith('way'))
    assert header.split() == (
        'way pickled per task wall time parent peak worker peak'.split()
    )
    rows = {
        way: next(line for line in lines if line.startswith(way)).split()[2:]
        for way in ('by value', 'by proxy')
    }
    # The pickled size and its unit, the wall time and 's', then the parent's
    # and a worker's peak, each a number and a unit.
    for row in rows.values():
        assert len(row) == 8
        assert row[3] == 's'
    return result, rows


def nbytes(row: list[str], column: int) -> float:
    """The size in `row` at `column` (a number, then its unit), in bytes."""
    return float(row[column].replace(',', '')) * UNITS[row[column + 1]]


PICKLED, PARENT, WORKER = 0, 4, 6


def test_pass_by_reference_prints_its_table() -> None:
    result, rows = table(4)
    by_value, by_proxy = rows['by value'], rows['by proxy']
    # A task pickles the array by value, a factory of a few hundred bytes by
    # proxy.
    assert by_value[:2] == ['4.0', 'MB']
    assert nbytes(by_proxy, PICKLED) < 500
    # By value, the parent held the array and a pickle of it; a worker held
    # the unpickled array. By proxy a worker mapped the file, which
    # tracemalloc does not trace.
    assert nbytes(by_value, PARENT) >= 8e6
    assert nbytes(by_value, WORKER) >= 4e6
    assert 'tracemalloc' in result.stdout
    assert 'the parent never resolved the proxy' in result.stdout
    # The progress bars go to stderr, out of the table's way.
    assert 'by proxy' in result.stderr
    assert 'storing' in result.stderr


def test_by_proxy_the_peaks_do_not_grow_with_the_array() -> None:
    # What the pool and the interpreter allocate besides the array differs
    # between Python versions (about 1 MB in the parent from 3.14 on): what
    # holds everywhere is how the peaks scale with the array.
    small, large = table(2)[1], table(16)[1]
    growth = 14e6
    for column in (PARENT, WORKER):
        value_growth = nbytes(large['by value'], column) - nbytes(
            small['by value'], column
        )
        proxy_growth = nbytes(large['by proxy'], column) - nbytes(
            small['by proxy'], column
        )
        assert value_growth >= growth * 0.9  # the table rounds to 0.1 MB
        assert proxy_growth < growth / 10
        # And by proxy each peak is a small part of what it is by value.
        assert (
            nbytes(large['by proxy'], column) < nbytes(large['by value'], column) / 10
        )


def test_pass_by_reference_without_progress_bars() -> None:
    result = run_example(
        '--size-mb', '1', '--tasks', '2', '--workers', '1', '--no-progress'
    )
    assert result.stdout.startswith('2 tasks on a pool of 1 worker processes')
    assert result.stderr == ''
