"""Problems found on inspection: assigned (交办) to a unit, tracked until rectified (整改)."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session

from storage import problems as store
from storage import queries, stats
from storage.models import Problem, Unit

from handlers.privacy import has_personal_number
from handlers.chat import MENTION, Action, Incoming, Say, reply, strip_mentions
from handlers.context import Context, Settings
from handlers.parser.values import Bad, parse_date
from handlers.receipts import day_label

PHOTO_WINDOW = dt.timedelta(minutes=10)
_ASSIGN = re.compile(r"^\s*交办\s*[:：]?\s*(?P<body>.+)$", re.S)
_DEADLINE = re.compile(
    r"[，,。；;\s]*(?:限|要求|请于|请在|须于)?\s*(?P<date>(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]?|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}|今天|明天)"
    r"\s*(?:之?前|以前)?\s*(?:完成)?\s*(?:整改|完成)?(?:到位|完毕)?")
_CLOSE = re.compile(r"#\s*(?P<n>\d+)")  # the bot always writes numbers as #12; "整改 5" may be a grid answer
_DONE_WORDS = ("已完成", "已整改", "整改完成", "已处理", "已销号", "完成整改", "已解决")
# commands read by their own patterns above, listed in 帮助 beside the command table
HELP = (
    ("交办", "领导交办问题：交办：翠园小区 3栋垃圾未清运，限2月28日前整改 @王经理"),
    ("整改", "责任单位销号：整改 #1 已完成，再发整改照片"),
    ("重开", "整改不到位时重新打开：重开 #1 垃圾仍未清运"),
)
_REOPEN = re.compile(r"^\s*(?:重开|重新打开|/reopen)\s*#?\s*(?P<n>\d+)")


def _can_assign(ctx: Context, contact_id: str) -> bool:
    if ctx.is_admin(contact_id):
        return True
    member = ctx.member(contact_id)
    return member is not None and member.role == "official"


def _find_unit(ctx: Context, body: str) -> Unit | None:
    """The longest unit name or alias named in the text, any kind."""
    best: tuple[int, Unit] | None = None
    for kind in ctx.settings.kind_names:
        for unit in ctx.units_of(kind):
            for name in [unit.name, *unit.aliases]:
                if has_personal_number(name):
                    continue  # a unit named with a phone number would capture every text quoting it
                if name in body and (best is None or len(name) > best[0]):
                    best = (len(name), unit)
    return best[1] if best else None


def _deadline(ctx: Context, body: str) -> tuple[dt.date | None, str]:
    m = _DEADLINE.search(body)
    if m is None:
        return None, body
    raw = m["date"]
    day = ctx.today + dt.timedelta(days=1) if raw == "明天" else parse_date(raw, ctx.today)
    if isinstance(day, Bad):
        return None, body
    if day < ctx.today - dt.timedelta(days=300):  # 1月5日 said in December means next January
        day = day.replace(year=day.year + 1)
    return day, body[: m.start()] + body[m.end():]


def _assignee(ctx: Context, msg: Incoming, unit: Unit) -> tuple[str | None, str]:
    names = [m["name"] for m in MENTION.finditer(msg.text)]
    ids = [i for i in msg.mention_ids if i != ctx.bot_id]
    if ids:
        member = ctx.member(ids[0])
        return ids[0], (member.name if member and member.name else (names[0] if names else ""))
    members = queries.members_of_units(ctx.session, unit_ids=[unit.id] if unit.id else [])
    return (members[0].contact_id, members[0].name) if members else (None, "")


def handle_assign(msg: Incoming, ctx: Context) -> list[Action] | None:
    m = _ASSIGN.match(strip_mentions(msg.text))
    if m is None or msg.kind != "text":
        return None
    if not _can_assign(ctx, msg.sender_id):
        return [reply(msg, "只有管理员或领导可以交办问题")]
    body = m["body"].strip()
    unit = _find_unit(ctx, body)
    if unit is None or unit.id is None:
        return [reply(msg, "请写明交办给哪个单位，例如：交办：翠园小区 3栋垃圾未清运，限2月28日前整改 @王经理")]
    deadline, rest = _deadline(ctx, body)
    description = rest.replace(unit.name, "", 1).strip(" ：:，,。；;") or body
    assignee_id, assignee_name = _assignee(ctx, msg, unit)
    ctx.audit(msg.sender_id, "交办", body, msg.room_id or "private")
    problem = store.create(ctx.session, unit_id=unit.id, description=description, deadline=deadline,
                           assignee_id=assignee_id, assignee_name=assignee_name, assigned_by=msg.sender_id,
                           room_id=msg.room_id, source_message_id=msg.message_id, now=ctx.now)
    limit = f"，限{day_label(deadline)}前整改" if deadline else ""
    text = (f"📌 已交办 #{problem.id}：{unit.name} {description}{limit}\n"
            f"整改后请回复「整改 #{problem.id} 已完成」，并发送整改照片")
    mentions = (assignee_id,) if assignee_id else ()
    return [Say(text, room_id=msg.room_id, mention_ids=mentions) if msg.room_id else reply(msg, text)]


def _may_close(ctx: Context, contact_id: str, problem: Problem) -> bool:
    if ctx.is_admin(contact_id) or contact_id == problem.assignee_id:
        return True
    member = ctx.member(contact_id)  # a self-bind (我是 …) counts once an admin confirmed it
    return member is not None and member.confirmed and (member.unit_id == problem.unit_id or member.role == "official")


def handle_close(msg: Incoming, ctx: Context) -> list[Action] | None:
    """整改 #12 已完成 — or a quote of the bot's 交办 message answered with 已完成."""
    if msg.kind != "text" or not any(w in msg.text for w in _DONE_WORDS):
        return None
    m = _CLOSE.search(msg.text)
    if m is None:
        return None
    problem = store.get(ctx.session, number=int(m["n"]))
    if problem is None:
        return [reply(msg, f"没有找到问题 #{m['n']}，请核对编号")]
    if problem.status == "closed":
        return [reply(msg, f"问题 #{problem.id} 已于{day_label(problem.closed_at.date()) if problem.closed_at else ''}销号")]
    if not _may_close(ctx, msg.sender_id, problem):
        return [reply(msg, f"问题 #{problem.id} 由责任单位或管理员销号")]
    store.close(ctx.session, problem=problem, by=msg.sender_id, note=msg.text.strip()[:200], now=ctx.now)
    days = (ctx.today - problem.created_at.astimezone(ctx.settings.tz).date()).days
    took = "交办当天完成" if days == 0 else f"交办后{days}天"
    return [reply(msg, f"✅ 问题 #{problem.id} 已整改销号（{took}）。10分钟内发来的照片会附到此问题")]


