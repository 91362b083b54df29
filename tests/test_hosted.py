"""The pure parts of `nox -s hosted` (tools/hosted.py, tools/hosted_check.py)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import proxystore.proxy

TOOLS = Path(__file__).parent.parent / 'tools'

# One test of each outcome pytest reports; the id of each says which.
SAMPLE = """
import pytest

def test_passes():
    pass

def test_fails():
    assert False

@pytest.mark.skip(reason='skipped')
def test_skipped():
    pass

@pytest.mark.xfail(reason='known', strict=True)
def test_xfails():
    assert False

@pytest.mark.xfail(reason='known', strict=True)
def test_xpasses():
    pass

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError('teardown')

def test_passes_then_errors(broken_teardown):
    pass

def test_departs():
    assert False
"""


@pytest.fixture(scope='module')
def hosted() -> Iterator[Any]:
    sys.path.insert(0, str(TOOLS))
    try:
        yield importlib.import_module('hosted')
    finally:
        sys.path.remove(str(TOOLS))
        sys.modules.pop('hosted', None)


def _pytest(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / 'test_sample.py').write_text(SAMPLE)
    # A configuration here keeps pytest from taking one from a folder above.
    (tmp_path / 'pytest.ini').write_text('[pytest]\n')
    # The installed proxystore.proxy's folder, first on PYTHONPATH as the
    # overlay is in a hosted run; then the plugin's.
    package = Path(proxystore.proxy.__file__).parent.parent.parent
    return subprocess.run(
        [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', *args],
        cwd=tmp_path,
        env={
            **os.environ,
            'PYTHONPATH': os.pathsep.join([str(package), str(TOOLS)]),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_select_all_some_and_baseline(hosted: Any) -> None:
    names = [suite.name for suite in hosted.SUITES]
    assert [s.name for s in hosted.select([])[0]] == names
    chosen, baseline = hosted.select(['parsl', '--baseline', 'colmena'])
    # In the table's order, whatever the order asked.
    assert [s.name for s in chosen] == ['colmena', 'parsl']
    assert baseline


def test_select_names_the_unknown_suites(hosted: Any) -> None:
    with pytest.raises(ValueError, match=r'no hosted suite named nope, --quick:'):
        hosted.select(['nope', 'parsl', '--quick'])


@pytest.mark.subprocess
def test_read_junit_counts_each_outcome(tmp_path: Path, hosted: Any) -> None:
    report = tmp_path / 'report.xml'
    _pytest(tmp_path, f'--junitxml={report}')
    counts = hosted.read_junit(report)
    # test_xpasses is a strict one: failed. test_passes_then_errors is an
    # error only (pytest's own summary counts it as passed too).
    assert counts == hosted.Counts(passed=1, failed=3, errors=1, skipped=1, xfailed=1)


def test_read_junit_refuses_another_xml(tmp_path: Path, hosted: Any) -> None:
    report = tmp_path / 'report.xml'
    report.write_text('<html/>')
    with pytest.raises(ValueError, match=r'not a JUnit XML report: its root is <html>'):
        hosted.read_junit(report)


def test_summary_has_a_row_per_suite(hosted: Any) -> None:
    counts = hosted.Counts(passed=3, failed=1, errors=0, skipped=2, xfailed=1)
    text = hosted.summary({'colmena': (1, counts), 'parsl': (4, None)}, False)
    lines = text.splitlines()
    assert lines[0] == 'proxystore.proxy: ours'
    assert lines[2].split() == ['colmena', '3', '1', '0', '2', '1', '1']
    assert lines[3].split() == ['parsl', '-', '-', '-', '-', '-', '4']
    assert hosted.summary({}, True).startswith("proxystore.proxy: ProxyStore 1.1.0's")


@pytest.mark.subprocess
def test_check_marks_departures_strictly(tmp_path: Path) -> None:
    departures = {
        'test_sample.py::test_departs': 'differs on purpose',
        'test_sample.py::test_passes': 'differs on purpose',
    }
    result = _pytest(
        tmp_path,
        '-p',
        'hosted_check',
        '-rxX',
        HOSTED_PROXY='ours',
        HOSTED_DEPARTURES=json.dumps(departures),
    )
    assert 'proxystore.proxy: ' in result.stdout
    assert '(ours)' in result.stdout
    # The departure that fails is an expected failure; the one that passes
    # fails the run.
    assert 'XFAIL test_sample.py::test_departs - differs on purpose' in result.stdout
    assert '[XPASS(strict)] differs on purpose' in result.stdout
    assert result.returncode == 1


@pytest.mark.subprocess
def test_check_stops_a_run_of_the_other_module(tmp_path: Path) -> None:
    result = _pytest(tmp_path, '-p', 'hosted_check', HOSTED_PROXY='proxystore')
    assert result.returncode == 4
    assert '(ours), but this run is for proxystore' in result.stderr


@pytest.mark.subprocess
def test_check_stops_at_a_departure_not_collected(tmp_path: Path) -> None:
    departures = {'test_sample.py::test_gone': 'renamed upstream'}
    result = _pytest(
        tmp_path,
        '-p',
        'hosted_check',
        HOSTED_PROXY='ours',
        HOSTED_DEPARTURES=json.dumps(departures),
    )
    assert result.returncode == 4
    assert 'were not collected: test_sample.py::test_gone' in result.stderr


@pytest.mark.subprocess
def test_check_deselects_exact_ids(tmp_path: Path) -> None:
    # `--deselect=test_sample.py::test_passes` would take test_passes_then_errors too.
    result = _pytest(
        tmp_path,
        '-p',
        'hosted_check',
        HOSTED_PROXY='ours',
        HOSTED_DESELECT=json.dumps(['test_sample.py::test_passes']),
    )
    last = result.stdout.splitlines()[-1]
    assert ' 3 failed, 1 passed, 1 skipped, 1 deselected, 1 xfailed, 1 error ' in last
