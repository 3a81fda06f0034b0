"""The wall clock stepped by NTP or an operator while the bot runs: a receipt queued before a step back
goes out at once, and the day's summary a step forward jumped over is sent late, once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import Config
from storage.models import Firing
from tests.e2e import OFFICIALS_ROOM, PROPERTY_ROOM, TZ, running_bot

DAY = dt.date(2020, 2, 26)


def at(hh: int, mm: int) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hh, mm), TZ)


async def test_a_receipt_queued_before_a_step_back_goes_out_at_once(config: Config, engine: Engine,
                                                                    tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(9, 0)) as bot:
        bot.puppet.fail_sends = 1  # the first try fails: the receipt waits in the queue
        assert await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "翠园小区 测温320 体温异常0 已消杀") == []
        bot.clock.step(-3600)  # an hour back
        bot.runtime.outbox.resume()
        await bot.runtime.outbox.drain()
        sent = [m.text or "" for m in bot.puppet.sent]
    assert len(sent) == 1 and "✅ 翠园小区" in sent[0]


async def test_a_summary_stepped_over_is_sent_late_once(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(17, 0)) as bot:
        bot.runtime.scheduler.tick()
        bot.clock.step(4 * 3600)  # 17:00 -> 21:00 with no time passing: not downtime
        bot.runtime.scheduler.tick()
        await bot.settle()
        bot.runtime.scheduler.tick()  # and again: once
        await bot.settle()
        summaries = [m for m in bot.puppet.sent if m.conversation_id == OFFICIALS_ROOM and "日报汇总" in (m.text or "")]
    with Session(engine) as s:
        outcomes = {f.job: f.outcome for f in s.exec(select(Firing))}
    assert len(summaries) == 1 and "补发" in (summaries[0].text or "")
    assert "late_sent" in outcomes.values()


async def test_downtime_past_the_grace_still_skips(config: Config, engine: Engine, tmp_path: Path) -> None:
    """Real time passing (a process down four hours) is not a step: past the grace it is skipped."""
    async with running_bot(config, engine, tmp_path, start=at(17, 0)) as bot:
        bot.runtime.scheduler.tick()
        bot.clock.advance(4 * 3600)
        bot.runtime.scheduler.tick()
        await bot.settle()
    with Session(engine) as s:
        outcomes = [f.outcome for f in s.exec(select(Firing)) if "summary" in f.job]
    assert outcomes and set(outcomes) == {"skipped_late"}
