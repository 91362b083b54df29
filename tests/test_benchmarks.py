"""The benchmark programs still run: ours only, tiny counts, no timing checks."""

from __future__ import annotations

import importlib
import json
import math
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

BENCHMARKS = Path(__file__).parent.parent / 'benchmarks'
BENCH = BENCHMARKS / 'bench.py'
MODULES = (
    'operations',
    'timing_worker',
    'driver',
    'instruction_worker',
    'instruction_driver',
    'targets',
    'charts',
    'report',
    'transfer_worker',
    'proxy_scaling',
    'scaling_driver',
    'scaling_report',
)


@pytest.fixture(scope='module')
def bench() -> Any:
    """The harness's modules, imported as `bench.py` imports them."""
    pytest.importorskip('numpy')  # the scaling benchmark sends NumPy arrays
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield SimpleNamespace(
            **{name: importlib.import_module(name) for name in MODULES}
        )
    finally:
        sys.path.remove(str(BENCHMARKS))
        for name in MODULES:
            sys.modules.pop(name, None)


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
        assert all(times[op] is not None for op in bench.operations.ALL_OP_NAMES)
    assert summary['sizes']['ours'][bench.operations.MEMORY] > 0
    assert summary['sizes']['ours'][bench.operations.PICKLE_SIZE] > 0
    report = (tmp_path / 'smoke.md').read_text()
    assert report in result.stdout
    for name in (*bench.operations.ALL_OP_NAMES, *bench.operations.SIZES):
        assert f'| {name} |' in report
    assert '### Proxy subclasses' in report
    assert '### Targets' in report
    # Without proxystore, the subclass target cannot be checked.
    assert '| subclass overhead' in report


def test_worker_quick(bench: Any) -> None:
    result = bench.timing_worker.run_worker(
        'ours', repeat_time=0.001, repeat=1, number=3
    )
    assert result['impl'] == 'ours'
    assert set(result['times']) == set(bench.operations.ALL_OP_NAMES)
    assert all(time is not None for time in result['times'].values())
    assert result['notes'] == {}
    assert result['reference'] > 0  # the machine's speed, timed between sweeps
    assert result['clean_sweeps'] in (0, 1)


def test_slow_runs_are_those_slower_than_the_fastest_machine_speed(bench: Any) -> None:
    def runs(*references: float) -> list[dict[str, Any]]:
        return [{'reference': r, 'clean_sweeps': 5} for r in references]

    rounds = {'ours': runs(1.0, 1.2, 1.7), 'proxystore': runs(1.4, 1.0, 1.29)}
    assert bench.driver._slow_runs(rounds) == [('ours', 2), ('proxystore', 0)]
    rounds['ours'][1]['clean_sweeps'] = 0  # no sweep at its own best speed
    assert bench.driver._slow_runs(rounds) == [
        ('ours', 1),
        ('ours', 2),
        ('proxystore', 0),
    ]


def test_subclasses_are_proxies_of_the_imported_proxy(bench: Any) -> None:
    from proxystore.proxy import Proxy
    from proxystore.proxy import is_resolved

    subclasses = bench.operations.make_subclasses(Proxy)
    assert set(subclasses) == set(bench.operations.SUBCLASS_KINDS)
    assert bench.operations.make_subclasses(Proxy) is subclasses  # made once
    assert {op.subclass for op in bench.operations.SUBCLASS_OPS} == set(
        bench.operations.SUBCLASS_KINDS
    )
    assert issubclass(subclasses['checked'], subclasses['owned'])
    for kind, cls in subclasses.items():
        assert issubclass(cls, Proxy)
        assert '__proxy_valid__' in cls.__dict__ or kind == 'checked'
        proxy = cls(bench.operations.factory)
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
            proxy.__proxy_wrapped__ = bench.operations.TARGET
            assert (
                object.__getattribute__(proxy, '__proxy_target__')
                is bench.operations.TARGET
            )
        else:
            assert proxy.value == 1  # `Proxy`'s own __proxy_wrapped__: no check


def _made_up_times(bench: Any, **each: float) -> dict[str, dict[str, float | None]]:
    return {
        impl: dict.fromkeys(bench.operations.ALL_OP_NAMES, t)
        for impl, t in each.items()
    }


