"""Static typing: mypy on the sample files, with and without the plugin.

The sample files under `tests/typing/` say in comments what mypy reports on
each line:

- `# R: <type>`: a `reveal_type()` on the line reveals `<type>`;
- `# E: <message>  [<code>]`: an error;
- `# N: <message>`: any other note.

`plugin` or `plain` before the letter (`# plugin R: int`) restricts the
expectation to the run with or without `proxystore.mypy_plugin`. The comments
follow the code on its line or, when long, stand on lines of their own just
above it. Each mode runs mypy once, in strict mode, on every sample, and the
tests compare what mypy reports with what the comments expect, line by line.

`samples/` holds code that type-checks cleanly with the plugin (it is also
checked by `nox -s typecheck`, with pyright too) and that runs: every value
it reveals at runtime must be of the type mypy reveals with the plugin.
`errors/` holds code with mistakes that the plugin must catch.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import re
import runpy
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any
from typing import NamedTuple

import pytest
import typing_extensions
from mypy import api as mypy_api

import proxystore.mypy_plugin
from proxystore.mypy_plugin import ProxyPlugin
from proxystore.proxy import Proxy

TYPING = Path(__file__).parent / 'typing'
TYPING_DOCS = Path(__file__).parent.parent / 'docs' / 'typing.md'
SAMPLES = sorted((TYPING / 'samples').glob('*.py'))
ERRORS = sorted((TYPING / 'errors').glob('*.py'))
MODES = ('plugin', 'plain')

_EXPECTATION = re.compile(
    r'#\s*(?:(?P<mode>plugin|plain)\s+)?(?P<kind>[REN]):\s*'
    r'(?P<text>.*?)\s*(?=#\s*(?:(?:plugin|plain)\s+)?[REN]:|$)',
)
_REPORT = re.compile(
    r'^(?P<path>.+?):(?P<line>\d+): (?P<severity>error|note): (?P<text>.*)$'
)
_REVEALED = re.compile(r'^Revealed type is "(?P<type>.*)"$')


class Report(NamedTuple):
    """One line of mypy's report, as a sample's comment would spell it."""

    file: str
    line: int
    kind: str
    text: str


def _normalize(text: str) -> str:
    # mypy versions differ in whether they spell out the builtins module.
    return text.replace('builtins.', '')


def expected_reports(path: Path, mode: str) -> list[Report]:
    """What the comments in `path` expect mypy to report in `mode`."""
    reports = []
    pending: list[re.Match[str]] = []  # from comment lines, for the next line
    lines = path.read_text(encoding='utf-8').splitlines()
    for number, line in enumerate(lines, start=1):
        matches = list(_EXPECTATION.finditer(line))
        if matches and line.lstrip().startswith('#'):
            pending += matches
            continue
        for match in [*pending, *matches]:
            if match['mode'] in {None, mode}:
                text = _normalize(match['text'])
                reports.append(Report(path.name, number, match['kind'], text))
        pending = []
    assert not pending, f'{path.name}: expectations at the end of the file'
    return sorted(reports)


def parse_report(stdout: str) -> list[Report]:
    """mypy's report, one `Report` per error or note."""
    reports = []
    for line in stdout.splitlines():
        match = _REPORT.match(line)
        assert match is not None, f'unexpected line in the mypy report: {line!r}'
        text = _normalize(match['text'])
        if match['severity'] == 'error':
            kind = 'E'
        elif revealed := _REVEALED.match(text):
            kind, text = 'R', revealed['type']
        else:
            kind = 'N'
        reports.append(Report(Path(match['path']).name, int(match['line']), kind, text))
    return sorted(reports)


def run_mypy(files: list[Path], mode: str, cache_dir: Path) -> list[Report]:
    """Run mypy --strict on `files`, with the plugin or without."""
    config = cache_dir / 'mypy.ini'
    plugins = 'plugins = proxystore.mypy_plugin\n' if mode == 'plugin' else ''
    config.write_text(f'[mypy]\nstrict = True\n{plugins}', encoding='utf-8')
    stdout, stderr, status = mypy_api.run(
        [
            '--config-file',
            str(config),
            '--cache-dir',
            str(cache_dir / 'cache'),
            '--no-error-summary',
            '--no-pretty',
            '--show-error-codes',
            '--hide-error-context',
            '--no-color-output',
            *(str(f) for f in files),
        ],
    )
    assert status in {0, 1}, f'mypy failed:\n{stdout}{stderr}'
    assert not stderr, stderr
    return parse_report(stdout)


