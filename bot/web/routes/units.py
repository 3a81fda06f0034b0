"""One unit: its last 14 days, a 7/30-day trend, earlier versions of reposted reports, its problems."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web import auth, data, pages
from bot.web.desk import account, day_param, desk, html, int_param, shown, span_param
from handlers.charts import svg_lines
from handlers.receipts import show

routes = web.RouteTableDef()
TABLE_DAYS = 14  # the unit page's table


def unit_or_404(s: Session, request: web.Request) -> dict[str, Any]:
    unit_id = int_param(request, "unit_id", 0, 1, 2_000_000_000)
    unit = data.allowed_unit(s, account(request), unit_id)
    if unit is None:
        raise web.HTTPNotFound(text="没有这个单位（或不在您的管辖范围内）")
    return unit


@routes.get("/units/{unit_id}")
async def unit_page(request: web.Request) -> web.Response:
    d, who, end, span = desk(request), account(request), day_param(request), span_param(request)

    def work(s: Session) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        unit = unit_or_404(s, request)
        history = data.unit_reports(s, d.settings, unit["id"], end, max(span, TABLE_DAYS))
        revisions = data.revisions(s, unit["id"], end, TABLE_DAYS)
        probs = data.problems(s, d.settings, who, d.today(), unit_id=unit["id"])
        return unit, history, revisions, probs

    found = await d.db(work)
    unit, history, revisions, probs = await shown(request, found, "unit page", f"unit {found[0]['id']}")
    fields = {f.key: f for t in d.settings.templates(unit["kind"]) for f in t.fields
              if f.type.value != "text" and f.key != t.date_field}
    labels = {k: f.brief for k, f in fields.items()}
    dates = [end - dt.timedelta(days=span - 1 - i) for i in range(span)]
    # the chart is of the daily reports: a 复工报备 filing on the same day must not stand in for them
    daily = set(d.settings.daily_templates(unit["kind"]))
    by_day: dict[str, dict[str, Any]] = {}
    for r in history:
        if r["template"] in daily:
            by_day.setdefault(r["date"], {}).update(r["values"])
    daily_fields = {f.key for t in d.settings.templates(unit["kind"]) if t.id in daily for f in t.fields}
    main = [k for k, f in fields.items() if f.type.value == "int" and k in daily_fields][:3]
    chart = svg_lines(dates, [(labels[k], [float(by_day.get(day.isoformat(), {}).get(k) or 0) for day in dates])
                              for k in main])
    first = (end - dt.timedelta(days=TABLE_DAYS - 1)).isoformat()
    reports = [r for r in history if r["date"] >= first]
    for r in [*reports, *revisions]:  # 是/否 and enum words, as in the receipts
        r["values"] = {k: show(fields[k], v) if k in fields else v for k, v in r["values"].items()}
    export = f"/export.xlsx?from={end - dt.timedelta(days=29)}&to={end}&kind={unit['kind']}"
    unit["date"] = end.isoformat()
    return html(pages.unit_page(unit, reports, probs, labels, who, await auth.csrf_token(request), export, chart, span,
                                revisions))