def test_targets_with_peers(bench: Any) -> None:
    # A made-up summary: the targets are computed from whatever is measured.
    ops = bench.operations.OP_NAMES
    times = _made_up_times(
        bench, bare=1e-7, ours=2e-7, proxystore=5e-7, **{'lop.cext': 1.5e-7}
    )
    times['lop.cext']['hash (unresolved, cached defaults)'] = None
    for name in bench.operations.SUBCLASS_OP_NAMES:  # as the worker leaves them
        times['lop.cext'][name] = None
    sizes = {
        'bare': {bench.operations.MEMORY: None, bench.operations.PICKLE_SIZE: 3000},
        'ours': {bench.operations.MEMORY: 72, bench.operations.PICKLE_SIZE: 90},
        'proxystore': {bench.operations.MEMORY: 100, bench.operations.PICKLE_SIZE: 100},
        'lop.cext': {bench.operations.MEMORY: 120, bench.operations.PICKLE_SIZE: 3000},
    }
    summary = {'impls': list(times), 'times_s': times, 'sizes': sizes}
    results = {
        statement: holds for statement, holds, _ in bench.targets.check_targets(summary)
    }
    assert all(holds is not None for holds in results.values())
    assert results['getattr at most 1.0x lazy_object_proxy.cext'] is False
    geomean = bench.targets.geomean_vs(summary, 'lop.cext')
    assert geomean is not None
    assert geomean[0] == pytest.approx(2e-7 / 1.5e-7)
    assert geomean[1] == len(ops) - 1  # the subclass operations left out
    rows = bench.report.markdown_table(summary).splitlines()
    row = next(row for row in rows if row.startswith('| hash (unresolved'))
    assert row.startswith(
        '| hash (unresolved, cached defaults) | 100 | 200 | 500 | n/a |'
    )
    assert row.endswith('| 2.00x | 0.40x | n/a |')


def test_subclass_target_is_apart_from_the_overhead_target(bench: Any) -> None:
    times = _made_up_times(bench, bare=1e-7, ours=2e-7, proxystore=5e-7)
    times['ours']['checked: len'] = 4e-7  # overhead 300 ns, limit 200 ns
    sizes = dict.fromkeys(times, dict.fromkeys(bench.operations.SIZES))
    summary = {'impls': list(times), 'times_s': times, 'sizes': sizes}
    results = {
        statement: (holds, detail)
        for statement, holds, detail in bench.targets.check_targets(summary)
    }
    overhead = results[OVERHEAD_TARGET]
    OP_NAMES = bench.operations.OP_NAMES
    assert overhead == (
        True,
        f'{len(OP_NAMES)}/{len(OP_NAMES)} operations hold',
    )
    subclass = results[
        'subclass overhead (minus the bare object) at most half of proxystore'
        " 1.1.0's same subclass on every subclass operation"
    ]
    n = len(bench.operations.SUBCLASS_OP_NAMES)
    assert subclass[0] is False
    assert subclass[1].startswith(f'{n - 1}/{n} operations hold: fails on checked: len')
    rows = bench.report.subclass_table(summary).splitlines()
    assert rows[0] == (
        '| operation | bare | ours | proxystore | ours/bare | ours/proxystore'
        ' | ours over bare | proxystore over bare | overhead ours/proxystore |'
    )
    row = next(row for row in rows if row.startswith('| checked: len |'))
    assert row == (
        '| checked: len | 100 | 400 | 500 | 4.00x | 0.80x | 300 | 400 | 0.75x |'
    )


OVERHEAD_TARGET = (
    'overhead (minus the bare object) at most half of proxystore 1.1.0 on every'
    ' operation (0.55 of it on create + first use)'
)


