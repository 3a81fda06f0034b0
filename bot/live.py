"""`wxbot run`: the bot against a real Wechaty puppet service."""

from __future__ import annotations

import asyncio
import logging
import sys
import time

from aiohttp import web

from bot import runtime as rt
from bot.clock import SystemClock
from bot.config import Config
from bot.connectors.wechaty import WechatyConnector
from bot.web.app import Health, make_app
from bot.supervisor import BadToken, Watch, supervise

log = logging.getLogger("wxbot.live")


async def _report_rooms(runtime: rt.Runtime, conn: WechatyConnector, cfg: Config) -> None:
    rooms = await conn.rooms()
    log.info("in %d rooms: %s", len(rooms), ", ".join(f"{t} ({i})" for i, t in rooms))
    for name in await runtime.sync_rooms(rooms):
        group = next(g for g in cfg.groups if name in (g.room, g.topic))
        log.warning("configured %s group not found among the bot's rooms: %s", group.kind, name)


async def _serve_web(cfg: Config, runtime: rt.Runtime, clock: SystemClock) -> web.AppRunner:
    def connected() -> bool:
        return runtime.connector is not None and runtime.connector.logged_in.is_set() and not (
            runtime.connector.stream is not None and runtime.connector.stream.done())

    def age() -> float | None:
        return None if runtime.connector is None else round(time.monotonic() - runtime.connector.last_event, 1)

    runner = web.AppRunner(make_app(cfg, runtime.engine, clock, Health(connected, age)))
    await runner.setup()
    await web.TCPSite(runner, cfg.web.host, cfg.web.port).start()
    log.info("dashboard on http://%s:%d", cfg.web.host, cfg.web.port)
    return runner


async def _main(cfg: Config, token: str, endpoint: str, with_web: bool = False) -> int:
    engine = rt.open_database(cfg, migrate=False)
    clock = SystemClock(cfg.tz)
    runtime = rt.build(cfg, clock, engine=engine, token=token, endpoint=endpoint)
    runner = await _serve_web(cfg, runtime, clock) if with_web else None
    outbox = asyncio.create_task(runtime.outbox.run(), name="outbox")
    scheduler = asyncio.create_task(runtime.scheduler.run(), name="scheduler")

    async def on_up(conn: WechatyConnector) -> None:
        runtime.use(conn)
        await _report_rooms(runtime, conn, cfg)
        runtime.outbox.wake()

    c = cfg.connection
    w = Watch(silence=c.silence_seconds, login_timeout=c.login_timeout_seconds, max_backoff=c.max_backoff_seconds)
    try:
        await supervise(runtime.new_connector, on_up, w)
    except BadToken as exc:
        log.error("the gateway rejected WECHATY_PUPPET_SERVICE_TOKEN: %s", exc)
        print(f"wxbot: the puppet service rejected the token (WECHATY_PUPPET_SERVICE_TOKEN): {exc}", file=sys.stderr)
        return 2
    finally:
        outbox.cancel()
        scheduler.cancel()
        if runner is not None:
            await runner.cleanup()
        await runtime.stop()
        engine.dispose()
    return 0


def run_live(cfg: Config, *, token: str, endpoint: str, web: bool = False) -> int:
    return asyncio.run(_main(cfg, token, endpoint, web))
