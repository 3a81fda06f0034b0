"""通知 on the desk: every notice with its 回执 rate, one notice unit by unit (who acknowledged, when,
with what words; the missing first), and for admins a form that sends one (queued in the outbox:
the bot posts it to the groups within half a minute)."""

from __future__ import annotations

import datetime as dt
import uuid
from html import escape
from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.outbox import Answer, enqueue_actions
from bot.web import auth, data
from bot.web.desk import account, desk, html, int_param, shown
from bot.web.pages import layout
from bot.web.widgets import table
from handlers import notices
from handlers.summary import report_kinds
from storage import circulars, stats

routes = web.RouteTableDef()


def _scoped_units(s: Session, who: auth.Account, circular: Any) -> list[Any]:
    return [u for u in notices.expected_units(s, circular) if data.sees(who, u.parent, u.community)]


def _unit_ids_by_kind(s: Session, who: auth.Account) -> dict[str, set[int]]:
    """The account's active units by kind, read once for the whole list of notices."""
    out: dict[str, set[int]] = {}
    for uid, _, kind, street, community, _, active in stats.unit_list(s):
        if active and data.sees(who, street, community):
            out.setdefault(kind, set()).add(uid)
    return out


def _local(moment: dt.datetime, tz: Any) -> str:
    return moment.astimezone(tz).strftime("%m-%d %H:%M")


@routes.get("/notices")
async def notices_page(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)

    def work(s: Session) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        recent = circulars.recent(s)
        by_kind = _unit_ids_by_kind(s, who) if recent else {}
        for c in recent:
            units = set().union(*(by_kind.get(k, set()) for k in c.kinds))
            done = circulars.acknowledged_units(s, circular_id=c.id or 0)
            firms = notices.expected_companies(s, c) if who.district else []
            firms_done = circulars.acknowledged_companies(s, circular_id=c.id or 0)
            acked = len(units & done) + sum(f.id in firms_done for f in firms)
            expected = len(units) + len(firms)
            state = "全部回执" if acked == expected else ("收集中" if c.until > d.clock.now() else "已截止")
            out.append({"number": c.id, "at": _local(c.created_at, d.cfg.tz), "kinds": "、".join(
                d.settings.kind_names.get(k, "物业公司") for k in c.kinds), "text": c.text, "by": c.sent_by_name,
                "done": acked, "units": expected, "state": state})
        return out

    rows = await shown(request, await d.db(work), "notices")
    csrf = await auth.csrf_token(request)
    cells = [[f'<a href="/notices/{r["number"]}">通知{r["number"]}</a>', r["at"], escape(r["kinds"]),
              escape(r["text"][:80]) + ("…" if len(r["text"]) > 80 else ""), escape(r["by"]),
              f'{r["done"]}/{r["units"]}', r["state"]] for r in rows]
    form = _send_form(d.settings.kind_names, report_kinds(d.settings), csrf) if who.notifies else ""
    body = (f'<h2>通知与回执</h2>{form}'
            + table(["编号", "发布时间", "发往", "内容", "发布人", "已回执", "状态"], cells, table_id="notices",
                    empty="还没有发过通知") +
            '<p>管理员在领导小组群或私聊机器人发「通知 全部 内容」也可发通知；各单位回复「收到」即为回执。</p>')
    return html(layout("通知", body, who, csrf))


def _send_form(kind_names: dict[str, str], kinds: list[str], csrf: str) -> str:
    boxes = "".join(f'<label><input type="checkbox" name="kind" value="{k}" checked> {escape(kind_names[k])}</label>'
                    for k in kinds) + ('<label><input type="checkbox" name="kind" value="companies"> 各物业公司（私聊联系人）'
                                       '</label>')
    return (f'<details class="add"><summary>发通知</summary><form method="post" action="/notices" class="stack">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}"><p class="checks">{boxes}</p>'
            '<textarea name="text" rows="4" required maxlength="1000" placeholder="通知内容" aria-label="通知内容">'
            '</textarea><button>发送到各群</button></form></details>')


