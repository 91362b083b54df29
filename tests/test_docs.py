"""Every code example in the README, the docs and the public docstrings runs.

Each ```python block is an example a reader may copy, and runs on its own, in
a fresh namespace, in a temporary working directory. A block that goes on
from the one before it says so to the reader, with the title bar
```python title="Continued from above"``` (CONTINUED): it runs in the
namespace of the blocks it continues. Shell commands go in ```console blocks
and output in ```text blocks, which are not run.

An example that starts a process pool runs as a script of its own, once under
each start method the platform offers, as the examples take the default one:
`fork` (Linux's before 3.14), `forkserver` (Linux's from 3.14) and `spawn`
(macOS's and Windows'). Under the last two each worker imports the script, so
an example without an `if __name__ == '__main__':` guard fails.
A page that imports `redis` runs against a real `redis-server`, started on a
free loopback port for the session; its address is in `REDIS_URL`.
"""

from __future__ import annotations

import inspect
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import proxystore.factory
import proxystore.proxy

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / 'README.md', *sorted((ROOT / 'docs').rglob('*.md'))]
# Labels that look like Python but would not be run: use ```python for code
# and ```text for output (or for Python that must not run).
NOT_RUN = {'', 'py', 'py3', 'python3', 'pycon', 'ipython', 'pytb', 'doctest'}

# What the examples of a page need that some platforms lack (see conftest.py).
PAGE_NEEDS = {
    'docs/concurrency.md': [pytest.mark.threads, pytest.mark.event_loop],
    'docs/concepts/limits.md': [pytest.mark.event_loop],
    'docs/concepts/resolution.md': [pytest.mark.threads],
    'docs/guides/asyncio.md': [pytest.mark.threads, pytest.mark.event_loop],
    'docs/guides/dask.md': [pytest.mark.threads],
}
DOCSTRING_NEEDS = {'proxystore.proxy.resolve_async': [pytest.mark.threads]}
# Test dependencies that some platforms have no wheel for: a page that
# imports one skips where it is missing.
OPTIONAL = ('numpy', 'distributed')

FENCE = re.compile(r'^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$')
# The title bar of a block that goes on from the block before it: the reader
# sees it, and the block runs after the ones it continues.
CONTINUED = 'title="Continued from above"'


