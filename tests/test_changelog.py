"""The changelog and the package agree on what is released."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
VERSION = re.compile(r'^## (?P<version>\d+\.\d+\.\d+) - (?P<date>\d{4}-\d{2}-\d{2})$')


def headings() -> list[str]:
    text = (ROOT / 'CHANGELOG.md').read_text(encoding='utf-8')
    return [line for line in text.splitlines() if line.startswith('## ')]


def test_unreleased_comes_first_with_its_sections() -> None:
    text = (ROOT / 'CHANGELOG.md').read_text(encoding='utf-8')
    assert headings()[0] == '## Unreleased'
    unreleased = text.split('## Unreleased\n', 1)[1].split('\n## ', 1)[0]
    assert re.findall(r'^### (.+)$', unreleased, re.MULTILINE) == [
        'Added',
        'Changed',
        'Fixed',
    ]


def test_every_release_is_dated_newest_first() -> None:
    releases = [VERSION.match(heading) for heading in headings()[1:]]
    assert releases, headings()
    assert all(releases), headings()
    dates = [match['date'] for match in releases if match]
    assert dates == sorted(dates, reverse=True)


def test_the_package_version_is_the_latest_release() -> None:
    pyproject = (ROOT / 'pyproject.toml').read_text(encoding='utf-8')
    declared = re.search(r'^version = "(.+)"$', pyproject, re.MULTILINE)
    assert declared is not None
    latest = VERSION.match(headings()[1])
    assert latest is not None
    assert declared[1] == latest['version']
