"""Skip, where the platform lacks them, the tests that need threads or processes.

CPython compiled to WebAssembly (Pyodide, under Node.js or in a browser) can
start no thread and no process, and cannot block on an asyncio event loop.
Tests that need one of these say so with a marker; everywhere else the
markers change nothing.
"""

from __future__ import annotations

import sys

import pytest

WEBASSEMBLY = sys.platform in {'emscripten', 'wasi'}
# Marker name: what WebAssembly lacks, as the skip reason says it.
NEEDS = {
    'threads': 'WebAssembly (Pyodide) cannot start threads',
    'subprocess': 'WebAssembly (Pyodide) cannot start processes',
    'event_loop': (
        'WebAssembly (Pyodide) cannot block on an asyncio event loop '
        '(asyncio.run) without JavaScript stack switching'
    ),
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    if WEBASSEMBLY:
        for marker in item.iter_markers():
            if marker.name in NEEDS:
                lacking = marker.name.replace('_', ' ')
                pytest.skip(f'needs {lacking}: {NEEDS[marker.name]}')
