"""The scaling runs' report: tables, log-log charts and the measured crossover.

Every figure is the median over the repeats, with the spread (lowest to
highest) beside it. `write_outputs` writes `scaling.json`, `scaling.md`,
the charts under `img/` (which the markdown links to as `img/<name>.png`) and
each table and list of sentences on its own under `snippets/`, which the
performance page includes.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from charts import loglog_chart
from scaling_driver import TRANSFER_ENV
from scaling_driver import skipped

LABELS = {
    'value': 'by value (pickle)',
    'ours': 'ours: Proxy + file store',
    'proxystore': 'proxystore 1.1.0: Proxy + file store',
    'shm': 'shared memory',
    'dask': 'Dask scatter',
}
SHORT_LABELS = {
    'value': 'by value',
    'ours': 'ours',
    'proxystore': 'proxystore 1.1.0',
    'shm': 'shared memory',
    'dask': 'Dask',
}
IMPL_LABELS = {
    'ours': 'ours',
    'proxystore': 'proxystore 1.1.0',
    'lop.cext': 'lazy-object-proxy (C)',
}
# The measures of the pass-by-reference runs: key, title, unit kind, chart.
MEASURES = (
    ('wall_s', 'Wall time', 'seconds', 'scaling-wall.png'),
    ('pickled_per_task', 'Bytes pickled per task', 'bytes', 'scaling-pickled.png'),
    ('parent_peak', "Parent's peak memory", 'bytes', 'scaling-parent.png'),
    ('worker_peak', "Workers' peak memory", 'bytes', 'scaling-workers.png'),
)
Spread = tuple[float, float, float]  # median, lowest, highest
# The memory charts start at this payload size (the tables show every size).
MEMORY_FROM = 10**6


def size_text(nbytes: float) -> str:
    """Bytes in decimal units: `1 kB`, `100 MB`, `1.5 GB`."""
    for unit in ('B', 'kB', 'MB', 'GB'):
        if abs(float(f'{nbytes:.3g}')) < 1000 or unit == 'GB':
            return f'{nbytes:.3g} {unit}'
        nbytes /= 1000
    raise AssertionError('unreachable')


def seconds_text(seconds: float) -> str:
    """Seconds as ms below one second, else s, three significant figures."""
    if seconds < 1:
        return f'{seconds * 1e3:.3g} ms'
    return f'{seconds:.3g} s'


def spread(values: list[float]) -> Spread:
    """The median, lowest and highest of `values`."""
    return statistics.median(values), min(values), max(values)


def _spread_text(s: Spread, unit: str) -> str:
    fmt = seconds_text if unit == 'seconds' else size_text
    if fmt(s[1]) == fmt(s[2]):
        return fmt(s[0])
    return f'{fmt(s[0])} ({fmt(s[1])}\N{EN DASH}{fmt(s[2])})'


def transfer_figures(results: dict[str, Any]) -> dict[tuple[str, int, int], Any]:
    """(contender, bytes, tasks) to each measure's spread over the repeats."""
    values: dict[tuple[str, int, int], dict[str, list[float]]] = {}
    for record in results['transfer']:
        for run in record['runs']:
            key = (record['contender'], record['nbytes'], run['tasks'])
            cell = values.setdefault(key, {m[0]: [] for m in MEASURES})
            for measure, *_ in MEASURES:
                cell[measure].append(run[measure])
    return {
        key: {measure: spread(v) for measure, v in cell.items()}
        for key, cell in values.items()
    }


def _contenders(results: dict[str, Any]) -> list[str]:
    present = {record['contender'] for record in results['transfer']}
    return [c for c in TRANSFER_ENV if c in present]


