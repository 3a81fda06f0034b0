"""The officials' desk: an aiohttp application assembled from route modules (bot/web/routes/),
sharing one Desk (deployment, database in a worker thread, clock) and the login middleware."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from aiohttp import web
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from sqlalchemy import Engine

from bot.app import make_settings
from bot.config import Config
from bot.web import guard
from bot.web.desk import DESK, Desk, Health
from bot.web.routes import (admin, api, audit, board, export, fleet, health, notices, problems, session,
                            supplies, units, users, vocabulary, workers)
from handlers.context import Clock

__all__ = ["Health", "make_app"]
ROUTES = [health.routes, session.routes, board.routes, units.routes, problems.routes, notices.routes, supplies.routes,
          workers.routes, vocabulary.routes, export.routes, api.routes, audit.routes, admin.routes, users.routes,
          fleet.routes]


def secret_key(data_dir: Path) -> bytes:
    """A persistent key (sessions survive restarts), made on first use, readable only by us. Web
    processes on several hosts share one through $WXBOT_WEB_SECRET (urlsafe base64 of 32 bytes)."""
    if shared := os.environ.get("WXBOT_WEB_SECRET"):
        return base64.urlsafe_b64decode(shared)
    path = data_dir / "web_secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.urlsafe_b64encode(secrets.token_bytes(32)))
        path.chmod(0o600)
    return base64.urlsafe_b64decode(path.read_bytes())


def make_app(cfg: Config, engine: Engine, clock: Clock, health: Health | None = None) -> web.Application:
    app = web.Application(middlewares=[guard.headers])
    app[DESK] = Desk(cfg, engine, clock, make_settings(cfg), health or Health())
    setup_sessions(app, EncryptedCookieStorage(secret_key(cfg.data_dir), cookie_name="wxbot_session",
                                               httponly=True, samesite="Strict", secure=cfg.web.secure_cookies,
                                               max_age=int(cfg.web.session_hours * 3600)))
    app.middlewares.append(guard.require_login)
    for table in ROUTES:
        app.add_routes(table)

    async def close_exporter(app: web.Application) -> None:
        app[DESK].exporter.close()

    app.on_cleanup.append(close_exporter)
    return app
