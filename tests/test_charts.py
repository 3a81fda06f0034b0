"""Trend charts: SVG on the dashboard, PNG with Chinese labels drawn in the chosen CJK font."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from pathlib import Path

from bot.config import Config
import re

from hypothesis import given
from hypothesis import strategies as st

from handlers.charts import axis_top, png_trend, svg_charts
from tests.chart_reading import drawn as _drawn
from tests.system_deps import CJK_FONT, ensure

DAYS = [dt.date(2020, 2, 20) + dt.timedelta(days=i) for i in range(7)]
SERIES = [("物业小区已报", [3.0, 4, 4, 2, 4, 4, 4]), ("体温异常人数", [0.0, 1, 0, 0, 2, 0, 1])]


def test_one_chart_per_measure_each_on_its_own_labelled_axis() -> None:
    svg = svg_charts(DAYS, SERIES)
    assert svg.count("<figure") == 2 and svg.count("<polyline") == 2
    assert "物业小区已报<small>最新 4</small>" in svg and "2/20" in svg and "2/26" in svg
    assert "http://www.w3.org/2000/svg" in svg and "<script" not in svg
    drawn = _drawn(svg)
    assert drawn["物业小区已报"]["2020-02-23"] == 2 and drawn["体温异常人数"]["2020-02-24"] == 2
    assert re.findall(r'class="ytick"[^>]*>([^<]+)<', svg.split("<figure")[1]) == ["0", "2.5", "5"]


def test_a_day_without_a_value_is_a_gap_never_a_zero() -> None:
    svg = svg_charts(DAYS, [("在岗", [120.0, None, None, 118, 121, None, 119])])
    assert svg.count("<polyline") == 3 and svg.count('class="pt"') == 4  # 1 | 2 | 1 points
    assert _drawn(svg)["在岗"] == {"2020-02-20": 120, "2020-02-23": 118, "2020-02-24": 121, "2020-02-26": 119}


@given(st.floats(min_value=0.001, max_value=1e9, allow_nan=False))
def test_the_axis_top_is_round_and_at_most_twice_the_peak(peak: float) -> None:
    top = axis_top(peak)
    assert peak <= top <= 2 * peak + 1e-9
    mantissa = top / 10 ** math.floor(math.log10(top) + 1e-12)
    assert any(abs(mantissa - m) < 1e-9 for m in (1, 2, 2.5, 5)), top  # ticks at 0, top/2, top read well


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
