"""`wxbot run`: the bot against a real Wechaty puppet service."""

from __future__ import annotations

import asyncio
import logging

from bot import runtime as rt
from bot.clock import SystemClock
from bot.config import Config

log = logging.getLogger("wxbot.live")


async def _report_rooms(runtime: rt.Runtime, cfg: Config) -> None:
    rooms = await runtime.connector.rooms()
    log.info("in %d rooms: %s", len(rooms), ", ".join(f"{t} ({i})" for i, t in rooms))
    ids, topics = {i for i, _ in rooms}, {t for _, t in rooms}
    for g in cfg.groups:
        if (g.room and g.room not in ids) or (not g.room and g.topic not in topics):
            log.warning("configured %s group not found among the bot's rooms: %s", g.kind, g.room or g.topic)


async def _main(cfg: Config, token: str, endpoint: str) -> int:
    engine = rt.open_database(cfg, migrate=False)
    clock = SystemClock(cfg.tz)
    runtime = await rt.start(cfg, clock, engine=engine, token=token, endpoint=endpoint)
    try:
        await asyncio.wait_for(rt.login(runtime), timeout=120)
    except TimeoutError:
        log.error("no login within 120 s: check the token and that the gateway at %s is up", endpoint)
        return 2
    await _report_rooms(runtime, cfg)
    await runtime.outbox.run()
    return 0


def run_live(cfg: Config, *, token: str, endpoint: str) -> int:
    return asyncio.run(_main(cfg, token, endpoint))
