"""The report of the per-operation benchmark: tables and charts from a summary.

A summary holds times (`driver.py`) or instruction counts
(`instruction_driver.py`); every table reads either. `summary_table` is the
short table the performance page leads with; `report_markdown` the full
report (every operation, the subclasses, the targets) that the method page
carries; `both_measures_table` puts the two measures of one interpreter side
by side; `overhead_chart` draws ours over each peer, operation by operation,
as dots around 1x.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from charts import dots_chart
from operations import LABELS
from operations import MEMORY
from operations import OP_NAMES
from operations import PEERS
from operations import PICKLE_SIZE
from operations import SIZES
from operations import SUBCLASS_OP_NAMES
from targets import OVERHEAD_SHARE
from targets import check_targets
from targets import counts_instructions
from targets import geomean_vs
from targets import overhead_ratio
from targets import ratio_text
from targets import value
from targets import vs_proxystore
from timing_worker import SLOWER

# The rows of the summary table: what users do most, and what a proxy saves.
SUMMARY_ROWS = (
    'create',
    'create + first use',
    'getattr',
    'method call',
    'len',
    'add',
    'hash',
    'isinstance',
    'pickle dumps+loads',
    MEMORY,
    PICKLE_SIZE,
)
# The peers of the summary table and the overhead chart.
SUMMARY_PEERS = ('proxystore', 'lop.cext')


def ns_text(seconds: float | None) -> str:
    """Seconds as nanoseconds, three significant figures, or n/a."""
    if seconds is None:
        return 'n/a'
    ns = seconds * 1e9
    return f'{ns:,.0f}' if abs(ns) >= 100 else f'{ns:.1f}'


def figure_text(summary: dict[str, Any], figure: float | None) -> str:
    """A time in nanoseconds or an instruction count, as the summary holds."""
    if figure is None or not counts_instructions(summary):
        return ns_text(figure)
    return f'{figure:,.0f}'


def _cell(summary: dict[str, Any], impl: str, name: str) -> str:
    measured = value(summary, impl, name)
    if name in SIZES:
        return 'n/a' if measured is None else f'{measured:,.0f}'
    return figure_text(summary, measured)


def _row_label(summary: dict[str, Any], name: str) -> str:
    if name in SIZES:
        return name
    return f'{name} ({"instructions" if counts_instructions(summary) else "ns"})'


def summary_table(summary: dict[str, Any]) -> str:
    """Ours next to proxystore and lazy-object-proxy's C extension, with ratios."""
    peers = [impl for impl in SUMMARY_PEERS if impl in summary['impls']]
    head = ['', 'ours', *(LABELS[p] for p in peers)]
    head += [f'ours / {LABELS[p]}' for p in peers]
    lines = ['| ' + ' | '.join(head) + ' |', '|---|' + '--:|' * (len(head) - 1)]
    for name in SUMMARY_ROWS:
        ours = value(summary, 'ours', name)
        row = [_row_label(summary, name), _cell(summary, 'ours', name)]
        row += [_cell(summary, p, name) for p in peers]
        row += [ratio_text(ours, value(summary, p, name)) for p in peers]
        lines.append('| ' + ' | '.join(row) + ' |')
    means = []
    for p in peers:
        gm = geomean_vs(summary, p)
        means.append('n/a' if gm is None else f'{gm[0]:.2f}x (over {gm[1]})')
    row = ['geometric mean over the operations', '']
    lines.append('| ' + ' | '.join([*row, *([''] * len(peers)), *means]) + ' |')
    return '\n'.join(lines)


def markdown_table(summary: dict[str, Any]) -> str:
    """Every operation and size on every implementation, with ours over each."""
    impls = summary['impls']
    peers = [impl for impl in PEERS if impl in impls]
    head = ['operation', *impls]
    head += [f'ours/{impl}' for impl in ('bare', *peers) if impl in impls]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for name in (*OP_NAMES, *SIZES):
        row = [name, *(_cell(summary, impl, name) for impl in impls)]
        ours = value(summary, 'ours', name)
        for impl in ('bare', *peers):
            if impl in impls:
                row.append(ratio_text(ours, value(summary, impl, name)))
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def has_subclass_times(summary: dict[str, Any]) -> bool:
    """Whether the summary has the operations on subclasses (newer results do)."""
    return any(value(summary, 'ours', name) for name in SUBCLASS_OP_NAMES)


