"""A city's day on one PostgreSQL: several bot runtimes, one WeChat account each, driven on one fake
clock through a connector double (wechaty 0.10.7 keeps process-wide Room/Contact pools, so one
Wechaty per process is the safe unit: the fleet's logic is what is simulated here; the real
wechaty path is covered by the gateway tests)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from bot import runtime as rt
from bot.clock import FakeClock
from bot.config import AccountSpec, Config, GroupSpec, OwnershipSpec, RosterEntry, UnitSpec
from bot.connectors.base import NotConnected, Watch
from bot.outbox import Pacing
from handlers.chat import Action, Incoming, Say

TZ_DAY = dt.date(2020, 2, 26)
OFFICIALS = "city-officials"
_ids = itertools.count(1)


@dataclass
class Sent:
    account: str
    room_id: str | None
    text: str
    mentions: tuple[str, ...]
    at: dt.datetime
    real: float = field(default_factory=time.perf_counter)  # wall time, for the bench's latency


class SimConnector:
    """The Connector protocol over an in-memory account: rooms it is in, what it sent."""

    def __init__(self, account: str, rooms: list[tuple[str, str]], log: list[Sent], clock: FakeClock) -> None:
        self.account, self._rooms, self.log, self.clock = account, rooms, log, clock
        self.self_id = f"wxid_bot_{account}"
        self.logged_in = asyncio.Event()
        self.last_event = time.monotonic()
        self.alive = True

    async def start(self) -> None:
        self.logged_in.set()

    async def stop(self) -> None:
        self.logged_in.clear()

    async def connected(self, watch: Watch) -> None:
        await self.logged_in.wait()

    async def lost(self, watch: Watch) -> str:
        await asyncio.Event().wait()
        return "never"

    async def send(self, action: Action) -> None:
        if not self.alive:
            raise NotConnected("killed")
        assert isinstance(action, Say)
        self.log.append(Sent(self.account, action.room_id, action.text, tuple(action.mention_ids), self.clock.now()))

    async def rooms(self) -> list[tuple[str, str]]:
        return list(self._rooms)


FIRST = "金银玉翠碧锦华瑞祥福康泰安宁和顺丰茂盛嘉欣怡雅静清明秀美丽佳"
SECOND = "山水湖海江河溪泉林森松柏桃李梅兰竹菊荷莲桂枫杨柳榕樟云霞星月阳光天地城园苑庭府邸湾岛洲港峰岭川谷原野"


def unit_name(i: int, kind: str) -> str:
    """1,500 distinct names as people write them (金山小区, 银湖项目), no digits to confuse with values."""
    return f"{FIRST[i % 30]}{SECOND[i // 30 % 50]}{'项目' if kind == 'construction' else '小区'}"


@dataclass
class City:
    cfg: Config
    rooms: dict[str, list[str]]  # room -> our accounts in it
    topics: dict[str, str]
    units: dict[str, tuple[str, str]]  # unit -> (room, reporter contact id)


def city_config(base: Config, *, accounts: int = 6, rooms: int = 60, units: int = 1500, shared_every: int = 5,
                cap: int = 600) -> City:
    """rooms-1 report rooms (construction every 5th, the rest property) and one officials' room;
    units spread over them, one reporter each; room r is owned by account r % n (pinned), and every
    `shared_every`th room also holds the next account, which takes over when the owner is silent."""
    names = [f"acct{i + 1}" for i in range(accounts)]
    report_rooms = [f"city-room-{r:02d}" for r in range(rooms - 1)]
    kind = {room: ("construction" if r % 5 == 4 else "property") for r, room in enumerate(report_rooms)}
    topics = {room: f"{'工地' if kind[room] == 'construction' else '小区'}第{r:02d}群" for r, room in enumerate(report_rooms)}
    topics[OFFICIALS] = "全市防控领导小组"
    members: dict[str, list[str]] = {}
    groups = []
    for r, room in enumerate(report_rooms):
        owner = names[r % accounts]
        members[room] = [owner] + ([names[(r + 1) % accounts]] if r % shared_every == 0 else [])
        groups.append(GroupSpec(room=room, topic=topics[room], kind=kind[room], owner=owner))
    members[OFFICIALS] = names[:2]
    groups.append(GroupSpec(room=OFFICIALS, topic=topics[OFFICIALS], kind=base.officials_kind, owner=names[0]))
    unit_specs, roster, placed = [], [], {}
    for i in range(units):
        room = report_rooms[i % len(report_rooms)]
        name = unit_name(i, kind[room])
        unit_specs.append(UnitSpec(name=name, kind=kind[room], parent=f"第{i % 12}街道"))
        roster.append(RosterEntry(contact=f"wxid_rep{i:04d}", name=f"报送人{i}", unit=name))
        placed[name] = (room, f"wxid_rep{i:04d}")
    for g in groups:
        g.units.extend(n for n, (room, _) in placed.items() if room == g.room)
    schedules = [s for s in base.schedules if s.action in ("prompt", "remind", "escalate", "daily_summary")
                 and s.kind in (None, "property", "construction")]
    cfg = base.model_copy(update={
        "accounts": [AccountSpec(name=n, daily_cap=cap) for n in names], "groups": groups, "units": unit_specs,
        "roster": roster, "schedules": schedules, "ownership": OwnershipSpec(failover_seconds=300, dedup_seconds=20)})
    return City(cfg, members, topics, placed)


@dataclass
class Fleet:
    city: City
    engine: Engine
    clock: FakeClock
    base_dir: Path
    sent: list[Sent] = field(default_factory=list)
    runtimes: dict[str, rt.Runtime] = field(default_factory=dict)
    held: dict[str, list[Incoming]] = field(default_factory=dict)  # messages an offline account gets later

    def rooms_of(self, account: str) -> list[tuple[str, str]]:
        return [(room, self.city.topics[room]) for room, accts in self.city.rooms.items() if account in accts]

    async def start(self, account: str) -> None:
        cfg = self.city.cfg.model_copy(update={"data_dir": self.base_dir / f"{account}-{next(_ids)}"})
        conn = SimConnector(account, self.rooms_of(account), self.sent, self.clock)
        runtime = rt.build(cfg, self.clock, engine=self.engine, connector=lambda _: conn, account=account,
                           pacing=Pacing(min_gap=0, max_gap=0, daily_cap=cfg.account(account).daily_cap or 10_000))
        runtime.use(conn)
        await conn.start()
        runtime.start_tasks(outbox=False, scheduler=False)
        await runtime.sync_rooms()
        runtime.up()
        self.runtimes[account] = runtime
        for msg in self.held.pop(account, []):  # what WeChat delivers once the account is back
            await runtime.on_incoming(msg)

    async def kill(self, account: str) -> None:
        """As kill -9: tasks end, the heartbeat row stays behind with its last beat."""
        runtime = self.runtimes.pop(account)
        assert isinstance(runtime.connector, SimConnector)
        runtime.connector.alive = False
        for task in runtime.tasks:
            task.cancel()
        for task in runtime.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        runtime.outbox.lane.close()
        runtime.scheduler.lane.close()

    async def post(self, room: str, sender: str, text: str) -> None:
        """The message reaches every one of our accounts in the room, each under its own id."""
        at = self.clock.now()
        for account in self.city.rooms[room]:
            msg = Incoming(message_id=f"{account}-{next(_ids)}", room_id=room, room_topic=self.city.topics[room],
                           sender_id=sender, sender_name="", text=text, time=at)
            if account in self.runtimes:
                await self.runtimes[account].on_incoming(msg)
            else:
                self.held.setdefault(account, []).append(msg)

    async def step(self, when: dt.datetime) -> None:
        """Time moves on: every live process beats, fails over, fires its schedules, handles and sends."""
        self.clock.set(when)
        for runtime in list(self.runtimes.values()):  # all beat, then each looks at the others (as every
            await asyncio.to_thread(runtime.beat)      # 10 s in real time: the fake clock jumps)
        for runtime in list(self.runtimes.values()):
            await asyncio.to_thread(runtime.rebalance, when)
        for runtime in list(self.runtimes.values()):
            runtime.scheduler.tick()
        await self.settle()

    async def settle(self) -> None:
        for _ in range(3):
            for runtime in list(self.runtimes.values()):
                await runtime.settle()
            for runtime in list(self.runtimes.values()):
                await runtime.outbox.drain()

    async def stop(self) -> None:
        for runtime in list(self.runtimes.values()):
            await runtime.stop()
        self.runtimes.clear()
