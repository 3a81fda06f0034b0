"""Reading a desk chart back from its SVG, as a person reads it: where each point is drawn, measured
against the chart's own y-axis labels."""

from __future__ import annotations

import re

from handlers.charts import BOTTOM, HEIGHT, TOP


def drawn(svg: str) -> dict[str, dict[str, int]]:
    """Each chart's values read back from where its points are drawn, through its y-axis labels (to
    the nearest whole number: the measures are counts, and a tenth of a pixel is a fraction of one)."""
    out = {}
    for figure in svg.split("<figure")[1:]:
        name = re.search(r'data-measure="([^"]+)"', figure).group(1)  # type: ignore[union-attr]
        ticks = [float(t) for t in re.findall(r'class="ytick"[^>]*>([^<]+)<', figure)]
        top, plot = max(ticks), HEIGHT - TOP - BOTTOM
        out[name] = {day: round(top * (1 - (float(cy) - TOP) / plot))
                     for day, cy in re.findall(r'data-day="([^"]+)".*?cy="([^"]+)"', figure)}
    return out
