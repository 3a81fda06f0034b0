"""A bot driven through the real wechaty.Wechaty object by the in-process puppet, on a fake clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot import runtime as rt
from bot.clock import FakeClock
from bot.config import Config
from bot.connectors.wechaty import shared_cache_dir
from bot.connectors.local import LocalPuppet, Sent
from bot.outbox import Pacing

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2020, 2, 26, 8, 40, tzinfo=TZ)
PROPERTY_ROOM, CONSTRUCTION_ROOM, GRID_ROOM, OFFICIALS_ROOM = "room-property", "room-construction", "room-grid", "room-officials"
PEOPLE = {
    "wxid_wang_cuiyuan": "王经理", "wxid_li_yangguang": "李主任", "wxid_zhao_jinxiu": "赵管家",
    "wxid_sun_xingfu": "孙物业", "wxid_chen_binjiang": "陈工", "wxid_liu_yizhong": "刘经理",
    "wxid_zhang_grid": "张网格员", "wxid_huang_grid": "黄网格员", "wxid_admin_zhou": "周科长", "wxid_stranger": "新来的",
    "wxid_liu_huaqiang": "刘总", "wxid_he_jincheng": "何经理",
}


class Harness:
    def __init__(self, runtime: rt.Runtime, puppet: LocalPuppet, clock: FakeClock) -> None:
        self.runtime, self.puppet, self.clock = runtime, puppet, clock

    async def post(self, room: str | None, who: str, text: str, **kw: object) -> list[Sent]:
        """Post, let the bot handle it and drain the outbox; returns what the bot sent."""
        before = len(self.puppet.sent)
        ts = int(self.clock.now().timestamp() * 1000)
        await self.puppet.post(room, who, text, timestamp_ms=ts, **kw)  # type: ignore[arg-type]
        await self.settle()
        return self.puppet.sent[before:]

    async def settle(self) -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        await self.runtime.settle()
        await self.runtime.outbox.drain()


@asynccontextmanager
async def running_bot(cfg: Config, engine: Engine, tmp_path: Path, start: dt.datetime = START,
                      pacing: Pacing | None = None) -> AsyncIterator[Harness]:
    cfg = cfg.model_copy(update={"data_dir": tmp_path})
    puppet = LocalPuppet()
    for cid, name in PEOPLE.items():
        puppet.add_contact(cid, name)
    members = list(PEOPLE)
    puppet.add_room(PROPERTY_ROOM, "金山街道物业小区防控群", members)
    puppet.add_room(CONSTRUCTION_ROOM, "在建工地复工报备群", members)
    puppet.add_room(GRID_ROOM, "金山街道网格员群", members)
    puppet.add_room(OFFICIALS_ROOM, "住建局疫情防控领导小组", members)
    clock = FakeClock(start)
    runtime = await rt.start(cfg, clock, engine=engine, puppet=puppet, pacing=pacing or Pacing(daily_cap=10_000), cache_dir=shared_cache_dir())
    await puppet.login()
    await asyncio.wait_for(rt.login(runtime), 5)
    try:
        yield Harness(runtime, puppet, clock)
    finally:
        await runtime.stop()
