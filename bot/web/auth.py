"""Accounts (config or `wxbot user add`), argon2 password hashes, encrypted cookie sessions checked
against a server-side session version on every request, and a CSRF token per session for every
form that changes something."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp_session import get_session
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from bot.config import Config
from storage import accounts

HASHER = PasswordHasher()
PUBLIC = ("/healthz", "/login", "/static/")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    street: str | None  # None: not restricted to a street
    role: str = "district"  # district | street | community
    community: str | None = None
    permissions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def whole(self) -> bool:
        """Sees personal numbers whole (a district account with see_personal_data; audited)."""
        return self.role == "district" and self.district and "see_personal_data" in self.permissions

    @property
    def admin(self) -> bool:
        return self.role == "district" and self.district and "admin" in self.permissions

    @property
    def notifies(self) -> bool:
        """May send a notice (通知) from the desk: an admin, or an account given `notices`."""
        return self.admin or "notices" in self.permissions

    @property
    def district(self) -> bool:
        """Sees the whole district: neither a street's nor a community's account (either alone narrows it)."""
        return self.street is None and self.community is None

    @property
    def scope(self) -> str:
        return self.community or self.street or "全区"


ACCOUNT: web.RequestKey[Account] = web.RequestKey("account", Account)


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def find_account(cfg: Config, session: Session, username: str) -> tuple[Account, str] | None:
    for a in cfg.web.accounts:
        if a.username == username:
            return Account(a.username, a.name or a.username, a.street, a.role or "district", a.community,
                           tuple(a.permissions)), a.password_hash
    user = accounts.web_user(session, username=username)
    if user is None:
        return None
    return Account(user.username, user.name or user.username, user.street, user.role, user.community,
                   tuple(user.permissions or ())), user.password_hash


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
        raise web.HTTPForbidden(text="页面已过期，请刷新后再提交")


async def current_account(request: web.Request, check: Callable[[str, int], Awaitable[Account | None]]) -> Account | None:
    """The signed-in account, if its session is still valid: the account exists and the session's
    version is the account's current one (logout, a new password or deletion ended it)."""
    session = await get_session(request)
    username, version = session.get("username"), session.get("version")
    if not isinstance(username, str) or not isinstance(version, int):
        return None
    account = await check(username, version)
    if account is None:
        session.invalidate()
    return account
