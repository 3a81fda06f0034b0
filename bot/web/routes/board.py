"""The day board and the 7/30-day trend."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web import auth, data, pages
from bot.web.desk import account, day_param, desk, html, kind_param, shown, span_param
from handlers.charts import svg_lines
from handlers.summary import weekly_series
from storage import stats

routes = web.RouteTableDef()


@routes.get("/")
async def board_page(request: web.Request) -> web.Response:
    d, who, day, kind, span = desk(request), account(request), day_param(request), kind_param(request), span_param(request)
    street = request.query.get("street") or None

    asked = bool(request.query.get("date"))

    def work(s: Session) -> tuple[dict[str, Any], str]:
        # nothing reported yet today: open on the last day with reports, and say so on the page
        shown_day = day if asked else stats.latest_report_day(s, until=day) or day
        board = data.board(s, d.settings, who, shown_day, kind, street)
        if shown_day != day:
            board["notice"] = f"今日（{day}）还没有报送，显示最近有报送的一天：{shown_day}"
        dates, series = weekly_series(s, d.settings, shown_day, span) if who.district else ([], [])
        return board, svg_lines(dates, series)

    board, chart = await d.db(work)
    board = await shown(request, board, "board", f"{day} {kind or ''}")
    return html(pages.board_page(board, who, await auth.csrf_token(request), chart, span))