def test_a_first_use_may_take_more_of_proxystores_overhead(bench: Any) -> None:
    # 0.525 of proxystore's overhead: within the first use's 0.55, not within
    # the one half of every other operation.
    times = _made_up_times(bench, bare=1e-7, ours=2e-7, proxystore=5e-7)
    times['ours']['create + first use'] = 3.1e-7
    sizes = dict.fromkeys(times, dict.fromkeys(bench.operations.SIZES))
    summary = {'impls': list(times), 'times_s': times, 'sizes': sizes}
    results = {s: (h, d) for s, h, d in bench.targets.check_targets(summary)}
    assert results[OVERHEAD_TARGET][0] is True
    times['ours']['len'] = 3.1e-7
    results = {s: (h, d) for s, h, d in bench.targets.check_targets(summary)}
    holds, detail = results[OVERHEAD_TARGET]
    assert holds is False
    assert 'fails on len: 210 ns over bare vs limit 200 ns' in detail


def test_report_of_results_without_subclass_operations(bench: Any) -> None:
    # Results written before the subclass operations existed still report.
    times = {
        impl: dict.fromkeys(bench.operations.OP_NAMES, t)
        for impl, t in (('bare', 1e-7), ('ours', 2e-7), ('proxystore', 5e-7))
    }
    summary = {
        'python': '3.12.1',
        'machine': {'cpu': 'cpu', 'cores': 1},
        'settings': {'rounds': 1, 'repeat': 1, 'repeat_time': 0.002},
        'versions': dict.fromkeys(times, '1'),
        'impls': list(times),
        'times_s': times,
        'sizes': dict.fromkeys(times, dict.fromkeys(bench.operations.SIZES)),
        'notes': {},
    }
    report = bench.report.report_markdown(summary, None)
    assert '### Proxy subclasses' not in report
    assert '| subclass overhead' in report
    assert 'on every subclass operation | not checked |' in report


def test_every_target_is_a_row_of_the_table(bench: Any) -> None:
    targets = bench.targets
    assert targets.OVERHEAD_SHARE == {'create + first use': 0.55}
    statements = [goal.statement for goal in targets.TARGETS]
    assert statements == [statement for statement, _, _ in _checked(bench, {})]
    assert OVERHEAD_TARGET in statements
    assert len(statements) == 8
    kinds = {goal.kind for goal in targets.TARGETS}
    assert kinds == set(targets.CHECKS)
    subclass = next(
        g for g in targets.TARGETS if g.ops == bench.operations.SUBCLASS_OP_NAMES
    )
    assert subclass.kind == 'overhead'


def _checked(bench: Any, impls: dict[str, float]) -> list[tuple[str, Any, str]]:
    times = _made_up_times(bench, **impls)
    sizes = dict.fromkeys(times, dict.fromkeys(bench.operations.SIZES))
    summary = {'impls': list(times), 'times_s': times, 'sizes': sizes}
    return bench.targets.check_targets(summary)


def test_nothing_measured_leaves_every_target_unchecked(bench: Any) -> None:
    assert all(holds is None for _, holds, _ in _checked(bench, {'ours': 1e-7}))


def test_summary_table_leads_with_ours_and_the_ratios(bench: Any) -> None:
    times = _made_up_times(bench, ours=1e-7, proxystore=4e-7, **{'lop.cext': 2e-7})
    sizes = {
        'ours': {bench.operations.MEMORY: 80, bench.operations.PICKLE_SIZE: 92},
        'proxystore': {bench.operations.MEMORY: 96, bench.operations.PICKLE_SIZE: 106},
        'lop.cext': {bench.operations.MEMORY: 120, bench.operations.PICKLE_SIZE: None},
    }
    summary = {'impls': list(times), 'times_s': times, 'sizes': sizes}
    rows = bench.report.summary_table(summary).splitlines()
    assert rows[0] == (
        '|  | ours | proxystore 1.1.0 | lazy_object_proxy.cext | ours / proxystore'
        ' 1.1.0 | ours / lazy_object_proxy.cext |'
    )
    assert '| getattr (ns) | 100 | 400 | 200 | 0.25x | 0.50x |' in rows
    assert '| pickled size (bytes) | 92 | 106 | n/a | 0.87x | n/a |' in rows
    n = len(bench.operations.OP_NAMES)
    assert rows[-1].endswith(f'| 0.25x (over {n}) | 0.50x (over {n}) |')
    assert 'FAILS' not in bench.report.targets_markdown(summary)


