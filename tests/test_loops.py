"""Supervised loops (bot/loops.py): a loop that raises is restarted and reported, a stuck one is
reported, one that cannot go on ends the process; and the outbox survives a database failure in the
middle of a send without sending it twice."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.config import Config
from bot.loops import Loops
from bot.outbox import Pacing
from storage.models import OutboxMessage
from tests.e2e import PROPERTY_ROOM, running_bot


class Ticks:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def test_a_failing_loop_is_restarted_logged_and_reported_until_it_moves(caplog: pytest.LogCaptureFixture) -> None:
    clock = Ticks()
    loops = Loops(first_backoff=0.01, max_backoff=0.02, monotonic=clock)
    pulse = loops.pulse("outbox")
    runs = 0

    async def body() -> None:
        nonlocal runs
        runs += 1
        if runs <= 3:
            clock.t += 5
            raise OperationalError("UPDATE sendslot", {}, Exception("database is locked"))
        pulse.progress()
        await asyncio.sleep(3600)

    task = asyncio.create_task(loops.supervise("outbox", body))
    while runs < 3:
        await asyncio.sleep(0.01)
    assert loops.problems() and "outbox loop failing" in loops.problems()[0]
    assert "database is locked" in loops.report()["outbox"]["last_error"]  # type: ignore[operator]
    while runs < 4:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.01)
    assert loops.problems() == [] and loops.report()["outbox"]["restarts"] == 3
    task.cancel()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "outbox loop failed" in r.getMessage()]
    assert len(errors) == 3


async def test_a_loop_holding_work_without_progress_is_stuck_and_waiting_is_not() -> None:
    clock = Ticks()
    loops = Loops(stuck_after=60, monotonic=clock)
    intake = loops.pulse("intake")
    intake.idle()
    clock.t += 3600
    assert loops.problems() == []  # an hour with nothing to do is fine
    intake.busy()
    clock.t += 30
    intake.progress()
    clock.t += 50
    assert loops.problems() == []
    clock.t += 20
    assert loops.problems() == ["intake loop stuck for 70 s"]


async def test_a_loop_failing_past_exit_after_ends_the_process() -> None:
    clock = Ticks()
    loops = Loops(first_backoff=0.001, max_backoff=0.001, exit_after=30, monotonic=clock)

    async def body() -> None:
        clock.t += 10
        raise RuntimeError("spool unreadable")

    await asyncio.wait_for(loops.supervise("intake", body), 5)
    assert loops.fatal.is_set() and "intake" in loops.fatal_reason and "spool unreadable" in loops.fatal_reason


async def test_database_failing_as_a_send_is_recorded_the_message_is_not_sent_twice(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    """The send went out, then writing 'sent' failed: the supervised loop starts again, writes the
    outcome first, and the receipt is not sent a second time."""
    async with running_bot(config, engine, tmp_path, pacing=Pacing(daily_cap=10_000)) as bot:
        outbox = bot.runtime.outbox
        real_finish = outbox._finish
        failures = 0

        def flaky_finish(*args: object) -> None:
            nonlocal failures
            if failures == 0:
                failures += 1
                raise OperationalError("UPDATE outboxmessage", {}, Exception("database is locked"))
            real_finish(*args)  # type: ignore[arg-type]

        outbox._finish = flaky_finish  # type: ignore[method-assign]
        bot.runtime.loops.first_backoff = 0.01
        task = asyncio.create_task(bot.runtime.loops.supervise("outbox", outbox.run))
        await bot.puppet.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "小区：翠园小区\n测温：300\n体温异常：0\n消杀：是",
                              timestamp_ms=int(bot.clock.now().timestamp() * 1000))
        await bot.runtime.settle()
        for _ in range(200):
            with Session(engine) as s:
                if {m.status for m in s.exec(select(OutboxMessage))} == {"sent"}:
                    break
            await asyncio.sleep(0.02)
        task.cancel()
        sent = [m.text for m in bot.puppet.sent]
    assert failures == 1 and bot.runtime.loops.report()["outbox"]["restarts"] == 1
    assert len(sent) == 1 and "翠园小区" in (sent[0] or "")
    with Session(engine) as s:
        assert {m.status for m in s.exec(select(OutboxMessage))} == {"sent"}


async def test_a_data_directory_that_cannot_be_written_loses_no_message_and_health_says_so(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    """The spool's folder cannot be written (here: a file stands where the folder should be, which even
    root cannot write into): messages go to the fallback spool, the process says so, and a restart
    replays them."""
    import datetime as dt

    from bot.intake import Spool
    from handlers.chat import Incoming

    blocked = tmp_path / "spool"
    blocked.write_text("not a folder")
    spare = tmp_path / "spare"
    spool = Spool(blocked, fallback=spare)
    now = dt.datetime(2020, 2, 26, 9, 0, tzinfo=dt.timezone.utc)
    for i in range(5):
        spool.append(Incoming(message_id=f"m{i}", room_id="r", room_topic="t", sender_id="s", sender_name="n",
                              text=f"翠园小区 测温{300 + i}", time=now))
    assert "spool not writable" in spool.problem and len(spool) == 5
    spool.close()
    again = Spool(blocked, fallback=spare)  # the restart
    assert [m.message_id for m in again.replay()] == [f"m{i}" for i in range(5)]
    async with running_bot(config, engine, tmp_path) as bot:
        bot.runtime.intake.spool.problem = spool.problem
        with Session(engine) as s:
            assert any("spool not writable" in p for p in bot.runtime.problems(s, bot.clock.now()))
