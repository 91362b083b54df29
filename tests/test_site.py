"""The documentation site's configuration and the package agree on its address."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def documentation_url() -> str:
    """The address mkdocs.yml's site_url falls back to off Read the Docs."""
    config = (ROOT / 'mkdocs.yml').read_text(encoding='utf-8')
    found = re.search(
        r"^site_url: !ENV \[READTHEDOCS_CANONICAL_URL, '(?P<url>[^']+)'\]$",
        config,
        re.MULTILINE,
    )
    assert found is not None, 'site_url is not read from READTHEDOCS_CANONICAL_URL'
    return found['url']


def test_the_documentation_url_ends_with_a_slash() -> None:
    # Pages and the 404 page's links are made relative to it.
    assert documentation_url().endswith('/')


def test_every_documentation_link_starts_with_the_site_url() -> None:
    site = documentation_url()
    host = re.match(r'https://[^/]+/', site)
    assert host is not None
    for name in ('pyproject.toml', 'README.md'):
        text = (ROOT / name).read_text(encoding='utf-8')
        links = re.findall(rf'{re.escape(host[0])}[^\s"<>)]*', text)
        assert links, f'{name} does not link the documentation'
        for link in links:
            assert link.startswith(site), f'{name}: {link} is not under {site}'
