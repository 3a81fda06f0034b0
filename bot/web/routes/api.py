"""The JSON API under /api (described at /api/openapi.json)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web import data
from bot.web.desk import account, day_param, desk, int_param, json_of, kind_param
from bot.web.openapi import OPENAPI
from bot.web.routes.units import unit_or_404
from handlers.summary import daily_summary
from storage import stats

routes = web.RouteTableDef()


@routes.get("/api/openapi.json")
async def openapi(_: web.Request) -> web.Response:
    return web.json_response(OPENAPI)


@routes.get("/api/days/{date}")
async def api_day(request: web.Request) -> web.Response:
    d, who, day, kind = desk(request), account(request), day_param(request), kind_param(request)
    street = request.query.get("street") or None
    return await json_of(request, lambda s: data.board(s, d.settings, who, day, kind, street))


@routes.get("/api/units")
async def api_units(request: web.Request) -> web.Response:
    d, who, kind = desk(request), account(request), kind_param(request)

    kinds = [k for k in d.settings.kind_names if d.settings.daily_templates(k) and kind in (None, k)]

    def work(s: Session) -> list[dict[str, Any]]:  # the board's units, without the board's day
        return [{"id": i, "name": n, "kind": k, "street": p} for i, n, k, p, c, _, active in stats.unit_list(s)
                if active and k in kinds and data.sees(who, p, c)]

    return await json_of(request, work)


@routes.get("/api/units/{unit_id}/reports")
async def api_unit_reports(request: web.Request) -> web.Response:
    d, day = desk(request), day_param(request)
    days = int_param(request, "days", 30, 1, 366)

    def work(s: Session) -> dict[str, Any]:
        unit = unit_or_404(s, request)
        return {"unit": unit, "reports": data.unit_reports(s, d.settings, unit["id"], day, days)}

    return await json_of(request, work)


@routes.get("/api/problems")
async def api_problems(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    return await json_of(request, lambda s: data.problems(s, d.settings, who, d.today()))


@routes.get("/api/summary/{date}")
async def api_summary(request: web.Request) -> web.Response:
    d, who, day, kind = desk(request), account(request), day_param(request), kind_param(request)
    if not who.district:
        raise web.HTTPForbidden(text="全区汇总仅限区级账号查看")
    return await json_of(request, lambda s: {"date": day.isoformat(), "text": daily_summary(s, d.settings, day, kind=kind)})
