"""The day board and the 7/30-day trend."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web import auth, data, pages
from bot.web.desk import account, day_param, desk, html, kind_param, shown, span_param
from handlers.charts import svg_lines
from handlers.summary import weekly_series

routes = web.RouteTableDef()


@routes.get("/")
async def board_page(request: web.Request) -> web.Response:
    d, who, day, kind, span = desk(request), account(request), day_param(request), kind_param(request), span_param(request)
    street = request.query.get("street") or None

    def work(s: Session) -> tuple[dict[str, Any], str]:
        board = data.board(s, d.settings, who, day, kind, street)
        dates, series = weekly_series(s, d.settings, day, span) if who.street is None else ([], [])
        return board, svg_lines(dates, series)

    board, chart = await d.db(work)
    board = await shown(request, board, "board", f"{day} {kind or ''}")
    return html(pages.board_page(board, who, await auth.csrf_token(request), chart, span))
