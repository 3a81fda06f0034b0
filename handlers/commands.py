"""Commands people type in groups or in private chat, in Chinese or with a slash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from dataclasses import dataclass

from storage import queries, stats

from handlers.privacy import has_personal_number
from handlers.chat import Action, Incoming, SendFile, reply, strip_mentions
from handlers.context import Context
from handlers.export import clear_old_exports, write_workbook
from handlers.parser import blank_form
from handlers.problems import HELP as PROBLEM_HELP
from handlers.problems import list_open
from handlers.receipts import day_label
from handlers.summary import daily_summary
from handlers.units import group_units, resolve
from handlers.vocabulary import cmd_learn
from handlers import notices, supplies

Handler = Callable[[Incoming, Context, str], list[Action] | None]  # None: not a command after all


@dataclass(frozen=True, slots=True)
class Command:
    words: tuple[str, ...]  # the first word is what help shows
    handler: Handler
    help: str
    in_private: bool = True


def command_text(msg: Incoming) -> str:
    """The text without @-mentions of anyone, trimmed."""
    return strip_mentions(msg.text).strip()


def match(commands: list[Command], msg: Incoming) -> tuple[Command, str] | None:
    text = command_text(msg)
    for cmd in commands:
        for word in cmd.words:
            if text == word or text.startswith(word + " ") or (word.startswith("/") and text.startswith(word)):
                return cmd, text[len(word):].strip()
    return None


def _kind(ctx: Context) -> str | None:
    return ctx.group.kind if ctx.group else None


def cmd_help(msg: Incoming, ctx: Context, _arg: str) -> list[Action]:
    kind = _kind(ctx)
    lines = ["🤖 我能做的："]
    if kind and ctx.settings.templates(kind):
        names = "、".join(t.name for t in ctx.settings.templates(kind))
        lines.append(f"· 直接发送{names}，我会登记并回执；有缺项会告诉您缺什么")
    lines += [f"· {c.words[0]}（{c.words[1]}）：{c.help}" for c in COMMANDS if len(c.words) > 1]
    lines += [f"· {word}：{text}" for word, text in PROBLEM_HELP]
    if ctx.settings.needs_mention:
        lines.append("· 在群里发消息请先@机器人，否则机器人收不到；整改照片请单聊发给机器人")
    return [reply(msg, "\n".join(lines), mention=False)]


def cmd_template(msg: Incoming, ctx: Context, _arg: str) -> list[Action]:
    kind = _kind(ctx)
    templates = ctx.settings.templates(kind) if kind else [t for k in ctx.settings.kind_names for t in ctx.settings.templates(k)]
    if not templates:
        return [reply(msg, "本群没有需要报送的模板", mention=False)]
    forms = [blank_form(t) + "\n（带*为必填，复制后填写发送即可）" for t in templates]
    return [reply(msg, "\n\n".join(forms), mention=False)]


def cmd_progress(msg: Incoming, ctx: Context, _arg: str) -> list[Action]:
    kind = _kind(ctx)
    if kind is None or not ctx.settings.templates(kind):
        return [reply(msg, "进度请在报送群里查询", mention=False)]
    units = group_units(ctx, kind)
    done = stats.reported_unit_ids(ctx.session, kind=kind, templates=ctx.settings.daily_templates(kind), day=ctx.today)
    reported = [u.name for u in units if u.id in done]
    missing = [u.name for u in units if u.id not in done]
    lines = [f"📋 {day_label(ctx.today)}报送进度：{len(reported)}/{len(units)}"]
    lines.append("已报：" + ("、".join(reported) if reported else "无"))
    lines.append("未报：" + ("、".join(missing) if missing else "无，全部已报 👍"))
    return [reply(msg, "\n".join(lines), mention=False)]


def cmd_summary(msg: Incoming, ctx: Context, _arg: str) -> list[Action]:
    if not (ctx.is_admin(msg.sender_id) or ctx.in_officials_group):
        return [reply(msg, "汇总仅限管理员或领导小组群查询")]
    return [reply(msg, daily_summary(ctx.session, ctx.settings, ctx.today, as_of=ctx.now), mention=False)]


def cmd_export(msg: Incoming, ctx: Context, _arg: str) -> list[Action]:
    """Today's workbook as a file in the chat (masked: it is shown in a group)."""
    if not (ctx.is_admin(msg.sender_id) or ctx.in_officials_group):
        return [reply(msg, "导出仅限管理员或领导小组群")]
    stamp = f"{ctx.now:%H%M%S}_{abs(hash(msg.message_id)) % 10_000:04d}"
    folder = Path(ctx.settings.data_dir) / "exports"
    clear_old_exports(folder, ctx.now)
    path = folder / f"防控报表_{ctx.today.isoformat()}_{stamp}.xlsx"
    private = msg.room_id is None and ctx.is_admin(msg.sender_id)
    count = write_workbook(ctx.session, ctx.settings, path, start=ctx.today, end=ctx.today, masked=not private)
    where = {"room_id": msg.room_id} if msg.room_id else {"to_id": msg.sender_id}
    return [reply(msg, f"📎 {day_label(ctx.today)}报表（{count}份报送），文件随后发送", mention=False),
            SendFile(str(path), **where)]


