"""Trend charts: SVG on the dashboard, PNG with Chinese labels drawn in the chosen CJK font."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

from bot.config import Config
from handlers.charts import png_trend, svg_lines
from tests.system_deps import CJK_FONT, ensure

DAYS = [dt.date(2020, 2, 20) + dt.timedelta(days=i) for i in range(7)]
SERIES = [("物业小区已报", [3.0, 4, 4, 2, 4, 4, 4]), ("体温异常人数", [0.0, 1, 0, 0, 2, 0, 1])]


def test_svg_chart_has_a_line_per_series_and_chinese_legend() -> None:
    svg = svg_lines(DAYS, SERIES)
    assert svg.count("<polyline") == 2 and "物业小区已报（最高4）" in svg and "2/20" in svg
    assert "http://www.w3.org/2000/svg" in svg and "<script" not in svg


def test_png_text_is_drawn_in_the_cjk_font_without_missing_glyphs(config: Config) -> None:
    ensure("fonts-wqy-microhei")
    assert config.chart_font == CJK_FONT
    from matplotlib import font_manager
    from matplotlib.text import Text

    used: list[str] = []
    original = Text._get_layout  # type: ignore[attr-defined]

    def spy(self: Text, renderer: object) -> object:
        used.append(font_manager.findfont(self.get_fontproperties()))
        return original(self, renderer)

    Text._get_layout = spy  # type: ignore[attr-defined]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font" would fail here
            png = png_trend("2月20日至2月26日 报送趋势", DAYS, SERIES, CJK_FONT)
    finally:
        Text._get_layout = original  # type: ignore[attr-defined]
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert str(CJK_FONT) in used  # the title, legend and ticks use the CJK font
    from tests.test_browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "weekly-chart.png").write_bytes(png)