def transfer_table(results: dict[str, Any], measure: str) -> str:
    """One row per payload size and task count, one column per contender."""
    figures = transfer_figures(results)
    contenders = _contenders(results)
    unit = next(m[2] for m in MEASURES if m[0] == measure)
    head = ['payload', 'tasks', *(LABELS[c] for c in contenders)]
    lines = ['| ' + ' | '.join(head) + ' |', '|--:|--:|' + '--:|' * len(contenders)]
    for nbytes in results['settings']['sizes']:
        for tasks in results['settings']['tasks']:
            row = [size_text(nbytes), str(tasks)]
            for c in contenders:
                cell = figures.get((c, nbytes, tasks))
                if cell is not None:
                    row.append(_spread_text(cell[measure], unit))
                else:
                    row.append('skipped' if skipped(c, nbytes, tasks) else 'n/a')
            lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def transfer_chart(results: dict[str, Any], measure: str, path: Path) -> bool:
    """Cost against payload size, a panel per task count, a line per contender."""
    figures = transfer_figures(results)
    title, unit = next((m[1], m[2]) for m in MEASURES if m[0] == measure)
    sizes = results['settings']['sizes']
    if unit == 'bytes' and measure != 'pickled_per_task':
        # Below 1 MB, peak memory is page-sized noise (and often 0).
        sizes = [n for n in sizes if n >= MEMORY_FROM] or sizes
    panels = {}
    for tasks in results['settings']['tasks']:
        panels[f'{tasks} task{"s" if tasks > 1 else ""}'] = {
            LABELS[c]: [
                (nbytes, *figures[(c, nbytes, tasks)][measure])
                for nbytes in sizes
                if (c, nbytes, tasks) in figures
            ]
            for c in _contenders(results)
        }
    zero = [
        SHORT_LABELS[c]
        for c in _contenders(results)
        if all(
            figures[key][measure][0] == 0
            for key in figures
            if key[0] == c and key[1] in sizes
        )
    ]
    notes = [
        f'{results["settings"]["workers"]} worker processes; '
        'band: lowest to highest of the repeats'
    ]
    if zero:
        notes.append(f'{" and ".join(zero)}: 0 B at every size, not drawn')
    return loglog_chart(
        path=path,
        panels=panels,
        title=f'{title} against payload size',
        subtitle='\n'.join(notes),
        xlabel='payload',
        ylabel=unit,
        xticks={n: size_text(n) for n in sizes},
    )


def _overlap(a: Spread, b: Spread) -> bool:
    """Whether two spreads (lowest to highest) share any value."""
    return a[1] <= b[2] and b[1] <= a[2]


def crossovers(results: dict[str, Any], proxy: str = 'ours') -> list[str]:
    """Sentences: from what payload size `proxy` beats passing by value.

    The crossover is the smallest size at which the proxy's median is below
    the by-value median and stays below it at most of the sizes from there
    on; a larger size at which it is not is named as an exception, with both
    medians. Where the spreads (lowest to highest) of the two overlap, the
    run cannot tell them apart, and the sentence says so.
    """
    figures = transfer_figures(results)
    sizes = results['settings']['sizes']
    sentences = []
    for tasks in results['settings']['tasks']:
        pairs = [
            (
                n,
                figures[(proxy, n, tasks)]['wall_s'],
                figures[('value', n, tasks)]['wall_s'],
            )
            for n in sizes
            if (proxy, n, tasks) in figures and ('value', n, tasks) in figures
        ]
        if not pairs:
            continue
        wins = [ours[0] < value[0] for _, ours, value in pairs]
        first = next(
            (
                i
                for i in range(len(pairs))
                if wins[i] and 2 * sum(wins[i:]) > len(wins) - i
            ),
            None,
        )
        label = f'{tasks} task{"s" if tasks > 1 else ""}'

        def versus(pair: tuple[int, Spread, Spread]) -> str:
            n, ours, value = pair
            return (
                f'{seconds_text(ours[0])} against {seconds_text(value[0])} '
                f'at {size_text(n)}'
                + (' (their spreads overlap)' if _overlap(ours, value) else '')
            )

        if first is None:
            won = [versus(p) for p, w in zip(pairs, wins, strict=True) if w]
            sentences.append(
                f'With {label}, the proxy was faster than passing by value '
                + (f'only at {"; ".join(won)}' if won else 'at no size')
                + f' up to {size_text(pairs[-1][0])} ({versus(pairs[-1])}).'
            )
            continue
        at, largest = pairs[first], pairs[-1]
        if first == 0:
            sentence = (
                f'With {label}, the proxy was faster than passing by value at '
                f'every size from {size_text(at[0])}'
            )
        else:
            sentence = (
                f'With {label}, the proxy pays off between '
                f'{size_text(pairs[first - 1][0])} and {size_text(at[0])}'
            )
        sentence += f': {versus(at)}'
        if largest is not at:
            sentence += f', {versus(largest)}'
        losses = [
            p for p, won in zip(pairs[first:], wins[first:], strict=True) if not won
        ]
        if losses:
            sentence += '; except at ' + ', '.join(
                f'{size_text(n)}, where it took {seconds_text(ours[0])} against '
                f'{seconds_text(value[0])} by value'
                + (' (their spreads overlap)' if _overlap(ours, value) else '')
                for n, ours, value in losses
            )
        close = [
            p
            for p, won in zip(pairs[first:], wins[first:], strict=True)
            if won and _overlap(p[1], p[2]) and p is not at and p is not largest
        ]
        if close:
            sentence += '; the spreads overlap at ' + ', '.join(
                f'{size_text(n)} ({seconds_text(ours[0])} against '
                f'{seconds_text(value[0])})'
                for n, ours, value in close
            )
        sentences.append(sentence + '.')
    return sentences


