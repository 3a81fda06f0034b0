"""Properties of the parser: it never raises, and a rendered report parses back to its fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.parser import Parser, render_report
from handlers.templates import FieldType, Template, TemplateField
from tests.conftest import TODAY

PIECES = ["小区", "测温", "：", ":", "，", "；", "\n", "356", "人", "无", "✅", "❌", "①", "【", "】", "1.", "一、",
          "体温异常", "消杀", "已", "未", "为", " ", "项目", "复工", "网格", "走访", "十二", "-", "2月26日", "😷", "\u2005"]
messy_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=40).map("".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(text=st.one_of(st.text(max_size=300), messy_text), kind=st.sampled_from(["property", "construction", "grid", "officials"]))
def test_parse_never_raises(parser: Parser, text: str, kind: str) -> None:
    for report in parser.parse(text, kind, TODAY):
        report.to_json()


@SETTINGS
@given(text=st.one_of(st.text(max_size=200), messy_text), template=st.sampled_from(["property_daily", "construction_daily", "grid_daily"]))
def test_parse_reply_never_raises(parser: Parser, text: str, template: str) -> None:
    parser.parse_reply(text, template, "翠园小区", TODAY)


# Unit names and free text drawn from characters that carry no label or value meaning.
NAME_CHARS = "翠园阳光花锦绣华庭幸福里滨江壹号市中迁建金山银湖东西南北春夏秋冬明德"
names = st.text(alphabet=NAME_CHARS, min_size=2, max_size=8)


def _value(field: TemplateField, report_day: bool = False) -> st.SearchStrategy[Any]:
    if report_day:  # a report is for today or one of the last 31 days
        return st.dates(min_value=TODAY - dt.timedelta(days=31), max_value=TODAY)
    match field.type:
        case FieldType.INT:
            return st.integers(min_value=0, max_value=100_000)
        case FieldType.BOOL:
            return st.booleans()
        case FieldType.ENUM:
            return st.sampled_from(sorted(field.words))
        case FieldType.DATE:
            return st.dates(min_value=dt.date(2019, 1, 1), max_value=TODAY)
        case _:
            return names


@st.composite
def filled_report(draw: st.DrawFn, templates: list[Template]) -> tuple[Template, dict[str, Any]]:
    template = draw(st.sampled_from(templates))
    values: dict[str, Any] = {template.unit_field: draw(names)}
    for f in template.fields:
        if f.key != template.unit_field and (f.required or draw(st.booleans())):
            values[f.key] = draw(_value(f, report_day=f.key == template.date_field))
    return template, values


@SETTINGS
@given(data=st.data())
def test_render_then_parse_gives_the_same_fields(parser: Parser, data: st.DataObject) -> None:
    templates = [v.template for v in parser.vocabularies.values()]
    template, values = data.draw(filled_report(templates))
    text = render_report(template, values)
    (report,) = parser.parse(text, template.kind, TODAY)
    expected = dict(values)
    if template.date_field:
        expected.setdefault(template.date_field, TODAY)
    assert report.template.id == template.id
    assert report.fields == expected, text
    assert report.ok and report.unknown == []
