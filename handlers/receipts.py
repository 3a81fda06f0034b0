"""The texts people read after posting a report: short, Chinese, exact about what to fix."""

from __future__ import annotations

import datetime as dt

from handlers.parser import ParsedReport
from handlers.parser.values import Value
from handlers.privacy import mask
from handlers.templates import FieldType, Template, TemplateField
from storage.queries import StoredValue

MAX_ECHO = 40  # characters of a typed text echoed back (a 备注 of 200,000 characters is not)


def day_label(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def show(field: TemplateField, value: Value | StoredValue) -> str:
    if value is None:
        return "空"
    if field.type is FieldType.BOOL:
        return "是" if value else "否"
    if field.type is FieldType.ENUM:
        words = field.words.get(str(value))
        return words[0] if words else str(value)
    return str(value)


def brief(field: TemplateField, value: Value) -> str:
    """测温356, 已消杀, 已复工."""
    if field.type is FieldType.BOOL:
        words = field.when_true if value else field.when_false
        return words or f"{field.brief}：{'是' if value else '否'}"
    if field.type is FieldType.ENUM:
        return show(field, value)
    if isinstance(value, dt.date):
        return f"{field.brief}{day_label(value)}"
    return f"{field.brief}{value}"


def cut(text: str, limit: int = MAX_ECHO) -> str:
    """An echo of what someone typed, shortened: masked first, since a number cut in half is no
    longer seen as one by the mask at the outbox."""
    text = mask(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_back(report: ParsedReport) -> list[str]:
    """What was read, as the receipt says it: 测温320 体温异常1（已送发热门诊） 已消杀."""
    tpl = report.template
    shown = []
    for k, v in report.fields.items():
        f = tpl.field(k)
        if k in (tpl.unit_field, tpl.date_field, tpl.notes_field) or f.type is FieldType.TEXT:
            continue
        remark = report.remarks.get(k)
        shown.append(brief(f, v) + (f"（{cut(remark, 20)}）" if remark else ""))
    return shown


def receipt_line(report: ParsedReport, unit_name: str, day: dt.date, today: dt.date | None = None) -> str:
    """What was stored, read back so the sender can check it; a report for an earlier day says so."""
    shown = read_back(report)
    if today is not None and day < today:
        head = f"✅ {unit_name} {report.template.name}已补登{day_label(day)}"
    else:
        head = f"✅ {unit_name} {day_label(day)}{report.template.name}已登记"
    return head + ("：" + " ".join(shown) if shown else "")


def guess_line(report: ParsedReport) -> str | None:
    """How labels were read by a guess, so the sender can correct it (and an admin teach it)."""
    if not report.guesses:
        return None
    said = "，".join(f"«{cut(g.label, 12)}»按{report.template.field(g.field).display}记" for g in report.guesses)
    return f"（{said}；不对请更正后重发）"


def update_line(
    tpl: Template, unit_name: str, day: dt.date, changes: dict[str, tuple[StoredValue, StoredValue]]
) -> str:
    if not changes:
        return f"✅ {unit_name} {day_label(day)}{tpl.name}已登记过，这次内容相同，无需重发"
    head = f"✅ {unit_name} {day_label(day)}{tpl.name}已更新"
    parts = []
    for key, (before, after) in changes.items():
        field = tpl.field(key)
        parts.append(f"{field.brief} {cut(show(field, before), 20)}→{cut(show(field, after), 20)}")
    return head + "：" + "、".join(parts)


def problem_text(report: ParsedReport, unit_label: str) -> str:
    """One reply: what was read, every missing and invalid field, and the lines to fill in."""
    tpl = report.template
    lines = [f"❗ {unit_label}{tpl.name}未登记，请补充后重发："]
    if shown := read_back(report):
        lines.append("已读到：" + " ".join(shown))
    if report.missing:
        lines.append("缺少：" + "、".join(tpl.field(k).display for k in report.missing))
    for bad in report.invalid:
        lines.append(f"「{tpl.field(bad.field).display}」填的是「{cut(bad.value)}」，{bad.reason}")
    lines.append("请复制填写：")
    for key in [*report.missing, *(b.field for b in report.invalid)]:
        lines.append(f"{tpl.field(key).display}：")
    return "\n".join(lines)
