"""The day board: a district's units, what needs attention first, searched, filtered and paged; the
7/30-day trend."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web import auth, data, pages
from bot.web.desk import account, day_param, desk, html, kind_param, shown, span_param
from bot.web.listing import listing
from handlers.charts import svg_charts
from handlers.summary import weekly_series
from storage import stats

routes = web.RouteTableDef()
STATES = ("missing", "late", "anomaly", "reported")
PAGE_SIZE = 60


@routes.get("/")
async def board_page(request: web.Request) -> web.Response:
    d, who, day, kind, span = desk(request), account(request), day_param(request), kind_param(request), span_param(request)
    street = request.query.get("street") or None
    community = request.query.get("community") or None
    wanted = listing(request, STATES, PAGE_SIZE)
    asked = bool(request.query.get("date"))

    def work(s: Session) -> tuple[dict[str, Any], str]:
        # nothing reported yet today: open on the last day with reports, and say so on the page
        shown_day = day if asked else stats.latest_report_day(s, until=day) or day
        board = data.board_summary(s, d.settings, who, shown_day, kind, street, community)
        if shown_day != day:
            board["notice"] = f"今日（{day}）还没有报送，显示最近有报送的一天：{shown_day}"
        rows = board.pop("rows")
        if wanted.state:
            rows = [r for r in rows if data.in_state(r, wanted.state)]
        if wanted.q:
            words = stats.unit_words(s)
            rows = [r for r in rows if wanted.matches([r[1], r[3], r[4], *words.get(r[0], ())])]
        chunk, board["page"], board["pages"], board["first"], board["last"] = wanted.cut(data.attention_first(rows))
        board["units"], board["matched"] = data.unit_dicts(chunk, d.settings), len(rows)
        dates, series = weekly_series(s, d.settings, shown_day, span) if who.district else ([], [])
        return board, svg_charts(dates, series)

    board, chart = await d.db(work)
    board = await shown(request, board, "board", f"{day} {kind or ''}")
    query = {k: request.query.get(k, "") for k in ("date", "kind", "street", "community", "state", "q", "days")}
    return html(pages.board_page(board, who, await auth.csrf_token(request), chart, span, query))
