"""The supplies the bureau buys and hands out (物资台账): 入库 口罩5000 消毒液150桶 by an admin; 发放 翠园小区
口罩200 消毒液5桶 (never more than the store holds), told to the unit's group with an @; 已领取 from
the unit's reporter, or its next report showing the stock, confirms it. Items are the report fields
counted as stock (config `supplies:`), in whole numbers of the field's first measure word."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from handlers.chat import Action, Incoming, Say, reply, strip_mentions
from handlers.context import Context, Settings
from handlers.templates import TemplateField
from handlers.units import resolve
from storage import queries
from storage import supplies as ledger
from storage.models import SupplyMove, Unit

# a word and its number; the measure word after the number is left for the next word's front (个消毒液
# ends with 消毒液) or for nothing
_ITEM = re.compile(r"(?P<word>[^\d\s，,、；;：:]+?)\s*[:：]?\s*(?P<n>\d{1,9})")
RECEIVED_WORDS = ("已领取", "已领", "领取了", "已收到物资", "物资已收到", "已签收")
MAX_QTY = 10_000_000


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    name: str  # 口罩
    measure: str  # 个
    words: tuple[str, ...]

    def of(self, quantity: int) -> str:
        return f"{self.name}{quantity}{self.measure}"


def items(settings: Settings) -> dict[str, Item]:
    """The stock fields of the templates (config `supplies:`), in the order they are first named."""
    out: dict[str, Item] = {}
    for kind, limits in settings.supplies.items():
        for key in limits:
            field = next((f for t in settings.templates(kind) for f in t.fields if f.key == key), None)
            if field is not None and key not in out:
                out[key] = _item(field)
    return out


def _item(field: TemplateField) -> Item:
    words = tuple(sorted({w for w in (field.brief, field.label, *field.synonyms) if w}, key=len, reverse=True))
    return Item(field.key, field.brief, (field.measures or ["个"])[0], words)


def amount(known: Mapping[str, Item], key: str, quantity: int) -> str:
    item = known.get(key)
    return item.of(quantity) if item else f"{key}{quantity}"


def amounts(settings: Settings, pairs: Iterable[tuple[str, int]]) -> str:
    known = items(settings)
    return "、".join(amount(known, k, q) for k, q in pairs)


def in_store(balance: Mapping[str, tuple[int, int]], key: str) -> int:
    """What the store holds of an item: bought less issued."""
    bought, issued = balance.get(key, (0, 0))
    return bought - issued


def parse_items(settings: Settings, text: str) -> tuple[list[tuple[str, int]], list[str]]:
    """([(item, quantity)], problems) of 口罩5000 消毒液150桶 体温枪：30把."""
    known = items(settings)
    found: dict[str, int] = {}
    problems = []
    for m in _ITEM.finditer(text):
        word, n = m["word"].strip(), int(m["n"])
        item = next((i for i in known.values() if word in i.words or any(word.endswith(w) for w in i.words)), None)
        if item is None:
            problems.append(f"不认识的物资「{word}」（可写：{'、'.join(i.name for i in known.values())}）")
        elif not 0 < n <= MAX_QTY:
            problems.append(f"{item.name}的数量{n}不对")
        else:
            found[item.key] = found.get(item.key, 0) + n
    return list(found.items()), problems


def store_text(ctx: Context) -> str:
    balance = ledger.held(ctx.session)
    return "库存：" + "、".join(item.of(in_store(balance, k)) for k, item in items(ctx.settings).items())


def _may_manage(msg: Incoming, ctx: Context) -> bool:
    return ctx.is_admin(msg.sender_id) and (msg.private or ctx.in_officials_group)


def cmd_stock_in(msg: Incoming, ctx: Context, arg: str) -> list[Action] | None:
    """入库 口罩5000 消毒液150桶: what the bureau bought."""
    if not _may_manage(msg, ctx):
        return None
    pairs, problems = parse_items(ctx.settings, arg)
    if problems or not pairs:
        return [reply(msg, "\n".join(problems) or "入库写法：入库 口罩5000 消毒液150桶 体温枪30")]
    ledger.record(ctx.session, direction="in", items=pairs, source=msg.message_id, by=msg.sender_name, now=ctx.now)
    ctx.audit(msg.sender_id, "入库", amounts(ctx.settings, pairs), msg.room_id or "private")
    return [reply(msg, f"✅ 已入库：{amounts(ctx.settings, pairs)}\n{store_text(ctx)}", mention=False)]


def find_unit(ctx: Context, name: str) -> Unit | str:
    """The unit of a name or alias in any kind, or what to say."""
    suggestion = None
    for kind in ctx.settings.kind_names:
        found = resolve(ctx, kind, name)
        if found.unit is not None:
            return found.unit
        suggestion = suggestion or found.suggestion
    return f"没有找到单位「{name}」" + (f"，是不是「{suggestion}」？" if suggestion else "")


def issue(ctx: Context, unit: Unit, pairs: list[tuple[str, int]], *, source: str, by: str) -> tuple[list[SupplyMove], str]:
    """Issue from the store; nothing when it holds too little (said which)."""
    balance, known = ledger.held(ctx.session), items(ctx.settings)
    short = [amount(known, k, in_store(balance, k)) for k, q in pairs if in_store(balance, k) < q]
    if short:
        return [], "库存不足，未发放：现有" + "、".join(short)
    return ledger.record(ctx.session, direction="out", items=pairs, source=source, by=by, now=ctx.now,
                         unit_id=unit.id), ""


def tell_unit(ctx: Context, unit: Unit, pairs: list[tuple[str, int]]) -> list[Action]:
    """The unit's groups hear of it, its reporters @-mentioned, asked to confirm."""
    members = queries.members_of_units(ctx.session, unit_ids=[unit.id or 0])
    text = f"📦 区里向{unit.name}发放：{amounts(ctx.settings, pairs)}，领取后请回复「已领取」"
    rooms = [g.room_id for g in queries.groups_of_kind(ctx.session, kind=unit.kind)]
    return [Say(text, room_id=r, mention_ids=tuple(m.contact_id for m in members)) for r in rooms]


