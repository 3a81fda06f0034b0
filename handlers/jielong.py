"""接龙 (group solitaire) in a report group: each entry a report, one answer per chain.

Every person who extends a 接龙 reposts the whole chain: entries already stored unchanged are not
answered again, a changed entry updates its report, and an entry that cannot be read is said once."""

from __future__ import annotations

import hashlib

from storage import queries, vocab

from handlers.chat import Action, Incoming, reply
from handlers.checkin import remember, save, stored, unit_for
from handlers.context import Context
from handlers.parser import ParsedReport
from handlers.parser.jielong import is_jielong
from handlers.parser.normalize import lines
from handlers.receipts import cut, day_label


def looks_like_jielong(msg: Incoming, ctx: Context) -> bool:
    first = lines(msg.text[:200])
    return bool(first) and is_jielong(first[0], ctx.parser.words)


def _unchanged(ctx: Context, report: ParsedReport, unit_id: int) -> bool:
    found = queries.report_for(ctx.session, unit_id=unit_id, template=report.template.id,
                               report_date=report.report_date(ctx.today))
    if found is None or found.id is None or found.status != "ok":
        return False
    before = queries.report_values(ctx.session, report_id=found.id)
    return before == {k: stored(v) for k, v in report.fields.items()}


def _once(ctx: Context, msg: Incoming, text: str) -> bool:
    key = "jielong:" + hashlib.sha1(text.encode()).hexdigest()
    return vocab.say_once(ctx.session, room_id=msg.room_id or msg.sender_id, day=ctx.today, key=key, now=ctx.now)


def handle_jielong(msg: Incoming, ctx: Context) -> list[Action] | None:
    """None when the 接龙 holds no report entries (a duty roster, a headcount): not ours."""
    if ctx.group is None or msg.kind != "text":
        return None
    kind = ctx.group.kind
    reading = ctx.parser.read(msg.text, kind, ctx.today)
    if not reading.jielong or not reading.reports:
        return None
    remember(ctx, msg, reading.reports)
    # an entry's author in the GroupNote XML is the poster's client's word: trusted only for the poster
    authors = {n: a for n, a in enumerate(msg.entry_authors, 1) if a == msg.sender_id}
    stored_new: list[str] = []
    updated: list[str] = []
    problems: list[str] = []
    for report in reading.reports:
        author = authors.get(report.entry or 0)
        member = ctx.member(author) if author else None
        unit = unit_for(ctx, report, member, kind)
        where = f"第{report.entry}条"
        if isinstance(unit, str) or unit.id is None or not report.ok:
            problem = unit if isinstance(unit, str) and unit else _missing(report)
            if _once(ctx, msg, f"{report.entry}:{problem}:{report.unit_name}"):
                problems.append(f"{where}：{problem}")
            continue
        if _unchanged(ctx, report, unit.id):
            continue
        saved = save(ctx, msg, report, unit, kind, reporter_id=author or msg.sender_id)
        (stored_new if saved.created else updated).append(unit.name)
    if reading.beyond and _once(ctx, msg, f"beyond:{reading.entries + reading.beyond}"):
        problems.append(f"这条接龙有{reading.entries + reading.beyond}条，只登记了前{reading.entries}条，其余请另发")
    for entry in reading.unread:
        if _once(ctx, msg, f"unread:{entry.text}"):
            problems.append(f"第{entry.number}条「{cut(entry.text, 20)}」没读懂，请按例子的格式填写")
    return [reply(msg, text, mention=False)] if (text := _answer(ctx, stored_new, updated, problems)) else []


def _missing(report: ParsedReport) -> str:
    t = report.template
    parts = []
    if report.missing:
        parts.append("缺少" + "、".join(t.field(k).display for k in report.missing))
    parts += [f"「{t.field(b.field).display}」{b.reason}" for b in report.invalid]
    return "，".join(parts) or "没读懂"


def _answer(ctx: Context, stored_new: list[str], updated: list[str], problems: list[str]) -> str:
    lines_ = []
    if stored_new:
        lines_.append(f"✅ 接龙已登记{day_label(ctx.today)} {len(stored_new)} 个单位：" + "、".join(stored_new))
    if updated:
        lines_.append("🔄 已更新：" + "、".join(updated))
    if problems:
        lines_.append("❗ 以下接龙条目未登记：\n" + "\n".join(problems[:20]))
    return "\n".join(lines_)
