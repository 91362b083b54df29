"""The package's public surface matches proxystore 1.1.0's names."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import typing
from pathlib import Path

import proxystore
import proxystore.proxy
from proxystore.proxy import Proxy
from proxystore.proxy import ProxyOr


def test_version_comes_from_installed_metadata() -> None:
    assert proxystore.__version__ == importlib.metadata.version('proxystore-proxy')


def test_public_names() -> None:
    expected = {
        'DefaultClassType',
        'DefaultHashType',
        'FactoryType',
        'Proxy',
        'ProxyLocker',
        'ProxyOr',
        'ProxyResolveError',
        'extract',
        'get_factory',
        'is_resolved',
        'resolve',
    }
    assert expected <= set(proxystore.proxy.__all__)
    for name in proxystore.proxy.__all__:
        assert hasattr(proxystore.proxy, name)


def test_public_objects_live_in_proxystore_proxy() -> None:
    for name in ('Proxy', 'ProxyLocker', 'ProxyResolveError', 'extract', 'resolve'):
        assert getattr(proxystore.proxy, name).__module__ == 'proxystore.proxy'


def test_proxy_or_alias() -> None:
    assert ProxyOr.__name__ == 'ProxyOr'
    (param,) = ProxyOr.__type_params__
    # The value is text (a forward reference): resolve it in the module where
    # the alias is defined, as a type checker or get_type_hints() would.
    value = ProxyOr.__value__
    resolved = eval(value, vars(proxystore.proxy)) if isinstance(value, str) else value
    assert resolved == Proxy[param] | param
    assert resolved[int] == Proxy[int] | int
    assert typing.get_origin(ProxyOr[int]) is ProxyOr
    assert typing.get_args(ProxyOr[int]) == (int,)


def test_proxy_is_generic() -> None:
    alias = Proxy[int]
    assert typing.get_origin(alias) is Proxy
    assert typing.get_args(alias) == (int,)


def test_type_aliases() -> None:
    from proxystore.proxy import DefaultClassType
    from proxystore.proxy import DefaultHashType
    from proxystore.proxy import FactoryType

    assert typing.get_args(DefaultClassType) == (type, type(None))
    assert set(typing.get_args(DefaultHashType)) == {Exception, int, type(None)}
    assert typing.get_origin(FactoryType[int]) is not None


def _package_imports(path: Path) -> set[str]:
    """The modules of the package that a module imports when it runs.

    Imports under `if TYPE_CHECKING:` are left out: they never run.
    """
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == 'TYPE_CHECKING':
            skipped.update(id(child) for child in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == 'proxystore.proxy':
                found.update(alias.name for alias in node.names)
            elif node.module.startswith('proxystore.proxy.'):
                found.add(node.module.rpartition('.')[2])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith('proxystore.proxy.'):
                    found.add(alias.name.rpartition('.')[2])
    return found


def _module_map() -> list[str]:
    """The private modules the package's docstring lists, in its order."""
    doc = proxystore.proxy.__doc__ or ''
    return re.findall(r'^- `(_\w+)`:', doc, flags=re.MULTILINE)


def test_the_module_map_names_every_module_once() -> None:
    package = Path(proxystore.proxy.__file__).parent
    files = sorted(p.stem for p in package.glob('_*.py') if p.stem != '__init__')
    listed = _module_map()
    assert sorted(listed) == files
    assert len(set(listed)) == len(listed)


def test_each_module_imports_only_those_listed_before_it() -> None:
    # The order of the docstring's map is the order of the layers: an
    # import of a later module (or of the package itself) would be a cycle.
    package = Path(proxystore.proxy.__file__).parent
    order = _module_map()
    for position, name in enumerate(order):
        imported = _package_imports(package / f'{name}.py')
        later = imported - set(order[:position])
        assert not later, f'{name} imports {sorted(later)}, listed after it'
