"""Problems assigned on inspection (交办) and their rectification photos."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from sqlmodel import Session

from bot.web import auth, data, pages
from bot.web.desk import account, desk, html, int_param, shown

routes = web.RouteTableDef()


@routes.get("/problems")
async def problems_page(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    probs = await shown(request, await d.db(lambda s: data.problems(s, d.settings, who, d.today())), "problems")
    return html(pages.problems_page(probs, who, await auth.csrf_token(request)))


@routes.get("/problems/{number}/photos/{index}")
async def problem_photo(request: web.Request) -> web.FileResponse:
    d, who = desk(request), account(request)
    number = int_param(request, "number", 0, 1, 2_000_000_000)
    index = int_param(request, "index", 0, 0, 1000)

    def work(s: Session) -> list[str]:
        visible = {p["number"] for p in data.problems(s, d.settings, who, d.today())}
        return data.photos_of(s, number) if number in visible else []

    paths = await d.db(work)
    if index >= len(paths) or not Path(paths[index]).exists():
        raise web.HTTPNotFound(text="没有这张照片")
    return web.FileResponse(paths[index])
