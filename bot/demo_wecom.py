"""The demo day through the WeCom connector: the real SDK against the local WeCom server on
loopback, so a newcomer sees what differs — every group message @-mentions the bot, receipts are
replies threaded to the report, reminders name people instead of @-ing them (but in the property
group, which has a group robot's webhook key: a real @), summaries are markdown, and a photo in a
group never reaches the bot."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot import runtime as rt
from bot.clock import FakeClock
from bot.config import Config
from bot.connectors.base import Watch
from bot.connectors.wecom_local import BOT_NAME, LocalWeCom
from bot.demo import PEOPLE, ROOMS, SCRIPT, Line
from bot.outbox import Pacing
from handlers.chat import Incoming

PHOTO_NOTE = "（企业微信群里的图片不会推送给机器人：整改照片请单聊发给机器人）"
ROBOT_KEY = "demo-property-robot"  # the property group's robot webhook key, in the demo only


def wecom_config(cfg: Config, data_dir: Path) -> Config:
    """WeCom has no room topics to match: the demo's groups are bound by chat id."""
    by_topic = {topic: room for room, topic in ROOMS.items()}
    groups = [g.model_copy(update={"room": by_topic.get(g.topic or "", g.room)}) for g in cfg.groups]
    return cfg.model_copy(update={"data_dir": data_dir, "database_url": None, "groups": groups, "accounts": [],
                                  "transport": "wecom"})


async def play_wecom(cfg: Config, data_dir: Path) -> list[Line]:
    cfg = wecom_config(cfg, data_dir)
    server = LocalWeCom("demo-bot", "demo-secret", webhooks={ROBOT_KEY: "room-property"})
    await server.start()
    engine = rt.open_database(cfg, migrate=True)
    day = dt.date(2020, 2, 26)
    clock = FakeClock(dt.datetime.combine(day, dt.time(8, 0), cfg.tz))
    runtime = rt.build(cfg, clock, engine=engine, pacing=Pacing(),
                       connector=rt.wecom_connector(cfg, bot_id="demo-bot", secret="demo-secret", ws_url=server.url,
                                                    ca_file=server.ca_file, webhook_url=server.webhook_url,
                                                    webhooks={"room-property": ROBOT_KEY}))
    heard: asyncio.Queue[Incoming] = asyncio.Queue()
    handle = runtime.on_incoming

    async def counted(msg: Incoming) -> None:
        await handle(msg)
        heard.put_nowait(msg)

    runtime.on_incoming = counted  # type: ignore[method-assign]
    conn = runtime.new_connector()
    runtime.use(conn)
    await conn.start()
    await conn.connected(Watch(login_timeout=10))
    runtime.start_tasks(outbox=False, scheduler=False)
    await runtime.sync_rooms()
    runtime.up()
    runtime.scheduler.tick()
    try:
        return await _script(runtime, server, clock, heard, day, cfg)
    finally:
        await runtime.stop()
        engine.dispose()
        await server.stop()


async def _script(runtime: rt.Runtime, server: LocalWeCom, clock: FakeClock, heard: asyncio.Queue[Incoming],
                  day: dt.date, cfg: Config) -> list[Line]:
    lines: list[Line] = []
    for hhmm, room, who, text in SCRIPT:
        clock.set(max(clock.now(), dt.datetime.combine(day, dt.time.fromisoformat(hhmm), cfg.tz)))
        before = len(server.sent)
        runtime.scheduler.tick()
        if who is not None and room is not None:
            where = None if room == "private" else room
            if text == "[图片]":
                lines.append(Line(clock.now(), room, PEOPLE[who], "[图片]", bot=False))
                lines.append(Line(clock.now(), room, "说明", PHOTO_NOTE, bot=True))
                continue
            lines.append(Line(clock.now(), where or who, PEOPLE[who], f"@{BOT_NAME} {text}" if where else text, bot=False))
            await server.post(where, who, text)
            await asyncio.wait_for(heard.get(), 10)
            await runtime.settle()
        when = clock.now()
        await runtime.outbox.drain()
        for sent in server.sent[before:]:
            said = {"reply": f"（回复 {PEOPLE.get(sent.to_user or '', '')}）\n{sent.text}", "markdown": sent.text,
                    "file": f"[文件] {sent.file_name}",
                    "webhook": "（群机器人）" + "".join(f"@{PEOPLE.get(u, u)} " for u in sent.mentioned) + sent.text,
                    }[sent.kind]
            lines.append(Line(when, sent.chat_id or sent.to_user or "", BOT_NAME, said, bot=True))
    return lines
