"""Notices passed down with 回执: an admin sends `通知 <kinds or 全部> <text>`; the bot posts 【通知N】
to every group of those kinds, records each unit's acknowledgement (收到 / 已阅 / 👌 / a quote of the
notice, by a confirmed member of the unit, within the notice's window), reminds by @ the units that
have not, and tells the officials the rate (`通知7 已回执 112/116，未回执：…`).

An acknowledgement is not a report: it is consumed here, silently, before the reader sees it."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session

from handlers.chat import Action, Incoming, Say, reply, strip_mentions
from handlers.context import Context, GroupInfo, Settings
from handlers.parser.normalize import unquote
from handlers.summary import names, report_kinds
from storage import circulars, companies, queries
from storage.models import Circular, Company, Unit

ALL_WORDS = ("全部", "所有", "全体", "各群", "all")
COMPANIES = "companies"  # a notice's target: each property company's contact, privately
COMPANY_WORDS = ("各物业公司", "物业公司", "物业企业", "各物业企业")
# a whole short message that says it was read; 翠园小区收到 and 收到，马上落实 too
ACK_WORDS = ("收到", "已收到", "已阅", "已读", "阅", "知悉", "已知悉", "明白", "好的", "👌", "ok", "OK", "Ok")
ACK_MAX_CHARS = 16
QUOTED = re.compile(r"【通知(\d+)】")
_TOKEN = re.compile(r"[\s、，,：:；;]*([^\s、，,：:；;]+)")
USAGE = ("发通知：通知 全部（或 物业小区、在建工地、网格）再写内容，例如：\n"
         "通知 全部 请各单位今天17:00前完成公共区域消杀")


def _kinds_of(settings: Settings, word: str) -> tuple[list[str], int] | None:
    """The kinds a target word names and how many of its characters it used: 全部, a kind's name or a
    part of it (物业, 工地), a name glued to the text (物业小区请…)."""
    kinds = report_kinds(settings)
    for w in COMPANY_WORDS:
        if word.startswith(w):
            return [COMPANIES], len(w)
    for w in ALL_WORDS:
        if word.startswith(w):
            return kinds, len(w)
    for k in kinds:
        name = settings.kind_names[k]
        if word == k or word.startswith(name):
            return [k], len(k) if word == k else len(name)
    found = [k for k in kinds if len(word) >= 2 and word in settings.kind_names[k]]
    return (found, len(word)) if len(found) == 1 else None


def parse_notice(settings: Settings, arg: str) -> tuple[list[str], str]:
    """(kinds, text) of `通知 物业小区、在建工地 请…`; no kinds when the targets are not understood."""
    kinds: list[str] = []
    pos = 0
    while (m := _TOKEN.match(arg, pos)) is not None:
        found = _kinds_of(settings, m.group(1))
        if found is None:
            break
        kinds += [k for k in found[0] if k not in kinds]
        pos = m.start(1) + found[1]
    return kinds, arg[pos:].strip(" \t\n：:，,、；;")


def expected_units(session: Session, circular: Circular) -> list[Unit]:
    return [u for k in circular.kinds if k != COMPANIES for u in queries.units_of_kind(session, kind=k)]


def expected_companies(session: Session, circular: Circular) -> list[Company]:
    return companies.all_companies(session) if COMPANIES in circular.kinds else []


def missing(session: Session, circular: Circular) -> tuple[int, list[str]]:
    """(how many should acknowledge, the names of those that have not)."""
    units, firms = expected_units(session, circular), expected_companies(session, circular)
    done_units = circulars.acknowledged_units(session, circular_id=circular.id or 0)
    done_firms = circulars.acknowledged_companies(session, circular_id=circular.id or 0)
    return len(units) + len(firms), ([u.name for u in units if u.id not in done_units]
                                     + [c.name for c in firms if c.id not in done_firms])


def post(session: Session, settings: Settings, *, kinds: list[str], text: str, sent_by: str, sent_by_name: str,
         origin_room: str | None, source: str, now: dt.datetime, window: dt.timedelta) -> tuple[Circular | None, list[Action]]:
    """Record the notice and say it in every group of its kinds (nothing twice for one message)."""
    circular = circulars.add(session, text=text, kinds=kinds, sent_by=sent_by, sent_by_name=sent_by_name,
                             origin_room=origin_room, source_message_id=source, now=now, until=now + window)
    if circular is None:
        return None, []
    by = f"（{sent_by_name}发布）" if sent_by_name else ""
    body = f"【通知{circular.id}】{text}\n{by}请各单位收到后回复「收到」"
    rooms = [g.room_id for k in kinds for g in queries.groups_of_kind(session, kind=k)]
    said: list[Action] = [Say(body, room_id=room) for room in dict.fromkeys(rooms)]
    firm_body = f"【通知{circular.id}】{text}\n{by}请贵公司收到后回复「收到」"
    said += [Say(firm_body, to_id=c.contact_id) for c in expected_companies(session, circular) if c.contact_id]
    return circular, said


def cmd_notice(msg: Incoming, ctx: Context, arg: str) -> list[Action] | None:
    """Only an admin, in the officials' group or privately; anywhere else 通知 … is someone's notice,
    which the reader leaves alone."""
    if not ctx.is_admin(msg.sender_id) or not (msg.private or ctx.in_officials_group):
        return None
    kinds, text = parse_notice(ctx.settings, arg)
    if not kinds or len(text) < 2:
        return [reply(msg, USAGE)]
    circular, actions = post(ctx.session, ctx.settings, kinds=kinds, text=text, sent_by=msg.sender_id,
                             sent_by_name=msg.sender_name, origin_room=msg.room_id, source=msg.message_id,
                             now=ctx.now, window=ctx.settings.notice_window)
    if circular is None:
        return []
    ctx.audit(msg.sender_id, "通知", f"通知{circular.id} {text}", msg.room_id or "private")
    expected, _ = missing(ctx.session, circular)
    where = "、".join(ctx.settings.kind_names[k] for k in kinds if k != COMPANIES)
    until = circular.until.astimezone(ctx.settings.tz)
    rooms = sum(1 for a in actions if isinstance(a, Say) and a.room_id)
    firms = len(actions) - rooms
    sent = "、".join(p for p in (f"{rooms}个群" if rooms else "", f"{firms}家物业公司的联系人（私聊）" if firms else "") if p)
    said = (f"✅ 通知{circular.id}已发往{sent}{f'（{where}）' if where else ''}，应回执{expected}个单位；"
            f"回执截至{until.month}月{until.day}日{until:%H:%M}，发「回执 {circular.id}」看回执情况")
    return [*actions, reply(msg, said, mention=False)]


def rate(session: Session, circular: Circular) -> str:
    """通知7 已回执 112/116，未回执：…"""
    expected, left = missing(session, circular)
    head = f"通知{circular.id} 已回执 {expected - len(left)}/{expected}"
    return head + (f"，未回执：{names(left)}" if left else "，全部已回执 👍")


def cmd_acks(msg: Incoming, ctx: Context, arg: str) -> list[Action] | None:
    """回执 [N]: the rate of one notice, or of every notice still collecting; admins and officials."""
    if not (ctx.is_admin(msg.sender_id) or ctx.in_officials_group):
        return None
    number = arg.lstrip("#通知").strip()
    if number:
        found = circulars.get(ctx.session, number=int(number)) if number.isdigit() and len(number) < 9 else None
        return [reply(msg, rate(ctx.session, found) if found else f"没有通知{number}", mention=False)]
    open_ones = circulars.open_ones(ctx.session, now=ctx.now)
    if not open_ones:
        return [reply(msg, "没有正在收回执的通知", mention=False)]
    return [reply(msg, "\n".join(rate(ctx.session, c) for c in open_ones), mention=False)]


def is_acknowledgement(text: str) -> bool:
    """A short message whose first clause says it was read: 收到, 已阅！, 翠园小区收到, 阳光花园收到，马上落实."""
    body = text.strip(" \t\n，,。.!！~～")
    first = re.split(r"[，,。.!！~～\s]", body, maxsplit=1)[0]
    return 0 < len(body) <= ACK_MAX_CHARS and any(first.startswith(w) or first.endswith(w) for w in ACK_WORDS)


def handle_acknowledgement(msg: Incoming, ctx: Context) -> list[Action] | None:
    """A unit's 回执: recorded silently; when it is the last one, the officials are told. None when the
    message is no acknowledgement of an open notice (the next handler reads it)."""
    if msg.kind == "text" and msg.private:
        return _company_acknowledgement(msg, ctx)
    if msg.kind != "text" or ctx.group is None or ctx.group.kind not in report_kinds(ctx.settings):
        return None
    quoted = QUOTED.search(msg.text)
    said = unquote(strip_mentions(msg.text)).strip()
    if not (is_acknowledgement(said) or (quoted and len(said) <= ACK_MAX_CHARS)):
        return None
    member = ctx.member(msg.sender_id)
    candidates = circulars.open_for(ctx.session, kind=ctx.group.kind, now=ctx.now)
    if quoted:
        candidates = [c for c in candidates if c.id == int(quoted.group(1))]
    if member is None or member.unit_id is None or not member.confirmed or not candidates:
        return None
    for circular in candidates:  # the newest notice this unit has not yet acknowledged
        if circulars.acknowledge(ctx.session, circular_id=circular.id or 0, unit_id=member.unit_id,
                                 contact_id=msg.sender_id, name=member.name or msg.sender_name,
                                 words=said or "引用", now=ctx.now):
            return _completed(ctx, circular)
    return []


def _company_acknowledgement(msg: Incoming, ctx: Context) -> list[Action] | None:
    """A company's contact answers a notice to the companies privately: 收到 (thanked, privately)."""
    said = unquote(strip_mentions(msg.text)).strip()
    if not (is_acknowledgement(said) or QUOTED.search(msg.text)):
        return None
    firms = companies.by_contact(ctx.session, contact_id=msg.sender_id)
    if not firms:
        return None
    open_ones = [c for c in circulars.open_ones(ctx.session, now=ctx.now) if COMPANIES in c.kinds]
    for circular in reversed(open_ones):
        for firm in firms:
            if circulars.acknowledge(ctx.session, circular_id=circular.id or 0, company_id=firm.id,
                                     contact_id=msg.sender_id, name=firm.contact_name or msg.sender_name,
                                     words=said or "引用", now=ctx.now):
                return [reply(msg, f"✅ 已记录{firm.name}对通知{circular.id}的回执"), *_completed(ctx, circular)]
    return None