def cmd_bind(msg: Incoming, ctx: Context, arg: str) -> list[Action]:
    if not ctx.is_admin(msg.sender_id):
        return [reply(msg, "只有管理员可以绑定群")]
    if msg.room_id is None:
        return [reply(msg, "请在要绑定的群里发送：绑定 群类型")]
    names = ctx.settings.kind_names
    kind = next((k for k, v in names.items() if arg in (k, v)), None)
    if kind is None:
        return [reply(msg, "请写明群类型：绑定 " + " / ".join(names.values()))]
    queries.bind_group(ctx.session, room_id=msg.room_id, topic=msg.room_topic, kind=kind, by=msg.sender_id, now=ctx.now)
    return [reply(msg, f"✅ 本群已绑定为「{names[kind]}」群")]


def cmd_withdraw(msg: Incoming, ctx: Context, arg: str) -> list[Action]:
    if arg and ctx.is_admin(msg.sender_id) and _kind(ctx):
        found = resolve(ctx, _kind(ctx) or "", arg)
        reports = [r for r in queries.reports_on(ctx.session, report_date=ctx.today)
                   if found.unit is not None and r.unit_id == found.unit.id]
        report = reports[0] if reports else None
    else:
        report = queries.latest_report_by(ctx.session, reporter_id=msg.sender_id, report_date=ctx.today)
    if report is None or report.id is None:
        return [reply(msg, "今天没有可撤回的报送")]
    queries.set_report_status(ctx.session, report_id=report.id, status="withdrawn", now=ctx.now)
    unit = queries.unit_by_id(ctx.session, unit_id=report.unit_id)
    return [reply(msg, f"↩️ 已撤回 {unit.name if unit else ''} {day_label(report.report_date)}的报送")]


def cmd_i_am(msg: Incoming, ctx: Context, arg: str) -> list[Action]:
    kind = _kind(ctx)
    if not arg or kind is None:
        return [reply(msg, "请在报送群里发送：我是 单位名称")]
    found = resolve(ctx, kind, arg)
    if found.unit is None:
        hint = f"，是不是「{found.suggestion}」？" if found.suggestion else "，请核对名称"
        return [reply(msg, f"没有找到「{arg}」{hint}")]
    admin = ctx.is_admin(msg.sender_id)
    queries.upsert_member(ctx.session, contact_id=msg.sender_id, name=msg.sender_name, unit_id=found.unit.id,
                          role="reporter", confirmed=admin, now=ctx.now)
    if admin:
        return [reply(msg, f"✅ 已绑定为「{found.unit.name}」报送人")]
    return [reply(msg, f"已记录您是「{found.unit.name}」报送人，待管理员回复「确认 @{msg.sender_name}」后生效")]


