"""Accounts (config or `wxbot user add`), argon2 password hashes, signed+encrypted cookie sessions,
and a CSRF token per session for every form that changes something."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp_session import get_session
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from bot.config import Config
from storage.models import WebUser

HASHER = PasswordHasher()
PUBLIC = ("/healthz", "/login", "/static/")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    street: str | None  # None: the whole district


ACCOUNT: web.RequestKey[Account] = web.RequestKey("account", Account)


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def find_account(cfg: Config, session: Session, username: str) -> tuple[Account, str] | None:
    for a in cfg.web.accounts:
        if a.username == username:
            return Account(a.username, a.name or a.username, a.street), a.password_hash
    user = session.exec(select(WebUser).where(WebUser.username == username)).first()
    if user is None:
        return None
    return Account(user.username, user.name or user.username, user.street), user.password_hash


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash("no such account: the same work as a real check")


def check_password(password_hash: str | None, password: str) -> bool:
    """Constant work: an unknown account is checked against a dummy hash (no timing tells it apart)."""
    try:
        return HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return str(session["csrf"])


async def check_csrf(request: web.Request, form_token: str | None) -> None:
    session = await get_session(request)
    if not form_token or not secrets.compare_digest(str(session.get("csrf", "")), form_token):
        raise web.HTTPForbidden(text="CSRF token missing or wrong")


async def current_account(request: web.Request) -> Account | None:
    session = await get_session(request)
    data = session.get("account")
    if not isinstance(data, dict):
        return None
    return Account(str(data["username"]), str(data["name"]), data.get("street"))


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Nothing is served without a login except /healthz, the login page and static assets."""
    if request.path.startswith(PUBLIC):
        return await handler(request)
    account = await current_account(request)
    if account is None:
        if request.path.startswith("/api/"):
            return web.json_response({"error": "login required"}, status=401)
        raise web.HTTPFound(f"/login?next={request.path_qs}")
    request[ACCOUNT] = account
    return await handler(request)
