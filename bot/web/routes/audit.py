"""审计日志 for district admins: who looked at or changed what (read-only, as the log itself)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web import auth, pages
from bot.web.desk import account, day_param, desk, html
from bot.web.listing import listing
from bot.web.widgets import pager
from storage import audit

routes = web.RouteTableDef()
PAGE_SIZE = 100


@routes.get("/audit")
async def audit_page(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    if not who.admin:
        raise web.HTTPForbidden(text="审计日志仅限区级管理员查看")
    since = day_param(request, "since") if request.query.get("since") else d.today() - dt.timedelta(days=7)
    person = (request.query.get("who") or "").strip()[:100] or None

    def work(s: Session) -> list[dict[str, Any]]:
        start = dt.datetime.combine(since, dt.time(0), d.cfg.tz)
        return [{"at": e.at.astimezone(d.cfg.tz).strftime("%Y-%m-%d %H:%M:%S"), "who": e.who, "role": e.role,
                 "address": e.address, "action": e.action, "target": e.target, "detail": e.detail, "whole": e.whole}
                for e in audit.events(s, since=start, who=person, limit=2000)]

    wanted = listing(request, (), PAGE_SIZE)
    rows = await d.db(work)
    await d.audit(request, "view", target=request.path_qs, detail="audit log")
    chunk, page, pages_, first, last = wanted.cut(rows)
    query = {"since": request.query.get("since", ""), "who": person or ""}
    paging = pager("/audit", query, page, pages_, len(rows), first, last, "条")
    return html(pages.audit_page(chunk, since.isoformat(), person or "", who, await auth.csrf_token(request), paging))
