"""What every route of the officials' desk needs: the deployment, a database session in a worker
thread (the event loop never waits on the database), the clock, the signed-in account, and checked
query parameters (a bad value is a 400 with a clear message, never a 500)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Config
from bot.web.auth import ACCOUNT, Account, find_account
from bot.web.exporter import Exporter
from handlers.context import Clock, Settings
from handlers.privacy import mask
from storage import accounts, audit

T = TypeVar("T")
EARLIEST = dt.date(2019, 1, 1)  # no report is older: a date before this is a typing error


@dataclass
class Health:
    """What a supervisor of this process wants to know; `connected` is None when no bot runs here."""

    connected: Callable[[], bool | None] = lambda: None
    last_event_age: Callable[[], float | None] = lambda: None
    intake_backlog: Callable[[], int | None] = lambda: None  # messages received, waiting for the database
    # a dead or stuck loop, a backlog not moving (from the database session given)
    problems: Callable[[Session, dt.datetime], list[str]] = lambda session, now: []
    loops: Callable[[], dict[str, dict[str, object]]] = lambda: {}


@dataclass
class Desk:
    cfg: Config
    engine: Engine
    clock: Clock
    settings: Settings
    health: Health = field(default_factory=Health)
    exporter: Exporter = field(default_factory=Exporter)

    def today(self) -> dt.date:
        return self.clock.now().astimezone(self.cfg.tz).date()

    async def account_if_current(self, username: str, version: int) -> Account | None:
        """The account a session names, if it still exists and the session is of its current version."""
        def check(s: Session) -> Account | None:
            found = find_account(self.cfg, s, username)
            if found is None or accounts.session_version(s, username=username) != version:
                return None
            return found[0]
        return await self.db(check)

    async def audit(self, request: web.Request, action: str, target: str = "", detail: str = "",
                    whole: bool = False, who: str | None = None) -> None:
        account = request.get(ACCOUNT)
        name = who or (account.username if account is not None else "")
        role = account.role if account is not None else ""

        def write(s: Session) -> None:
            audit.record(s, who=name, role=role, address=client_address(request), action=action, target=target,
                         detail=detail, whole=whole, now=self.clock.now())
            s.commit()
        await self.db(write)

    async def db(self, work: Callable[[Session], T]) -> T:
        """Run database work in a worker thread with its own session."""
        def run() -> T:
            with Session(self.engine) as s:
                return work(s)
        return await asyncio.to_thread(run)


DESK: web.AppKey[Desk] = web.AppKey("desk", Desk)


def desk(request: web.Request) -> Desk:
    return request.app[DESK]


def account(request: web.Request) -> Account:
    return request[ACCOUNT]


def bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=message, content_type="text/plain")


def day_param(request: web.Request, name: str = "date") -> dt.date:
    raw = request.query.get(name) or request.match_info.get(name)
    d = desk(request)
    if not raw:
        return d.today()
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise bad(f"{name}：日期请写成 2020-02-26 这样") from None
    if not EARLIEST <= day <= d.today() + dt.timedelta(days=366):
        raise bad(f"{name}：日期须在 {EARLIEST} 到一年后之间")
    return day


def kind_param(request: web.Request) -> str | None:
    kind = request.query.get("kind") or None
    if kind is not None and kind not in desk(request).cfg.kinds:
        raise bad(f"kind：只能是 {'、'.join(desk(request).cfg.kinds)} 之一")
    return kind


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name) or request.match_info.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise bad(f"{name}：须是 {low} 到 {high} 的整数")
    value = int(raw)
    if not low <= value <= high:
        raise bad(f"{name}：须是 {low} 到 {high} 的整数")
    return value


def span_param(request: web.Request) -> int:
    return 30 if request.query.get("days") == "30" else 7


def html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, content_type="text/html", status=status)


async def json_of(request: web.Request, work: Callable[[Session], Any]) -> web.Response:
    """An API answer: read in a worker thread, masked for this account, the read audited."""
    return web.json_response(await shown(request, await desk(request).db(work), "api"))


def client_address(request: web.Request) -> str:
    """The caller's address: the peer, or (behind the reverse proxy we were told of) X-Forwarded-For."""
    peer = request.remote or ""
    if desk(request).cfg.web.secure_cookies and peer in ("127.0.0.1", "::1"):
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
        return forwarded or peer
    return peer


def scrub(value: T) -> T:
    """Every personal number in a page's or an answer's data masked (lists, tuples and dicts walked)."""
    if isinstance(value, str):
        return mask(value)  # type: ignore[return-value]
    if isinstance(value, (list, tuple)):
        return type(value)(scrub(v) for v in value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}  # type: ignore[return-value]
    return value


async def shown(request: web.Request, data: T, what: str, target: str = "") -> T:
    """Data as this account may see it — masked, unless it may see personal data whole — and the
    look written to the audit log."""
    who = account(request)
    await desk(request).audit(request, "view" if not request.path.startswith("/api/") else "api",
                              target=target or request.path_qs, detail=what, whole=who.whole)
    return data if who.whole else scrub(data)
