"""Timed messages to groups: the prompt, reminders that @ exactly the missing, escalation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from storage import companies, queries, stats

from handlers.chat import Action, Say
from handlers.context import Context, GroupInfo
from handlers.parser import blank_form
from handlers.receipts import brief, day_label
from handlers.summary import names
from handlers.templates import FieldType, Template


def prompt(ctx: Context, kind: str, group: GroupInfo, text: str | None) -> list[Action]:
    """The day's prompt: the blank form to copy, or (prompt_style: jielong) a 接龙 to extend."""
    daily = [t for t in ctx.settings.templates(kind) if t.date_field]
    deadline = ctx.settings.deadlines.get(kind)
    if text and deadline is not None:
        text = text.replace("{deadline}", f"{deadline.hour}:{deadline.minute:02d}")
    if group.prompt_style == "jielong" and daily:
        return [Say(jielong_prompt(ctx, daily[0], group, text), room_id=group.room_id)]
    hint = "\n（请先@机器人，再粘贴填好的内容发送）" if ctx.settings.needs_mention else ""
    body = (text or "请按时报送今日日报") + hint + "\n" + "\n\n".join(blank_form(t) for t in daily)
    return [Say(body, room_id=group.room_id)]


def example_line(template: Template, unit_name: str) -> str:
    """翠园小区 测温320 体温异常0 已消杀: one line in the template's words, as a person would type it."""
    parts = [unit_name]
    for f in template.fields:
        if f.key in (template.unit_field, template.date_field) or f.type is FieldType.TEXT:
            continue
        if f.type is FieldType.INT and (f.required or f.example is not None):
            parts.append(f"{f.brief}{f.example or 0}")
        elif f.type is FieldType.BOOL and f.required:
            parts.append(brief(f, True))
        elif f.type is FieldType.ENUM and (f.required or f.example is not None):
            parts.append(f.example or next(iter(f.words.values()))[0])
    return " ".join(parts)


def jielong_prompt(ctx: Context, template: Template, group: GroupInfo, text: str | None) -> str:
    units = group.unit_names or tuple(u.name for u in queries.units_of_kind(ctx.session, kind=template.kind)[:1])
    example = example_line(template, units[0] if units else template.field(template.unit_field).display)
    title = f"{day_label(ctx.today)}{template.name}" + (f"（{text}）" if text else "")
    return f"#接龙\n{title}\n例 {example}\n\n请点接龙，按例子填写本单位一行"


def missing_units(ctx: Context, kind: str, unit_names: tuple[str, ...]) -> list[stats.UnitDay]:
    """The group's units that have not reported today, computed now (never stale)."""
    units = stats.units(ctx.session, kind=kind)
    if unit_names:
        units = [u for u in units if u.name in set(unit_names)]
    done = stats.reported_unit_ids(ctx.session, kind=kind, templates=ctx.settings.daily_templates(kind), day=ctx.today)
    return [u for u in units if u.unit_id not in done]


def remind(ctx: Context, kind: str, room_id: str, unit_names: tuple[str, ...]) -> list[Action]:
    """@ the expected reporters of exactly the units still missing; silence when none is."""
    missing = missing_units(ctx, kind, unit_names)
    if not missing:
        return []
    members = queries.members_of_units(ctx.session, unit_ids=[u.unit_id for u in missing])
    daily = ctx.settings.daily_templates(kind)
    title = "、".join(t.name for t in ctx.settings.templates(kind) if t.id in daily) or "日报"
    when = time_left(ctx, kind)
    if len(missing) == 1:
        text = f"⏰ {missing[0].name}今日{title}还未报送{when}，请尽快报送"
    else:
        text = f"⏰ 还有{len(missing)}个单位未报送今日{title}{when}：{names([u.name for u in missing])}，请尽快报送"
    return [Say(text, room_id=room_id, mention_ids=tuple(m.contact_id for m in members))]


def time_left(ctx: Context, kind: str) -> str:
    """（截止10:00，还有30分钟）: each reminder of a day says how close the deadline is, so the 09:00
    and 09:30 ones never read the same."""
    deadline = ctx.settings.deadlines.get(kind)
    if deadline is None:
        return ""
    at = f"{deadline.hour}:{deadline.minute:02d}"
    now = ctx.now
    minutes = int((dt.datetime.combine(now.date(), deadline, now.tzinfo) - now).total_seconds() // 60)
    if minutes <= 0:
        return f"（已过截止时间{at}）"
    hours, rest = divmod(minutes, 60)
    left = (f"{hours}小时" if hours else "") + (f"{rest}分钟" if rest else "")
    return f"（截止{at}，还有{left}）"


def escalate(ctx: Context, kind: str, room_id: str, scope: stats.Scope = stats.DISTRICT) -> list[Action]:
    """To the officials: who is still missing after the deadline, by street (a street's own group:
    its units only, by community)."""
    missing = [u for u in missing_units(ctx, kind, ()) if scope.holds(u)]
    name = ctx.settings.kind_names.get(kind, kind)
    if not missing:
        return [Say(f"✅ {scope.community or scope.street or ''}{name}今日已全部报送", room_id=room_id)]
    by_parent: dict[str, list[str]] = defaultdict(list)
    for u in missing:
        by_parent[(u.community if scope.street else u.parent) or "其他"].append(u.name)
    lines = [f"🔔 截止时间已过，{name}仍有{len(missing)}个单位未报送："]
    lines += [f"{parent}：{names(units)}" for parent, units in by_parent.items()]
    out: list[Action] = [Say("\n".join(lines), room_id=room_id)]
    return out + (to_companies(ctx, kind, missing) if scope == stats.DISTRICT else [])


def to_companies(ctx: Context, kind: str, missing: list[stats.UnitDay]) -> list[Action]:
    """Each property company's contact hears, privately, which of its communities are still missing."""
    managed = stats.unit_companies(ctx.session)  # one query, not one per company
    late: dict[int, list[str]] = defaultdict(list)
    for unit in missing:
        if unit.unit_id in managed:
            late[managed[unit.unit_id]].append(unit.name)
    deadline = ctx.settings.deadlines.get(kind)
    at = f"（截止{deadline.hour}:{deadline.minute:02d}已过）" if deadline else ""
    return [Say(f"🔔 {firm.name}：贵公司管理的{names(late[firm.id])}今日还未报送{at}，请督促尽快报送",
                to_id=firm.contact_id)
            for firm in companies.all_companies(ctx.session) if firm.id in late and firm.contact_id]
