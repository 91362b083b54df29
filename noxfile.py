"""The one entry point for tests, lint, types, docs and benchmarks.

`nox` runs the default sessions (tests on every CPython 3.10-3.13 found on the
machine, lint, typecheck, docs); `nox -s bench` runs the per-operation
benchmarks and `nox -s scaling` the pass-by-reference and scaling ones.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.needs_version = '>=2024.3.2'
nox.options.default_venv_backend = 'uv|virtualenv'
nox.options.sessions = ['tests', 'lint', 'typecheck', 'docs']
# Interpreters that are not on the machine are skipped, locally and in CI.
nox.options.error_on_missing_interpreters = False

ROOT = Path(__file__).parent
SUPPORTED = ('3.10', '3.11', '3.12', '3.13')


def _real_interpreter(version: str) -> str | None:
    # A pyenv shim is on PATH for every installed version, but runs only the
    # selected ones: it does not count.
    found = shutil.which(f'python{version}')
    return None if found is None or 'shims' in Path(found).parts else found


def _add_pyenv_interpreters() -> None:
    # pyenv installs interpreters outside PATH; make `python3.X` findable.
    root = Path(os.environ.get('PYENV_ROOT', Path.home() / '.pyenv'))
    found = []
    for version in SUPPORTED:
        if not _real_interpreter(version):
            found += sorted((root / 'versions').glob(f'{version}.*/bin'))[-1:]
    if found:
        paths = [str(path) for path in found]
        os.environ['PATH'] = os.pathsep.join([*paths, os.environ['PATH']])


_add_pyenv_interpreters()
PYTHONS = [v for v in SUPPORTED if _real_interpreter(v)] or None


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite with branch coverage on one interpreter."""
    session.install('.', '--group', 'test')
    session.run(
        'pytest',
        '--cov=proxystore',
        '--cov-report=term',
        '--cov-fail-under=95',
        *session.posargs,
        env={'COVERAGE_FILE': f'.coverage.{session.python}'},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install('ruff>=0.8')
    session.run('ruff', 'check', '.')
    session.run('ruff', 'format', '--check', '.')


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the package and the typing samples, strictly.

    mypy --strict (with the project's plugin, from pyproject.toml) and
    pyright in strict mode check `src/` and `tests/typing/samples/`. pyright
    runs on the machine's Node.js.
    """
    session.install('.[mypy]', 'pyright')
    paths = ('src', 'tests/typing/samples')
    session.run('mypy', '--strict', *paths)
    session.run('pyright', *paths)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site, failing on any warning (offline)."""
    session.install('.', '--group', 'docs')
    session.run(
        'mkdocs',
        'build',
        '--strict',
        '--site-dir',
        str(ROOT / 'site'),
        *session.posargs,
        env={'NO_MKDOCS_2_WARNING': '1'},
    )


BENCH_PYTHONS = [v for v in ('3.11', '3.12', '3.13') if _real_interpreter(v)] or None
BENCH_PEERS = {
    'proxystore': ['proxystore==1.1.0'],
    'peers': ['lazy-object-proxy==1.13.*', 'wrapt==2.5.*'],
}
# The scaling runs send NumPy arrays; ours' environment also runs Dask.
SCALING_EXTRAS = {
    'ours': ['numpy>=1.24', 'distributed>=2024.8'],
    'proxystore': ['numpy>=1.24'],
    'peers': [],
}
# One interpreter for the scaling runs (they take tens of minutes).
SCALING_PYTHON = next(
    (v for v in ('3.12', '3.13', '3.11') if _real_interpreter(v)), None
)


def _bench_envs(
    session: nox.Session, name: str, extras: dict[str, list[str]]
) -> dict[str, str]:
    """Build the uv environments for ours and the peers; their interpreters.

    Ours and proxystore share the import name, so each gets its own uv
    environment beside this session's (ours installed from the checkout,
    non-editable); lazy-object-proxy and wrapt share a third.
    """
    session.install('matplotlib', 'uv')
    base = session.run(
        'python', '-c', 'import sys; print(sys._base_executable)', silent=True
    )
    assert isinstance(base, str)
    interpreter = base.strip()
    envs = Path(session.virtualenv.location).parent / f'{name}-envs-{session.python}'
    pythons = {}
    for env_name in ('ours', *BENCH_PEERS):
        env = envs / env_name
        session.run('uv', 'venv', '--quiet', '--clear', '-p', interpreter, str(env))
        python = str(env / 'bin' / 'python')
        if env_name == 'ours':
            # Rebuild from the working tree every time: uv would otherwise
            # reuse a wheel built from an older state of src/.
            packages = [
                '--reinstall-package',
                'proxystore-proxy',
                '--refresh-package',
                'proxystore-proxy',
                str(ROOT),
            ]
        else:
            packages = list(BENCH_PEERS[env_name])
        packages += extras.get(env_name, [])
        session.run('uv', 'pip', 'install', '--quiet', '-p', python, *packages)
        pythons[env_name] = python
    return pythons


@nox.session(python=BENCH_PYTHONS)
def bench(session: nox.Session) -> None:
    """Time ours against the bare object and its peers; write the results.

    Extra arguments go to `benchmarks/bench.py run` (for example `-- --quick`).
    """
    pythons = _bench_envs(session, 'bench', {})
    session.run(
        'python',
        str(ROOT / 'benchmarks' / 'bench.py'),
        'run',
        '--ours',
        pythons['ours'],
        '--proxystore',
        pythons['proxystore'],
        '--peers',
        pythons['peers'],
        '--out',
        str(ROOT / 'benchmarks' / 'results' / str(session.python)),
        *session.posargs,
    )


@nox.session(python=SCALING_PYTHON)
def scaling(session: nox.Session) -> None:
    """Pass a NumPy array to worker processes every way; scale the proxy itself.

    Writes `benchmarks/results/scaling-<python>/`. Extra arguments go to
    `benchmarks/bench.py scaling` (for example `-- --quick`, `-- --repeats 5`
    or `-- --parts proxies`).
    """
    pythons = _bench_envs(session, 'scaling', SCALING_EXTRAS)
    session.run(
        'python',
        str(ROOT / 'benchmarks' / 'bench.py'),
        'scaling',
        '--ours',
        pythons['ours'],
        '--proxystore',
        pythons['proxystore'],
        '--peers',
        pythons['peers'],
        '--out',
        str(ROOT / 'benchmarks' / 'results' / f'scaling-{session.python}'),
        *session.posargs,
    )
