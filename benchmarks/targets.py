"""The project's acceptance targets for the per-operation benchmark, as data.

`TARGETS` is the table: each row a statement, the kind of check and what it
compares. `check_targets` evaluates every row against a summary written by
either driver (times, or instruction counts: the same targets hold for both);
a row that cannot be checked (a peer was not measured) says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from operations import MEMORY
from operations import OP_NAMES
from operations import PICKLE_SIZE
from operations import SIZES
from operations import SUBCLASS_OP_NAMES

# The share of proxystore's overhead that ours may take, where it is not one
# half: a first use resolves thread-safely (single flight, cycle detection),
# which proxystore does not do.
OVERHEAD_SHARE = {'create + first use': 0.55}


@dataclass(frozen=True, kw_only=True)
class Goal:
    """One acceptance target.

    Attributes:
        statement: What must hold, as the report prints it.
        kind: `overhead` (ours minus bare against a share of proxystore's
            overhead, on each of `ops`), `ratio` (ours over `peer` on `ops[0]`
            at most `limit`), `geomean` (of ours over `peer` across the timed
            operations, at most `limit`) or `size` (ours no larger than `peer`
            on `ops[0]`).
        ops: The operations (or sizes) the target is about.
        peer: The implementation compared with.
        limit: The largest ratio allowed.
    """

    statement: str
    kind: str
    ops: tuple[str, ...] = ()
    peer: str = 'proxystore'
    limit: float = 1.0


TARGETS = (
    Goal(
        statement='overhead (minus the bare object) at most half of proxystore'
        ' 1.1.0 on every operation (0.55 of it on create + first use)',
        kind='overhead',
        ops=OP_NAMES,
    ),
    Goal(
        statement='subclass overhead (minus the bare object) at most half of'
        " proxystore 1.1.0's same subclass on every subclass operation",
        kind='overhead',
        ops=SUBCLASS_OP_NAMES,
    ),
    Goal(
        statement='getattr at most 1.0x lazy_object_proxy.cext',
        kind='ratio',
        ops=('getattr',),
        peer='lop.cext',
    ),
    Goal(
        statement='method call at most 1.0x lazy_object_proxy.cext',
        kind='ratio',
        ops=('method call',),
        peer='lop.cext',
    ),
    Goal(
        statement='geometric mean of ours/lazy_object_proxy.cext at most 1.6 (target)',
        kind='geomean',
        peer='lop.cext',
        limit=1.6,
    ),
    Goal(
        statement='geometric mean of ours/lazy_object_proxy.cext at most 1.5 (stretch)',
        kind='geomean',
        peer='lop.cext',
        limit=1.5,
    ),
    Goal(
        statement='memory per unresolved proxy no larger than proxystore 1.1.0',
        kind='size',
        ops=(MEMORY,),
    ),
    Goal(
        statement='pickled size no larger than proxystore 1.1.0',
        kind='size',
        ops=(PICKLE_SIZE,),
    ),
)


def counts_instructions(summary: dict[str, Any]) -> bool:
    """Whether the summary counts instructions (else it times, as older ones do)."""
    return summary.get('mode') == 'instructions'


def value(summary: dict[str, Any], impl: str, name: str) -> float | None:
    """A measured time (seconds), instruction count or size (bytes), or None."""
    if impl not in summary['impls']:
        return None
    if name in SIZES:
        measured: float | None = summary['sizes'][impl][name]
        return measured
    figures = summary['instructions' if counts_instructions(summary) else 'times_s']
    # Results written before the subclass operations existed lack them.
    figure: float | None = figures[impl].get(name)
    return figure


def amount_text(summary: dict[str, Any], figure: float) -> str:
    """A time or an instruction count, with its unit."""
    if counts_instructions(summary):
        return f'{figure:,.0f} instructions'
    return f'{figure * 1e9:,.0f} ns'


def ratio_text(a: float | None, b: float | None) -> str:
    """`a / b` as `0.50x`, or n/a."""
    if a is None or b is None or b <= 0:
        return 'n/a'
    return f'{a / b:.2f}x'


def vs_proxystore(
    summary: dict[str, Any], name: str
) -> tuple[float, float, float] | None:
    """The times of ours, proxystore and bare on `name`, if all were measured."""
    ours = value(summary, 'ours', name)
    ps = value(summary, 'proxystore', name)
    bare = value(summary, 'bare', name)
    if ours is None or ps is None or bare is None:
        return None
    return ours, ps, bare


def overhead_ratio(summary: dict[str, Any], name: str) -> float | None:
    """(ours - bare) / (proxystore - bare) on `name`, if proxystore adds any."""
    measured = vs_proxystore(summary, name)
    if measured is None or measured[1] <= measured[2]:
        return None
    ours, ps, bare = measured
    return (ours - bare) / (ps - bare)


def geomean_vs(summary: dict[str, Any], peer: str) -> tuple[float, int] | None:
    """The geometric mean of ours/peer over the timed operations, and their count."""
    ratios = []
    for name in OP_NAMES:
        ours = value(summary, 'ours', name)
        other = value(summary, peer, name)
        if ours and other:
            ratios.append(ours / other)
    if not ratios:
        return None
    return math.exp(sum(map(math.log, ratios)) / len(ratios)), len(ratios)


def _overhead(summary: dict[str, Any], goal: Goal) -> tuple[bool | None, str]:
    fails, checked = [], 0
    for name in goal.ops:
        share = OVERHEAD_SHARE.get(name, 0.5)
        measured = vs_proxystore(summary, name)
        if measured is None:
            continue
        checked += 1
        ours, ps, bare = measured
        ours_over, ps_over = ours - bare, ps - bare
        if ps_over <= 0:
            # proxystore beats the bare object here (pickling: a proxy carries
            # its factory, not the object), so there is no overhead to halve:
            # ours must then be no slower than it.
            if ours > ps:
                fails.append(
                    f'{name}: {amount_text(summary, ours)} vs proxystore '
                    f'{amount_text(summary, ps)} (both below bare)'
                )
        elif ours_over > ps_over * share:
            fails.append(
                f'{name}: {amount_text(summary, ours_over)} over bare vs limit '
                f'{amount_text(summary, ps_over * share)} '
                f'(proxystore {amount_text(summary, ps_over)})'
            )
    detail = f'{checked - len(fails)}/{checked} operations hold'
    if fails:
        detail += ': fails on ' + '; '.join(fails)
    return (None if not checked else not fails), detail


def _ratio(summary: dict[str, Any], goal: Goal) -> tuple[bool | None, str]:
    ours = value(summary, 'ours', goal.ops[0])
    peer = value(summary, goal.peer, goal.ops[0])
    if ours is None or peer is None:
        return None, ratio_text(ours, peer)
    return ours <= peer * goal.limit, ratio_text(ours, peer)


def _geomean(summary: dict[str, Any], goal: Goal) -> tuple[bool | None, str]:
    gm = geomean_vs(summary, goal.peer)
    if gm is None:
        return None, 'n/a'
    return gm[0] <= goal.limit, f'{gm[0]:.2f}x over {gm[1]} operations'


def _size(summary: dict[str, Any], goal: Goal) -> tuple[bool | None, str]:
    ours = value(summary, 'ours', goal.ops[0])
    peer = value(summary, goal.peer, goal.ops[0])
    if ours is None or peer is None:
        return None, 'n/a'
    return ours <= peer, f'{ours:,.0f} vs {peer:,.0f} bytes'


CHECKS = {'overhead': _overhead, 'ratio': _ratio, 'geomean': _geomean, 'size': _size}


def check_targets(summary: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    """Each target: (statement, holds or None if it cannot be checked, detail)."""
    return [(goal.statement, *CHECKS[goal.kind](summary, goal)) for goal in TARGETS]
