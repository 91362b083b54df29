"""The benchmark program still runs: ours only, tiny counts, no timing checks."""

from __future__ import annotations

import importlib.util
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).parent.parent / 'benchmarks' / 'bench.py'


@pytest.fixture(scope='module')
def bench() -> Any:
    spec = importlib.util.spec_from_file_location('bench', BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules['bench'] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules['bench']


@pytest.mark.subprocess
def test_run_ours_and_bare_quick(tmp_path: Path, bench: Any) -> None:
    out = tmp_path / 'smoke'
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            'run',
            '--ours',
            sys.executable,
            '--impls',
            'bare,ours',
            '--rounds',
            '1',
            '--quick',
            '--out',
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    summary = json.loads((tmp_path / 'smoke.json').read_text())
    assert summary['impls'] == ['bare', 'ours']
    # Every operation ran on ours and bare, those on the subclasses included;
    # the proxy sizes were measured.
    for impl in ('bare', 'ours'):
        times = summary['times_s'][impl]
        assert all(times[op] is not None for op in bench.ALL_OP_NAMES)
    assert summary['sizes']['ours'][bench.MEMORY] > 0
    assert summary['sizes']['ours'][bench.PICKLE_SIZE] > 0
    report = (tmp_path / 'smoke.md').read_text()
    assert report in result.stdout
    for name in (*bench.ALL_OP_NAMES, *bench.SIZES):
        assert f'| {name} |' in report
    assert '### Proxy subclasses' in report
    assert '### Targets' in report
    # Without proxystore, the subclass target cannot be checked.
    assert '| subclass overhead' in report


def test_worker_quick(bench: Any) -> None:
    result = bench.run_worker('ours', repeat_time=0.001, repeat=1, number=3)
    assert result['impl'] == 'ours'
    assert set(result['times']) == set(bench.ALL_OP_NAMES)
    assert all(time is not None for time in result['times'].values())
    assert result['notes'] == {}
    assert result['reference'] > 0  # the machine's speed, timed between sweeps
    assert result['clean_sweeps'] in (0, 1)


def test_slow_runs_are_those_slower_than_the_fastest_machine_speed(bench: Any) -> None:
    def runs(*references: float) -> list[dict[str, Any]]:
        return [{'reference': r, 'clean_sweeps': 5} for r in references]

    rounds = {'ours': runs(1.0, 1.2, 1.7), 'proxystore': runs(1.4, 1.0, 1.29)}
    assert bench._slow_runs(rounds) == [('ours', 2), ('proxystore', 0)]
    rounds['ours'][1]['clean_sweeps'] = 0  # no sweep at its own best speed
    assert bench._slow_runs(rounds) == [('ours', 1), ('ours', 2), ('proxystore', 0)]


def test_subclasses_are_proxies_of_the_imported_proxy(bench: Any) -> None:
    from proxystore.proxy import Proxy
    from proxystore.proxy import is_resolved

    subclasses = bench.make_subclasses(Proxy)
    assert set(subclasses) == set(bench.SUBCLASS_KINDS)
    assert bench.make_subclasses(Proxy) is subclasses  # made once
    assert {op.subclass for op in bench.SUBCLASS_OPS} == set(bench.SUBCLASS_KINDS)
    assert issubclass(subclasses['checked'], subclasses['owned'])
    for kind, cls in subclasses.items():
        assert issubclass(cls, Proxy)
        assert '__proxy_valid__' in cls.__dict__ or kind == 'checked'
        proxy = cls(bench.factory)
        assert not is_resolved(proxy)
        assert proxy.value == 1
        assert proxy.method() == 1
        assert proxy + 1 == 2
        assert len(proxy) == 3
        copy = pickle.loads(pickle.dumps(proxy))  # through its own __reduce__
        assert type(copy) is cls
        assert not is_resolved(copy)
        assert copy.value == 1
        object.__setattr__(proxy, '__proxy_valid__', False)
        if kind == 'checked':
            # Only the property override sees (and refuses) each use.
            with pytest.raises(ReferenceError):
                proxy.value
            del proxy.__proxy_wrapped__
            proxy.__proxy_wrapped__ = bench.TARGET
            assert object.__getattribute__(proxy, '__proxy_target__') is bench.TARGET
        else:
            assert proxy.value == 1  # `Proxy`'s own __proxy_wrapped__: no check


def _made_up_times(bench: Any, **each: float) -> dict[str, dict[str, float | None]]:
    return {impl: dict.fromkeys(bench.ALL_OP_NAMES, t) for impl, t in each.items()}


def test_targets_with_peers(bench: Any) -> None:
    # A made-up summary: the targets are computed from whatever is measured.
    ops = bench.OP_NAMES
    times = _made_up_times(
        bench, bare=1e-7, ours=2e-7, proxystore=5e-7, **{'lop.cext': 1.5e-7}
    )
    times['lop.cext']['hash (unresolved, cached defaults)'] = None
    for name in bench.SUBCLASS_OP_NAMES:  # as the worker leaves them
        times['lop.cext'][name] = None
    sizes = {
        'bare': {bench.MEMORY: None, bench.PICKLE_SIZE: 3000},
        'ours': {bench.MEMORY: 72, bench.PICKLE_SIZE: 90},
        'proxystore': {bench.MEMORY: 100, bench.PICKLE_SIZE: 100},
        'lop.cext': {bench.MEMORY: 120, bench.PICKLE_SIZE: 3000},
    }
    summary = {'impls': list(times), 'times_s': times, 'sizes': sizes}
    results = {statement: holds for statement, holds, _ in bench.check_targets(summary)}
    assert all(holds is not None for holds in results.values())
    assert results['getattr at most 1.0x lazy_object_proxy.cext'] is False
    geomean = bench.geomean_vs(summary, 'lop.cext')
    assert geomean is not None
    assert geomean[0] == pytest.approx(2e-7 / 1.5e-7)
    assert geomean[1] == len(ops) - 1  # the subclass operations left out
    rows = bench.markdown_table(summary).splitlines()
    row = next(row for row in rows if row.startswith('| hash (unresolved'))
    assert row.startswith(
        '| hash (unresolved, cached defaults) | 100 | 200 | 500 | n/a |'
    )
    assert row.endswith('| 2.00x | 0.40x | n/a |')


def test_subclass_target_is_apart_from_the_overhead_target(bench: Any) -> None:
    times = _made_up_times(bench, bare=1e-7, ours=2e-7, proxystore=5e-7)
    times['ours']['checked: len'] = 4e-7  # overhead 300 ns, limit 200 ns
    sizes = dict.fromkeys(times, dict.fromkeys(bench.SIZES))
    summary = {'impls': list(times), 'times_s': times, 'sizes': sizes}
    results = {
        statement: (holds, detail)
        for statement, holds, detail in bench.check_targets(summary)
    }
    overhead = results[OVERHEAD_TARGET]
    assert overhead == (
        True,
        f'{len(bench.OP_NAMES)}/{len(bench.OP_NAMES)} operations hold',
    )
    subclass = results[
        "subclass overhead (time minus bare) at most half of proxystore 1.1.0's"
        ' same subclass on every subclass operation'
    ]
    n = len(bench.SUBCLASS_OP_NAMES)
    assert subclass[0] is False
    assert subclass[1].startswith(f'{n - 1}/{n} operations hold: fails on checked: len')
    rows = bench.subclass_table(summary).splitlines()
    assert rows[0] == (
        '| operation | bare | ours | proxystore | ours/bare | ours/proxystore'
        ' | ours over bare | proxystore over bare | overhead ours/proxystore |'
    )
    row = next(row for row in rows if row.startswith('| checked: len |'))
    assert row == (
        '| checked: len | 100 | 400 | 500 | 4.00x | 0.80x | 300 | 400 | 0.75x |'
    )


OVERHEAD_TARGET = (
    'overhead (time minus bare) at most half of proxystore 1.1.0 on every'
    ' operation (0.60 of it on create + first use)'
)


def test_a_first_use_may_take_more_of_proxystores_overhead(bench: Any) -> None:
    # 0.55 of proxystore's overhead: within the first use's 0.60, not within
    # the one half of every other operation.
    times = _made_up_times(bench, bare=1e-7, ours=2e-7, proxystore=5e-7)
    times['ours']['create + first use'] = 3.2e-7
    sizes = dict.fromkeys(times, dict.fromkeys(bench.SIZES))
    summary = {'impls': list(times), 'times_s': times, 'sizes': sizes}
    results = {s: (h, d) for s, h, d in bench.check_targets(summary)}
    assert results[OVERHEAD_TARGET][0] is True
    times['ours']['len'] = 3.2e-7
    results = {s: (h, d) for s, h, d in bench.check_targets(summary)}
    holds, detail = results[OVERHEAD_TARGET]
    assert holds is False
    assert 'fails on len: 220 ns over bare vs limit 200 ns' in detail


def test_report_of_results_without_subclass_operations(bench: Any) -> None:
    # Results written before the subclass operations existed still report.
    times = {
        impl: dict.fromkeys(bench.OP_NAMES, t)
        for impl, t in (('bare', 1e-7), ('ours', 2e-7), ('proxystore', 5e-7))
    }
    summary = {
        'python': '3.12.1',
        'machine': {'cpu': 'cpu', 'cores': 1},
        'settings': {'rounds': 1, 'repeat': 1, 'repeat_time': 0.002},
        'versions': dict.fromkeys(times, '1'),
        'impls': list(times),
        'times_s': times,
        'sizes': dict.fromkeys(times, dict.fromkeys(bench.SIZES)),
        'notes': {},
    }
    report = bench.report_markdown(summary, None)
    assert '### Proxy subclasses' not in report
    assert '| subclass overhead' in report
    assert 'on every subclass operation | not checked |' in report
