"""Faults as an operator meets them, in process (the real Wechaty object, the in-process puppet):
a long outage with a queue, SQLite held by another writer, one member flooding the bot.
The real-gateway and real-process faults are in tests/test_faults_gateway.py."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import Config
from bot.outbox import Pacing
from storage import queries, schema
from storage.db import make_engine
from storage.models import OutboxMessage
from tests.e2e import PROPERTY_ROOM, running_bot

UNITS = {"wxid_wang_cuiyuan": "翠园小区", "wxid_li_yangguang": "阳光花园小区", "wxid_zhao_jinxiu": "锦绣华庭",
         "wxid_sun_xingfu": "幸福里小区"}


def report(unit: str, n: int = 300) -> str:
    return f"小区：{unit}\n测温：{n}\n体温异常：0\n消杀：是"


async def test_ten_minutes_without_the_gateway_lose_nothing_and_double_nothing(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    """The connection fails on every send for ten (fake) minutes: no attempt is counted, nothing
    fails; when it comes back every receipt goes out once. (The old outbox failed them after six
    attempts, 155 s of backoff.)"""
    async with running_bot(config, engine, tmp_path, pacing=Pacing(daily_cap=10_000, max_refusals=1)) as bot:
        bot.puppet.fail_sends = 10_000  # every send fails like a dead connection
        for i, who in enumerate(UNITS):
            await bot.post(PROPERTY_ROOM, who, report(UNITS[who], 300 + i))
        for _ in range(60):  # ten minutes, in ten-second steps
            bot.clock.advance(10)
            await bot.settle()
        with Session(engine) as s:
            waiting = s.exec(select(OutboxMessage)).all()
        assert {m.status for m in waiting} == {"queued"} and {m.attempts for m in waiting} == {0}
        bot.puppet.fail_sends = 0  # the gateway is back
        bot.clock.advance(60)
        await bot.settle()
        texts = [m.text or "" for m in bot.puppet.sent]
    assert len(texts) == 4 and all(sum(UNITS[w] in t for t in texts) == 1 for w in UNITS)
    with Session(engine) as s:
        assert {m.status for m in s.exec(select(OutboxMessage))} == {"sent"}


async def test_sqlite_locked_thirty_seconds_the_message_is_answered_after_and_the_loop_never_freezes(
        config: Config, tmp_path: Path) -> None:
    """Another writer holds the database for 30 s (real time): the message waits in the spool, the
    event loop keeps running, and after the lock the report is stored and answered, once."""
    db = tmp_path / "locked.db"
    engine = make_engine(f"sqlite:///{db}")
    schema.upgrade(engine)
    async with running_bot(config, engine, tmp_path) as bot:
        held = threading.Event()

        def hold(seconds: float) -> None:
            other = sqlite3.connect(db, timeout=1, isolation_level=None)
            other.execute("BEGIN EXCLUSIVE")
            held.set()
            time.sleep(seconds)
            other.execute("COMMIT")
            other.close()

        locker = threading.Thread(target=hold, args=(30.0,))
        locker.start()
        held.wait()
        lags: list[float] = []

        async def ticker() -> None:
            while locker.is_alive():
                start = time.monotonic()
                await asyncio.sleep(0.05)
                lags.append(time.monotonic() - start - 0.05)

        ticking = asyncio.create_task(ticker())
        await bot.puppet.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", report("翠园小区"),
                              timestamp_ms=int(bot.clock.now().timestamp() * 1000))
        await asyncio.sleep(12)  # past the 10 s busy timeout: spooled
        spooled = bot.runtime.intake.backlog
        await asyncio.to_thread(locker.join)
        await ticking
        await bot.settle()
        sent = [m.text or "" for m in bot.puppet.sent]
    assert spooled == 1
    assert len(sent) == 1 and "✅ 翠园小区" in sent[0] and "迟报" not in sent[0]
    assert max(lags) < 1.0, max(lags)  # the loop was never frozen (the old bot froze for 10 s)
    with Session(engine) as s:
        assert len(queries.reports_on(s, report_date=bot.clock.now().date())) == 1
    assert (tmp_path / "spool" / "incoming.jsonl").read_text() == ""  # emptied once all is handled
    engine.dispose()


async def test_one_member_flooding_does_not_silence_the_other_units(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    """16 posts, each with a different 200,000-character 备注: short answers (the 备注 is never echoed
    whole), the sender's budget then stops answering them (told once), and every other unit's
    receipt still goes out."""
    async with running_bot(config, engine, tmp_path, pacing=Pacing(daily_cap=200, per_sender_per_hour=10)) as bot:
        for i in range(16):
            flood = report("翠园小区") + "\n备注：" + f"第{i}次" + "很长的说明" * 40_000
            await bot.puppet.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", flood,
                                  timestamp_ms=int(bot.clock.now().timestamp() * 1000))
        await bot.settle()
        for who in ("wxid_li_yangguang", "wxid_zhao_jinxiu", "wxid_sun_xingfu"):
            await bot.post(PROPERTY_ROOM, who, report(UNITS[who]))
        await bot.settle()
        sent = [m for m in bot.puppet.sent]
    to_wang = [m for m in sent if m.mention_ids == ["wxid_wang_cuiyuan"]]
    others = [m for m in sent if m.mention_ids and m.mention_ids[0] != "wxid_wang_cuiyuan"]
    assert len(others) == 3 and all("已登记" in (m.text or "") for m in others)
    assert all(len(m.text or "") <= 200 for m in sent)  # nobody gets 134 pieces of a 备注 back
    assert sum("消息较多" in (m.text or "") for m in to_wang) == 1  # told once
    assert len(to_wang) == 10 + 1  # the budget stopped answering the flood after ten



def test_disk_full_the_message_is_answered_once_space_comes_back(tmp_path: Path) -> None:
    import json
    import shutil
    import subprocess
    import sys

    import pytest

    from tests.conftest import ROOT

    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) for a private size-limited mount")
    folder = tmp_path / "small"
    folder.mkdir()
    proc = subprocess.run(["unshare", "-m", sys.executable, "-m", "tests.fault_scenarios", "disk_full", str(folder)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line is not None, proc.stderr[-3000:]
    result = json.loads(line.removeprefix("RESULT "))
    assert result["while_full"]["sent"] == 0 and result["while_full"]["held"] == 1
    assert result["while_full"]["faults"] >= 1  # the database said so, and the message was held
    assert len(result["sent"]) == 1 and "✅ 翠园小区" in result["sent"][0]
    assert result["stored"] == 1


class Proxy:
    """A TCP proxy on loopback in front of PostgreSQL, on its own thread and event loop, that can be
    cut and restored: the database 'briefly unreachable' (a restart, a network blip) without
    touching the shared server."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self.pipes: list[asyncio.StreamWriter] = []

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.pipes += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in self.pipes:
            w.close()
        self.pipes.clear()
        await self.server.wait_closed()

    def start(self) -> None:
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    def cut(self) -> None:
        asyncio.run_coroutine_threadsafe(self._cut(), self.loop).result(10)

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


async def test_postgresql_briefly_unreachable_the_message_is_answered_after(config: Config, tmp_path: Path) -> None:
    import pytest
    from sqlalchemy.engine import make_url

    from tests.conftest import PG_URL, _reset_postgres

    if not PG_URL:
        pytest.skip("WXBOT_TEST_DATABASE_URL not set")
    url = make_url(PG_URL)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    engine = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    _reset_postgres(engine)
    schema.upgrade(engine)
    async with running_bot(config, engine, tmp_path) as bot:
        proxy.cut()  # PostgreSQL is gone
        await bot.puppet.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", report("翠园小区"),
                              timestamp_ms=int(bot.clock.now().timestamp() * 1000))
        await asyncio.sleep(3)
        held = bot.runtime.intake.backlog
        proxy.start()  # ... and back on the same address
        await bot.settle()
        sent = [m.text or "" for m in bot.puppet.sent]
    assert held == 1 and bot.runtime.intake.faults >= 1
    assert len(sent) == 1 and "✅ 翠园小区" in sent[0]
    engine.dispose()
    proxy.close()
