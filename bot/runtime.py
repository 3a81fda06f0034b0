"""One running bot: engine, app, connector and outbox put together (by `run`, `demo` and tests)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bot.app import App, bootstrap, make_settings, sync_rooms
from bot.config import Config
from bot.connectors.wechaty import WechatyConnector
from bot.outbox import Outbox, Pacing, SleepingClock
from bot.scheduler import Scheduler
from handlers.chat import Action, Incoming
from storage import schema
from storage.db import make_engine, session_scope

log = logging.getLogger("wxbot.runtime")


@dataclass
class Runtime:
    app: App
    outbox: Outbox
    engine: Engine
    make_connector: Callable[["Runtime"], WechatyConnector]
    scheduler: Scheduler
    connector: WechatyConnector | None = None
    last_route: str = ""

    async def on_incoming(self, msg: Incoming) -> None:
        self.last_route, _ = self.app.handle(msg)
        self.outbox.wake()

    async def send(self, action: Action) -> None:
        """Through whichever connection is current (the supervisor replaces it on reconnect)."""
        if self.connector is None:
            raise ConnectionError("not connected to WeChat")
        await self.connector.send(action)

    def new_connector(self) -> WechatyConnector:
        return self.make_connector(self)

    def use(self, connector: WechatyConnector) -> None:
        self.connector = connector
        self.app.bot_id = connector.self_id or self.app.bot_id

    async def sync_rooms(self, rooms: list[tuple[str, str]] | None = None) -> list[str]:
        """Bind the rooms we are in to configured groups; returns configured groups not found."""
        assert self.connector is not None
        if rooms is None:
            rooms = await self.connector.rooms()
        with session_scope(self.engine) as session:
            return sync_rooms(session, self.app.cfg, rooms, self.app.clock.now())

    async def stop(self) -> None:
        if self.connector is not None:
            await self.connector.stop()


def open_database(cfg: Config, *, migrate: bool) -> Engine:
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(cfg.db_url)
    if migrate:
        schema.upgrade(engine)
    schema.check_current(engine)
    return engine


def build(cfg: Config, clock: SleepingClock, *, engine: Engine, puppet: Any = None, token: str | None = None,
          endpoint: str | None = None, pacing: Pacing | None = None, cache_dir: Path | None = None) -> Runtime:
    with session_scope(engine) as session:
        bootstrap(session, cfg, clock)
    app = App(cfg, engine, clock, make_settings(cfg))

    def make_connector(rt: Runtime) -> WechatyConnector:
        async def on_incoming(msg: Incoming) -> None:
            await rt.on_incoming(msg)  # looked up per call: benches wrap it

        return WechatyConnector(on_incoming, data_dir=cfg.data_dir, puppet=puppet, token=token,
                                endpoint=endpoint, cache_dir=cache_dir)

    holder: list[Runtime] = []

    async def send(action: Action) -> None:
        await holder[0].send(action)

    outbox = Outbox(engine, clock, send, pacing)
    scheduler = Scheduler(cfg, engine, clock, app.settings, on_enqueued=outbox.wake)
    runtime = Runtime(app, outbox, engine, make_connector, scheduler)
    holder.append(runtime)
    return runtime


async def start(cfg: Config, clock: SleepingClock, *, engine: Engine, puppet: Any = None,
                token: str | None = None, endpoint: str | None = None, pacing: Pacing | None = None,
                cache_dir: Path | None = None) -> Runtime:
    """Build and connect once (the in-process puppet); `wxbot run` connects under a supervisor."""
    runtime = build(cfg, clock, engine=engine, puppet=puppet, token=token, endpoint=endpoint, pacing=pacing,
                    cache_dir=cache_dir)
    connector = runtime.new_connector()
    runtime.use(connector)
    await connector.start()
    return runtime


async def login(runtime: Runtime) -> None:
    """After the puppet's login event: remember our own id so our messages are ignored."""
    assert runtime.connector is not None
    await runtime.connector.logged_in.wait()
    runtime.use(runtime.connector)
    await runtime.sync_rooms()