def handle_reopen(msg: Incoming, ctx: Context) -> list[Action] | None:
    m = _REOPEN.match(msg.text) if msg.kind == "text" else None
    if m is None:
        return None
    if not ctx.is_admin(msg.sender_id):
        return [reply(msg, "只有管理员可以重开问题")]
    problem = store.get(ctx.session, number=int(m["n"]))
    if problem is None:
        return [reply(msg, f"没有找到问题 #{m['n']}")]
    ctx.audit(msg.sender_id, "重开", f"#{problem.id}", msg.room_id or "private")
    store.reopen(ctx.session, problem=problem)
    mentions = (problem.assignee_id,) if problem.assignee_id else ()
    return [Say(f"🔁 问题 #{problem.id} 已重新打开，请继续整改：{problem.description}", room_id=msg.room_id,
                to_id=None if msg.room_id else msg.sender_id, mention_ids=mentions if msg.room_id else ())]


def handle_problem_photo(msg: Incoming, ctx: Context) -> list[Action] | None:
    """Photos within 10 minutes after closing a problem are its evidence."""
    if msg.kind != "image" or msg.file_path is None:
        return None
    problem = store.recently_closed_by(ctx.session, contact_id=msg.sender_id, since=ctx.now - PHOTO_WINDOW)
    if problem is None or problem.id is None:
        return None
    count = store.add_photo(ctx.session, problem_id=problem.id, path=msg.file_path, source_message_id=msg.message_id,
                            now=ctx.now)
    return [reply(msg, f"📎 照片已附到问题 #{problem.id}（共{count}张）", mention=False)]


def line(ctx: Context, problem: Problem, names: dict[int, str]) -> str:
    late = ""
    if problem.deadline is not None and problem.deadline < ctx.today:
        late = f" ⚠️逾期{(ctx.today - problem.deadline).days}天"
    limit = f" 限{day_label(problem.deadline)}" if problem.deadline else ""
    return f"#{problem.id} {names.get(problem.unit_id, '')} {problem.description}{limit}{late}"


def unit_names(ctx: Context) -> dict[int, str]:
    return names_of_units(ctx.session, ctx.settings)


def names_of_units(session: Session, settings: Settings) -> dict[int, str]:
    return {u.unit_id: u.name for k in settings.kind_names for u in stats.units(session, kind=k)}


def group_unit_ids(ctx: Context) -> list[int] | None:
    """This group's units; None (all) in the officials' group or in private chat."""
    if ctx.group is None or ctx.group.kind == ctx.settings.officials_kind:
        return None
    units = ctx.units_of(ctx.group.kind)
    if ctx.group.unit_names:
        units = [u for u in units if u.name in ctx.group.unit_names]
    return [u.id for u in units if u.id is not None]


def list_open(msg: Incoming, ctx: Context, _arg: str) -> list[Action]:
    open_ = store.open_problems(ctx.session, unit_ids=group_unit_ids(ctx))
    if not open_:
        return [reply(msg, "目前没有未整改的问题 👍", mention=False)]
    names = unit_names(ctx)
    lines = [f"📌 未整改问题 {len(open_)} 个："] + [line(ctx, p, names) for p in open_[:50]]
    return [reply(msg, "\n".join(lines), mention=False)]


def overdue_reminder(ctx: Context, room_id: str) -> list[Action]:
    """Daily in the unit's group: its overdue problems, @ the assignees."""
    late = store.overdue(ctx.session, today=ctx.today, unit_ids=group_unit_ids(ctx))
    if not late:
        return []
    names = unit_names(ctx)
    text = "\n".join(["⏰ 以下问题已逾期未整改，请尽快整改并回复销号：", *(line(ctx, p, names) for p in late)])
    mentions = tuple(dict.fromkeys(p.assignee_id for p in late if p.assignee_id))
    return [Say(text, room_id=room_id, mention_ids=mentions)]


def summary_lines(session: Session, settings: Settings, today: dt.date) -> list[str]:
    open_ = store.open_problems(session)
    if not open_:
        return []
    late = [p for p in open_ if p.deadline is not None and p.deadline < today]
    oldest = open_[0]
    names = names_of_units(session, settings)
    age = (today - oldest.created_at.astimezone(settings.tz).date()).days
    since = "今日交办" if age == 0 else f"已{age}天"
    return [f"【整改】未销号 {len(open_)} 个（逾期 {len(late)} 个），最久：#{oldest.id} "
            f"{names.get(oldest.unit_id, '')} {oldest.description}（{since}）"]
