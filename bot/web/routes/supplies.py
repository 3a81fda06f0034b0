"""物资 on the desk: the bureau's store (bought, issued, held: bought = issued + held), what each unit
was issued and whether it confirmed, the units' own stock from their latest reports (the lowest
against the thresholds first); admins record purchases and issue supplies here as in chat."""

from __future__ import annotations

import datetime as dt
import uuid
from html import escape
from urllib.parse import quote
from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.outbox import Answer, enqueue_actions
from bot.web import auth, data
from bot.web.desk import account, desk, html, shown
from bot.web.pages import layout
from bot.web.widgets import table
from handlers import supplies
from handlers.context import Context
from storage import queries, stats
from storage import supplies as ledger

routes = web.RouteTableDef()
STOCK_DAYS = 7  # a unit's stock is read from its reports of the last week


def _ledger(s: Session, d: Any, who: auth.Account) -> dict[str, Any]:
    items = supplies.items(d.settings)
    balance = ledger.held(s)
    names = {u.id: u for k in d.settings.kind_names for u in queries.units_of_kind(s, kind=k)}
    moves = [m for m in ledger.moves(s, limit=500)
             if m.unit_id is None or (m.unit_id in names and data.sees(who, names[m.unit_id].parent,
                                                                       names[m.unit_id].community))]
    waiting = {k: sum(m.quantity for m in moves if m.item == k and m.direction == "out" and m.confirmed_at is None)
               for k in items}
    store = [{"item": i.name, "measure": i.measure, "bought": balance.get(k, (0, 0))[0],
              "issued": balance.get(k, (0, 0))[1], "waiting": waiting[k]} for k, i in items.items()]
    end = stats.latest_report_day(s, until=d.today()) or d.today()  # as the board: the last day with reports
    stock = stats.latest_values(s, keys=list(items), start=end - dt.timedelta(days=STOCK_DAYS - 1), end=end)
    lows = {k: v for limits in d.settings.supplies.values() for k, v in limits.items()}
    units = [{"name": names[uid].name, "values": {items[k].name: v for k, v in vals.items()},
              "low": [items[k].name for k, v in vals.items() if k in lows and v < lows[k]]}
             for uid, vals in stock.items() if uid in names and data.sees(who, names[uid].parent, names[uid].community)]
    units.sort(key=lambda u: (not u["low"], u["name"]))
    lines = [{"at": m.at.astimezone(d.cfg.tz).strftime("%m-%d %H:%M"), "dir": "入库" if m.direction == "in" else "发放",
              "unit": names[m.unit_id].name if m.unit_id in names else "", "what": supplies.amount(d.settings, m.item, m.quantity),
              "by": m.by, "confirmed": m.confirmed_by or ""} for m in moves]
    return {"store": store, "units": units, "moves": lines, "items": [i.name for i in items.values()]}


@routes.get("/supplies")
async def supplies_page(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    found = await shown(request, await d.db(lambda s: _ledger(s, d, who)), "supplies")
    csrf = await auth.csrf_token(request)
    store = [[escape(r["item"]), f'{r["bought"]}{r["measure"]}', f'{r["issued"]}{r["measure"]}',
              f'<b>{r["bought"] - r["issued"]}{r["measure"]}</b>', f'{r["waiting"]}{r["measure"]}'] for r in found["store"]]
    units = [[escape(u["name"]), *[str(u["values"].get(i, "")) for i in found["items"]],
              '<span class="overdue">偏少：' + escape("、".join(u["low"])) + "</span>" if u["low"] else "正常"]
             for u in found["units"][:300]]
    moves = [[m["at"], m["dir"], escape(m["unit"]), escape(m["what"]), escape(m["by"]),
              ("已领取（" + escape(m["confirmed"]) + "）") if m["confirmed"] else ("待确认" if m["dir"] == "发放" else "")]
             for m in found["moves"]]
    forms = _forms(csrf, request.query.get("msg", "")[:200]) if who.admin else ""
    body = (f'<h2>物资台账</h2>{forms}<h3>区里库存（入库 = 已发放 + 库存）</h3>'
            + table(["物资", "入库", "已发放", "库存", "待领取确认"], store, table_id="store")
            + f'<h3>单位库存（近{STOCK_DAYS}天日报）</h3>'
            + table(["单位", *found["items"], "状态"], units, table_id="unit-stock", empty="近期日报没有物资数")
            + '<h3>入库与发放记录</h3>'
            + table(["时间", "类型", "单位", "物资", "经手人", "领取"], moves, table_id="moves", empty="还没有记录"))
    return html(layout("物资", body, who, csrf))


def _forms(csrf: str, message: str) -> str:
    token = f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    note = f'<p class="notice" id="notice">{escape(message)}</p>' if message else ""
    return (f'{note}<details class="add"><summary>入库 / 发放</summary>'
            f'<form method="post" action="/supplies" class="add">{token}<input type="hidden" name="action" value="in">'
            '<input name="items" required placeholder="口罩5000 消毒液150桶" aria-label="入库物资"><button>入库</button></form>'
            f'<form method="post" action="/supplies" class="add">{token}<input type="hidden" name="action" value="out">'
            '<input name="unit" required placeholder="单位名称" aria-label="发放给"><input name="items" required '
            'placeholder="口罩200 消毒液5桶" aria-label="发放物资"><button>发放</button></form></details>')


@routes.post("/supplies")
async def supplies_change(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    if not who.admin:
        raise web.HTTPForbidden(text="只有管理员可以登记入库和发放")
    form = {k: str(v) for k, v in (await request.post()).items()}
    await auth.check_csrf(request, form.get("csrf"))
    now = d.clock.now()

    def work(s: Session) -> str:
        ctx = Context(d.clock, s, d.settings)
        pairs, problems = supplies.parse_items(d.settings, form.get("items", "")[:200])
        if problems or not pairs:
            return "未登记：" + ("；".join(problems) or "请写物资和数量，如 口罩200")
        source = f"desk:{uuid.uuid4()}"
        if form.get("action") == "in":
            ledger.record(s, direction="in", items=pairs, source=source, by=who.name, now=now)
            s.commit()
            return f"已入库：{supplies.amounts(d.settings, pairs)}"
        unit = supplies.find_unit(ctx, form.get("unit", "").strip()[:60])
        if isinstance(unit, str):
            return "未发放：" + unit
        moves, refused = supplies.issue(ctx, unit, pairs, source=source, by=who.name)
        if not moves:
            return refused
        enqueue_actions(s, supplies.tell_unit(ctx, unit, pairs), now, trusted=d.settings.admins,
                        answer=Answer(category="relay"))
        s.commit()
        return f"已向{unit.name}发放：{supplies.amounts(d.settings, pairs)}"

    said = await d.db(work)
    if said.startswith("已"):
        await d.audit(request, "admin", target="/supplies", detail=said)
    raise web.HTTPSeeOther(f"/supplies?msg={quote(said)}")
