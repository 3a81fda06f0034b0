"""/healthz for a process supervisor (no login), and the stylesheet."""

from __future__ import annotations

import asyncio
import functools
from importlib import resources
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlmodel import Session

from bot.web.desk import desk
from storage import outbox as outbox_store

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    d = desk(request)
    since = d.clock.now().astimezone(d.cfg.tz).replace(hour=0, minute=0, second=0, microsecond=0)

    def outbox_state(s: Session) -> dict[str, Any]:
        s.connection().execute(text("SELECT 1"))
        counts = outbox_store.counts_since(s, since=since)
        return {"outbox_backlog": outbox_store.backlog(s), "sent_today": counts.get("sent", 0),
                "dropped_today": counts.get("dropped", 0), "failed_today": counts.get("failed", 0),
                "problems": d.health.problems(s, d.clock.now())}

    try:
        state: dict[str, Any] = await asyncio.wait_for(d.db(outbox_state), 10)
        db_ok = True
    except Exception:  # noqa: BLE001 - the point is to report it
        db_ok, state = False, {"outbox_backlog": None, "problems": []}
    loops = d.health.loops()
    state["problems"] += [v["problem"] for v in loops.values() if v["problem"] and v["problem"] not in state["problems"]]
    connected, age = d.health.connected(), d.health.last_event_age()
    ok = db_ok and connected is not False and not state["problems"]
    return web.json_response({"ok": ok, "database": db_ok, "connected": connected, "last_event_age_seconds": age,
                              "intake_backlog": d.health.intake_backlog(), "loops": loops, **state},
                             status=200 if ok else 503)


@functools.cache
def stylesheet() -> str:
    """The desk's one stylesheet, shipped in the package (read on first use, not at import)."""
    return resources.files("bot.web").joinpath("static/style.css").read_text(encoding="utf-8")


@routes.get("/static/style.css")
async def style(_: web.Request) -> web.Response:
    return web.Response(text=stylesheet(), content_type="text/css")