def _completed(ctx: Context, circular: Circular) -> list[Action]:
    """Everyone has acknowledged: said once, to the officials' groups and to whoever sent it privately."""
    expected, left = missing(ctx.session, circular)
    if left or not circulars.mark_complete(ctx.session, circular=circular, now=ctx.now):
        return []
    text = f"✅ 通知{circular.id} 已全部回执（{expected}/{expected}）"
    rooms = [g.room_id for g in queries.groups_of_kind(ctx.session, kind=ctx.settings.officials_kind)]
    out: list[Action] = [Say(text, room_id=r) for r in rooms]
    if circular.origin_room is None and not circular.sent_by.startswith("desk:"):
        out.append(Say(text, to_id=circular.sent_by))
    return out


def remind(ctx: Context, group: GroupInfo) -> list[Action]:
    """@ the reporters of the group's units that have not acknowledged an open notice (one message
    per notice); silence when all have."""
    out: list[Action] = []
    for circular in reversed(circulars.open_for(ctx.session, kind=group.kind, now=ctx.now)):
        done = circulars.acknowledged_units(ctx.session, circular_id=circular.id or 0)
        units = [u for u in queries.units_of_kind(ctx.session, kind=group.kind)
                 if u.id not in done and (not group.unit_names or u.name in group.unit_names)]
        if not units:
            continue
        members = queries.members_of_units(ctx.session, unit_ids=[u.id for u in units if u.id is not None])
        text = (f"⏰ 【通知{circular.id}】还有{len(units)}个单位未回执：{names([u.name for u in units])}，"
                f"请收到后回复「收到」\n原文：{circular.text[:60]}{'…' if len(circular.text) > 60 else ''}")
        out.append(Say(text, room_id=group.room_id, mention_ids=tuple(m.contact_id for m in members)))
    return out


def report(ctx: Context, room_id: str) -> list[Action]:
    """The officials' view: the rate of every notice still collecting 回执 (and to private senders)."""
    open_ones = [c for c in circulars.open_ones(ctx.session, now=ctx.now) if c.completed_at is None]
    if not open_ones:
        return []
    out: list[Action] = [Say("📨 通知回执情况\n" + "\n".join(rate(ctx.session, c) for c in open_ones), room_id=room_id)]
    for c in open_ones:
        if c.origin_room is None and not c.sent_by.startswith("desk:"):
            out.append(Say(rate(ctx.session, c), to_id=c.sent_by))
        done = circulars.acknowledged_companies(ctx.session, circular_id=c.id or 0)
        out += [Say(f"⏰ 【通知{c.id}】贵公司（{firm.name}）还未回执，收到后请回复「收到」\n原文：{c.text[:60]}",
                    to_id=firm.contact_id)
                for firm in expected_companies(ctx.session, c) if firm.id not in done and firm.contact_id]
    return out
