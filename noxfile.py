"""The one entry point for tests, lint, types, docs and benchmarks.

`nox` runs the default sessions (tests on every CPython 3.10-3.13 found on the
machine, tests on 3.14 and 3.15 natively in a Debian testing root and in
Pyodide under Node.js, lint, typecheck, docs); `nox -s bench` runs the
per-operation benchmarks (`nox -s bench-native-3.14 bench-native-3.15` on
3.14 and 3.15) and `nox -s scaling` the pass-by-reference and scaling ones.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import nox
from packaging.requirements import Requirement

nox.needs_version = '>=2024.3.2'
nox.options.default_venv_backend = 'uv|virtualenv'
ROOT = Path(__file__).parent
# Interpreters that are not on the machine are skipped, locally and in CI.
nox.options.error_on_missing_interpreters = False

SUPPORTED = ('3.10', '3.11', '3.12', '3.13')
# CPython releases no interpreter here can run natively: Pyodide (CPython for
# WebAssembly) from the npm registry, run by Node.js. Each pin is the newest
# Pyodide release carrying that CPython.
PYODIDE = {'3.14': '314.0.8', '3.15': '315.0.0-alpha.2'}
# Test dependencies with no pure-Python wheel on PyPI (or needing one that
# has none); the tests that use them skip where they are missing.
NOT_IN_PYODIDE = {'numpy', 'distributed'}
# CPython releases with no interpreter from pyenv here, but packaged by
# Debian's testing distribution: they run natively in a Debian testing root
# that tools/debian-root.sh builds once, under .nox/ or at $DEBIAN_ROOT.
NATIVE = ('3.14', '3.15')
DEBIAN_ROOT = Path(os.environ.get('DEBIAN_ROOT', ROOT / '.nox' / 'debian-testing'))
nox.options.sessions = [
    'tests',
    *(f'native-{v}' for v in NATIVE),
    *(f'pyodide-{v}' for v in PYODIDE),
    'lint',
    'typecheck',
    'docs',
]


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


def _pyodide(session: nox.Session, version: str) -> None:
    if not (shutil.which('node') and shutil.which('npm')):
        if os.environ.get('CI'):
            session.error('Node.js and npm are needed')
        session.skip('Node.js and npm are needed')
    uv = _find_uv(session)
    work = ROOT / '.nox' / f'pyodide-{version.replace(".", "-")}'
    pyodide = work / 'node_modules' / 'pyodide'
    site = work / 'site-packages'
    release = PYODIDE[version]
    installed = pyodide / 'package.json'
    if (
        not installed.exists()
        or json.loads(installed.read_text())['version'] != release
    ):
        work.mkdir(parents=True, exist_ok=True)
        npm = ['npm', 'install', '--prefix', str(work), '--no-save', '--no-audit']
        session.run(*npm, '--no-fund', f'pyodide@{release}', external=True)
    # Rebuilt on every run, from the checkout as it is now.
    shutil.rmtree(work / 'dist', ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    session.run(uv, 'build', '-q', '--wheel', '-o', str(work / 'dist'), external=True)
    pyproject = nox.project.load_toml(ROOT / 'pyproject.toml')
    wanted = [
        requirement
        for requirement in nox.project.dependency_groups(pyproject, 'test')
        if Requirement(requirement).name not in NOT_IN_PYODIDE
    ]
    # Pure-Python wheels only (a wheel compiled for the host would not load),
    # chosen with Emscripten's environment markers. The newest Pyodide
    # platform uv names is an older ABI's, which pure wheels do not depend on.
    target = ['--target', str(site), '--python-version', version]
    platform = ['--python-platform', 'wasm32-pyodide2025', '--only-binary', ':all:']
    wheel = next((work / 'dist').glob('*.whl'))
    session.run(
        uv,
        'pip',
        'install',
        '-q',
        *target,
        *platform,
        str(wheel),
        *wanted,
        external=True,
    )
    runner = ROOT / 'tools' / 'pyodide-pytest.mjs'
    session.run(
        'node',
        str(runner),
        str(pyodide),
        str(ROOT),
        str(site),
        '--cov=proxystore',
        '--cov-report=term',
        *session.posargs,
        env={'COVERAGE_FILE': f'.coverage.pyodide-{version}'},
        external=True,
    )


def _find_uv(session: nox.Session) -> str:
    try:
        from uv import find_uv_bin
    except ImportError:
        found = shutil.which('uv')
    else:
        found = find_uv_bin()
    if found is None:
        session.error('this session needs uv: pip install uv')
    return found


def _pyodide_session(version: str) -> None:
    def session(session: nox.Session) -> None:
        _pyodide(session, version)

    session.__doc__ = f"""Run the test suite on CPython {version} in Pyodide (Node.js).

    The pinned Pyodide release comes from the npm registry; the package (a
    wheel built from the checkout) and the pure-Python test dependencies come
    from PyPI, installed for CPython {version} into a folder that is mounted
    into Pyodide with the project. What WebAssembly cannot do (threads,
    processes, blocking on an event loop) is skipped by marker, so coverage
    is reported without the floor of the native runs.
    """
    nox.session(name=f'pyodide-{version}', venv_backend='none', tags=['pyodide'])(
        session
    )


for _version in PYODIDE:
    _pyodide_session(_version)


def _debian_root(session: nox.Session, *packages: str) -> list[str]:
    """The command that runs a command in the Debian testing root, in /src.

    `packages` are Debian packages the command needs beyond the root's own;
    the root gets those it lacks, once.
    """
    reason = None
    if os.geteuid() != 0:
        reason = 'the Debian testing root needs root (debootstrap, mount, chroot)'
    elif not shutil.which('debootstrap'):
        reason = (
            'the Debian testing root needs debootstrap: apt-get install debootstrap'
        )
    if reason is not None:
        if os.environ.get('CI'):
            session.error(reason)
        session.skip(reason)
    command = ['bash', str(ROOT / 'tools' / 'debian-root.sh'), str(DEBIAN_ROOT)]
    if packages:
        command = ['env', f'DEBIAN_ROOT_PACKAGES={" ".join(packages)}', *command]
    return command


def _debian_venv(
    session: nox.Session, version: str, venv: str, *requirements: str
) -> str:
    """Make a venv in the Debian root (once); install into it; its python.

    The checkout is the root's current directory, so `.` is ours (rebuilt
    from the working tree on every run) and `--group test` its test group.
    """
    run = _debian_root(session)
    make = f'test -x {venv}/bin/python || python{version} -m venv {venv}'
    session.run(*run, 'sh', '-c', make, external=True)
    pip = [f'{venv}/bin/python', '-m', 'pip', 'install', '-q']
    session.run(*run, *pip, *requirements, external=True)
    return f'{venv}/bin/python'


def _native(session: nox.Session, version: str) -> None:
    python = _debian_venv(session, version, f'/venvs/{version}', '.', '--group', 'test')
    session.run(
        *_debian_root(session),
        'env',
        f'COVERAGE_FILE=.coverage.native-{version}',
        python,
        '-m',
        'pytest',
        '--cov=proxystore',
        '--cov-report=term',
        '--cov-fail-under=95',
        *session.posargs,
        external=True,
    )


def _bench_native(session: nox.Session, version: str) -> None:
    envs = f'/venvs/bench-{version}'
    runner = _debian_venv(session, version, f'{envs}/runner', 'matplotlib')
    ours = _debian_venv(session, version, f'{envs}/ours', '.')
    pythons = [
        f'--{name}={_debian_venv(session, version, f"{envs}/{name}", *peers)}'
        for name, peers in BENCH_PEERS.items()
    ]
    session.run(
        # valgrind counts the instructions. The test sessions do not ask for
        # it: a root made for them (as in CI) goes without, and the suite's
        # test of the instruction mode skips there, as on any such machine.
        *_debian_root(session, 'valgrind'),
        runner,
        'benchmarks/bench.py',
        'run',
        f'--ours={ours}',
        *pythons,
        f'--out=benchmarks/results/{version}',
        *session.posargs,
        external=True,
    )


def _native_sessions(version: str) -> None:
    def tests(session: nox.Session) -> None:
        _native(session, version)

    tests.__doc__ = f"""Run the test suite natively on CPython {version}, as `tests`.

    The interpreter is Debian's, in a Debian testing root built once (as
    root) by tools/debian-root.sh; the test dependencies come from PyPI.
    Outside CI, a machine where that cannot be done skips the session.
    """
    nox.session(name=f'native-{version}', venv_backend='none')(tests)

    def bench(session: nox.Session) -> None:
        _bench_native(session, version)

    bench.__doc__ = f"""Run `nox -s bench` on CPython {version}, in the Debian root.

    Writes `benchmarks/results/{version}.*` (times), or with `-- --mode
    instructions` `benchmarks/results/{version}-instructions.*` (the root's
    valgrind counts them). Other extra arguments also go to
    `benchmarks/bench.py run` (for example `-- --quick`).
    """
    nox.session(name=f'bench-native-{version}', venv_backend='none')(bench)


for _version in NATIVE:
    _native_sessions(_version)


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


BENCH_PYTHONS = [v for v in SUPPORTED if _real_interpreter(v)] or None
BENCH_PEERS = {
    'proxystore': ['proxystore==1.1.0'],
    # lazy-object-proxy 1.13 needs 3.11: 3.10 gets 1.12, its last release there.
    'peers': [
        'lazy-object-proxy==1.13.*; python_version >= "3.11"',
        'lazy-object-proxy==1.12.*; python_version < "3.11"',
        'wrapt==2.5.*',
    ],
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
    """Measure ours against the bare object and its peers; write the results.

    Times by default; `-- --mode instructions` counts instructions under
    callgrind instead (valgrind must be installed), which the machine's load
    does not change. Other extra arguments also go to `benchmarks/bench.py
    run` (for example `-- --quick`).
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


@nox.session(python='3.12')
def hosted(session: nox.Session) -> None:
    """Run the suites of projects built on `proxystore.proxy` with ours in place.

    ProxyStore 1.1.0's own tests, colmena's, academy-py's, proxystore-ex's and
    Parsl's ProxyStore tests, each from its pinned source distribution (cached
    under `.nox/hosted-suites/`), with our `proxy/` and `factory.py` over
    ProxyStore's installed package; the table is in tools/hosted.py.
    `-- <suite> ...` runs some of them; `-- --baseline` runs ProxyStore's own
    module instead.
    """
    sys.path.insert(0, str(ROOT / 'tools'))
    import hosted

    hosted.run(session, ROOT)
