"""proxystore-proxy: the `proxystore.proxy` module, on its own.

The package provides [`proxystore.proxy`][proxystore.proxy] (lazy,
transparent object proxies) and [`proxystore.factory`][proxystore.factory]
(picklable factories for them).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version

try:
    __version__ = version('proxystore-proxy')
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = '0+unknown'
