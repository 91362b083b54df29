"""Run the test suites of projects built on `proxystore.proxy` with ours in place.

`nox -s hosted` calls `run`. Each suite below is a project's own tests, from
its pinned source distribution, run by pytest in a uv environment of its own
where ProxyStore 1.1.0 and the project are installed from PyPI. ProxyStore's
installed package is copied to a folder placed first on `PYTHONPATH`, and its
`proxy/` and `factory.py` are replaced there by ours (the installed one is never
modified); with `--baseline` the copy is left as ProxyStore made it, which is
how a test is shown to fail without us. `hosted_check.py` (beside this file)
is loaded into every pytest run: it prints the `proxystore.proxy` that was
imported and stops the run if it is not the one asked for.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import astuple
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nox

PROXYSTORE = 'proxystore==1.1.0'
BASELINE = '--baseline'
# The folder, in a suite's environment, that holds the copy with ours in it.
OURS = 'overlay-ours'


@dataclass(frozen=True)
class Suite:
    """One project's tests, and what they need.

    Attributes:
        name: The name that `nox -s hosted -- <name>` selects.
        sdist: The pinned requirement whose source distribution holds the tests.
        requirements: What pip installs into the suite's environment.
        args: pytest's paths and options, relative to the unpacked source.
        deselect: Test ids left out, each with the reason (each fails the
            same way with ProxyStore's own module).
        departures: Test ids of the project's that check a behaviour in
            which ours differs from ProxyStore's on purpose, each with the
            reason. With ours in place they run as strict expected failures
            (one that passes fails the run); with `--baseline`, as they are.
        config: The file of the unpacked source that pytest reads its
            configuration from, named so that pytest never looks above the
            source, into this repository's own (a file with no pytest
            section gives pytest's defaults).
    """

    name: str
    sdist: str
    requirements: tuple[str, ...]
    args: tuple[str, ...]
    deselect: Mapping[str, str] = field(default_factory=dict)
    departures: Mapping[str, str] = field(default_factory=dict)
    config: str = 'pyproject.toml'


SUITES = (
    Suite(
        name='proxystore',
        sdist=PROXYSTORE,
        requirements=(
            # The extras of the project's own test environment (tox.ini).
            'proxystore[all,dev]==1.1.0',
        ),
        # The whole suite: its stores, connectors, streams and endpoints all
        # make and resolve proxies. The two tests left out pass with either
        # module on a quiet machine.
        args=('tests',),
        deselect={
            'tests/endpoint/serve_test.py::test_serve': (
                'flaky on a busy machine: the endpoint it starts can take '
                "longer than the test's 5 s limit; timed out the same way with "
                "ProxyStore's own module"
            ),
            'tests/stream/shims/queue_test.py::test_multiprocessing_send_messages': (
                'flaky on a busy machine: its two spawned processes can take '
                'longer than the 5 s it joins them for (exit code None); failed '
                "the same way with ProxyStore's own module"
            ),
        },
        departures={
            'tests/proxy/proxy_container_test.py::test_index': (
                'a proxy of an object without __index__ is no index, as the '
                'object is not (docs/migration.md, "Deliberate differences")'
            ),
            'tests/proxy/proxy_type_test.py::test_attr_functions': (
                "hasattr() of a special name answers as the target's does "
                '(docs/migration.md, "Deliberate differences")'
            ),
            'tests/proxy/proxy_type_test.py::test_fspath': (
                "os.fspath() of a proxy of a non-path raises the target's "
                'error (docs/migration.md, "Deliberate differences")'
            ),
        },
    ),
    Suite(
        name='colmena',
        sdist='colmena==0.7.2',
        requirements=(
            'colmena[globus,test]==0.7.2',
            PROXYSTORE,
        ),
        args=('colmena',),
        deselect=dict.fromkeys(
            (
                'colmena/task_server/tests/test_retry.py'
                '::test_retry_policy_max_retries_zero',
                'colmena/task_server/tests/test_retry.py'
                '::test_retry_policy_max_retries[0-0]',
            ),
            # On a quiet machine they pass with either module; on a busy one
            # (2 cores, other test runs) these first two timed out with either.
            'flaky on a busy machine: the first results from the Parsl '
            'executor the test starts can take longer than its 10 s limit; '
            "timed out the same way with ProxyStore's own module",
        ),
    ),
    Suite(
        name='academy',
        sdist='academy-py==1.0.0',
        requirements=(
            'academy-py[dev,proxystore]==1.0.0',
            PROXYSTORE,
        ),
        args=('tests/unit',),
    ),
    Suite(
        name='proxystore-ex',
        sdist='proxystore-ex==0.1.5',
        requirements=(
            'proxystore-ex[dev]==0.1.5',
            PROXYSTORE,
        ),
        args=('tests',),
    ),
    Suite(
        name='parsl',
        sdist='parsl==2026.10.26',
        # Parsl's conftest implements a hook in the form pytest 9 removed.
        requirements=('parsl==2026.10.26', PROXYSTORE, 'pytest<9'),
        args=(
            'parsl/tests/test_serialization/test_proxystore_configured.py',
            'parsl/tests/test_serialization/test_proxystore_impl.py',
            # Parsl's conftest needs a configuration; `local` runs the tests
            # that set up their own.
            '--config',
            'local',
        ),
        config='setup.cfg',
    ),
)


def select(
    posargs: Sequence[str], suites: Sequence[Suite] = SUITES
) -> tuple[list[Suite], bool]:
    """The suites that `posargs` names (all if none), and whether `--baseline`.

    Raises:
        ValueError: An argument is neither a suite's name nor `--baseline`.
    """
    by_name = {suite.name: suite for suite in suites}
    unknown = [arg for arg in posargs if arg != BASELINE and arg not in by_name]
    if unknown:
        known = ', '.join(by_name)
        msg = f'no hosted suite named {", ".join(unknown)}: the suites are {known}'
        raise ValueError(msg)
    names = [arg for arg in posargs if arg != BASELINE]
    chosen = [suite for suite in suites if not names or suite.name in names]
    return chosen, BASELINE in posargs


@dataclass(frozen=True)
class Counts:
    """The outcome of one suite's run, from pytest's JUnit XML report.

    A test counts once in each kind of problem it had (a failure in its call
    and an error in its teardown count in both); a test that passed and then
    errored in its teardown counts as an error only, where pytest's summary
    also counts it as passed.
    """

    passed: int
    failed: int
    errors: int
    skipped: int
    xfailed: int


def read_junit(path: Path) -> Counts:
    """Count the outcomes in the JUnit XML report pytest wrote at `path`.

    Raises:
        ValueError: The file is not such a report.
    """
    root = ET.parse(path).getroot()
    if root.tag not in {'testsuite', 'testsuites'}:
        msg = f'{path} is not a JUnit XML report: its root is <{root.tag}>'
        raise ValueError(msg)
    counts = dict.fromkeys(('passed', 'failed', 'errors', 'skipped', 'xfailed'), 0)
    for case in root.iter('testcase'):
        kinds = {child.tag: child for child in case}
        if 'failure' in kinds:
            counts['failed'] += 1
        if 'error' in kinds:
            counts['errors'] += 1
        if 'skipped' in kinds:
            xfail = kinds['skipped'].get('type') == 'pytest.xfail'
            counts['xfailed' if xfail else 'skipped'] += 1
        if not kinds.keys() & {'failure', 'error', 'skipped'}:
            counts['passed'] += 1
    return Counts(**counts)


def summary(results: Mapping[str, tuple[int, Counts | None]], baseline: bool) -> str:
    """A table of each suite's counts and pytest's exit status.

    `None` stands for a run that wrote no report (pytest stopped before it
    ran the tests).
    """
    module = "ProxyStore 1.1.0's" if baseline else 'ours'
    head = ('suite', 'passed', 'failed', 'errors', 'skipped', 'xfailed', 'exit')
    lines = [f'proxystore.proxy: {module}', _row(head)]
    for name, (status, counts) in results.items():
        if counts is None:
            lines.append(_row((name, *'-----', str(status))))
        else:
            numbers = astuple(counts)
            lines.append(_row((name, *map(str, numbers), str(status))))
    return '\n'.join(lines)


def _row(cells: Sequence[str]) -> str:
    name, *rest = cells
    return f'{name:<14}' + ''.join(f'{cell:>9}' for cell in rest)


def _unpack(session: nox.Session, suite: Suite, work: Path) -> Path:
    """The suite's source distribution, downloaded and unpacked once."""
    stem = suite.sdist.replace('==', '-')
    tree = work / 'sources' / stem
    if not tree.is_dir():
        download = work / 'sdists' / stem
        session.run(
            'python', '-m', 'pip', 'download', '-q', '--no-deps', '--no-binary',
            ':all:', '--dest', str(download), suite.sdist,
        )  # fmt: skip
        (archive,) = download.glob('*.tar.gz')
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter='data')
            (top,) = Path(tmp).iterdir()
            tree.parent.mkdir(parents=True, exist_ok=True)
            top.rename(tree)
    # ProxyStore's tree holds its package's source, which pytest would put
    # first on sys.path (the tests are a package under the tree): the
    # installed package, under the overlay, is the one that has to run.
    shutil.rmtree(tree / 'proxystore', ignore_errors=True)
    return tree


