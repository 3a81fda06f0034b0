"""Check-in: a report posted in a bound group -> stored -> a receipt, or exactly what to fix.

Never silent (DESIGN.md): a message that names a known unit, or carries a recognised label with a
number, gets an answer; chit-chat, questions and notices get none."""

from __future__ import annotations

import datetime as dt
import re

from storage import outbox, queries, vocab
from storage.models import Member, Report, Unit
from storage.queries import StoredValue

from handlers.chat import Action, Incoming, reply
from handlers.context import Context
from handlers.parser import ParsedReport
from handlers.parser.values import Value
from handlers.warnings import resumption_lines, warning_line
from handlers.receipts import cut, day_label, guess_line, problem_text, receipt_line, update_line
from handlers.units import resolve
from handlers import supplies, workers

PHOTO_WINDOW = dt.timedelta(minutes=10)
_NIL = re.compile(r"^(?P<unit>[^\d\n]{0,20}?)[\s:：,，]*(?:今日|今天)?(?:无异常|零报告|一切正常)[。.!！]*$")


def stored(value: Value) -> StoredValue:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def member_unit(ctx: Context, member: Member | None, kind: str) -> Unit | None:
    if member is None or not member.confirmed or member.unit_id is None:
        return None
    unit = queries.unit_by_id(ctx.session, unit_id=member.unit_id)
    return unit if unit is not None and unit.kind == kind else None


def unit_for(ctx: Context, report: ParsedReport, member: Member | None, kind: str) -> Unit | str:
    """The unit, or the Chinese line to send when it cannot be known ("" when none was named)."""
    tpl = report.template
    name = report.unit_name
    if name is None:
        unit = member_unit(ctx, member, kind)
        if unit is not None:  # a bound reporter may leave out their own unit's name
            report.fields[tpl.unit_field] = unit.name
            report.missing = [k for k in report.missing if k != tpl.unit_field]
        return unit if unit is not None else ""
    found = resolve(ctx, kind, name)
    if found.unit is not None:
        report.fields[tpl.unit_field] = found.unit.name
        return found.unit
    label = tpl.field(tpl.unit_field).display
    if found.suggestion:
        return f"❓ 没有找到「{cut(name, 20)}」，是不是「{found.suggestion}」？请核对{label}后重发"
    return f"❓ 没有找到「{cut(name, 20)}」，请核对{label}；新单位请管理员发送「登记 {cut(name, 20)}」"


def save(ctx: Context, msg: Incoming, report: ParsedReport, unit: Unit, kind: str,
         reporter_id: str | None = None) -> queries.Saved:
    assert unit.id is not None
    day = report.report_date(ctx.today)
    return queries.save_report(
        ctx.session, unit_id=unit.id, template=report.template.id, kind=kind, report_date=day,
        values={k: stored(v) for k, v in report.fields.items()}, raw_text=msg.text,
        source_message_id=msg.message_id, reporter_id=reporter_id or msg.sender_id, now=ctx.now,
        late=ctx.settings.is_late(kind, ctx.sent_at, day))


def _one(msg: Incoming, ctx: Context, report: ParsedReport, member: Member | None, kind: str) -> str:
    unit = unit_for(ctx, report, member, kind)
    if isinstance(unit, str) and unit:
        return unit
    unit_obj = unit if isinstance(unit, Unit) else None
    if not report.ok or unit_obj is None or unit_obj.id is None:
        return problem_text(report, f"{unit_obj.name} " if unit_obj else "")
    day = report.report_date(ctx.today)
    saved = save(ctx, msg, report, unit_obj, kind)
    late = "（迟报）" if ctx.settings.is_late(kind, ctx.sent_at, day) else ""
    if saved.created:
        lines = [receipt_line(report, unit_obj.name, day, ctx.today) + late]
    else:
        lines = [update_line(report.template, unit_obj.name, day, saved.changes)]
    lines += supply_lines(ctx, kind, report) + supplies.receipt_lines(ctx, unit_obj, report.fields)
    lines += warning_line(report) + resumption_lines(ctx, report, unit_obj.id, kind, day)
    lines += workers.receipt_lines(ctx.session, report.template, unit_obj.id, report.fields, day)
    if report.unknown:
        lines.append("（未识别：" + "、".join(cut(u, 12) for u in report.unknown[:5]) + "）")
    if (note := _proxy_note(ctx, msg, member, unit_obj)) is not None:
        lines.append(note)
    if (guessed := guess_line(report)) is not None:
        lines.append(guessed)
    return "\n".join(lines)


def _proxy_note(ctx: Context, msg: Incoming, member: Member | None, unit: Unit) -> str | None:
    """Anyone in the group may report for a unit (代报), but the receipt says when the sender is not
    the unit's registered reporter, so the unit and the officials see it."""
    if ctx.is_admin(msg.sender_id) or (member is not None and member.role == "official"):
        return None
    if member is not None and member.confirmed and member.unit_id == unit.id:
        return None
    return f"（注：发送人不是{unit.name}登记的报送人，按代报登记）"


