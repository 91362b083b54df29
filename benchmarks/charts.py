"""Charts for the benchmark reports, drawn with matplotlib (Agg, PNG).

Each function returns False, drawing nothing, when matplotlib is missing:
the reports are still written, without their charts.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Sized for the documentation's page width: about 1,000 pixels across.
WIDTH = 9.0
DPI = 110
MARKERS = ('o', 's', 'D', '^', 'v', 'P')
RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        print('matplotlib is not installed: no chart', file=sys.stderr)
        return None
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    plt.rcParams.update({'font.size': 11})
    return plt


def dots_chart(
    *,
    path: Path,
    rows: Sequence[str],
    series: dict[str, dict[str, float]],
    title: str,
    xlabel: str,
) -> bool:
    """One row per name, one dot per series at its ratio, on a log axis around 1."""
    plt = _pyplot()
    if plt is None:
        return False
    from matplotlib.ticker import NullLocator

    fig, ax = plt.subplots(figsize=(WIDTH, 0.32 * len(rows) + 1.9))
    for i, (label, points) in enumerate(series.items()):
        ys = [j for j, name in enumerate(rows) if name in points]
        xs = [points[rows[j]] for j in ys]
        ax.plot(
            xs,
            ys,
            linestyle='none',
            marker=MARKERS[i % len(MARKERS)],
            markersize=7,
            color=f'C{i}',
            label=label,
        )
    ax.axvline(1.0, color='black', linewidth=1)
    ax.set_xscale('log')
    every = [x for points in series.values() for x in points.values()]
    low, high = min([*every, 1.0]), max([*every, 1.0])
    ticks = [t for t in RATIO_TICKS if low / 1.5 <= t <= high * 1.5]
    ax.set_xticks(ticks, [f'{t:g}x' for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc='upper center', bbox_to_anchor=(0.5, -0.07), ncol=2, frameon=False)
    ax.grid(axis='x', alpha=0.3)
    ax.grid(axis='y', alpha=0.15)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return True


def loglog_chart(
    *,
    path: Path,
    panels: dict[str, dict[str, list[tuple[float, float, float, float]]]],
    title: str,
    xlabel: str,
    ylabel: str,
    xticks: dict[float, str] | None = None,
    subtitle: str = '',
    ylog: bool = True,
    yfactor: float = 1.0,
) -> bool:
    """Panels side by side, a line per contender through (x, median) points.

    Args:
        path: The PNG to write.
        panels: Panel title to contender to points `(x, median, low, high)`;
            `low` and `high` (the spread over repeats) draw a band.
        title: The figure's title.
        xlabel: The x axis label (log scale).
        ylabel: The y axis label (log scale).
        xticks: Tick labels by x value, if not the default ones.
        subtitle: A smaller line under the title.
        ylog: Whether the y axis is logarithmic (else linear from zero).
        yfactor: What the y values are multiplied by (1e3: seconds as ms).
    """
    plt = _pyplot()
    if plt is None:
        return False
    from matplotlib.ticker import NullLocator

    fig, axes = plt.subplots(
        1, len(panels), figsize=(WIDTH, 4.8), sharey=True, squeeze=False
    )
    for ax, (panel, lines) in zip(axes[0], panels.items(), strict=True):
        for i, (label, points) in enumerate(lines.items()):
            shown = sorted(
                (x, y * yfactor, low * yfactor, high * yfactor)
                for x, y, low, high in points
                if y > 0 or not ylog
            )
            if not shown:
                continue
            xs = [p[0] for p in shown]
            (line,) = ax.plot(
                xs,
                [p[1] for p in shown],
                marker=MARKERS[i % len(MARKERS)],
                markersize=5,
                color=f'C{i}',
                label=label,
            )
            ax.fill_between(
                xs,
                [p[2] for p in shown],
                [p[3] for p in shown],
                color=line.get_color(),
                alpha=0.2,
                linewidth=0,
            )
        ax.set_xscale('log')
        if ylog:
            ax.set_yscale('log')
        else:
            ax.set_ylim(bottom=0)
        ax.set_title(panel)
        ax.set_xlabel(xlabel)
        if xticks:
            ax.set_xticks(list(xticks), list(xticks.values()), rotation=45)
            ax.xaxis.set_minor_locator(NullLocator())
        ax.grid(which='major', alpha=0.3)
    axes[0][0].set_ylabel(ylabel)
    legend: dict[str, Any] = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    handles, labels = list(legend.values()), list(legend)
    fig.legend(
        handles, labels, loc='lower center', ncol=min(len(labels), 3), frameon=False
    )
    if subtitle:
        title = f'{title}\n{subtitle}'
    fig.suptitle(title, fontsize=12)
    rows = -(-len(labels) // 3)
    fig.tight_layout(rect=(0, 0.06 * rows + 0.01, 1, 1))
    fig.subplots_adjust(top=0.8 - 0.04 * title.count('\n'))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return True
