"""The Excel download: built in a worker process, in memory (no temporary file left anywhere)."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from bot.web.desk import account, bad, day_param, desk, kind_param

routes = web.RouteTableDef()


@routes.get("/export.xlsx")
async def export_xlsx(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    start, end, kind = day_param(request, "from"), day_param(request, "to"), kind_param(request)
    if end < start or (end - start).days > 366:
        raise bad("导出的起止日期：最多一年，且开始不晚于结束")

    url = d.engine.url.render_as_string(hide_password=False)
    body = await d.exporter.workbook(d.cfg, url, start, end, kind=kind, masked=not who.whole, street=who.street,
                                     community=who.community)
    await d.audit(request, "export", target=f"{start}..{end} {kind or 'all'} {who.scope}",
                  detail="whole" if who.whole else "masked", whole=who.whole)
    name = quote(f"防控报表_{start}_{end}.xlsx")
    return web.Response(body=body, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
