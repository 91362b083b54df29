"""MkDocs hooks for the documentation site (mkdocs.yml's `hooks`)."""

from __future__ import annotations

import importlib.metadata

from mkdocs.config.defaults import MkDocsConfig


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Name the version in the site's name, which the header and titles show.

    The version is the installed distribution's, which `nox -s docs` installs
    from the checkout before it builds: the one `pyproject.toml` declares.
    """
    version = importlib.metadata.version('proxystore-proxy')
    config.site_name = f'{config.site_name} {version}'
    return config
