"""`wxbot run`: the bot against a real Wechaty puppet service."""

from __future__ import annotations

import asyncio
import logging
import sys

from bot import runtime as rt
from bot.clock import SystemClock
from bot.config import Config
from bot.connectors.wechaty import WechatyConnector
from bot.supervisor import BadToken, Watch, supervise

log = logging.getLogger("wxbot.live")


async def _report_rooms(runtime: rt.Runtime, conn: WechatyConnector, cfg: Config) -> None:
    rooms = await conn.rooms()
    log.info("in %d rooms: %s", len(rooms), ", ".join(f"{t} ({i})" for i, t in rooms))
    for name in await runtime.sync_rooms(rooms):
        group = next(g for g in cfg.groups if name in (g.room, g.topic))
        log.warning("configured %s group not found among the bot's rooms: %s", group.kind, name)


async def _main(cfg: Config, token: str, endpoint: str) -> int:
    engine = rt.open_database(cfg, migrate=False)
    runtime = rt.build(cfg, SystemClock(cfg.tz), engine=engine, token=token, endpoint=endpoint)
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
        await runtime.stop()
        engine.dispose()
    return 0


def run_live(cfg: Config, *, token: str, endpoint: str) -> int:
    return asyncio.run(_main(cfg, token, endpoint))
