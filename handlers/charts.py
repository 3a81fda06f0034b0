"""Trend charts: SVG for the dashboard (no script, no external asset) and PNG for WeChat.

The desk draws one small chart per measure (small multiples) on the server: each with its own
labelled y-axis from 0, the days on the x-axis, and every point's value shown on hover or on a tap
(CSS :focus, since the desk's CSP allows no script). Server-side SVG needs no library in the
browser, works in WeChat's built-in browser and on an intranet, and can be read back from the DOM.

The PNG's Chinese labels need a CJK font; the deployment names one (config `chart_font`, installed
by the project's set-up: Debian's fonts-wqy-microhei). Without it no PNG is made (never boxes)."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from html import escape
from pathlib import Path

COLORS = ["#1f4e8c", "#d33", "#2e9d4f", "#b07d00", "#7a3fb0"]
Series = tuple[str, Sequence[float | None]]  # None: no value that day (a gap, never a 0)
WIDTH, HEIGHT = 320, 170
LEFT, RIGHT, TOP, BOTTOM = 44, 14, 10, 24


def axis_top(peak: float) -> float:
    """A round top for the y-axis at or above the peak: 1, 2, 2.5 or 5 times a power of ten."""
    if peak <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(peak))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= peak)


def _num(v: float) -> str:
    return f"{v:g}" if v < 1e6 else f"{v:.0f}"


def svg_charts(days: Sequence[dt.date], series: Sequence[Series]) -> str:
    """One small chart per measure, side by side where the screen allows."""
    if not days or not series:
        return ""
    return '<div class="charts">' + "".join(svg_chart(days, name, values, COLORS[n % len(COLORS)])
                                           for n, (name, values) in enumerate(series)) + "</div>"


def svg_chart(days: Sequence[dt.date], name: str, values: Sequence[float | None], color: str = COLORS[0]) -> str:
    """A line of one measure: y from 0 to a round top with three labelled ticks, a point per day with a value."""
    top = axis_top(max((v for v in values if v is not None), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(days) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    latest = next((v for v in reversed(values) if v is not None), None)
    caption = f'{escape(name)}<small>{"最新 " + _num(latest) if latest is not None else "无数据"}</small>'
    parts = [f'<figure class="chart" data-measure="{escape(name)}" data-top="{top:g}"><figcaption>{caption}</figcaption>'
             f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(name)}" xmlns="http://www.w3.org/2000/svg">']
    for tick in (0, top / 2, top):
        parts.append(f'<line class="gridline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
                     f'<text class="ytick" x="{LEFT - 4}" y="{y(tick) + 4:.1f}" text-anchor="end">{_num(tick)}</text>')
    every = max(math.ceil(len(days) / 7), 1)
    for i, d in enumerate(days):
        if i % every == 0 or i == len(days) - 1 and len(days) - 1 - (len(days) - 1) // every * every >= every / 2:
            parts.append(f'<text class="xtick" x="{x(i):.1f}" y="{HEIGHT - 6}" text-anchor="middle">{d.month}/{d.day}</text>')
    for run in _runs(values):
        pts = " ".join(f"{x(i):.1f},{y(values[i] or 0):.1f}" for i in run)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{pts}"/>')
    for i, v in enumerate(values):
        if v is None:
            continue
        label_y = y(v) - 8 if y(v) - 8 > TOP + 4 else y(v) + 16
        parts.append(f'<g class="pt" tabindex="0" data-day="{days[i].isoformat()}" data-value="{_num(v)}">'
                     f'<title>{days[i].month}月{days[i].day}日 {escape(name)} {_num(v)}</title>'
                     f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{color}"/>'
                     f'<text x="{x(i):.1f}" y="{label_y:.1f}" text-anchor="middle">{_num(v)}</text></g>')
    parts.append("</svg></figure>")
    return "".join(parts)


def _runs(values: Sequence[float | None]) -> list[list[int]]:
    """Indexes of the stretches of days with values: a line is not drawn across a day without one."""
    runs: list[list[int]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append(i)
    return [r for r in runs if r]


def png_trend(title: str, days: Sequence[dt.date], series: Sequence[Series], font: Path) -> bytes:
    """A PNG trend chart whose Chinese text is drawn with the given CJK font file."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    prop = font_manager.FontProperties(fname=str(font))
    fig = Figure(figsize=(8, 4.5), dpi=110)
    ax = fig.subplots()
    labels = [f"{d.month}/{d.day}" for d in days]
    for n, (name, values) in enumerate(series):
        ax.plot(labels, [float("nan") if v is None else v for v in values], marker="o", color=COLORS[n % len(COLORS)], label=name)
    ax.set_title(title, fontproperties=prop, fontsize=14)
    ax.legend(prop=prop)
    ax.grid(alpha=0.3)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(prop)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
