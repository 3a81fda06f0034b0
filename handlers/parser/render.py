"""Reports back to text: the blank form people copy, and a filled report (for round-trip tests)."""

from __future__ import annotations

import datetime as dt

from handlers.parser.values import Value
from handlers.templates import FieldType, Template, TemplateField


def render_value(field: TemplateField, value: Value) -> str:
    if field.type is FieldType.BOOL:
        return "是" if value else "否"
    if field.type is FieldType.ENUM:
        return field.words[str(value)][0]
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def render_report(template: Template, fields: dict[str, Value]) -> str:
    """`label：value` lines in template order, using each field's display label."""
    lines = [template.name]
    for f in template.fields:
        if f.key in fields:
            lines.append(f"{f.display}：{render_value(f, fields[f.key])}")
    return "\n".join(lines)


def blank_form(template: Template, fields: list[TemplateField] | None = None) -> str:
    """The form to copy and fill; required fields marked with * (a leading * is ignored when parsed)."""
    lines = [f"【{template.name}】"]
    for f in fields if fields is not None else template.fields:
        lines.append(f"{'*' if f.required else ''}{f.display}：")
    return "\n".join(lines)
