"""The pytest plugin that `nox -s hosted` loads into each suite's run.

It prints which `proxystore.proxy` the run imported, and stops the run before
any test if that is not the one `HOSTED_PROXY` asks for: `ours` (whose
package alone has a `_slots` module) or `proxystore` (ProxyStore's own). The
module must come from the folder first on `PYTHONPATH` in either case.

It also takes out the tests that `HOSTED_DESELECT` (a JSON list of test ids)
names, by exact id (pytest's `--deselect` takes every id that begins with the
one given), and runs those that `HOSTED_DEPARTURES` (JSON, test id to reason)
names, tests of a behaviour in which ours differs from ProxyStore's on
purpose, as strict expected failures. A test either names that was not
collected stops the run: the table is out of date.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest


def _loaded() -> tuple[Path, str]:
    import proxystore.proxy

    path = Path(proxystore.proxy.__file__).resolve()
    ours = importlib.util.find_spec('proxystore.proxy._slots') is not None
    return path, 'ours' if ours else 'proxystore'


def pytest_configure(config: pytest.Config) -> None:
    """Stop the run if the wrong `proxystore.proxy` was imported."""
    path, which = _loaded()
    wanted = os.environ['HOSTED_PROXY']
    overlay = Path(os.environ['PYTHONPATH'].split(os.pathsep)[0]).resolve()
    if which != wanted or overlay not in path.parents:
        msg = (
            f'proxystore.proxy was imported from {path} ({which}), but this run '
            f'is for {wanted} from {overlay}'
        )
        raise pytest.UsageError(msg)


def pytest_report_header(config: pytest.Config) -> str:
    """The loaded `proxystore.proxy`, at the top of the run's output."""
    path, which = _loaded()
    return f'proxystore.proxy: {path} ({which})'


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Take out the deselected tests; mark the departures as expected failures."""
    deselect = set(json.loads(os.environ.get('HOSTED_DESELECT', '[]')))
    departures = json.loads(os.environ.get('HOSTED_DEPARTURES', '{}'))
    collected = {item.nodeid for item in items}
    missing = sorted((deselect | set(departures)) - collected)
    if missing:
        msg = f'tests named for the hosted run were not collected: {", ".join(missing)}'
        raise pytest.UsageError(msg)
    for item in items:
        reason = departures.get(item.nodeid)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
    if deselect:
        config.hook.pytest_deselected(
            items=[item for item in items if item.nodeid in deselect]
        )
        items[:] = [item for item in items if item.nodeid not in deselect]