@dataclass
class Block:
    language: str
    line: int  # 1-based line of the first line of code
    code: str
    continued: bool = False  # goes on from the previous block


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, dedented, in order."""
    found = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening['indent'], opening['fence']
        info = opening['info'].strip()
        language = info.split()[0].strip('{}.') if info else ''
        body = []
        index += 1
        start = index + 1
        while index < len(lines):
            line = lines[index]
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                break
            body.append(line[len(indent) :] if line.startswith(indent) else line)
            index += 1
        else:
            raise ValueError(f'unclosed code block at line {start - 1}')
        code = textwrap.dedent('\n'.join(body))
        found.append(Block(language, start, code, CONTINUED in info))
        index += 1
    return found


def run_blocks(source: list[Block], filename: str) -> None:
    # The blocks run as the body of a script: in a fresh module that stands
    # in for __main__ while they run. What they define pickles by name in
    # this process, cloudpickle (and so Dask) pickles it by value, and
    # `if __name__ == '__main__':` blocks run, as they do in a script.
    module = types.ModuleType('__main__')
    saved = sys.modules['__main__']
    sys.modules['__main__'] = module
    try:
        for block in source:
            if block.language != 'python':
                continue
            # Pad so that tracebacks point at the line of the page.
            code = compile('\n' * (block.line - 1) + block.code, filename, 'exec')
            exec(code, module.__dict__)
    finally:
        sys.modules['__main__'] = saved


def examples(source: list[Block]) -> list[list[Block]]:
    """The Python examples of a page: each block with the blocks continuing it."""
    found: list[list[Block]] = []
    for block in source:
        if block.language != 'python':
            continue
        if block.continued:
            if not found:
                raise ValueError(
                    f'line {block.line}: the block is {CONTINUED}, '
                    'but no Python block comes before it'
                )
            found[-1].append(block)
        else:
            found.append([block])
    return found


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def python_code(source: list[Block]) -> str:
    return '\n'.join(block.code for block in source if block.language == 'python')


def starts_processes(source: list[Block]) -> bool:
    code = python_code(source)
    return 'ProcessPoolExecutor' in code or 'multiprocessing' in code


def uses_redis(source: list[Block]) -> bool:
    return re.search(r'^import redis$', python_code(source), re.MULTILINE) is not None


def script(source: list[Block], method: str) -> str:
    """The page's Python blocks as one script, each block at its page line.

    Its first line makes `method` the start method of its processes (with
    force: a spawned worker runs that line again when it imports the script).
    """
    start = f'multiprocessing.set_start_method({method!r}, force=True)'
    lines = [f'import multiprocessing; {start}']
    for block in source:
        if block.language == 'python':
            assert len(lines) < block.line, 'blocks overlap'
            lines += [''] * (block.line - 1 - len(lines))
            lines += block.code.splitlines()
    return '\n'.join(lines) + '\n'


def run_script(source: list[Block], name: str, directory: Path, method: str) -> None:
    # Not named after the page: a script called dask.py would shadow Dask.
    path = directory / 'docs_page.py'
    path.write_text(script(source, method), encoding='utf-8')
    # The script imports the proxystore that these tests import.
    package_root = str(Path(proxystore.proxy.__file__).parents[2])
    paths = [package_root, *filter(None, [os.environ.get('PYTHONPATH')])]
    result = subprocess.run(
        [sys.executable, str(path)],
        cwd=directory,
        env={**os.environ, 'PYTHONPATH': os.pathsep.join(paths)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f'{name} run as a script under {method} failed '
        f"(line numbers are the page's):\n{result.stderr}"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port: int = probe.getsockname()[1]
        return port


def answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=1) as connection:
            connection.sendall(b'PING\r\n')
            return connection.recv(64).startswith(b'+PONG')
    except OSError:
        return False


@pytest.fixture(scope='session')
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port, stopped afterwards."""
    if sys.platform == 'emscripten':
        pytest.skip('WebAssembly builds of Python cannot start a redis-server')
    executable = shutil.which('redis-server')
    if executable is None:
        reason = (
            'redis-server is not installed (Debian: apt-get install redis-server); '
            'the Redis recipe runs against a real server'
        )
        if os.environ.get('CI'):
            pytest.fail(f'{reason}, and CI must have it (.ci/run installs it)')
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp('redis')
    for _ in range(5):  # another process may take the free port first
        port = free_port()
        server = subprocess.Popen(
            [
                *(executable, '--bind', '127.0.0.1', '--port', str(port)),
                *('--save', '', '--appendonly', 'no', '--dir', str(directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while server.poll() is None and time.monotonic() < deadline:
            if answers_ping(port):
                break
            time.sleep(0.05)
        if server.poll() is None and answers_ping(port):
            break
        server.kill()
        server.wait()
    else:
        pytest.fail('redis-server did not start')
    try:
        yield f'redis://127.0.0.1:{port}/0'
    finally:
        server.terminate()
        server.wait(timeout=10)


def page_needs(page: Path) -> list[pytest.MarkDecorator]:
    """What running a page's examples needs: the table's, and processes."""
    needs = list(PAGE_NEEDS.get(page_id(page), []))
    source = blocks(page.read_text(encoding='utf-8'))
    if starts_processes(source) or uses_redis(source):
        needs.append(pytest.mark.subprocess)
    return needs


def importorskip_optional(source: list[Block]) -> None:
    code = python_code(source)
    for module in OPTIONAL:
        if re.search(rf'^\s*(?:import|from) {module}\b', code, re.MULTILINE):
            pytest.importorskip(module)


@pytest.mark.parametrize(
    'page',
    [pytest.param(p, marks=page_needs(p)) for p in PAGES],
    ids=page_id,
)
def test_page_examples_run(
    page: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.chdir(tmp_path)
    source = blocks(page.read_text(encoding='utf-8'))
    importorskip_optional(source)
    if uses_redis(source):
        monkeypatch.setenv('REDIS_URL', request.getfixturevalue('redis_url'))
    for number, example in enumerate(examples(source)):
        # Each example in a directory of its own, as a reader would run it.
        directory = tmp_path / f'example-{number}'
        directory.mkdir()
        monkeypatch.chdir(directory)
        if starts_processes(example):
            for method in multiprocessing.get_all_start_methods():
                run_script(example, page_id(page), directory, method)
        else:
            run_blocks(example, str(page))


@pytest.mark.subprocess
def test_a_pool_example_without_a_guard_fails_under_spawn(tmp_path: Path) -> None:
    unguarded = (
        'Text.\n\n```python\n'
        'from concurrent.futures import ProcessPoolExecutor\n\n'
        'with ProcessPoolExecutor(max_workers=1) as pool:\n'
        '    assert list(pool.map(abs, [-1])) == [1]\n'
        '```\n'
    )
    source = blocks(unguarded)
    assert starts_processes(source)
    with pytest.raises(AssertionError, match='under spawn failed'):
        run_script(source, 'page.md', tmp_path, 'spawn')
    guarded = unguarded.replace('with ', "if __name__ == '__main__':\n  with ")
    guarded = guarded.replace('    assert', '      assert')
    run_script(blocks(guarded), 'page.md', tmp_path, 'spawn')


def test_script_keeps_the_page_lines() -> None:
    source = blocks('a\n```python\nx = 1\n```\nb\n\n```python\ny = 2\n```\n')
    lines = script(source, 'forkserver').splitlines()
    assert lines[0].endswith("set_start_method('forkserver', force=True)")
    assert lines[2] == 'x = 1'
    assert lines[7] == 'y = 2'


def test_what_pages_need_names_real_pages() -> None:
    assert set(PAGE_NEEDS) <= {page_id(page) for page in PAGES}
    assert set(DOCSTRING_NEEDS) <= {name for name, _ in public_docstrings()}


@pytest.mark.parametrize('page', PAGES, ids=page_id)
def test_every_block_says_its_language(page: Path) -> None:
    # An unlabelled block, or Python under another label, would silently not
    # run; shell commands go in ```console blocks.
    for block in blocks(page.read_text(encoding='utf-8')):
        assert block.language not in NOT_RUN, (
            f'{page_id(page)}:{block.line}: code block labelled '
            f'{block.language!r}: label Python ```python, output ```text'
        )
        assert block.language not in {'bash', 'sh', 'shell'}, (
            f'{page_id(page)}:{block.line}: put shell commands in ```console'
        )


def test_readme_has_exactly_the_two_commands() -> None:
    commands = [
        block.code
        for block in blocks((ROOT / 'README.md').read_text(encoding='utf-8'))
        if block.language == 'console'
    ]
    assert len(commands) == 2
    first, second = commands
    assert 'examples/pass_by_reference.py' in first
    assert '\n' not in first.strip()
    assert second == (
        'python -m pip install -q nox uv && UV_PYTHON_DOWNLOADS=never python -m nox'
    )
    # CI runs the second command verbatim.
    assert second in (ROOT / '.ci' / 'run').read_text(encoding='utf-8')


def example_output(page: Path) -> str:
    """The one ```text block of `page` that is pass_by_reference.py's output."""
    found = [
        block.code
        for block in blocks(page.read_text(encoding='utf-8'))
        if block.language == 'text' and 'tasks on a pool of' in block.code
    ]
    assert len(found) == 1, f'{page.name}: {len(found)} outputs of the example'
    return found[0]


def test_readme_and_home_page_show_one_run_of_the_example() -> None:
    readme = example_output(ROOT / 'README.md')
    assert readme == example_output(ROOT / 'docs' / 'index.md')
    # As the example prints it: the title, the header and the two ways.
    lines = readme.splitlines()
    assert lines[0].startswith('8 tasks on a pool of 2 worker processes')
    assert lines[2].split() == (
        'way pickled per task wall time parent peak worker peak'.split()
    )
    assert [line.split()[:2] for line in lines[3:5]] == [
        ['by', 'value'],
        ['by', 'proxy'],
    ]
    for page in (ROOT / 'README.md', ROOT / 'docs' / 'index.md'):
        text = page.read_text(encoding='utf-8')
        # Labelled with its command, and pointing to the performance page,
        # which explains how its figures differ from the scaling study's.
        assert 'python examples/pass_by_reference.py' in text
        assert 'performance' in text[text.index(readme) :].split('\n## ')[0]


def public_docstrings() -> list[tuple[str, str]]:
    found = []
    for module in (proxystore.proxy, proxystore.factory):
        found.append((module.__name__, module.__doc__ or ''))
        for name in module.__all__:
            obj = getattr(module, name)
            found.append((f'{module.__name__}.{name}', getattr(obj, '__doc__', '')))
            if inspect.isclass(obj):
                for attribute, value in vars(obj).items():
                    doc = getattr(value, '__doc__', None)
                    if not attribute.startswith('_') and doc:
                        found.append((f'{module.__name__}.{name}.{attribute}', doc))
    return [(name, doc) for name, doc in found if doc and '```' in doc]


@pytest.mark.parametrize(
    ('name', 'doc'),
    [
        pytest.param(name, doc, marks=DOCSTRING_NEEDS.get(name, []), id=name)
        for name, doc in public_docstrings()
    ],
)
def test_docstring_examples_run(
    name: str,
    doc: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    found = blocks(inspect.cleandoc(doc))
    assert any(block.language == 'python' for block in found)
    run_blocks(found, f'<docstring of {name}>')


def test_docstring_examples_are_found() -> None:
    names = {name for name, _ in public_docstrings()}
    assert 'proxystore.proxy.Proxy' in names
    assert 'proxystore.proxy.resolve_async' in names


def test_block_parser() -> None:
    text = (
        'Intro\n'
        '```python\n'
        'x = 1\n'
        '```\n'
        '\n'
        '    ```console\n'
        '    $ echo hi\n'
        '    ```\n'
        '````text\n'
        '```python\n'
        '````\n'
    )
    found = blocks(text)
    assert [(b.language, b.line, b.code) for b in found] == [
        ('python', 3, 'x = 1'),
        ('console', 7, '$ echo hi'),
        ('text', 10, '```python'),
    ]


def test_a_failing_example_fails_with_its_line() -> None:
    source = blocks('text\n\n```python\nx = 1\nassert x == 2\n```\n')
    with pytest.raises(AssertionError) as info:
        run_blocks(source, 'page.md')
    assert info.traceback[-1].path == Path('page.md') or (
        str(info.traceback[-1].path) == 'page.md'
    )
    assert info.traceback[-1].lineno + 1 == 5


def test_a_block_runs_without_the_blocks_before_it() -> None:
    text = (
        '```python\nx = 1\n```\n\n'
        '```python title="Continued from above"\nassert x == 1\n```\n\n'
        '```python\nassert x == 1\n```\n'
    )
    first, alone = examples(blocks(text))
    assert [block.line for block in first] == [2, 6]
    run_blocks(first, 'page.md')
    with pytest.raises(NameError, match="'x'"):
        run_blocks(alone, 'page.md')


def test_a_continued_block_needs_one_before_it() -> None:
    text = 'Text.\n\n```python title="Continued from above"\nx = 1\n```\n'
    with pytest.raises(ValueError, match='no Python block comes before it'):
        examples(blocks(text))
