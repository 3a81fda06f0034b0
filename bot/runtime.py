"""One running bot: engine, app, connector and outbox put together (by `run`, `demo` and tests)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bot.app import App, bootstrap, make_settings
from bot.config import Config
from bot.connectors.wechaty import WechatyConnector
from bot.outbox import Outbox, Pacing, SleepingClock
from handlers.chat import Incoming
from storage import schema
from storage.db import make_engine, session_scope

log = logging.getLogger("wxbot.runtime")


@dataclass
class Runtime:
    app: App
    connector: WechatyConnector
    outbox: Outbox
    engine: Engine
    last_route: str = ""

    async def on_incoming(self, msg: Incoming) -> None:
        self.last_route, _ = self.app.handle(msg)
        self.outbox.wake()

    async def stop(self) -> None:
        await self.connector.stop()


def open_database(cfg: Config, *, migrate: bool) -> Engine:
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(cfg.db_url)
    if migrate:
        schema.upgrade(engine)
    schema.check_current(engine)
    return engine


async def start(cfg: Config, clock: SleepingClock, *, engine: Engine, puppet: Any = None,
                token: str | None = None, endpoint: str | None = None, pacing: Pacing | None = None,
                cache_dir: Path | None = None) -> Runtime:
    with session_scope(engine) as session:
        bootstrap(session, cfg, clock)
    app = App(cfg, engine, clock, make_settings(cfg))
    holder: dict[str, Runtime] = {}

    async def on_incoming(msg: Incoming) -> None:
        await holder["rt"].on_incoming(msg)

    connector = WechatyConnector(on_incoming, data_dir=cfg.data_dir, puppet=puppet, token=token, endpoint=endpoint,
                                 cache_dir=cache_dir)
    outbox = Outbox(engine, clock, connector.send, pacing)
    runtime = Runtime(app, connector, outbox, engine)
    holder["rt"] = runtime
    await connector.start()
    return runtime


async def login(runtime: Runtime) -> None:
    """After the puppet's login event: remember our own id so our messages are ignored."""
    await runtime.connector.logged_in.wait()
    runtime.app.bot_id = runtime.connector.self_id