@routes.post("/notices")
async def send_notice(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    if not who.notifies:
        raise web.HTTPForbidden(text="只有管理员或有发通知权限的账号可以发通知")
    form = await request.post()
    await auth.check_csrf(request, str(form.get("csrf") or ""))
    kinds = [k for k in [*report_kinds(d.settings), notices.COMPANIES] if k in form.getall("kind", [])]
    text = str(form.get("text") or "").strip()[:1000]
    if not kinds or len(text) < 2:
        raise web.HTTPBadRequest(text="请选择发往的群类别并填写通知内容", content_type="text/plain")
    now = d.clock.now()

    def work(s: Session) -> int:
        circular, actions = notices.post(s, d.settings, kinds=kinds, text=text, sent_by=f"desk:{who.username}",
                                         sent_by_name=who.name, origin_room=None, source=f"desk:{uuid.uuid4()}",
                                         now=now, window=d.settings.notice_window)
        assert circular is not None and circular.id is not None  # a fresh source is never a redelivery
        enqueue_actions(s, actions, now, trusted=d.settings.admins, answer=Answer(category="relay"))
        s.commit()
        return circular.id

    number = await d.db(work)
    await d.audit(request, "admin", target="/notices", detail=f"通知{number} {text[:60]}")
    raise web.HTTPSeeOther(f"/notices/{number}")


@routes.get("/notices/{number}")
async def notice_page(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    number = int_param(request, "number", 0, 1, 2_000_000_000)

    def work(s: Session) -> dict[str, Any] | None:
        c = circulars.get(s, number=number)
        if c is None:
            return None
        every = circulars.acknowledgements(s, circular_id=number)
        acks = {a.unit_id: a for a in every if a.unit_id is not None}
        firm_acks = {a.company_id: a for a in every if a.company_id is not None}
        units = sorted(_scoped_units(s, who, c), key=lambda u: (u.id in acks, u.kind, u.parent or "", u.id))
        firms = [{"name": f.name, "kind": "物业公司", "street": f.contact_name,
                  "at": _local(firm_acks[f.id].at, d.cfg.tz) if f.id in firm_acks else "",
                  "who": firm_acks[f.id].name if f.id in firm_acks else "",
                  "words": firm_acks[f.id].words if f.id in firm_acks else ""}
                 for f in notices.expected_companies(s, c)] if who.district else []
        return {"number": c.id, "text": c.text, "by": c.sent_by_name, "at": _local(c.created_at, d.cfg.tz),
                "until": _local(c.until, d.cfg.tz), "units": [
                    {"name": u.name, "kind": d.settings.kind_names.get(u.kind, u.kind), "street": u.parent or "",
                     "at": _local(acks[u.id].at, d.cfg.tz) if u.id in acks else "",
                     "who": acks[u.id].name if u.id in acks else "", "words": acks[u.id].words if u.id in acks else ""}
                    for u in units] + firms}

    found = await d.db(work)
    if found is None:
        raise web.HTTPNotFound(text=f"没有通知{number}")
    n = await shown(request, found, "notice", f"notice {number}")
    done = sum(1 for u in n["units"] if u["at"])
    cells = [[escape(u["name"]), escape(u["kind"]), escape(u["street"]),
              (f'已回执 {u["at"]} {escape(u["who"])}「{escape(u["words"])}」' if u["at"] else '<span class="overdue">未回执</span>')]
             for u in n["units"]]
    body = (f'<h2>通知{n["number"]}</h2><p class="notice">{escape(n["text"])}</p>'
            f'<p>{escape(n["by"])} 发布于 {n["at"]}，回执截至 {n["until"]}。已回执 <b id="acked">{done}</b>/'
            f'<b id="expected">{len(n["units"])}</b></p>'
            + table(["单位", "类别", "街道 / 联系人", "回执"], cells, table_id="acks") + '<p><a href="/notices">全部通知</a></p>')
    return html(layout(f"通知{number}", body, who, await auth.csrf_token(request)))