def subclass_table(summary: dict[str, Any]) -> str:
    """The operations on subclasses: ours against bare and proxystore only."""
    impls = [
        impl for impl in ('bare', 'ours', 'proxystore') if impl in summary['impls']
    ]
    head = ['operation', *impls]
    head += [f'ours/{impl}' for impl in impls if impl != 'ours']
    compare = 'proxystore' in impls and 'bare' in impls
    if compare:
        head += ['ours over bare', 'proxystore over bare', 'overhead ours/proxystore']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for name in SUBCLASS_OP_NAMES:
        ours = value(summary, 'ours', name)
        row = [
            name,
            *(figure_text(summary, value(summary, impl, name)) for impl in impls),
        ]
        row += [
            ratio_text(ours, value(summary, impl, name))
            for impl in impls
            if impl != 'ours'
        ]
        if compare:
            measured = vs_proxystore(summary, name)
            if measured is None:
                row += ['n/a'] * 3
            else:
                ours, ps, bare = measured
                row += [
                    figure_text(summary, ours - bare),
                    figure_text(summary, ps - bare),
                    ratio_text(ours - bare, ps - bare),
                ]
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def targets_markdown(summary: dict[str, Any]) -> str:
    """The acceptance targets, each met, not met or not checked."""
    mark = {True: 'met', False: 'not met', None: 'not checked'}
    lines = ['| target | result | detail |', '|---|---|---|']
    for statement, holds, detail in check_targets(summary):
        lines.append(f'| {statement} | {mark[holds]} | {detail} |')
    return '\n'.join(lines)


def _reruns_sentence(settings: dict[str, Any]) -> str:
    reruns, slow = settings.get('reruns'), settings.get('slow')
    if reruns is None or slow is None:
        return ''
    return (
        f'Processes during which the machine ran over {SLOWER - 1:.0%} slower '
        f'than its fastest were run again ({reruns} reruns); {slow or "none"} '
        'of the processes kept ran slow. '
    )


def _load_sentence(summary: dict[str, Any]) -> str:
    start = summary['settings'].get('load_start')
    end = summary['machine'].get('load')
    if not start or not end:
        return ''
    return (
        f'Load average (1 min) {start[0]:.2f} at the start, {end[0]:.2f} at '
        f'the end; the run took {summary["settings"].get("seconds", 0):,.0f} s. '
    )


def _instructions_method(summary: dict[str, Any], versions: str) -> str:
    settings = summary['settings']
    loops = settings['loops']
    return (
        f'Instructions counted by callgrind ({settings["valgrind"]}). '
        f'Versions: {versions}. Each operation ran {loops:,} times and then '
        f'{2 * loops:,} times in a second process; the difference of the two '
        f'counts over {loops:,} is one run of it, so that start-up, imports and '
        "warming the interpreter's caches cancel. The machine's load does not "
        'change these counts: a second run gives the same figures. '
        'Instructions per operation; ratios below 1.00x mean ours runs fewer. '
    )


def report_markdown(
    summary: dict[str, Any], chart: str | None, other: dict[str, Any] | None = None
) -> str:
    """The full report of one run, as markdown.

    Args:
        summary: The run: times or instruction counts.
        chart: The file name of its chart, if drawn.
        other: The other measure's run on the same interpreter, if any: a
            table then shows both.
    """
    versions = ', '.join(
        f'{impl} {summary["versions"][impl]}'
        for impl in summary['impls']
        if impl != 'bare'
    )
    settings = summary['settings']
    machine_ = summary['machine']
    grouped: dict[tuple[str, str], list[str]] = {}
    for impl, impl_notes in summary['notes'].items():
        for name, note in impl_notes.items():
            if impl != 'bare':
                grouped.setdefault((name, note), []).append(impl)
    # A note may quote an error message: its underscores are not emphasis.
    notes = [
        f'- {name}, {", ".join(impls)}: {note.replace("_", chr(92) + "_")}'
        for (name, note), impls in grouped.items()
    ]
    if counts_instructions(summary):
        method = _instructions_method(summary, versions)
    else:
        method = (
            f'Machine: {machine_["cpu"]}, {machine_["cores"]} cores. '
            f'{_load_sentence(summary)}'
            f'Versions: {versions}. '
            f'Median over {settings["rounds"]} alternated processes of the best '
            f'of {settings["repeat"]} repeats '
            f'(~{settings["repeat_time"] * 1e3:g} ms each, '
            'each repeat a sweep over all operations, counted only if the machine '
            'ran at its best speed around it). '
            f'{_reruns_sentence(settings)}'
            'Times in ns per operation; ratios below 1.00x mean ours is faster. '
        )
    parts = [
        f'## CPython {summary["python"]}',
        '',
        method + 'Ours resolves thread-safely (the factory runs once however many '
        'threads race): the rows from getattr down measure resolved proxies and '
        'so include whatever that safety costs once resolved; '
        'create + first use includes the resolution itself.',
        '',
        markdown_table(summary),
    ]
    if has_subclass_times(summary):
        parts += [
            '',
            '### Proxy subclasses',
            '',
            'Resolved proxies made by two subclasses, defined the same way on '
            "ours and on proxystore's `Proxy`: *owned* adds a slot, an "
            '`__init__` that sets it and a `__reduce__`, in the shape of '
            "ProxyStore's `OwnedProxy` but with `Proxy`'s own "
            '`__proxy_wrapped__`; *checked* adds to those a '
            '`__proxy_wrapped__` property that checks the slot on every use, '
            "as ProxyStore's `BaseRefProxy` does (so ProxyStore's own "
            '`OwnedProxy` and `RefProxy` have this shape). The peers have no '
            "counterpart. Overhead is the figure minus the bare object's. These "
            'rows have a target of their own, against the same subclass of '
            "proxystore's `Proxy`; the other targets and the geometric mean "
            'leave them out.',
            '',
            subclass_table(summary),
        ]
    parts += ['', '### Targets', '', targets_markdown(summary)]
    if other is not None:
        parts += ['', '### Both measures', '', both_measures_table(summary, other)]
    if notes:
        parts += ['', 'n/a entries:', '', *notes]
    if chart:
        parts += ['', f'![ours over each peer, operation by operation]({chart})']
    return '\n'.join(parts) + '\n'