def _cache_dir(request: pytest.FixtureRequest, mode: str) -> Path:
    # One cache per mode for the session's runs. Never kept between test
    # sessions: mypy would replay its cached report instead of running the
    # plugin again.
    factory: pytest.TempPathFactory = request.getfixturevalue('tmp_path_factory')
    base = factory.getbasetemp() / f'mypy-{mode}'
    base.mkdir(exist_ok=True)
    return base


@pytest.fixture(scope='module', params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """The mode of a mypy run: `'plugin'` or `'plain'`."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope='module')
def reports(request: pytest.FixtureRequest, mode: str) -> list[Report]:
    """What mypy reports on every sample in `mode` (one run per mode)."""
    return run_mypy([*SAMPLES, *ERRORS], mode, _cache_dir(request, mode))


def _reports_for(reports: list[Report], path: Path) -> list[Report]:
    return [report for report in reports if report.file == path.name]


def test_sample_names_are_unique() -> None:
    # mypy names each sample's module after its file.
    names = [path.name for path in [*SAMPLES, *ERRORS]]
    assert len(names) == len(set(names))
    assert len(SAMPLES) >= 4
    assert ERRORS


@pytest.mark.parametrize('path', [*SAMPLES, *ERRORS], ids=lambda p: p.name)
def test_mypy_reports_what_the_sample_expects(
    reports: list[Report],
    mode: str,
    path: Path,
) -> None:
    assert _reports_for(reports, path) == expected_reports(path, mode)


@pytest.mark.parametrize('path', SAMPLES, ids=lambda p: p.name)
def test_samples_have_no_error_with_the_plugin(path: Path) -> None:
    kinds = {report.kind for report in expected_reports(path, 'plugin')}
    assert 'E' not in kinds


def test_user_code_is_clean_under_strict(reports: list[Report]) -> None:
    # Proxy, ProxyOr, extract, get_factory and the factories in ordinary
    # code: nothing to report, with the plugin or without.
    assert _reports_for(reports, TYPING / 'samples' / 'user_code.py') == []


def _split_union(text: str) -> list[str]:
    # `A | B[C | D]`: split at the top level only.
    items, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {'[': 1, '(': 1, ']': -1, ')': -1}.get(char, 0)
        if depth == 0 and text.startswith(' | ', index):
            items.append(text[start:index])
            start = index + 3
    return [*items, text[start:]]


def _runtime_class(name: str, module: str, namespace: dict[str, Any]) -> type:
    # A mypy name: `int` (a builtin), `<sample>.Node`, `package.module.Name`,
    # each maybe with type arguments (left out: isinstance() cannot check them).
    owner, _, short = name.partition('[')[0].rpartition('.')
    if not owner:
        found = getattr(builtins, short)
    elif owner == module:
        found = namespace[short]
    else:
        found = getattr(importlib.import_module(owner), short)
    assert isinstance(found, type), name
    return found


def conforms(value: Any, revealed: str, module: str, namespace: dict[str, Any]) -> bool:
    """Whether `value` is of the type mypy revealed (`revealed`, normalized)."""
    items = _split_union(revealed)
    if len(items) > 1:
        return any(conforms(value, item, module, namespace) for item in items)
    if revealed == 'Any':
        return True
    if revealed == 'None':
        return value is None
    if revealed.startswith('def '):
        return callable(value)
    if revealed.startswith('type[') and revealed.endswith(']'):
        return isinstance(value, type) and issubclass(
            value, _runtime_class(revealed[5:-1], module, namespace)
        )
    return isinstance(value, _runtime_class(revealed, module, namespace))


# Calls that reach the reveal_type() lines inside a sample's functions, with
# targets of the types the functions take. operations.py is static only: each
# function uses every operator of a protocol on one target.
SAMPLE_CALLS: dict[str, Callable[[dict[str, Any]], object]] = {
    'generics.py': lambda ns: [
        ns['unbounded'](Proxy(lambda: types.SimpleNamespace(anything=1))),
        ns['bounded'](Proxy(ns['Base'])),
        ns['bounded_proxy'](Proxy(ns['Base'])),
        ns['untyped'](Proxy(lambda: types.SimpleNamespace(anything=1))),
        ns['subclass'](ns['NamedProxy'](ns['Base'])),
        ns['defined_later'](Proxy(ns['Later'])),
    ],
    'unions.py': lambda ns: [
        ns['proxy_or_plain'](ns['Meters']()),
        ns['proxy_or_plain'](Proxy(ns['Meters'])),
        ns['two_proxies'](Proxy(ns['Meters'])),
        ns['two_proxies'](Proxy(ns['Feet'])),
        ns['proxy_or_other'](Proxy(ns['Meters'])),
        ns['proxy_or_other'](ns['Feet']()),
        ns['optional'](Proxy(ns['Meters'])),
        ns['narrowed'](Proxy(ns['Meters'])),
        ns['narrowed'](ns['Meters']()),
        ns['bounded_by_a_union'](Proxy(ns['Feet'])),
    ],
}


def _reveal_lines(path: Path, *, in_functions: bool) -> set[int]:
    # The lines of reveal_type() calls at module level, or in functions.
    tree = ast.parse(path.read_text(encoding='utf-8'))
    nested = {
        node.lineno
        for function in ast.walk(tree)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
    }
    calls = {
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == 'reveal_type'
    }
    return calls & nested if in_functions else calls - nested


@pytest.mark.parametrize('path', SAMPLES, ids=lambda p: p.name)
def test_samples_run_and_reveal_what_the_plugin_says(
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The samples are real code: they run, and every value they reveal is
    # of the type that mypy, with the plugin, reveals on its line.
    revealed: list[tuple[int, Any]] = []

    def record(value: Any) -> Any:
        caller = sys._getframe(1)
        assert caller.f_code.co_filename == str(path)
        revealed.append((caller.f_lineno, value))
        return value

    monkeypatch.setattr(typing_extensions, 'reveal_type', record)
    namespace = runpy.run_path(str(path), run_name=path.stem)
    expected_lines = _reveal_lines(path, in_functions=False)
    if path.name in SAMPLE_CALLS:
        SAMPLE_CALLS[path.name](namespace)
        expected_lines |= _reveal_lines(path, in_functions=True)
    assert {line for line, _ in revealed} == expected_lines
    claims = {
        report.line: report.text
        for report in expected_reports(path, 'plugin')
        if report.kind == 'R'
    }
    for line, value in revealed:
        assert conforms(value, claims[line], path.stem, namespace), (
            f'{path.name}:{line}: {value!r} is not {claims[line]}'
        )


def test_expectation_comments_are_parsed(tmp_path: Path) -> None:
    sample = tmp_path / 'sample.py'
    sample.write_text(
        'x = 1  # R: builtins.int\n'
        'y = 2  # plugin R: int  # plain R: Any\n'
        '# plain N: see\n'
        'z = 3  # E: "int" has no attribute "a"  [attr-defined]\n',
        encoding='utf-8',
    )
    assert expected_reports(sample, 'plugin') == [
        Report('sample.py', 1, 'R', 'int'),
        Report('sample.py', 2, 'R', 'int'),
        Report('sample.py', 4, 'E', '"int" has no attribute "a"  [attr-defined]'),
    ]
    assert expected_reports(sample, 'plain') == [
        Report('sample.py', 1, 'R', 'int'),
        Report('sample.py', 2, 'R', 'Any'),
        Report('sample.py', 4, 'E', '"int" has no attribute "a"  [attr-defined]'),
        Report('sample.py', 4, 'N', 'see'),
    ]


def test_falls_back_to_any_when_the_lookup_fails(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError('lookup failed')

    monkeypatch.setattr(proxystore.mypy_plugin, '_member', broken)
    sample = tmp_path / 'fallback_sample.py'
    sample.write_text(
        'from typing_extensions import reveal_type\n'
        'from proxystore.proxy import Proxy\n'
        'reveal_type(Proxy(lambda: 1).real)\n',
        encoding='utf-8',
    )
    assert run_mypy([sample], 'plugin', _cache_dir(request, 'plugin')) == [
        Report('fallback_sample.py', 3, 'R', 'Any'),
    ]


def _marked_block(markdown: str, marker: str) -> str:
    match = re.search(
        rf'<!-- {marker} -->\n```\w+[^\n]*\n(.*?)```', markdown, re.DOTALL
    )
    assert match is not None, f'no block marked {marker!r}'
    return match[1]


def test_the_docs_show_what_mypy_reports(
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    # docs/typing.md shows mypy's report on its example, without the plugin
    # and with it: both must be what mypy says.
    markdown = TYPING_DOCS.read_text(encoding='utf-8')
    example = tmp_path / 'example.py'
    example.write_text(_marked_block(markdown, 'typing-example'), encoding='utf-8')
    for mode, marker in [
        ('plain', 'mypy-without-plugin'),
        ('plugin', 'mypy-with-plugin'),
    ]:
        shown = parse_report(_marked_block(markdown, marker))
        assert run_mypy([example], mode, _cache_dir(request, mode)) == shown


def test_plugin_entry_point() -> None:
    assert proxystore.mypy_plugin.plugin('1.10.0') is ProxyPlugin


@pytest.mark.parametrize(
    ('fullname', 'hooked'),
    [
        ('proxystore.proxy.Proxy.value', True),
        ('proxystore.proxy.Proxy.__name__', True),
        ('proxystore.proxy.Proxy.__proxy_factory__', False),
        ('proxystore.proxy.Proxy.__proxy_target__', False),
        ('proxystore.proxy.Proxy.__deepcopy__', False),
        ('proxystore.proxy.Proxy.__orig_class__', False),
        ('builtins.object.__class__', True),
        ('builtins.int.real', False),
        ('mymodule.Proxy.value', False),
    ],
)
def test_attribute_hook_is_for_forwarded_proxy_attributes(
    fullname: str,
    hooked: bool,
) -> None:
    from mypy.options import Options

    hook = ProxyPlugin(Options()).get_attribute_hook(fullname)
    assert (hook is not None) is hooked


def test_names_the_proxy_keeps_are_not_forwarded() -> None:
    # The proxy's own names that Proxy does not declare (mypy would find the
    # declared ones itself) must not be typed as the target's.
    from mypy.options import Options

    import proxystore.proxy

    plugin = ProxyPlugin(Options())
    own = proxystore.proxy._OWN_NAMES
    declared = {*vars(Proxy), *Proxy.__annotations__}
    undeclared = {name for name in own if name not in declared}
    assert undeclared
    for name in undeclared:
        fullname = f'proxystore.proxy.Proxy.{name}'
        assert plugin.get_attribute_hook(fullname) is None, name
    # The plugin's list is the runtime's, less what mypy finds by itself
    # (declared names, and `__proxy_*` names, which the plugin skips by
    # prefix): a name it keeps that the runtime forwards is typed wrongly too.
    assert proxystore.mypy_plugin._OWN_NAMES == {
        name for name in undeclared if not name.startswith('__proxy_')
    }


@pytest.mark.subprocess
def test_runtime_never_imports_the_plugin_or_mypy() -> None:
    code = (
        'import sys, proxystore, proxystore.proxy, proxystore.factory\n'
        'from proxystore.proxy import Proxy, extract\n'
        'extract(Proxy(lambda: 1))\n'
        "assert 'proxystore.mypy_plugin' not in sys.modules\n"
        "assert not any(m == 'mypy' or m.startswith('mypy.') for m in sys.modules)\n"
    )
    subprocess.run([sys.executable, '-c', code], check=True, timeout=60)


def test_package_ships_py_typed() -> None:
    from importlib.resources import files

    assert files('proxystore').joinpath('py.typed').is_file()
