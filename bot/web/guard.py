"""What every request passes: security headers, and the login check (a session is valid only while
its account exists and its version is the account's current one)."""

from __future__ import annotations

from aiohttp import web

from bot.web import auth
from bot.web.desk import desk

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


STATUS_TEXT = {400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "没有这个页面", 405: "不支持这种请求方式",
               413: "内容太大", 429: "请求太多，请稍后再试", 500: "服务器出错了，请稍后再试"}


@web.middleware
async def headers(request: web.Request, handler: auth.Handler) -> web.StreamResponse:
    """CSP without inline script, no framing, no sniffing, no referrer, and nothing cached but the
    stylesheet (pages and the API carry data about people)."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        if exc.status >= 400 and exc.text and exc.text.startswith(f"{exc.status}: "):  # aiohttp's own English
            exc.text = STATUS_TEXT.get(exc.status, f"出错了（{exc.status}）")
        _set(request, response)
        raise
    _set(request, response)
    return response


def _set(request: web.Request, response: web.StreamResponse) -> None:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "no-referrer")
    if not request.path.startswith("/static/"):
        h.setdefault("Cache-Control", "no-store")


@web.middleware
async def require_login(request: web.Request, handler: auth.Handler) -> web.StreamResponse:
    """Nothing is served without a login except /healthz, the login page and static assets."""
    if request.path.startswith(auth.PUBLIC):
        return await handler(request)
    account = await auth.current_account(request, desk(request).account_if_current)
    if account is None:
        if request.path.startswith("/api/"):
            return web.json_response({"error": "login required"}, status=401)
        raise web.HTTPFound(f"/login?next={request.path_qs}")
    request[auth.ACCOUNT] = account
    return await handler(request)