def supply_lines(ctx: Context, kind: str, report: ParsedReport) -> list[str]:
    low = []
    for key, minimum in ctx.settings.supplies.get(kind, {}).items():
        value = report.fields.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value < minimum:
            low.append(f"{report.template.field(key).brief}{value}")
    return ["📦 物资偏少：" + "、".join(low) + "，请及时补充"] if low else []


def _nil_report(msg: Incoming, ctx: Context, kind: str, member: Member | None) -> list[Action] | None:
    """翠园小区今日无异常 / 零报告: counts as reported (not as missing), stored as a nil report."""
    m = _NIL.match(msg.text.strip())
    if m is None:
        return None
    name = m["unit"].strip(" ：:，,")
    unit = resolve(ctx, kind, name).unit if name else member_unit(ctx, member, kind)
    templates = ctx.settings.templates(kind)
    if unit is None or unit.id is None or not templates:
        return None
    tpl = templates[0]
    late = ctx.settings.is_late(kind, ctx.sent_at, ctx.today)
    queries.save_report(
        ctx.session, unit_id=unit.id, template=tpl.id, kind=kind, report_date=ctx.today,
        values={tpl.unit_field: unit.name}, raw_text=msg.text, source_message_id=msg.message_id,
        reporter_id=msg.sender_id, now=ctx.now, late=late, nil=True,
    )
    note = "（迟报）" if late else ""
    return [reply(msg, f"✅ {unit.name} {day_label(ctx.today)}{tpl.name}（无异常）已登记{note}")]


def remember(ctx: Context, msg: Incoming, reports: list[ParsedReport]) -> None:
    """Unknown labels are counted (the desk shows what to teach); guesses wait for an admin's 是."""
    for r in reports:
        if r.unknown:
            vocab.count_unknown(ctx.session, day=ctx.today, template=r.template.id, labels=r.unknown, now=ctx.now)
        if r.guesses and msg.room_id is not None:
            vocab.remember_guesses(ctx.session, room_id=msg.room_id, template=r.template.id,
                                   guesses=[(g.label, g.field) for g in r.guesses], now=ctx.now)


def handle_report(msg: Incoming, ctx: Context) -> list[Action]:
    """Silence unless the text is meant as a report; one reply for all the reports in one message."""
    if ctx.group is None or msg.kind != "text":
        return []
    kind = ctx.group.kind
    member = ctx.member(msg.sender_id)
    nil = _nil_report(msg, ctx, kind, member)
    if nil is not None:
        return nil
    reading = ctx.parser.read(msg.text, kind, ctx.today)
    if not reading.reports:
        return []
    remember(ctx, msg, reading.reports)
    lines = [_one(msg, ctx, r, member, kind) for r in reading.reports]
    if reading.unread and not reading.jielong:  # a table's rows that named no unit
        lines.append("⚠️ 以下行没有读出单位，未登记：" + "；".join(cut(e.text, 30) for e in reading.unread[:5]))
    return [reply(msg, "\n".join(lines))]


def handle_recall(msg: Incoming, ctx: Context) -> list[Action]:
    """A report taken back in WeChat (撤回) is withdrawn, not deleted (every report of that message)."""
    if msg.recalled_id is None:
        return []
    reports = [r for r in queries.reports_by_message(ctx.session, source_message_id=msg.recalled_id)
               if r.id is not None and r.status == "ok"]
    if not reports:  # the recall came first (puppets reorder): the original, when it comes, is not read
        outbox.first_sight(ctx.session, message_id=msg.recalled_id, now=ctx.now)
        return []
    names = []
    for report in reports:
        assert report.id is not None
        queries.set_report_status(ctx.session, report_id=report.id, status="withdrawn", now=ctx.now)
        unit = queries.unit_by_id(ctx.session, unit_id=report.unit_id)
        names.append(unit.name if unit else "")
    day = day_label(reports[0].report_date)
    return [reply(msg, f"↩️ {'、'.join(names)} {day}的报送已随消息撤回，请重新发送")]


def _recent_report(ctx: Context, sender_id: str) -> Report | None:
    report = queries.latest_report_by(ctx.session, reporter_id=sender_id, report_date=ctx.today)
    if report is None or ctx.now - report.updated_at > PHOTO_WINDOW:
        return None
    return report


def handle_photo(msg: Incoming, ctx: Context) -> list[Action]:
    """Photos within 10 minutes after one's report belong to it."""
    if msg.kind != "image" or msg.file_path is None:
        return []
    report = _recent_report(ctx, msg.sender_id)
    if report is None or report.id is None:
        return []
    outbox.attach(ctx.session, report_id=report.id, path=msg.file_path, source_message_id=msg.message_id, now=ctx.now)
    count = len(outbox.attachments_of(ctx.session, report_id=report.id))
    return [reply(msg, f"📎 照片已附到今日报送（共{count}张）", mention=False)]
