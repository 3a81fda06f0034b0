"""One running bot: engine, app, intake, outbox, scheduler and a connector put together (by `run`,
`demo` and tests). The connector is seen through the Connector protocol only."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import App, bootstrap, make_settings, sync_rooms
from bot.config import Config
from bot.connectors.base import Connector
from bot.intake import Intake, Spool
from bot.loops import Loops
from bot.outbox import Outbox, Pacing, SleepingClock, process_name
from bot.scheduler import Scheduler
from handlers.chat import Action, Incoming
from storage import outbox as outbox_store
from storage import processes, schema
from storage import rooms as rooms_store
from storage.db import session_scope

log = logging.getLogger("wxbot.runtime")
HEARTBEAT = 10.0  # seconds between a process's heartbeats (real time: liveness, not the day's clock)


@dataclass
class Runtime:
    app: App
    outbox: Outbox
    intake: Intake
    engine: Engine
    make_connector: Callable[[Runtime], Connector]
    scheduler: Scheduler
    name: str
    loops: Loops
    connector: Connector | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def last_route(self) -> str:
        return self.intake.last_route

    async def on_incoming(self, msg: Incoming) -> None:
        self.intake.submit(msg)

    async def send(self, action: Action) -> None:
        """Through whichever connection is current (the supervisor replaces it on reconnect)."""
        from bot.connectors.base import NotConnected

        if self.connector is None:
            raise NotConnected("not connected to WeChat")
        await self.connector.send(action)

    def new_connector(self) -> Connector:
        """Made by the supervisor for each (re)connection; known at once, so that a QR code waiting to
        be scanned reaches the heartbeat (and the desk) before any login."""
        self.connector = self.make_connector(self)
        return self.connector

    def use(self, connector: Connector) -> None:
        self.connector = connector
        self.app.bot_id = connector.self_id or self.app.bot_id

    def up(self) -> None:
        """Logged in: the outbox may send."""
        self.outbox.resume()

    def down(self, reason: str = "") -> None:
        """Connection lost: the outbox holds everything (nothing is given up)."""
        self.outbox.ready.clear()

    async def sync_rooms(self, rooms: list[tuple[str, str]] | None = None) -> list[str]:
        """Bind the rooms we are in to configured groups; returns configured groups not found."""
        assert self.connector is not None
        if rooms is None:
            rooms = await self.connector.rooms()

        cfg, account, now = self.app.cfg, self.app.account, self.app.clock.now()
        pins = cfg.pins()
        pinned = {room: pins[k] for room, topic in rooms for k in (room, topic) if k in pins}

        def bind() -> list[str]:
            with session_scope(self.engine) as session:
                rooms_store.record_presence(session, account=account, rooms=[r for r, _ in rooms], now=now,
                                            pins=pinned)
                return sync_rooms(session, cfg, rooms, now)
        return await asyncio.to_thread(bind)

    def connection_state(self) -> tuple[bool, float | None]:
        """(logged in, seconds since the last sign of life) for /healthz and heartbeats."""
        if self.connector is None:
            return False, None
        up = self.outbox.ready.is_set() and self.connector.logged_in.is_set()  # the supervisor clears ready
        return up, round(time.monotonic() - self.connector.last_event, 1)

    def _beat(self) -> None:
        self.beat()
        self.rebalance(self.app.clock.now())

    def beat(self) -> None:
        logged_in, age = self.connection_state()
        now = self.app.clock.now()
        last = now - dt.timedelta(seconds=age) if age is not None else None
        with session_scope(self.engine) as s:
            problem = "; ".join(self.problems(s, now))
            scan = self.connector if self.connector is not None and not logged_in else None
            processes.beat(s, name=self.name, now=now, logged_in=logged_in, last_event_at=last, problem=problem,
                           login_state=scan.login_state if scan else "", qr=scan.qr if scan else "")
        self.loops.progress("heartbeat")

    def problems(self, session: Session, now: dt.datetime) -> list[str]:
        """What is wrong inside this process: a loop dead or stuck, or (logged in, the outbox running)
        a message due for `stuck_seconds` while nothing was sent for as long."""
        found = self.loops.problems()
        if self.intake.spool.problem:
            found.append(self.intake.spool.problem)
        if any(t.get_name() == "outbox" for t in self.tasks) and self.connection_state()[0]:
            stuck = self.loops.stuck_after
            oldest = outbox_store.oldest_due(session, account=self.app.account, now=now)
            last = self.outbox.last_sent_at
            quiet = last is None or time.monotonic() - last > stuck
            if oldest is not None and (now - oldest).total_seconds() > stuck and quiet:
                found.append(f"outbox backlog not moving: a message due {(now - oldest).total_seconds():.0f} s ago "
                             "is not sent")
        return found

    def rebalance(self, now: dt.datetime) -> list[rooms_store.Move]:
        """Rooms whose sending account went silent move to another of ours in the room, and back."""
        silence = dt.timedelta(seconds=self.app.cfg.ownership.failover_seconds)
        with session_scope(self.engine) as s:
            alive = rooms_store.alive_accounts(s, now=now, silence=silence)
            moves = rooms_store.rebalance(s, alive=alive, now=now, silence=silence)
        for m in moves:
            log.warning("room %s now sent by %s (was %s): %s", m.room_id, m.to_account, m.from_account, m.reason)
        return moves

    async def heartbeat(self) -> None:
        while True:
            self.loops.busy("heartbeat")
            try:
                await asyncio.to_thread(self._beat)
            except Exception as exc:  # noqa: BLE001 - a missed beat is logged, the next one tries again
                log.warning("heartbeat not written: %s", str(exc).splitlines()[0][:200])
            await asyncio.sleep(HEARTBEAT)

    def start_tasks(self, *, outbox: bool, scheduler: bool) -> None:
        """Each loop supervised (restarted after an exception, logged as ERROR with its cause)."""
        loops: list[tuple[str, Callable[[], Any]]] = [("intake", self.intake.run), ("heartbeat", self.heartbeat)]
        if outbox:
            loops.append(("outbox", self.outbox.run))
        if scheduler:
            loops.append(("scheduler", self.scheduler.run))
        for name, body in loops:
            self.tasks.append(asyncio.create_task(self.loops.supervise(name, body), name=name))

    async def settle(self) -> None:
        """Until every message received so far is handled (tests and the demo)."""
        await self.intake.idle()

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks.clear()
        self.outbox.lane.close()
        self.scheduler.lane.close()
        if self.connector is not None:
            await self.connector.stop()
        with contextlib.suppress(Exception):
            with session_scope(self.engine) as s:
                processes.leave(s, name=self.name)


def open_database(cfg: Config, *, migrate: bool) -> Engine:
    from bot.startup import open_engine

    engine = open_engine(cfg)
    if migrate:
        schema.upgrade(engine)
    schema.check_current(engine)
    return engine


def pacing_of(cfg: Config) -> Pacing:
    o = cfg.outbox
    return Pacing(min_gap=o.min_gap_seconds, max_gap=o.max_gap_seconds, daily_cap=o.daily_cap,
                  max_refusals=o.max_refusals, send_timeout=o.send_timeout_seconds, receipt_hours=o.receipt_hours,
                  max_pieces=o.max_pieces, per_sender_per_hour=o.per_sender_per_hour,
                  per_room_per_hour=o.per_room_per_hour)


def build(cfg: Config, clock: SleepingClock, *, engine: Engine, connector: Callable[[Runtime], Connector],
          pacing: Pacing | None = None, account: str = "default", name: str | None = None) -> Runtime:
    if pacing is None:
        pacing = pacing_of(cfg)
        cap = next((a.daily_cap for a in cfg.accounts if a.name == account and a.daily_cap), None)
        if cap:
            pacing = dataclasses.replace(pacing, daily_cap=cap)
    name = name or process_name()
    with session_scope(engine) as session:
        bootstrap(session, cfg, clock)
        processes.register(session, name=name, account=account, now=clock.now())
    app = App(cfg, engine, clock, make_settings(cfg), pacing=pacing, account=account)
    holder: list[Runtime] = []

    async def send(action: Action) -> None:
        await holder[0].send(action)

    h = cfg.health
    loops = Loops(stuck_after=h.stuck_seconds, exit_after=h.exit_after_seconds, max_backoff=h.max_backoff_seconds)
    outbox = Outbox(engine, clock, send, pacing, account=account, name=name, tz=cfg.tz)
    intake = Intake(app.handle, Spool(Path(cfg.data_dir) / "spool"), on_handled=lambda route: outbox.wake())
    scheduler = Scheduler(cfg, engine, clock, app.settings, on_enqueued=outbox.wake, name=name, pacing=pacing,
                          account=account)
    outbox.pulse, intake.pulse, scheduler.pulse = loops.pulse("outbox"), loops.pulse("intake"), loops.pulse("scheduler")
    runtime = Runtime(app, outbox, intake, engine, connector, scheduler, name, loops)
    holder.append(runtime)
    return runtime


def wechaty_connector(cfg: Config, *, puppet: Any = None, token: str | None = None, endpoint: str | None = None,
                      cache_dir: Path | None = None) -> Callable[[Runtime], Connector]:
    from bot.connectors.wechaty import WechatyConnector

    def make(rt: Runtime) -> Connector:
        async def on_incoming(msg: Incoming) -> None:
            await rt.on_incoming(msg)  # looked up per call: benches wrap it

        return WechatyConnector(on_incoming, data_dir=cfg.data_dir, puppet=puppet, token=token, endpoint=endpoint,
                                cache_dir=cache_dir, tz=cfg.tz)
    return make


def wecom_connector(cfg: Config, *, bot_id: str, secret: str, ws_url: str | None = None,
                    ca_file: Path | None = None, webhook_url: str | None = None,
                    webhook_limit: tuple[int, float] | None = None,
                    webhooks: dict[str, str] | None = None) -> Callable[[Runtime], Connector]:
    from bot.connectors.wecom import WEBHOOK_LIMIT, WEBHOOK_URL, WeComConnector

    rooms = tuple((g.room, g.topic or "") for g in cfg.groups if g.room)  # WeCom lists no chats: config's
    webhooks = webhook_keys(cfg) if webhooks is None else webhooks

    def make(rt: Runtime) -> Connector:
        async def on_incoming(msg: Incoming) -> None:
            await rt.on_incoming(msg)

        return WeComConnector(on_incoming, bot_id=bot_id, secret=secret, data_dir=cfg.data_dir, ws_url=ws_url,
                              ca_file=ca_file, tz=cfg.tz, names=rt.app.member_name, rooms=rooms, webhooks=webhooks,
                              webhook_url=webhook_url or WEBHOOK_URL, webhook_limit=webhook_limit or WEBHOOK_LIMIT)
    return make


def webhook_keys(cfg: Config) -> dict[str, str]:
    """chat id -> its group robot's key, read from the environment variables config.yaml names; a group
    whose variable is unset stays without one (logged), as without the setting."""
    keys = {}
    for g in cfg.groups:
        if g.room and g.webhook_key_env:
            key = os.environ.get(g.webhook_key_env, "")
            if key:
                keys[g.room] = key
            else:
                log.warning("group %s: $%s is not set: reminders there name people instead of @", g.room,
                            g.webhook_key_env)
    return keys


async def start(cfg: Config, clock: SleepingClock, *, engine: Engine, puppet: Any = None,
                pacing: Pacing | None = None, cache_dir: Path | None = None) -> Runtime:
    """Build and connect once through the in-process puppet (demo, tests, benches); its intake
    worker runs, the outbox is drained by the caller."""
    runtime = build(cfg, clock, engine=engine, pacing=pacing,
                    connector=wechaty_connector(cfg, puppet=puppet, cache_dir=cache_dir))
    connector = runtime.new_connector()
    runtime.use(connector)
    await connector.start()
    runtime.start_tasks(outbox=False, scheduler=False)
    return runtime


async def login(runtime: Runtime) -> None:
    """After the puppet's login event: remember our own id so our messages are ignored."""
    assert runtime.connector is not None
    await runtime.connector.logged_in.wait()
    runtime.use(runtime.connector)
    await runtime.sync_rooms()
    runtime.up()
