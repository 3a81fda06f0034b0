"""The Excel download: built in a worker thread, in memory (no temporary file left anywhere)."""

from __future__ import annotations

import io
from urllib.parse import quote

from aiohttp import web
from sqlmodel import Session

from bot.web.desk import account, bad, day_param, desk, kind_param
from handlers.export import write_workbook

routes = web.RouteTableDef()


@routes.get("/export.xlsx")
async def export_xlsx(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    start, end, kind = day_param(request, "from"), day_param(request, "to"), kind_param(request)
    if end < start or (end - start).days > 366:
        raise bad("from/to: at most a year, and from on or before to")

    def work(s: Session) -> bytes:
        out = io.BytesIO()
        write_workbook(s, d.settings, out, start=start, end=end, kind=kind, masked=who.street is not None,
                       street=who.street)
        return out.getvalue()

    body = await d.db(work)
    name = quote(f"防控报表_{start}_{end}.xlsx")
    return web.Response(body=body, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