def cmd_issue(msg: Incoming, ctx: Context, arg: str) -> list[Action] | None:
    """发放 翠园小区 口罩200 消毒液5桶."""
    if not _may_manage(msg, ctx):
        return None
    name, _, rest = arg.partition(" ")
    pairs, problems = parse_items(ctx.settings, rest)
    if not name or problems or not pairs:
        return [reply(msg, "\n".join(problems) or "发放写法：发放 翠园小区 口罩200 消毒液5桶")]
    unit = find_unit(ctx, name.strip())
    if isinstance(unit, str):
        return [reply(msg, unit)]
    moves, refused = issue(ctx, unit, pairs, source=msg.message_id, by=msg.sender_name)
    if not moves:
        return [reply(msg, refused)]
    ctx.audit(msg.sender_id, "发放", f"{unit.name} {amounts(ctx.settings, pairs)}", msg.room_id or "private")
    said = f"✅ 已向{unit.name}发放：{amounts(ctx.settings, pairs)}，待对方确认领取\n{store_text(ctx)}"
    return [reply(msg, said, mention=False), *tell_unit(ctx, unit, pairs)]


def handle_received(msg: Incoming, ctx: Context) -> list[Action] | None:
    """已领取 from a confirmed reporter of a unit with supplies waiting: confirmed, and said."""
    text = strip_mentions(msg.text).strip(" \t\n，,。.!！")
    if msg.kind != "text" or msg.room_id is None or len(text) > 14 or not any(w in text for w in RECEIVED_WORDS):
        return None
    member = ctx.member(msg.sender_id)
    if member is None or member.unit_id is None or not member.confirmed:
        return None
    waiting = ledger.unconfirmed(ctx.session, unit_id=member.unit_id)
    if not waiting:
        return None
    ledger.confirm(ctx.session, moves=waiting, by=member.name or msg.sender_name, now=ctx.now)
    unit = queries.unit_by_id(ctx.session, unit_id=member.unit_id)
    got = amounts(ctx.settings, [(m.item, m.quantity) for m in waiting])
    return [reply(msg, f"✅ {unit.name if unit else ''}已确认领取：{got}")]


def receipt_lines(ctx: Context, unit: Unit, fields: Mapping[str, object]) -> list[str]:
    """In a unit's receipt: what it was issued and has not confirmed; an item the report counts in
    stock confirms it (日报)."""
    waiting = ledger.unconfirmed(ctx.session, unit_id=unit.id or 0)
    shown = [m for m in waiting if isinstance(fields.get(m.item), int)]
    ledger.confirm(ctx.session, moves=shown, by="日报", now=ctx.now)
    lines = []
    if shown:
        lines.append("📦 已确认领取区里发放的" + amounts(ctx.settings, [(m.item, m.quantity) for m in shown]))
    if rest := [m for m in waiting if m not in shown]:
        lines.append("📦 区里发放的" + amounts(ctx.settings, [(m.item, m.quantity) for m in rest]) + "待确认，领取后请回复「已领取」")
    return lines
