"""One unit: its last 14 days, a 7/30-day trend, earlier versions of reposted reports, its problems."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web import auth, data, pages
from bot.web.desk import account, day_param, desk, html, int_param, shown, span_param
from handlers.charts import Series, svg_charts
from handlers.receipts import show
from handlers.templates import Template

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
    templates = d.settings.templates(unit["kind"])
    fields = {f.key: f for t in templates for f in t.fields if f.type.value != "text" and f.key != t.date_field}
    labels = {k: f.brief for k, f in fields.items()}
    dates = [end - dt.timedelta(days=span - 1 - i) for i in range(span)]
    chart = svg_charts(dates, chart_series(templates, history, dates))
    first = (end - dt.timedelta(days=TABLE_DAYS - 1)).isoformat()
    reports = [r for r in history if r["date"] >= first]
    names = {t.id: t.name for t in templates} if len(templates) > 1 else {}
    for r in reports:
        r["template_name"] = names.get(r["template"], "")
    for r in [*reports, *revisions]:  # 是/否 and enum words, as in the receipts
        r["values"] = {k: show(fields[k], v) if k in fields else v for k, v in r["values"].items()}
    export = f"/export.xlsx?from={end - dt.timedelta(days=29)}&to={end}&kind={unit['kind']}"
    unit["date"] = end.isoformat()
    return html(pages.unit_page(unit, reports, probs, labels, who, await auth.csrf_token(request), export, chart, span,
                                revisions))


def chart_series(templates: list[Template], history: list[dict[str, Any]], dates: list[dt.date]) -> list[Series]:
    """A chart per whole-number measure of each template, of that template's reports only (a 复工报备
    filing never stands in for the day's 工地日报), with a gap on a day without one: the table's figures."""
    series: list[tuple[Template, str, list[float | None]]] = []
    for t in templates:
        by_day = {r["date"]: r["values"] for r in history if r["template"] == t.id}
        for f in t.fields:
            if f.type.value != "int":
                continue
            values = [_number(by_day.get(day.isoformat(), {}).get(f.key)) for day in dates]
            if any(v is not None for v in values):
                series.append((t, f.brief, values))
    several = len({t.id for t, _, _ in series}) > 1
    return [(f"{t.name}·{name}" if several else name, values) for t, name, values in series]


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