def overhead_chart(summary: dict[str, Any], path: Path) -> bool:
    """Ours over each summary peer, one row per timed operation; False if no chart."""
    names = [*OP_NAMES, 'pickled size (bytes)']
    series = {}
    for peer in SUMMARY_PEERS:
        if peer not in summary['impls']:
            continue
        points = {}
        for name in names:
            ours, theirs = value(summary, 'ours', name), value(summary, peer, name)
            if ours and theirs:
                points[name] = ours / theirs
        series[f'ours / {LABELS[peer]}'] = points
    return dots_chart(
        path=path,
        rows=names,
        series=series,
        title=f'{"Instructions" if counts_instructions(summary) else "Time"}'
        f' (or size) of ours over each peer, CPython {summary["python"]}',
        xlabel='ratio, log scale: left of 1x ours is faster',
    )


def both_measures_table(summary: dict[str, Any], other: dict[str, Any]) -> str:
    """Instructions (the stable figure) and time (what users feel), side by side.

    Per operation: the instructions of ours, proxystore, the C extension and
    the bare object; then, by each measure, the overhead ratio (ours - bare)
    / (proxystore - bare), starred where above its target share, and ours
    over the C extension; last, the geometric mean of the latter.
    """
    counted, timed = (
        (summary, other) if counts_instructions(summary) else (other, summary)
    )
    impls = ('ours', 'proxystore', 'lop.cext', 'bare')
    head = [f'operation (CPython {counted["python"]})']
    head += [f'{LABELS[impl]} (instructions)' for impl in impls]
    for measure in ('instructions', 'time'):
        head += [f'overhead ratio ({measure})', f'ours / lop.cext ({measure})']
    lines = ['| ' + ' | '.join(head) + ' |', '|---|' + '--:|' * (len(head) - 1)]

    def ratios(run: dict[str, Any], name: str) -> list[str]:
        share = OVERHEAD_SHARE.get(name, 0.5)
        over = overhead_ratio(run, name)
        text = 'n/a' if over is None else f'{over:.2f}' + ' *' * (over > share)
        ours, cext = value(run, 'ours', name), value(run, 'lop.cext', name)
        return [text, ratio_text(ours, cext)]

    for name in OP_NAMES:
        row = [name, *(_cell(counted, impl, name) for impl in impls)]
        row += ratios(counted, name) + ratios(timed, name)
        lines.append('| ' + ' | '.join(row) + ' |')
    means = []
    for run in (counted, timed):
        gm = geomean_vs(run, 'lop.cext')
        means += ['', 'n/a' if gm is None else f'{gm[0]:.2f}x (over {gm[1]})']
    row = ['geometric mean', *([''] * len(impls)), *means]
    lines.append('| ' + ' | '.join(row) + ' |')
    shares = ', '.join(
        f'{share:.2f} on {name}' for name, share in OVERHEAD_SHARE.items()
    )
    lines += [
        '',
        f"\\* above the target share of proxystore's overhead (0.50; {shares}).",
    ]
    return '\n'.join(lines)


def write_outputs(
    summary: dict[str, Any], out: Path, other: dict[str, Any] | None = None
) -> None:
    """Write `<out>.json`, `<out>.png` and `<out>.md`, and print the markdown.

    With `other` (the other measure's run on the same interpreter), the
    report ends with both side by side, also written to `<out>-both.md`.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    png = out.parent / f'{out.name}.png'
    chart = png.name if overhead_chart(summary, png) else None
    (out.parent / f'{out.name}.json').write_text(json.dumps(summary, indent=1) + '\n')
    if other is not None:
        both = both_measures_table(summary, other)
        (out.parent / f'{out.name}-both.md').write_text(both + '\n')
    text = report_markdown(summary, chart, other)
    (out.parent / f'{out.name}.md').write_text(text)
    (out.parent / f'{out.name}-summary.md').write_text(summary_table(summary) + '\n')
    print(text)