def _environment(
    session: nox.Session, suite: Suite, work: Path, interpreter: str
) -> Path:
    """The suite's uv environment, made again only when its requirements change."""
    env = work / 'envs' / suite.name
    stamp = env / 'hosted-requirements.txt'
    wanted = '\n'.join(suite.requirements)
    if not stamp.exists() or stamp.read_text() != wanted:
        session.run('uv', 'venv', '-q', '--clear', '-p', interpreter, str(env))
        python = str(env / 'bin' / 'python')
        # Compiled now: processes that tests start and give a few seconds to
        # be ready must not spend them compiling their imports.
        install = ['uv', 'pip', 'install', '-q', '--compile-bytecode', '-p', python]
        session.run(*install, *suite.requirements)
        stamp.write_text(wanted)
    return env


def _overlay(env: Path, root: Path, baseline: bool) -> Path:
    """A copy of the installed `proxystore`, with ours in it unless `baseline`."""
    overlay = env / ('overlay-baseline' if baseline else OURS)
    shutil.rmtree(overlay, ignore_errors=True)
    overlay.mkdir()
    (installed,) = (env / 'lib').glob('python3.*/site-packages/proxystore')
    package = overlay / 'proxystore'
    shutil.copytree(installed, package, ignore=shutil.ignore_patterns('__pycache__'))
    if not baseline:
        ours = root / 'src' / 'proxystore'
        shutil.rmtree(package / 'proxy')
        shutil.copytree(
            ours / 'proxy',
            package / 'proxy',
            ignore=shutil.ignore_patterns('__pycache__'),
        )
        shutil.copy2(ours / 'factory.py', package / 'factory.py')
    shutil.copy2(Path(__file__).with_name('hosted_check.py'), overlay)
    python = str(env / 'bin' / 'python')
    subprocess.run([python, '-m', 'compileall', '-q', str(overlay)], check=True)
    return overlay


