"""Logging in and out. Password checks (argon2, deliberately slow) run in a worker thread."""

from __future__ import annotations

import secrets

from aiohttp import web
from aiohttp_session import get_session

from sqlmodel import Session

from bot.web import auth, pages
from bot.web.desk import client_address
from bot.workers import PASSWORDS, Busy
from storage import accounts
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
    """Growing delays after failed logins per account and per address, a lockout an admin lifts;
    the same work for an unknown name as for a known one. Every attempt is audited."""
    d = desk(request)
    form = await request.post()
    await auth.check_csrf(request, str(form.get("csrf", "")))
    username, password = str(form.get("username", ""))[:100], str(form.get("password", ""))[:1000]
    address, now = client_address(request), d.clock.now()
    next_url = safe_next(str(form.get("next", "/")))

    def before(s: Session) -> tuple[tuple[auth.Account, str] | None, float, bool]:
        wait, locked = accounts.wait_needed(s, username=username, address=address, now=now)
        return auth.find_account(d.cfg, s, username), wait, locked

    found, wait, locked = await d.db(before)
    if locked or wait > 0:
        await d.audit(request, "login_refused", target=username, who=username,
                      detail="locked" if locked else f"wait {wait:.0f} s")
        text = ("账号因多次输错密码已锁定，请联系管理员解锁" if locked
                else f"密码错误次数过多，请 {max(int(wait), 1)} 秒后再试")
        return html(pages.login_page(await auth.csrf_token(request), next_url, text), status=429)
    try:
        ok = await PASSWORDS.run(auth.check_password, found[1] if found else None, password)
    except Busy:  # more logins waiting than are checked in seconds: a flood, not people
        return html(pages.login_page(await auth.csrf_token(request), next_url, "登录的人太多，请稍后再试"), status=429)

    def after(s: Session) -> int:
        if ok and found is not None:
            accounts.succeeded(s, username=username, address=address)
        else:
            accounts.failed(s, username=username, address=address, now=now, known=found is not None)
        version = accounts.session_version(s, username=username)
        s.commit()
        return version

    version = await d.db(after)
    await d.audit(request, "login" if ok else "login_failed", target=username, who=username)
    if found is None or not ok:
        return html(pages.login_page(await auth.csrf_token(request), next_url, "用户名或密码不对"), status=401)
    session = await get_session(request)
    session.invalidate()
    session = await get_session(request)
    session["username"], session["version"] = found[0].username, version
    session["csrf"] = secrets.token_urlsafe(24)
    raise web.HTTPFound(next_url)


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    """Ends every session of the account, here and in every other browser."""
    d = desk(request)
    form = await request.post()
    await auth.check_csrf(request, str(form.get("csrf", "")))
    session = await get_session(request)
    username = session.get("username")
    if isinstance(username, str):
        def end(s: Session) -> None:
            accounts.end_sessions(s, username=username)
            s.commit()
        await d.db(end)
        await d.audit(request, "logout", target=username, who=username)
    session.invalidate()
    raise web.HTTPFound("/login")
