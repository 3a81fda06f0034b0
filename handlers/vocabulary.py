"""Teaching the bot a label: `学习 今日体温检测=测温人数`, or 是 to its «…按…记» guess (admins).

Taught labels live in the database per template and are read from the next message on, by every
process sharing the database (the registry stamp tells them)."""

from __future__ import annotations

import datetime as dt
import re

from storage import vocab

from handlers.chat import Action, Incoming, reply
from handlers.context import Context
from handlers.templates import Template, TemplateField

GUESS_WINDOW = dt.timedelta(minutes=30)
_TEACH = re.compile(r"^(?P<alias>[^=＝:：]{1,16})\s*[=＝:：]\s*(?P<field>\S{1,16})$")
YES_WORDS = frozenset({"是", "是的", "对", "对的", "没错", "正确"})


def _templates(ctx: Context) -> list[Template]:
    kinds = [ctx.group.kind] if ctx.group is not None else list(ctx.settings.kind_names)
    return [t for k in kinds for t in ctx.settings.templates(k)]


def _field(ctx: Context, template: Template, name: str) -> TemplateField | None:
    if name in {f.key for f in template.fields}:
        return template.field(name)
    matches = ctx.settings.parser.lexicons[template.id].candidates(name, bare=True)
    return matches[0].field if len(matches) == 1 else None


def cmd_learn(msg: Incoming, ctx: Context, arg: str) -> list[Action]:
    if not ctx.is_admin(msg.sender_id):
        return [reply(msg, "只有管理员可以教我新的写法")]
    m = _TEACH.match(arg.strip())
    if m is None:
        return [reply(msg, "请这样写：学习 今日体温检测=测温人数（左边是大家的写法，右边是模板里的项目）")]
    alias, name = m["alias"].strip(), m["field"].strip()
    taught = []
    for template in _templates(ctx):
        field = _field(ctx, template, name)
        if field is not None and field.key != template.unit_field:
            vocab.teach(ctx.session, template=template.id, alias=alias, field_key=field.key, by=msg.sender_id,
                        now=ctx.now)
            taught.append(f"{field.display}（{template.name}）")
    if not taught:
        return [reply(msg, f"模板里没有「{name}」这一项，请写模板里的名称，如 测温人数、体温异常人数")]
    return [reply(msg, f"✅ 已记住：«{alias}» 即 " + "、".join(taught) + "，下一条消息起生效")]


def handle_yes(msg: Incoming, ctx: Context) -> list[Action] | None:
    """An admin's 是 right after a receipt that read a label by a guess: the guess is taught."""
    if msg.kind != "text" or msg.room_id is None or not ctx.is_admin(msg.sender_id):
        return None
    if msg.text.strip().strip("。.!！") not in YES_WORDS:
        return None
    guesses = vocab.open_guesses(ctx.session, room_id=msg.room_id, since=ctx.now - GUESS_WINDOW)
    if not guesses:
        return None
    said = []
    for g in guesses:
        vocab.teach(ctx.session, template=g.template, alias=g.label, field_key=g.field_key, by=msg.sender_id,
                    now=ctx.now)
        lexicon = ctx.settings.parser.lexicons.get(g.template)
        label = lexicon.template.field(g.field_key).display if lexicon is not None else g.field_key
        said.append(f"«{g.label}» 即 {label}")
    vocab.close_guesses(ctx.session, ids=[g.id for g in guesses if g.id is not None])
    ctx.audit(msg.sender_id, "学习", "是：" + "；".join(dict.fromkeys(said)), msg.room_id)
    return [reply(msg, "✅ 已记住：" + "；".join(dict.fromkeys(said)) + "，下一条消息起生效")]