def proxy_figures(results: dict[str, Any]) -> dict[str, Any]:
    """Per implementation: per count and per race, spreads over the repeats."""
    many: dict[tuple[str, int], dict[str, list[float]]] = {}
    races: dict[tuple[str, bool, int], dict[str, list[float]]] = {}
    for record in results['proxies']:
        for row in record['many']:
            cell = many.setdefault((record['impl'], row['count']), {})
            for key in ('create_s', 'create_nogc_s', 'pickle_s', 'bytes_per_proxy'):
                if key in row:
                    cell.setdefault(key, []).append(row[key])
        for row in record['races']:
            race = (record['impl'], row['shared'], row['threads'])
            cell = races.setdefault(race, {})
            cell.setdefault('wall_s', []).append(row['wall_s'])
            cell.setdefault('factory_calls', []).append(row['factory_calls'])
    return {
        'many': {k: {m: spread(v) for m, v in c.items()} for k, c in many.items()},
        'races': {k: {m: spread(v) for m, v in c.items()} for k, c in races.items()},
    }


def _impls(results: dict[str, Any]) -> list[str]:
    present = {record['impl'] for record in results['proxies']}
    return [i for i in ('ours', 'proxystore', 'lop.cext') if i in present]


def _per_proxy(s: Spread, count: int) -> str:
    median, low, high = (x / count * 1e9 for x in s)
    return f'{median:,.0f} ({low:,.0f}\N{EN DASH}{high:,.0f})'


MANY = (
    ('create_s', 'Time to create, ns per proxy'),
    ('create_nogc_s', 'Time to create with the garbage collector off, ns per proxy'),
    ('pickle_s', 'Time to pickle, ns per proxy'),
    ('bytes_per_proxy', 'Memory, bytes per unresolved proxy'),
)