needs_valgrind = pytest.mark.skipif(
    shutil.which('valgrind') is None, reason='valgrind counts the instructions'
)


def test_instruction_worker_marks_each_operation_apart(
    bench: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Callgrind starts a part at each marker: one before each operation and
    # one after the last, and nothing else calls it.
    calls = []
    monkeypatch.setattr(
        bench.instruction_worker.math, 'gcd', lambda *args: calls.append(args)
    )
    result = bench.instruction_worker.run_worker('ours', 2)
    assert result['parts'] == list(bench.operations.ALL_OP_NAMES)
    assert len(calls) == len(result['parts']) + 1
    assert result['voided'] == []
    assert result['notes'] == {}
    assert result['sizes'][bench.operations.MEMORY] > 0


def test_instructions_are_the_difference_over_n(
    bench: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Made-up counts: a fixed cost per part (start-up, compiling the loop)
    # that differs by part but not by run, plus the loops.
    per_run = {'create': 5000, 'getattr': 1500, 'iadd': 3000}

    def count_once(python: str, impl: str, loops: int) -> dict[str, Any]:
        fixed = {name: 70_000 + i for i, name in enumerate(per_run)}
        return {
            'version': '1',
            'python': '3.12.1',
            'counts': {name: fixed[name] + loops * n for name, n in per_run.items()},
            'voided': ['iadd'] if loops == 40 else [],
            'sizes': {},
            'notes': {'iadd': 'q += 1 made q a int'} if loops == 40 else {},
        }

    monkeypatch.setattr(bench.instruction_driver, 'count_once', count_once)
    result = bench.instruction_driver.count_impl('python', 'ours', 20)
    assert result['instructions']['create'] == 5000
    assert result['instructions']['getattr'] == 1500
    assert result['instructions']['iadd'] is None  # voided in one of the runs
    assert result['instructions']['len'] is None  # not run at all
    assert result['notes'] == {'iadd': 'q += 1 made q a int'}


def test_parts_are_read_in_order_and_a_missing_one_is_an_error(
    bench: Any, tmp_path: Path
) -> None:
    out = tmp_path / 'callgrind.out'
    for i, total in enumerate((900, 30, 20), start=1):
        text = f'# callgrind format\nevents: Ir\nsummary: {total}\ntotals: {total}\n'
        out.with_name(f'{out.name}.{i}').write_text(text)
    assert bench.instruction_driver._totals(out, 3) == [900, 30, 20]
    with pytest.raises(RuntimeError, match='no part 4'):
        bench.instruction_driver._totals(out, 4)


def test_a_script_is_refused_as_the_interpreter(bench: Any, tmp_path: Path) -> None:
    # Callgrind would count the script's shell (a pyenv shim), not Python.
    script = tmp_path / 'python'
    script.write_text('#!/bin/sh\nexec python3 "$@"\n')
    script.chmod(0o755)
    with pytest.raises(SystemExit, match='is a script, not an interpreter'):
        bench.instruction_driver.real_interpreter(str(script))
    with pytest.raises(SystemExit, match='no interpreter at'):
        bench.instruction_driver.real_interpreter(str(tmp_path / 'missing'))
    assert bench.instruction_driver.real_interpreter(sys.executable)


def _made_up_counts(bench: Any, **each: float) -> dict[str, Any]:
    counts = _made_up_times(bench, **each)
    sizes = dict.fromkeys(counts, dict.fromkeys(bench.operations.SIZES))
    return {
        'mode': 'instructions',
        'python': '3.12.1',
        'impls': list(counts),
        'instructions': counts,
        'sizes': sizes,
    }


def test_targets_and_tables_read_instruction_counts(bench: Any) -> None:
    summary = _made_up_counts(
        bench, bare=400, ours=1400, proxystore=2400, **{'lop.cext': 1000}
    )
    summary['instructions']['ours']['create'] = 1500  # 0.55: over one half
    results = {s: (h, d) for s, h, d in bench.targets.check_targets(summary)}
    holds, detail = results[OVERHEAD_TARGET]
    assert holds is False
    assert detail.endswith(
        'fails on create: 1,100 instructions over bare vs limit 1,000'
        ' instructions (proxystore 2,000 instructions)'
    )
    rows = bench.report.summary_table(summary).splitlines()
    assert '| getattr (instructions) | 1,400 | 2,400 | 1,000 | 0.58x | 1.40x |' in rows


def test_both_measures_side_by_side(bench: Any) -> None:
    counts = _made_up_counts(
        bench, bare=400, ours=1400, proxystore=2400, **{'lop.cext': 1000}
    )
    counts['instructions']['ours']['create + first use'] = 1500  # 0.55: not over
    counts['instructions']['ours']['create'] = 1500  # 0.55: over one half
    times = _made_up_times(bench, bare=1e-7, ours=2e-7, proxystore=5e-7)
    times['lop.cext'] = dict.fromkeys(bench.operations.ALL_OP_NAMES, 1e-7)
    timed = {'impls': list(times), 'times_s': times}
    # The same table whichever of the two comes first.
    table = bench.report.both_measures_table(counts, timed)
    assert table == bench.report.both_measures_table(timed, counts)
    rows = table.splitlines()
    assert rows[0].startswith('| operation (CPython 3.12.1) | ours (instructions) |')
    assert (
        '| create | 1,500 | 2,400 | 1,000 | 400 | 0.55 * | 1.50x | 0.25 | 2.00x |'
        in rows
    )
    assert (
        '| create + first use | 1,500 | 2,400 | 1,000 | 400 | 0.55 | 1.50x | 0.25'
        ' | 2.00x |'
    ) in rows
    n = len(bench.operations.OP_NAMES)
    by_count = math.exp((2 * math.log(1.5) + (n - 2) * math.log(1.4)) / n)
    assert rows[-3] == (
        f'| geometric mean |  |  |  |  |  | {by_count:.2f}x (over {n}) |  |'
        f' 2.00x (over {n}) |'
    )
    assert rows[-1].startswith('\\* above the target share')


@needs_valgrind
@pytest.mark.subprocess
def test_count_instructions_of_ours_quick(tmp_path: Path, bench: Any) -> None:
    out = tmp_path / '3.x'
    subprocess.run(
        [
            sys.executable,
            str(BENCH),
            'run',
            '--mode',
            'instructions',
            '--ours',
            sys.executable,
            '--impls',
            'ours',
            '--quick',
            '--out',
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    summary = json.loads((tmp_path / '3.x-instructions.json').read_text())
    assert summary['mode'] == 'instructions'
    assert summary['settings']['loops'] == 10
    counts = summary['instructions']['ours']
    assert all(counts[op] > 0 for op in bench.operations.ALL_OP_NAMES)
    # A first use runs the creation, and the factory and the lookup besides.
    assert counts['create + first use'] > counts['create']
    report = (tmp_path / '3.x-instructions.md').read_text()
    assert 'Instructions counted by callgrind' in report
    assert '| create + first use | ' in report
    assert not (tmp_path / '3.x-instructions-both.md').exists()  # no times yet


def test_peak_memory_is_reset_and_measured(bench: Any) -> None:
    worker = bench.transfer_worker
    baseline = worker.reset_peak()
    block = bytearray(64 * 2**20)
    block[::4096] = b'x' * len(block[::4096])  # touch every page
    assert worker.peak_above(baseline) >= 60 * 2**20
    del block
    baseline = worker.reset_peak()
    assert worker.peak_above(baseline) < 8 * 2**20


@pytest.mark.threads
def test_proxy_scaling_counts_factory_calls(bench: Any) -> None:
    result = bench.proxy_scaling.measure(impl='ours', counts=[50, 200], threads=[1, 8])
    assert [row['count'] for row in result['many']] == [50, 200]
    for row in result['many']:
        assert row['create_s'] > 0
        assert row['pickle_s'] > 0
        assert 40 < row['bytes_per_proxy'] < 400
    calls = {(r['shared'], r['threads']): r['factory_calls'] for r in result['races']}
    # One proxy shared by 8 threads: its factory runs once; 8 proxies, 8 times.
    assert calls == {(True, 1): 1, (True, 8): 1, (False, 1): 1, (False, 8): 8}


def _transfer_record(contender: str, nbytes: int, walls: dict[int, float]) -> Any:
    runs = [
        {
            'tasks': tasks,
            'wall_s': wall,
            'pickled_per_task': 100,
            'parent_peak': 0,
            'worker_peak': nbytes,
        }
        for tasks, wall in walls.items()
    ]
    return {'contender': contender, 'nbytes': nbytes, 'runs': runs}


def test_crossover_is_the_size_from_which_the_proxy_stays_faster(bench: Any) -> None:
    sizes = [10**3, 10**6, 10**9]
    records = [
        # By value: slower from 1 MB on with 8 tasks, never with 1.
        _transfer_record('value', 10**3, {1: 0.001, 8: 0.002}),
        _transfer_record('value', 10**6, {1: 0.002, 8: 0.05}),
        _transfer_record('value', 10**9, {1: 0.5}),
        _transfer_record('ours', 10**3, {1: 0.003, 8: 0.004}),
        _transfer_record('ours', 10**6, {1: 0.004, 8: 0.01}),
        _transfer_record('ours', 10**9, {1: 0.6, 8: 1.0}),
    ]
    results = {
        'settings': {'sizes': sizes, 'tasks': [1, 8], 'workers': 2},
        'transfer': records,
    }
    report = bench.scaling_report
    one, eight = report.crossovers(results)
    assert one.startswith(
        'With 1 task, the proxy was faster than passing by value at no size up to 1 GB'
    )
    assert eight.startswith('With 8 tasks, the proxy pays off between 1 kB and 1 MB')
    rows = report.transfer_table(results, 'wall_s').splitlines()
    assert '| 1 GB | 8 | skipped | 1 s |' in rows
    assert '| 1 MB | 8 | 50 ms | 10 ms |' in rows


def test_crossover_names_the_sizes_where_the_proxy_lost_after_it(bench: Any) -> None:
    sizes = [10**3, 10**6, 10**8, 10**9]
    value = {10**3: 0.001, 10**6: 0.015, 10**8: 0.72, 10**9: 11.0}
    ours = {10**3: 0.003, 10**6: 0.007, 10**8: 0.77, 10**9: 5.0}
    records = [_transfer_record('value', n, {1: t}) for n, t in value.items()]
    records += [_transfer_record('ours', n, {1: t}) for n, t in ours.items()]
    results = {
        'settings': {'sizes': sizes, 'tasks': [1], 'workers': 2},
        'transfer': records,
    }
    # Faster at 1 MB and 1 GB, slower at 100 MB between them: the crossover
    # is 1 MB, and 100 MB is named, not hidden by a later crossover.
    (one,) = bench.scaling_report.crossovers(results)
    assert one == (
        'With 1 task, the proxy pays off between 1 kB and 1 MB: 7 ms against '
        '15 ms at 1 MB, 5 s against 11 s at 1 GB; except at 100 MB, where it '
        'took 770 ms against 720 ms by value.'
    )


def test_snippets_are_the_report_s_parts(bench: Any, tmp_path: Path) -> None:
    records = [
        _transfer_record(contender, n, {1: wall, 8: wall * 8})
        for contender, wall in (('value', 0.002), ('ours', 0.004))
        for n in (10**6, 10**7)
    ]
    results = {
        'machine': {
            'cpu': 'cpu',
            'cores': 2,
            'system': 'Linux',
            'memory_gib': 1.0,
            'load': [0.5, 0.5, 0.5],
            'load_end': [1.5, 1.0, 0.5],
        },
        'settings': {
            'sizes': [10**6, 10**7],
            'tasks': [1, 8],
            'workers': 2,
            'repeats': 1,
            'transfer_seconds': 12.0,
        },
        'transfer': [
            {
                **r,
                'runs': [{**run, 'parent_peak': r['nbytes']} for run in r['runs']],
                'load_before': [0.5, 0, 0],
                'load_after': [2.0, 0, 0],
            }
            for r in records
        ],
        'proxies': [],
    }
    bench.scaling_report.write_outputs(results, tmp_path)
    report = (tmp_path / 'scaling.md').read_text()
    parts = {p.stem: p.read_text() for p in (tmp_path / 'snippets').iterdir()}
    assert set(parts) == {
        'run',
        'crossover',
        'wall_s',
        'pickled_per_task',
        'parent_peak',
        'worker_peak',
    }
    for part in parts.values():
        assert part.strip() in report
    assert '0.50 as it started and 1.50 as it ended' in parts['run']
    assert 'median 1.25, 0.50 to 2.00' in parts['run']
    assert 'The run took 12 s for its transfer part.' in parts['run']


@pytest.mark.subprocess
def test_scaling_runs_quick(tmp_path: Path) -> None:
    pytest.importorskip('numpy')  # the payloads are NumPy arrays
    # Dask's contender has a test of its own: starting a cluster takes seconds.
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            'scaling',
            '--ours',
            sys.executable,
            '--quick',
            '--max-nbytes',
            '1000',
            '--workers',
            '1',
            '--contenders',
            'value,ours,shm',
            '--out',
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    results = json.loads((tmp_path / 'scaling.json').read_text())
    assert results['settings']['sizes'] == [1000]
    assert {r['contender'] for r in results['transfer']} == {'value', 'ours', 'shm'}
    assert all(r['load_before'] is not None for r in results['transfer'])
    for record in results['transfer']:
        assert record['nbytes'] == 1000
        runs = {run['tasks']: run for run in record['runs']}
        assert list(runs) == [1, 4]
        for run in runs.values():
            assert run['wall_s'] > 0
            # Peaks come from /proc in whole KiB, as bytes; a 1 kB payload
            # raises none by megabytes. (That a real peak is seen is
            # test_peak_memory_is_reset_and_measured's part.)
            for peak in (run['parent_peak'], run['worker_peak']):
                assert type(peak) is int
                assert peak % 1024 == 0
                assert peak < 16 * 2**20
        if record['contender'] == 'value':
            assert runs[1]['pickled_per_task'] > 1000
        else:
            assert runs[1]['pickled_per_task'] < 1000
    assert [r['impl'] for r in results['proxies']] == ['ours']
    report = (tmp_path / 'scaling.md').read_text()
    assert report in result.stdout
    for title in ('Wall time', 'Bytes pickled per task', "Workers' peak memory"):
        assert f'### {title}' in report
    assert '- With 4 tasks, the proxy' in report
    assert '## The proxy itself' in report


@pytest.mark.dask
@pytest.mark.subprocess
def test_dask_contender_scatters_once(tmp_path: Path) -> None:
    pytest.importorskip('numpy')  # the payload is a NumPy array
    pytest.importorskip('distributed')
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / 'transfer_worker.py'),
            '--contender',
            'dask',
            '--nbytes',
            '800',
            '--tasks',
            '1,4',
            '--workers',
            '1',
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    runs = {run['tasks']: run for run in json.loads(done.stdout)['runs']}
    assert runs[1]['pickled_per_task'] > 800
    # Scattered once, shared by the tasks.
    assert runs[4]['pickled_per_task'] == pytest.approx(runs[1]['pickled_per_task'] / 4)
    assert all(run['wall_s'] > 0 for run in runs.values())


METHOD_PAGE = BENCHMARKS.parent / 'docs' / 'design' / 'benchmarks.md'


def _section(text: str, heading: str) -> str:
    """The text under `heading` (a level-two heading) up to the next one."""
    start = text.index(f'\n{heading}\n') + len(heading) + 2
    end = text.find('\n## ', start)
    return text[start : end if end >= 0 else None]


def test_method_page_states_the_targets_of_targets_py(bench: Any) -> None:
    section = _section(METHOD_PAGE.read_text(), '## Targets')
    listed = [line[2:] for line in section.splitlines() if line.startswith('- ')]
    assert listed == [goal.statement for goal in bench.targets.TARGETS]


def test_target_statements_state_their_limits(bench: Any) -> None:
    targets = bench.targets
    for goal in targets.TARGETS:
        if goal.kind in ('ratio', 'geomean'):
            assert f'at most {goal.limit:g}' in goal.statement
        if goal.kind == 'overhead':
            for name, share in targets.OVERHEAD_SHARE.items():
                if name in goal.ops:
                    assert f'{share:g} of it on {name}' in goal.statement


ROOT = BENCHMARKS.parent
SCALING = BENCHMARKS / 'results' / 'scaling-3.12'


def test_scaling_snippets_are_the_committed_run_s(bench: Any, tmp_path: Path) -> None:
    # The performance page includes these files: they must be what the
    # report makes of the committed results, not edited by hand.
    results = json.loads((SCALING / 'scaling.json').read_text())
    for name, part in bench.scaling_report.snippets(results).items():
        assert (SCALING / 'snippets' / f'{name}.md').read_text() == part + '\n', name


def _example_rows() -> dict[str, list[str]]:
    """The two ways of the example's output as the README shows it."""
    readme = (ROOT / 'README.md').read_text()
    rows = {}
    for line in readme.splitlines():
        if line.startswith(('by value ', 'by proxy ')):
            words = line.split()[2:]
            rows[line[:8]] = [
                f'{a} {b}' for a, b in zip(words[::2], words[1::2], strict=True)
            ]
    assert set(rows) == {'by value', 'by proxy'}
    return rows


def test_performance_page_compares_the_example_with_the_study(bench: Any) -> None:
    page = (ROOT / 'docs' / 'performance.md').read_text()
    section = page[page.index("### The home page's example and the study") :]
    table = {
        cells[0]: cells[1:]
        for line in section.split('\n\n')[2].splitlines()[2:]
        for cells in [[c.strip() for c in line.strip('|').split('|')]]
    }
    report = bench.scaling_report
    figures = report.transfer_figures(
        json.loads((SCALING / 'scaling.json').read_text())
    )
    example = _example_rows()
    measures = {
        'bytes pickled per task': ('pickled_per_task', report.size_text),
        'wall time': ('wall_s', report.seconds_text),
        "parent's peak": ('parent_peak', report.size_text),
        "largest worker's peak": ('worker_peak', report.size_text),
    }
    assert list(table) == list(measures)
    for column, (name, (measure, text)) in enumerate(measures.items()):
        study = [text(figures[(c, 10**8, 8)][measure][0]) for c in ('value', 'ours')]
        assert table[name] == [
            example['by value'][column],
            study[0],
            example['by proxy'][column],
            study[1],
        ]


def test_performance_page_claims_hold_for_the_committed_run(bench: Any) -> None:
    # The sentences the page writes by hand about the scaling run, each
    # checked against the run's figures: a new run that breaks one fails
    # here, and the sentence must then change.
    report = bench.scaling_report
    results = json.loads((SCALING / 'scaling.json').read_text())
    figures = report.transfer_figures(results)
    # The prose as one line: its wrapping does not matter.
    page = ' '.join((ROOT / 'docs' / 'performance.md').read_text().split())
    cases = [
        (n, t)
        for n in results['settings']['sizes']
        for t in results['settings']['tasks']
    ]
    assert "the gaps between their two lines are the machine's noise" in page
    for n, tasks in cases:
        ours, ps = (figures[(c, n, tasks)]['wall_s'] for c in ('ours', 'proxystore'))
        assert report._overlap(ours, ps), (n, tasks)
    assert 'each task carries a pickle of under 200 bytes' in page
    assert 'a median of 0 B at every size' in page
    for n, tasks in cases:
        assert figures[('ours', n, tasks)]['pickled_per_task'][2] < 200
        assert figures[('ours', n, tasks)]['parent_peak'][0] == 0
    assert "from 100 MB on the parent's peak grew by two pickles" in page
    for n, tasks in cases:
        if n >= 10**8 and ('value', n, tasks) in figures:
            peak = figures[('value', n, tasks)]['parent_peak'][0]
            assert peak == pytest.approx(2 * n, rel=0.01), (n, tasks)
    assert 'the slowest of the five in every row up to 1 MB' in page
    for n, tasks in cases:
        if n <= 10**6:
            walls = {c: figures[(c, n, tasks)]['wall_s'][0] for c in report.LABELS}
            assert max(walls, key=walls.__getitem__) == 'dask', (n, tasks)
