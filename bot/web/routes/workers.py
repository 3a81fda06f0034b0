"""返岗人员 on the desk: each site's register of returning workers (personal data: phone and ID numbers
masked unless the account may see them whole; every look audited), how its counts stand today, who
ends the 14-day observation today; admins add or correct a worker here."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlmodel import Session

from bot.web import auth, data
from bot.web.desk import account, desk, html, int_param, shown
from bot.web.pages import layout
from bot.web.widgets import table
from handlers.workers import counts, site_kinds
from handlers.workers_book import check_row
from storage import queries
from storage import workers as register
from storage.models import ReturningWorker

routes = web.RouteTableDef()


def _sites(s: Session, d: Any, who: auth.Account) -> list[Any]:
    kinds = site_kinds(t for k in d.settings.kind_names for t in d.settings.templates(k))
    return [u for k in kinds for u in queries.units_of_kind(s, kind=k) if data.sees(who, u.parent, u.community)]


@routes.get("/workers")
async def workers_page(request: web.Request) -> web.Response:
    d, who, today = desk(request), account(request), desk(request).today()

    def work(s: Session) -> list[dict[str, Any]]:
        out = []
        by_site: dict[int, list[ReturningWorker]] = {}
        for w in register.everyone(s):  # one query for every site
            by_site.setdefault(w.unit_id, []).append(w)
        for unit in _sites(s, d, who):
            workers = by_site.get(unit.id or 0, [])
            c = counts(workers, today)
            out.append({"id": unit.id, "name": unit.name, "workers": len(workers), "tested": c["tested"],
                        "records": c["records"], "observing": sum(1 for w in workers if w.observation_end >= today),
                        "ending": sum(1 for w in workers if w.observation_end == today)})
        return out

    rows = await shown(request, await d.db(work), "returning workers")
    cells = [[f'<a href="/workers/{r["id"]}">{escape(r["name"])}</a>', str(r["workers"]), str(r["tested"]),
              str(r["records"]), str(r["observing"]), str(r["ending"] or "")] for r in rows]
    body = ('<h2>返岗人员健康档案</h2>'
            + table(["工地", "登记人数", "已做核酸", "已建档", "观察期内", "今日期满"], cells, table_id="sites",
                    empty="没有在建工地")
            + '<p>各工地日报的返岗、核酸、建档人数与档案不符时，回执和汇总里会提示。批量导入：'
              '<code>wxbot workers template / import</code>。</p>')
    return html(layout("返岗人员", body, who, await auth.csrf_token(request)))


@routes.get("/workers/{unit_id}")
async def site_page(request: web.Request) -> web.Response:
    d, who, today = desk(request), account(request), desk(request).today()
    unit_id = int_param(request, "unit_id", 0, 1, 2_000_000_000)

    def work(s: Session) -> dict[str, Any] | None:
        unit = next((u for u in _sites(s, d, who) if u.id == unit_id), None)
        if unit is None:
            return None
        return {"name": unit.name, "workers": [
            {"name": w.name, "id_number": w.id_number, "phone": w.phone, "origin": w.origin,
             "returned": w.returned_on.isoformat(), "test": f'{w.test_date or ""} {w.test_result}'.strip(),
             "record": "是" if w.record_made else "否", "end": w.observation_end.isoformat(),
             "ending": w.observation_end == today} for w in register.of_site(s, unit_id=unit_id)]}

    found = await d.db(work)
    if found is None:
        raise web.HTTPNotFound(text="没有这个工地（或不在您的管辖范围内）")
    site = await shown(request, found, "returning workers", f"workers {unit_id}")
    csrf = await auth.csrf_token(request)
    cells = [[escape(w["name"]), escape(w["id_number"]), escape(w["phone"]), escape(w["origin"]), w["returned"],
              escape(w["test"]), w["record"], (f'<b>{w["end"]}（今日期满）</b>' if w["ending"] else w["end"])]
             for w in site["workers"]]
    note = request.query.get("msg", "")[:200]
    body = (f'<h2>{escape(site["name"])} 返岗人员</h2>'
            + (f'<p class="notice" id="notice">{escape(note)}</p>' if note else "")
            + (_add_form(unit_id, csrf) if who.admin else "")
            + table(["姓名", "身份证号", "手机", "从何地返回", "返岗日期", "核酸", "健康档案", "观察期满"], cells,
                    table_id="workers", empty="还没有登记返岗人员")
            + '<p><a href="/workers">全部工地</a></p>')
    return html(layout(f"{site['name']} 返岗人员", body, who, csrf))


def _add_form(unit_id: int, csrf: str) -> str:
    fields = "".join(f'<label>{label} <input name="{name}" type="{kind}"{req}></label>' for label, name, kind, req in (
        ("姓名", "name", "text", " required"), ("身份证号", "id_number", "text", ""), ("手机", "phone", "tel", ""),
        ("从何地返回", "origin", "text", ""), ("返岗日期", "returned_on", "date", " required"),
        ("核酸日期", "test_date", "date", "")))
    return (f'<details class="add"><summary>登记返岗人员</summary><form method="post" action="/workers/{unit_id}" '
            f'class="stack"><input type="hidden" name="csrf" value="{escape(csrf)}">{fields}'
            '<label>核酸结果 <select name="test_result"><option></option><option>阴性</option><option>阳性</option>'
            '<option>待出</option></select></label><label><input type="checkbox" name="record_made" value="是"> 已建健康档案'
            '</label><button>保存</button></form></details>')


@routes.post("/workers/{unit_id}")
async def add_worker(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    if not who.admin:
        raise web.HTTPForbidden(text="只有管理员可以登记返岗人员")
    unit_id = int_param(request, "unit_id", 0, 1, 2_000_000_000)
    form = {k: str(v)[:100] for k, v in (await request.post()).items()}
    await auth.check_csrf(request, form.get("csrf"))
    now = d.clock.now()

    def work(s: Session) -> str:
        unit = next((u for u in _sites(s, d, who) if u.id == unit_id), None)
        if unit is None:
            raise web.HTTPNotFound(text="没有这个工地")
        values = {"项目": unit.name, "姓名": form.get("name"), "身份证号": form.get("id_number"), "手机": form.get("phone"),
                  "从何地返回": form.get("origin"), "返岗日期": form.get("returned_on"), "核酸日期": form.get("test_date"),
                  "核酸结果": form.get("test_result", ""), "健康档案": "是" if form.get("record_made") else "否"}
        _, row, problems = check_row(values, {unit.name})
        if row is None:
            return "未保存：" + "；".join(problems)
        added = register.upsert(s, unit_id=unit_id, row=row, source=f"desk:{who.username}", now=now)
        s.commit()
        return f"已{'登记' if added else '更新'}「{row.name}」"

    said = await d.db(work)
    if said.startswith("已"):
        await d.audit(request, "admin", target=f"/workers/{unit_id}", detail=said)
    raise web.HTTPSeeOther(f"/workers/{unit_id}?msg={quote(said)}")