def many_table(results: dict[str, Any], key: str) -> str:
    """Per count, one column per implementation: ns or bytes per proxy."""
    figures = proxy_figures(results)['many']
    impls = _impls(results)
    head = ['proxies', *(IMPL_LABELS[i] for i in impls)]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '--:|' * len(head)]
    for count in results['settings']['counts']:
        row = [f'{count:,}']
        for i in impls:
            cell = figures[(i, count)].get(key)
            if cell is None:
                row.append('n/a')
                continue
            if key == 'bytes_per_proxy':
                row.append(f'{cell[0]:,.0f}')
            else:
                row.append(_per_proxy(cell, count))
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def races_table(results: dict[str, Any]) -> str:
    """Per thread count: the race's wall time and factory calls, both cases."""
    figures = proxy_figures(results)['races']
    impls = _impls(results)
    head = ['threads']
    for shared in (True, False):
        case = 'one proxy' if shared else 'a proxy each'
        head += [f'{IMPL_LABELS[i]}, {case}' for i in impls]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '--:|' * len(head)]
    for threads in results['settings']['threads']:
        row = [str(threads)]
        for shared in (True, False):
            for i in impls:
                cell = figures[(i, shared, threads)]
                calls = cell['factory_calls'][2]
                row.append(
                    f'{_spread_text(cell["wall_s"], "seconds")}, '
                    f'{calls:.0f} call{"s" if calls != 1 else ""}'
                )
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def proxies_charts(results: dict[str, Any], directory: Path) -> list[str]:
    """The charts of many proxies and of the races; the names of those drawn."""
    figures = proxy_figures(results)
    impls = _impls(results)
    counts = results['settings']['counts']
    threads = results['settings']['threads']
    drawn = []
    many = {
        title: {
            IMPL_LABELS[i]: [(n, *figures['many'][(i, n)][key]) for n in counts]
            for i in impls
        }
        for title, key in (('create', 'create_s'), ('pickle each', 'pickle_s'))
    }
    if loglog_chart(
        path=directory / 'proxies-many.png',
        panels=many,
        title='Total time to create, and to pickle, many proxies',
        subtitle='band: lowest to highest of the repeats',
        xlabel='proxies',
        ylabel='seconds',
        xticks={n: f'{n:,}' for n in counts},
    ):
        drawn.append('proxies-many.png')
    races = {
        ('all threads on one proxy' if shared else 'a proxy per thread'): {
            IMPL_LABELS[i]: [
                (n, *figures['races'][(i, shared, n)]['wall_s']) for n in threads
            ]
            for i in impls
        }
        for shared in (True, False)
    }
    if loglog_chart(
        path=directory / 'proxies-threads.png',
        panels=races,
        title='First use by racing threads, wall time',
        subtitle='the factory waits 1 ms; band: lowest to highest of the repeats',
        xlabel='threads',
        ylabel='ms',
        xticks={n: str(n) for n in threads},
        ylog=False,
        yfactor=1e3,
    ):
        drawn.append('proxies-threads.png')
    return drawn


BENDS = (
    ('create_s', 'create'),
    ('create_nogc_s', 'create with the garbage collector off'),
    ('pickle_s', 'pickle'),
)


def bend_sentences(results: dict[str, Any]) -> list[str]:
    """How the per-proxy costs at the largest count compare with the smallest."""
    figures = proxy_figures(results)['many']
    counts = results['settings']['counts']
    if len(counts) < 2:
        return []
    low, high = counts[0], counts[-1]
    sentences = []
    for i in _impls(results):
        parts = []
        for key, what in BENDS:
            if key not in figures[(i, low)]:
                continue
            a = figures[(i, low)][key][0] / low
            b = figures[(i, high)][key][0] / high
            parts.append(
                f'to {what}, {a * 1e9:,.0f} ns at {low:,} and '
                f'{b * 1e9:,.0f} ns at {high:,} ({b / a:.2f}x)'
            )
        sentences.append(f'{IMPL_LABELS[i]}, per proxy: ' + '; '.join(parts) + '.')
    return sentences


def _load_text(results: dict[str, Any]) -> str:
    loads = [
        record[key][0]
        for part in ('transfer', 'proxies')
        for record in results[part]
        for key in ('load_before', 'load_after')
        if record.get(key)
    ]
    if not loads:
        return ''
    ends = [results['machine'].get(key) for key in ('load', 'load_end')]
    edges = (
        f'{ends[0][0]:.2f} as it started and {ends[1][0]:.2f} as it ended; '
        if all(ends)
        else ''
    )
    return (
        f'Load average (1 min): {edges}as each process started and ended, '
        f'median {statistics.median(loads):.2f}, {min(loads):.2f} to '
        f"{max(loads):.2f} (the run's own processes count in it). "
    )


