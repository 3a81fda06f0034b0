"""Logging in and out. Password checks (argon2, deliberately slow) run in a worker thread."""

from __future__ import annotations

import secrets

from aiohttp import web
from aiohttp_session import get_session

from bot.web import auth, pages
from bot.workers import PASSWORDS
from bot.web.desk import desk, html

routes = web.RouteTableDef()


def safe_next(target: str) -> str:
    """Only a path on this site: `/\\t/evil.example` or `//evil` never leave it."""
    cleaned = "".join(ch for ch in target if ch.isprintable() and not ch.isspace())
    if not cleaned.startswith("/") or cleaned.startswith(("//", "/\\")) or "\\" in cleaned:
        return "/"
    return cleaned


@routes.get("/login")
async def login_get(request: web.Request) -> web.Response:
    return html(pages.login_page(await auth.csrf_token(request), safe_next(request.query.get("next", "/"))))


@routes.post("/login")
async def login_post(request: web.Request) -> web.Response:
    d = desk(request)
    form = await request.post()
    await auth.check_csrf(request, str(form.get("csrf", "")))
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    found = await d.db(lambda s: auth.find_account(d.cfg, s, username))
    ok = await PASSWORDS.run(auth.check_password, found[1] if found else None, password)
    if found is None or not ok:
        page = pages.login_page(await auth.csrf_token(request), safe_next(str(form.get("next", "/"))), "用户名或密码不对")
        return html(page, status=401)
    session = await get_session(request)
    session.invalidate()
    session = await get_session(request)
    account = found[0]
    session["account"] = {"username": account.username, "name": account.name, "street": account.street}
    session["csrf"] = secrets.token_urlsafe(24)
    raise web.HTTPFound(safe_next(str(form.get("next", "/"))))


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    form = await request.post()
    await auth.check_csrf(request, str(form.get("csrf", "")))
    (await get_session(request)).invalidate()
    raise web.HTTPFound("/login")