def _pytest(
    session: nox.Session, suite: Suite, tree: Path, env: Path, overlay: Path
) -> tuple[int, Counts | None]:
    """Run the suite's pytest in its environment; its exit status and counts.

    Not `session.run`: nox would put its own environment first on `PATH`,
    where the suites' tests look for `python` and their projects' scripts.
    """
    ours = overlay.name == OURS
    report = overlay.with_suffix('.xml')
    report.unlink(missing_ok=True)
    command = [
        str(env / 'bin' / 'pytest'),
        '-p',
        'hosted_check',
        '-p',
        'no:cacheprovider',
        '-rfE',
        f'--rootdir={tree}',
        f'--config-file={tree / suite.config}',
        f'--junitxml={report}',
        *suite.args,
    ]
    variables = {
        **os.environ,
        'PATH': os.pathsep.join([str(env / 'bin'), os.environ.get('PATH', '')]),
        'VIRTUAL_ENV': str(env),
        # The project's own package comes from its unpacked source too, where
        # its tests are, so the two cannot be imported from different places.
        'PYTHONPATH': os.pathsep.join([str(overlay), str(tree)]),
        'HOSTED_PROXY': 'ours' if ours else 'proxystore',
        'HOSTED_DESELECT': json.dumps(list(suite.deselect)),
        'HOSTED_DEPARTURES': json.dumps(dict(suite.departures) if ours else {}),
    }
    session.log(f'{suite.name}: {shlex.join(command)}')
    status = subprocess.run(command, cwd=tree, env=variables, check=False).returncode
    return status, read_junit(report) if report.exists() else None


def run(session: nox.Session, root: Path) -> None:
    """Run the suites the session's arguments select; summarise; fail on a failure."""
    try:
        suites, baseline = select(session.posargs)
    except ValueError as error:
        session.error(str(error))
    session.install('pip', 'uv')
    base = session.run(
        'python', '-c', 'import sys; print(sys._base_executable)', silent=True
    )
    assert isinstance(base, str)
    # Beside the session's own environment, which nox makes afresh each run.
    work = root / '.nox' / 'hosted-suites'
    results: dict[str, tuple[int, Counts | None]] = {}
    for suite in suites:
        tree = _unpack(session, suite, work)
        env = _environment(session, suite, work, base.strip())
        overlay = _overlay(env, root, baseline)
        results[suite.name] = _pytest(session, suite, tree, env, overlay)
    session.log('\n' + summary(results, baseline))
    failed = [name for name, (status, _) in results.items() if status]
    if failed:
        session.error(f'failures in {", ".join(failed)}')