def run_text(results: dict[str, Any]) -> str:
    """Where and how the figures were made: machine, load, duration, repeats."""
    machine = results['machine']
    settings = results['settings']
    seconds = [
        f'{settings[f"{part}_seconds"]:,.0f} s for its {part} part'
        for part in ('transfer', 'proxies')
        if f'{part}_seconds' in settings
    ]
    return (
        f'Machine: {machine["cpu"]}, {machine["cores"]} cores, '
        f'{machine.get("memory_gib")} GiB, {machine["system"]}. '
        + (f'The run took {" and ".join(seconds)}. ' if seconds else '')
        + _load_text(results)
        + f'{settings["repeats"]} repeats, contenders alternated at every size; '
        f'{settings["workers"]} worker processes (spawn). '
        'Median (lowest\N{EN DASH}highest).'
    )


def snippets(results: dict[str, Any]) -> dict[str, str]:
    """The report's parts, by name: each table, the sentences, the run.

    `write_outputs` writes each to `snippets/<name>.md`, for a page to
    include as it is.
    """
    parts = {'run': run_text(results)}
    if results['transfer']:
        parts['crossover'] = '\n'.join(f'- {s}' for s in crossovers(results))
        for measure, *_ in MEASURES:
            parts[measure] = transfer_table(results, measure)
    if results['proxies']:
        parts['bends'] = '\n'.join(f'- {s}' for s in bend_sentences(results))
        for key, _ in MANY:
            if any(key in row for r in results['proxies'] for row in r['many']):
                parts[key] = many_table(results, key)
        parts['races'] = races_table(results)
    return parts


def report_markdown(results: dict[str, Any], images: list[str]) -> str:
    """The scaling report, as markdown, linking to the charts under `img/`."""
    parts_of = snippets(results)
    parts = ['## Pass by reference', '', parts_of['run']]
    if results['transfer']:
        parts += ['', parts_of['crossover']]
    for measure, title, _, png in MEASURES:
        if measure not in parts_of:
            break
        parts += ['', f'### {title}', '']
        if png in images:
            parts += [f'![{title}](img/{png})', '']
        parts += [parts_of[measure]]
    if results['proxies']:
        parts += ['', '## The proxy itself', '', parts_of['bends']]
        if 'proxies-many.png' in images:
            parts += ['', '![Many proxies](img/proxies-many.png)']
        for key, title in MANY:
            if key in parts_of:
                parts += ['', f'{title}:', '', parts_of[key]]
        if 'proxies-threads.png' in images:
            parts += ['', '![Racing threads](img/proxies-threads.png)']
        parts += ['', parts_of['races']]
    return '\n'.join(parts) + '\n'


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Results of separate runs (say, one per `--parts`) as one."""
    merged: dict[str, Any] = {**parts[0], 'settings': {}, 'transfer': [], 'proxies': []}
    for part in parts:
        merged['settings'].update(part['settings'])
        merged['transfer'] += part['transfer']
        merged['proxies'] += part['proxies']
    return merged


def write_outputs(results: dict[str, Any], out: Path) -> None:
    """Write `scaling.json`, the charts, `scaling.md` and its parts under `out`.

    Prints the report; its parts go to `snippets/<name>.md`.
    """
    images_dir = out / 'img'
    images_dir.mkdir(parents=True, exist_ok=True)
    (out / 'scaling.json').write_text(json.dumps(results, indent=1) + '\n')
    images = []
    if results['transfer']:
        for measure, _, _, png in MEASURES:
            if transfer_chart(results, measure, images_dir / png):
                images.append(png)
    if results['proxies']:
        images += proxies_charts(results, images_dir)
    text = report_markdown(results, images)
    (out / 'scaling.md').write_text(text)
    snippet_dir = out / 'snippets'
    snippet_dir.mkdir(exist_ok=True)
    for name, part in snippets(results).items():
        (snippet_dir / f'{name}.md').write_text(part + '\n')
    print(text)
