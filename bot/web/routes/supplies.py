"""物资 on the desk: the bureau's store (bought, issued, held: bought = issued + held), what each unit
was issued and whether it confirmed, the units whose reported stock is below the thresholds (as the
summary flags them); admins record purchases and issue supplies here as in chat."""

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
from storage import stats
from storage import supplies as ledger

routes = web.RouteTableDef()
MOVES_SHOWN = 500
LOW_SHOWN = 200  # a district's worth of units below a threshold: the first ones, and how many in all


def _ledger(s: Session, d: Any, who: auth.Account) -> dict[str, Any]:
    items = supplies.items(d.settings)
    balance = ledger.held(s)
    moves = ledger.moves(s, limit=MOVES_SHOWN)
    ids = {m.unit_id for m in moves if m.unit_id is not None}
    names = {u[0]: u[1] for u in stats.unit_list(s, ids=ids) if data.sees(who, u[3], u[4])}
    moves = [m for m in moves if m.unit_id is None or m.unit_id in names]
    waiting = {k: sum(m.quantity for m in moves if m.item == k and m.direction == "out" and m.confirmed_at is None)
               for k in items}
    store = [{"item": i.name, "measure": i.measure, "bought": balance.get(k, (0, 0))[0],
              "held": supplies.in_store(balance, k), "waiting": waiting[k]} for k, i in items.items()]
    day = stats.latest_report_day(s, until=d.today()) or d.today()  # as the board: the last day with reports
    lines = [{"at": m.at.astimezone(d.cfg.tz).strftime("%m-%d %H:%M"), "dir": "入库" if m.direction == "in" else "发放",
              "unit": names.get(m.unit_id or 0, ""), "what": supplies.amount(items, m.item, m.quantity),
              "by": m.by, "confirmed": m.confirmed_by or ""} for m in moves]
    return {"store": store, "low": _low_stock(s, d, who, day, items), "moves": lines, "day": day.isoformat()}


def _low_stock(s: Session, d: Any, who: auth.Account, day: dt.date, items: dict[str, Any]) -> list[dict[str, Any]]:
    """Units whose stock on the day's reports is below the thresholds (the same query as the summary)."""
    scope = stats.Scope(who.street, who.community)
    low: dict[str, dict[str, str]] = {}
    for kind, limits in d.settings.supplies.items():
        templates = d.settings.daily_templates(kind)
        for key, minimum in limits.items():
            item = items.get(key)
            for name, value in stats.units_where(s, kind=kind, scope=scope, templates=templates, day=day, key=key,
                                                 below=minimum):
                low.setdefault(name, {})[item.name if item else key] = f"{value}{item.measure if item else ''}（<{minimum}）"
    return [{"name": n, "values": v} for n, v in sorted(low.items())]


@routes.get("/supplies")
async def supplies_page(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    found = await shown(request, await d.db(lambda s: _ledger(s, d, who)), "supplies")
    csrf = await auth.csrf_token(request)
    store = [[escape(r["item"]), f'{r["bought"]}{r["measure"]}', f'{r["bought"] - r["held"]}{r["measure"]}',
              f'<b>{r["held"]}{r["measure"]}</b>', f'{r["waiting"]}{r["measure"]}'] for r in found["store"]]
    names = [i.name for i in supplies.items(d.settings).values()]
    low = [[escape(u["name"]), *[escape(u["values"].get(i, "")) for i in names]] for u in found["low"][:LOW_SHOWN]]
    more = f'，共{len(found["low"])}个，显示前{LOW_SHOWN}个' if len(found["low"]) > LOW_SHOWN else ""
    moves = [[m["at"], m["dir"], escape(m["unit"]), escape(m["what"]), escape(m["by"]),
              ("已领取（" + escape(m["confirmed"]) + "）") if m["confirmed"] else ("待确认" if m["dir"] == "发放" else "")]
             for m in found["moves"]]
    forms = _forms(csrf, request.query.get("msg", "")[:200]) if who.admin else ""
    body = (f'<h2>物资台账</h2>{forms}<h3>区里库存（入库 = 已发放 + 库存）</h3>'
            + table(["物资", "入库", "已发放", "库存", "待领取确认"], store, table_id="store")
            + f'<h3>库存偏少的单位（{found["day"]}日报{more}）</h3>'
            + table(["单位", *names], low, table_id="unit-stock", empty="没有单位低于提醒线")
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