def cmd_confirm(msg: Incoming, ctx: Context, _arg: str) -> list[Action]:
    if not ctx.is_admin(msg.sender_id):
        return []
    confirmed = []
    for contact_id in msg.mention_ids:
        member = queries.member_by_contact(ctx.session, contact_id=contact_id)
        if member is not None and member.unit_id is not None:
            queries.confirm_member(ctx.session, member=member, now=ctx.now)
            unit = queries.unit_by_id(ctx.session, unit_id=member.unit_id)
            confirmed.append(f"{member.name}（{unit.name if unit else ''}）")
    if not confirmed:
        return [reply(msg, "请@要确认的人：确认 @姓名")]
    return [reply(msg, "✅ 已确认报送人：" + "、".join(confirmed), mention=False)]


def cmd_register(msg: Incoming, ctx: Context, arg: str) -> list[Action]:
    kind = _kind(ctx)
    if not ctx.is_admin(msg.sender_id) or kind is None or not arg:
        return [reply(msg, "只有管理员可在报送群登记新单位：登记 名称")] if arg else []
    if has_personal_number(arg) or not any("\u4e00" <= c <= "\u9fff" for c in arg):
        return [reply(msg, "单位名称要写名字（如：翠园小区），不能是电话或证件号码")]
    if resolve(ctx, kind, arg).unit is not None:
        return [reply(msg, f"「{arg}」已经登记过了")]
    queries.add_unit(ctx.session, name=arg, kind=kind)
    return [reply(msg, f"✅ 已登记新单位「{arg}」（{ctx.settings.kind_names.get(kind, kind)}）")]


COMMANDS: list[Command] = [
    Command(("帮助", "/help", "菜单"), cmd_help, "看我能做什么"),
    Command(("模板", "/template"), cmd_template, "获取本群报送模板"),
    Command(("进度", "今日", "/progress"), cmd_progress, "看今天谁报了、谁没报", in_private=False),
    Command(("汇总", "/summary"), cmd_summary, "今日汇总（管理员、领导小组群）"),
    Command(("问题", "/problems"), list_open, "看本群单位未整改的问题"),
    Command(("导出", "/export"), cmd_export, "导出今日报表 Excel（管理员、领导小组群）"),
    Command(("绑定", "/bind"), cmd_bind, "管理员把本群绑定为某类群", in_private=False),
    Command(("撤回", "/withdraw"), cmd_withdraw, "撤回自己今天的报送"),
    Command(("我是", "/iam"), cmd_i_am, "登记自己是哪个单位的报送人", in_private=False),
    Command(("确认", "/confirm"), cmd_confirm, "管理员确认报送人", in_private=False),
    Command(("登记", "/register"), cmd_register, "管理员登记新单位", in_private=False),
    Command(("学习", "/learn"), cmd_learn, "管理员教我新的写法：学习 今日体温检测=测温人数"),
    Command(("通知", "/notice"), notices.cmd_notice, "管理员向各群发通知并收回执：通知 全部 内容"),
    Command(("回执", "/acks"), notices.cmd_acks, "看通知的回执情况：回执 7"),
    Command(("入库", "/stock"), supplies.cmd_stock_in, "管理员登记买进的物资：入库 口罩5000 消毒液150桶"),
    Command(("发放", "/issue"), supplies.cmd_issue, "管理员向单位发放物资：发放 翠园小区 口罩200"),
]


def is_bind(msg: Incoming) -> bool:
    """绑定 works in any room, configured or not: it is how a room becomes a group."""
    found = match(COMMANDS, msg) if msg.room_id is not None else None
    return found is not None and found[0].handler is cmd_bind


def handle_command(msg: Incoming, ctx: Context) -> list[Action] | None:
    """None when the text is no command (the router then tries the next handler)."""
    if msg.kind != "text":
        return None
    found = match(COMMANDS, msg)
    if found is None:
        return None
    cmd, arg = found
    if msg.private and not cmd.in_private:
        return [reply(msg, "这个命令请在群里使用")]
    if cmd.words[0] in AUDITED:
        whole = cmd.words[0] == "导出" and msg.room_id is None and ctx.is_admin(msg.sender_id)
        ctx.audit(msg.sender_id, cmd.words[0], arg, msg.room_id or "private", whole=whole)
    return cmd.handler(msg, ctx, arg)


AUDITED = ("绑定", "登记", "撤回", "学习", "确认", "导出")  # admin commands and exports are audited
