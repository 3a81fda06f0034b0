"""The aiohttp application: pages, JSON API (/api, described at /api/openapi.json), /healthz."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp_session import get_session, setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from sqlalchemy import Engine, text
from sqlmodel import Session

from bot.app import make_settings
from bot.config import Config
from bot.web import auth, data, pages
from bot.web.openapi import OPENAPI
from handlers.context import Clock
from handlers.export import cell, write_workbook
from handlers.charts import svg_lines
from handlers.summary import daily_summary, weekly_series
from storage import outbox as outbox_store

TABLE_DAYS = 14  # the unit page's table


@dataclass
class Health:
    """What a supervisor of this process wants to know; `connected` is None when no bot runs here."""

    connected: Callable[[], bool | None] = lambda: None
    last_event_age: Callable[[], float | None] = lambda: None
    intake_backlog: Callable[[], int | None] = lambda: None  # messages received, waiting for the database


def secret_key(data_dir: Path) -> bytes:
    """A persistent key (sessions survive restarts), made on first use, readable only by us."""
    path = data_dir / "web_secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.urlsafe_b64encode(secrets.token_bytes(32)))
        path.chmod(0o600)
    return base64.urlsafe_b64decode(path.read_bytes())


def make_app(cfg: Config, engine: Engine, clock: Clock, health: Health | None = None) -> web.Application:
    settings = make_settings(cfg)
    health = health or Health()
    app = web.Application(middlewares=[])
    setup_sessions(app, EncryptedCookieStorage(secret_key(cfg.data_dir), cookie_name="wxbot_session",
                                               httponly=True, samesite="Lax", max_age=12 * 3600))
    app.middlewares.append(auth.require_login)

    def today() -> dt.date:
        return clock.now().astimezone(cfg.tz).date()

    def day_param(request: web.Request, name: str = "date") -> dt.date:
        raw = request.query.get(name) or request.match_info.get(name)
        if not raw:
            return today()
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise web.HTTPBadRequest(text=f"{name} must be YYYY-MM-DD") from None

    def kind_param(request: web.Request) -> str | None:
        kind = request.query.get("kind") or None
        if kind is not None and kind not in cfg.kinds:
            raise web.HTTPBadRequest(text=f"unknown kind {kind}")
        return kind

    def outbox_state() -> dict[str, Any]:
        since = clock.now().astimezone(cfg.tz).replace(hour=0, minute=0, second=0, microsecond=0)
        with Session(engine) as s:
            s.connection().execute(text("SELECT 1"))
            counts = outbox_store.counts_since(s, since=since)
            return {"outbox_backlog": outbox_store.backlog(s), "sent_today": counts.get("sent", 0),
                    "dropped_today": counts.get("dropped", 0), "failed_today": counts.get("failed", 0)}

    async def healthz(_: web.Request) -> web.Response:
        try:
            state: dict[str, Any] = await asyncio.wait_for(asyncio.to_thread(outbox_state), 10)
            db_ok = True
        except Exception:  # noqa: BLE001 - the point is to report it
            db_ok, state = False, {"outbox_backlog": None}
        connected, age = health.connected(), health.last_event_age()
        ok = db_ok and connected is not False
        return web.json_response({"ok": ok, "database": db_ok, "connected": connected,
                                  "last_event_age_seconds": age, "intake_backlog": health.intake_backlog(), **state},
                                 status=200 if ok else 503)

    async def login_get(request: web.Request) -> web.Response:
        return web.Response(text=pages.login_page(await auth.csrf_token(request), request.query.get("next", "/")),
                            content_type="text/html")

    async def login_post(request: web.Request) -> web.Response:
        form = await request.post()
        await auth.check_csrf(request, str(form.get("csrf", "")))
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        with Session(engine) as s:
            found = auth.find_account(cfg, s, username)
        if found is None or not auth.check_password(found[1], password):
            page = pages.login_page(await auth.csrf_token(request), str(form.get("next", "/")), "用户名或密码不对")
            return web.Response(text=page, content_type="text/html", status=401)
        session = await get_session(request)
        session.invalidate()
        session = await get_session(request)
        account = found[0]
        session["account"] = {"username": account.username, "name": account.name, "street": account.street}
        session["csrf"] = secrets.token_urlsafe(24)
        target = str(form.get("next", "/"))
        raise web.HTTPFound(target if target.startswith("/") and not target.startswith("//") else "/")

    async def logout(request: web.Request) -> web.Response:
        form = await request.post()
        await auth.check_csrf(request, str(form.get("csrf", "")))
        (await get_session(request)).invalidate()
        raise web.HTTPFound("/login")

    async def board_page(request: web.Request) -> web.Response:
        account = request[auth.ACCOUNT]
        with Session(engine) as s:
            day = day_param(request)
            board = data.board(s, settings, account, day, kind_param(request), request.query.get("street") or None)
            span = 30 if request.query.get("days") == "30" else 7
            dates, series = weekly_series(s, settings, day, span) if account.street is None else ([], [])
        chart = svg_lines(dates, series)
        return web.Response(text=pages.board_page(board, account, await auth.csrf_token(request), chart, span),
                            content_type="text/html")

    def unit_or_404(s: Session, request: web.Request) -> dict[str, Any]:
        unit = data.allowed_unit(s, request[auth.ACCOUNT], int(request.match_info["unit_id"]))
        if unit is None:
            raise web.HTTPNotFound(text="no such unit (or not in your street)")
        return unit

    async def unit_page(request: web.Request) -> web.Response:
        end = day_param(request)
        span = 30 if request.query.get("days") == "30" else 7
        with Session(engine) as s:
            unit = unit_or_404(s, request)
            history = data.unit_reports(s, settings, unit["id"], end, max(span, TABLE_DAYS))
            revisions = data.revisions(s, unit["id"], end, TABLE_DAYS)
            probs = data.problems(s, settings, request[auth.ACCOUNT], today(), unit_id=unit["id"])
        fields = {f.key: f for t in settings.templates(unit["kind"]) for f in t.fields
                  if f.type.value != "text" and f.key != t.date_field}
        labels = {k: f.brief for k, f in fields.items()}
        dates = [end - dt.timedelta(days=span - 1 - i) for i in range(span)]
        by_day = {r["date"]: r["values"] for r in history}
        main = [k for k, f in fields.items() if f.type.value == "int"][:3]
        chart = svg_lines(dates, [(labels[k], [float(by_day.get(d.isoformat(), {}).get(k) or 0) for d in dates])
                                  for k in main])
        first = (end - dt.timedelta(days=TABLE_DAYS - 1)).isoformat()
        reports = [r for r in history if r["date"] >= first]
        for r in [*reports, *revisions]:  # 是/否 and enum words, as in the receipts
            r["values"] = {k: cell(fields[k], v, masked=True) if k in fields else v for k, v in r["values"].items()}
        export = f"/export.xlsx?from={end - dt.timedelta(days=29)}&to={end}&kind={unit['kind']}"
        unit["date"] = end.isoformat()
        html = pages.unit_page(unit, reports, probs, labels, request[auth.ACCOUNT], await auth.csrf_token(request), export,
                               chart, span, revisions)
        return web.Response(text=html, content_type="text/html")

    async def problems_page(request: web.Request) -> web.Response:
        with Session(engine) as s:
            probs = data.problems(s, settings, request[auth.ACCOUNT], today())
        return web.Response(text=pages.problems_page(probs, request[auth.ACCOUNT], await auth.csrf_token(request)),
                            content_type="text/html")

    async def vocabulary_page(request: web.Request) -> web.Response:
        if request[auth.ACCOUNT].street is not None:
            raise web.HTTPForbidden(text="the vocabulary page is for district accounts")
        with Session(engine) as s:
            found = data.vocabulary(s, settings, day_param(request))
        return web.Response(text=pages.vocabulary_page(found, request[auth.ACCOUNT], await auth.csrf_token(request)),
                            content_type="text/html")

    async def problem_photo(request: web.Request) -> web.FileResponse:
        number, index = int(request.match_info["number"]), int(request.match_info["index"])
        with Session(engine) as s:
            visible = {p["number"] for p in data.problems(s, settings, request[auth.ACCOUNT], today())}
            paths = data.photos_of(s, number) if number in visible else []
        if index >= len(paths) or not Path(paths[index]).exists():
            raise web.HTTPNotFound(text="no such photo")
        return web.FileResponse(paths[index])

    async def export_xlsx(request: web.Request) -> web.FileResponse:
        start, end = day_param(request, "from"), day_param(request, "to")
        if (end - start).days > 366 or end < start:
            raise web.HTTPBadRequest(text="from/to: at most a year, from <= to")
        out = Path(tempfile.mkdtemp(prefix="wxbot-export-")) / f"防控报表_{start}_{end}.xlsx"
        with Session(engine) as s:
            write_workbook(s, settings, out, start=start, end=end, kind=kind_param(request),
                           masked=request[auth.ACCOUNT].street is not None, street=request[auth.ACCOUNT].street)
        return web.FileResponse(out, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{out.name}"})

    async def api_day(request: web.Request) -> web.Response:
        with Session(engine) as s:
            return web.json_response(data.board(s, settings, request[auth.ACCOUNT], day_param(request),
                                                kind_param(request), request.query.get("street") or None))

    async def api_units(request: web.Request) -> web.Response:
        with Session(engine) as s:
            board = data.board(s, settings, request[auth.ACCOUNT], today(), kind_param(request))
        return web.json_response([{k: u[k] for k in ("id", "name", "kind", "street")} for u in board["units"]])

    async def api_unit_reports(request: web.Request) -> web.Response:
        days = min(max(int(request.query.get("days", "30")), 1), 366)
        with Session(engine) as s:
            unit = unit_or_404(s, request)
            return web.json_response({"unit": unit, "reports": data.unit_reports(s, settings, unit["id"],
                                                                                   day_param(request), days)})

    async def api_problems(request: web.Request) -> web.Response:
        with Session(engine) as s:
            return web.json_response(data.problems(s, settings, request[auth.ACCOUNT], today()))

    async def api_summary(request: web.Request) -> web.Response:
        if request[auth.ACCOUNT].street is not None:
            raise web.HTTPForbidden(text="the district summary is for district accounts")
        with Session(engine) as s:
            return web.json_response({"date": day_param(request).isoformat(),
                                      "text": daily_summary(s, settings, day_param(request), kind=kind_param(request))})

    async def openapi(_: web.Request) -> web.Response:
        return web.json_response(OPENAPI)

    async def style(_: web.Request) -> web.Response:
        return web.Response(text=pages.CSS, content_type="text/css")

    app.add_routes([
        web.get("/healthz", healthz), web.get("/login", login_get), web.post("/login", login_post),
        web.post("/logout", logout), web.get("/", board_page), web.get("/units/{unit_id:\\d+}", unit_page),
        web.get("/problems", problems_page), web.get("/vocabulary", vocabulary_page),
        web.get("/problems/{number:\\d+}/photos/{index:\\d+}", problem_photo), web.get("/export.xlsx", export_xlsx),
        web.get("/static/style.css", style),
        web.get("/api/openapi.json", openapi), web.get("/api/days/{date}", api_day), web.get("/api/units", api_units),
        web.get("/api/units/{unit_id:\\d+}/reports", api_unit_reports), web.get("/api/problems", api_problems),
        web.get("/api/summary/{date}", api_summary),
    ])
    return app
