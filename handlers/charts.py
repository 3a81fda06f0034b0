"""Trend charts: SVG for the dashboard (no script, no external asset) and PNG for WeChat.

The PNG's Chinese labels need a CJK font; the deployment names one (config `chart_font`, installed
by the project's set-up: Debian's fonts-wqy-microhei). Without it no PNG is made (never boxes)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from html import escape
from pathlib import Path

COLORS = ["#1f4e8c", "#d33", "#2e9d4f", "#e0a800", "#7a3fb0"]
Series = tuple[str, Sequence[float]]


def svg_lines(days: Sequence[dt.date], series: Sequence[Series], width: int = 640, height: int = 220) -> str:
    """A small line chart; each series is scaled to its own maximum so small figures stay visible."""
    if not days or not series:
        return ""
    left, bottom, top = 10, 24, 10
    step = (width - left - 40) / max(len(days) - 1, 1)  # room on the right for the last date
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height + 24 * ((len(series) + 2) // 3)}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for i, d in enumerate(days):
        if len(days) <= 10 or i % max(len(days) // 8, 1) == 0:
            parts.append(f'<text x="{left + i * step:.0f}" y="{height - 6}" font-size="11">{d.month}/{d.day}</text>')
    for n, (name, values) in enumerate(series):
        peak = max(max(values, default=0), 1)
        pts = " ".join(f"{left + i * step:.1f},{top + (height - bottom - top) * (1 - v / peak):.1f}"
                       for i, v in enumerate(values))
        color = COLORS[n % len(COLORS)]
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{pts}"/>')
        x, y = left + (n % 3) * 210, height + 18 + 24 * (n // 3)
        parts.append(f'<text x="{x}" y="{y}" font-size="13" fill="{color}">■ {escape(name)}（最高{peak:g}）</text>')
    parts.append("</svg>")
    return "".join(parts)


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
        ax.plot(labels, list(values), marker="o", color=COLORS[n % len(COLORS)], label=name)
    ax.set_title(title, fontproperties=prop, fontsize=14)
    ax.legend(prop=prop)
    ax.grid(alpha=0.3)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(prop)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
