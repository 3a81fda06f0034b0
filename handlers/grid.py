"""Grid workers: prompted with numbered questions, they answer in a few numbers from their phone."""

from __future__ import annotations

from typing import Any

from storage import conversations, queries, stats
from storage.models import Conversation

from handlers.chat import Action, Incoming, Say, reply
from handlers.checkin import stored
from handlers.context import Context
from handlers.parser import ParsedReport
from handlers.receipts import brief, day_label
from handlers.templates import Template


def _template(ctx: Context, kind: str) -> Template | None:
    daily = ctx.settings.daily_templates(kind)
    return next((t for t in ctx.settings.templates(kind) if t.id in daily), None)


def questions_text(template: Template, keys: list[str]) -> str:
    """The example is made of the asked fields' own examples, so after 40，150 the rest reads as
    「如：2，1，0」 and never shifts a value into the wrong question."""
    lines = [f"{i}. {template.field(k).display}" for i, k in enumerate(keys, 1)]
    example = "，".join(template.field(k).example or "0" for k in keys)
    return "\n".join(lines) + f"\n按顺序回复数字即可，如：{example}"


def grid_prompt(ctx: Context, kind: str, room_id: str, unit_names: tuple[str, ...]) -> list[Action]:
    """@ each grid worker of this group's units with the numbered questions; open their conversations."""
    template = _template(ctx, kind)
    if template is None:
        return []
    done = stats.reported_unit_ids(ctx.session, kind=kind, templates=[template.id], day=ctx.today)
    units = [u for u in ctx.units_of(kind)
             if (not unit_names or u.name in unit_names) and u.id not in done]  # only those still to answer
    workers = queries.members_of_units(ctx.session, unit_ids=[u.id for u in units if u.id is not None])
    if not workers:
        return []
    keys = [f.key for f in template.prompt_fields()]
    for w in workers:
        assert w.unit_id is not None
        conversations.start(ctx.session, contact_id=w.contact_id, room_id=room_id, unit_id=w.unit_id,
                            template=template.id, day=ctx.today, expires_at=ctx.now + ctx.settings.reply_window)
    who = "请各网格员回复" if len(workers) > 1 else "请回复"
    text = f"📝 {who}今日巡查情况：\n{questions_text(template, keys)}"
    return [Say(text, room_id=room_id, mention_ids=tuple(w.contact_id for w in workers))]


def _save(ctx: Context, msg: Incoming, conv: Conversation, template: Template, unit_name: str,
          answered: dict[str, Any]) -> None:
    values = {template.unit_field: unit_name, **answered}
    if template.date_field:
        values[template.date_field] = conv.day.isoformat()
    queries.save_report(ctx.session, unit_id=conv.unit_id, template=template.id, kind=template.kind,
                        report_date=conv.day, values=values, raw_text=msg.text, source_message_id=msg.message_id,
                        reporter_id=msg.sender_id, now=ctx.now, late=ctx.settings.is_late(template.kind, ctx.sent_at, conv.day))


def _answer_text(template: Template, unit_name: str, conv: Conversation, parsed: ParsedReport,
                 answered: dict[str, Any], left: list[str], saved: bool) -> str:
    shown = " ".join(brief(template.field(k), v) for k, v in answered.items())
    lines = []
    if not left and saved:
        lines.append(f"✅ {unit_name} {day_label(conv.day)}{template.name}已登记：{shown}")
    else:
        lines.append(f"已记录：{shown}" if shown else "还没有读到数字")
    for bad in parsed.invalid:
        lines.append(f"「{template.field(bad.field).display}」填的是「{bad.value}」，{bad.reason}")
    if left:
        lines.append("还差：\n" + questions_text(template, left))
    return "\n".join(lines)


def handle_reply(msg: Incoming, ctx: Context) -> list[Action] | None:
    """An answer from someone with an open prompt; None when the text is not an answer."""
    if msg.kind != "text" or msg.room_id is None:
        return None
    conv = conversations.open_for(ctx.session, contact_id=msg.sender_id, now=ctx.now)
    if conv is None or conv.room_id != msg.room_id:
        return None
    template = next((t for t in ctx.settings.templates(ctx.group.kind if ctx.group else "") if t.id == conv.template), None)
    unit = queries.unit_by_id(ctx.session, unit_id=conv.unit_id)
    if template is None or unit is None:
        return None
    asked = [f.key for f in template.prompt_fields()]
    left_before = [k for k in asked if k not in conv.answered]
    parsed = ctx.settings.parser.parse_reply(msg.text, template.id, unit.name, conv.day, questions=left_before)
    if parsed is None:
        return None
    new = {k: stored(v) for k, v in parsed.fields.items() if k not in (template.unit_field, template.date_field)}
    answered = {**conv.answered, **new}
    answered = {k: answered[k] for k in [f.key for f in template.fields] if k in answered}
    left = [k for k in asked if k not in answered]
    saved = all(k in answered for k in template.required_keys if k != template.unit_field)
    if saved:
        _save(ctx, msg, conv, template, unit.name, answered)
    conversations.update(ctx.session, conv=conv, answered=answered, done=not left and saved)
    return [reply(msg, _answer_text(template, unit.name, conv, parsed, answered, left, saved))]
