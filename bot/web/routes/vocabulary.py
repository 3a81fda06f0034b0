"""识别词汇: labels nobody understood (what to teach), and the labels admins taught."""

from __future__ import annotations

from aiohttp import web

from bot.web import auth, data, pages
from bot.web.desk import account, day_param, desk, html, shown

routes = web.RouteTableDef()


@routes.get("/vocabulary")
async def vocabulary_page(request: web.Request) -> web.Response:
    d, who, day = desk(request), account(request), day_param(request)
    if not who.district:
        raise web.HTTPForbidden(text="识别词汇页仅限区级账号查看")
    found = await shown(request, await d.db(lambda s: data.vocabulary(s, d.settings, day)), "vocabulary")
    return html(pages.vocabulary_page(found, who, await auth.csrf_token(request)))
