"""Commands and the outbox, end to end through the real Wechaty object."""

from __future__ import annotations

import datetime as dt

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.config import Config
from bot.outbox import Pacing, split_text
from storage import queries
from storage.models import OutboxMessage
from tests.e2e import TZ, GRID_ROOM, OFFICIALS_ROOM, PROPERTY_ROOM, running_bot

WANG, ADMIN, STRANGER = "wxid_wang_cuiyuan", "wxid_admin_zhou", "wxid_stranger"
REPORT = "小区：翠园小区\n测温：356人\n体温异常：无\n消杀：✅"


async def test_help_template_progress(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (help_,) = await bot.post(PROPERTY_ROOM, WANG, "帮助")
        (form,) = await bot.post(PROPERTY_ROOM, WANG, "/template")
        await bot.post(PROPERTY_ROOM, WANG, REPORT)
        (progress,) = await bot.post(PROPERTY_ROOM, WANG, "进度")
    assert help_.text is not None and "防控日报" in help_.text and "进度" in help_.text
    assert form.text is not None and "*小区名称：" in form.text and "*体温异常人数：" in form.text
    assert progress.text is not None and "2月26日报送进度：1/4" in progress.text
    assert "已报：翠园小区" in progress.text and "未报：阳光花园小区、锦绣华庭、幸福里小区" in progress.text


async def test_copied_template_filled_in_is_a_report(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (form,) = await bot.post(PROPERTY_ROOM, WANG, "模板")
        assert form.text is not None
        body = form.text.split("\u2005", 1)[-1].split("\n（带*")[0]
        filled = body.replace("*小区名称：", "*小区名称：翠园小区").replace("*体温异常人数：", "*体温异常人数：0").replace("*是否消杀：", "*是否消杀：是")
        (receipt,) = await bot.post(PROPERTY_ROOM, WANG, filled)
    assert receipt.text is not None and "已登记" in receipt.text


async def test_summary_for_officials_and_admins_only(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        await bot.post(PROPERTY_ROOM, WANG, REPORT.replace("无", "2"))
        (denied,) = await bot.post(PROPERTY_ROOM, WANG, "汇总")
        (summary,) = await bot.post(OFFICIALS_ROOM, ADMIN, "汇总")
    assert denied.text is not None and "仅限" in denied.text
    assert summary.text is not None and "【物业小区】已报 1/4" in summary.text and "体温异常 2 人：翠园小区2人" in summary.text


async def test_bind_withdraw_and_self_binding(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (no,) = await bot.post(GRID_ROOM, WANG, "绑定 物业小区")
        (yes,) = await bot.post(GRID_ROOM, ADMIN, "绑定 物业小区")
        (receipt,) = await bot.post(GRID_ROOM, WANG, REPORT)  # the room now reads property reports
        (gone,) = await bot.post(GRID_ROOM, WANG, "撤回")
        (who,) = await bot.post(PROPERTY_ROOM, STRANGER, "我是 阳光花园")
        (ok,) = await bot.post(PROPERTY_ROOM, ADMIN, "确认 @新来的", mention_ids=[STRANGER])
        (own,) = await bot.post(PROPERTY_ROOM, STRANGER, "测温：200\n体温异常：0\n消杀：是")
    assert no.text is not None and "只有管理员" in no.text
    assert yes.text is not None and "已绑定为「物业小区」群" in yes.text
    assert receipt.text is not None and "已登记" in receipt.text
    assert gone.text is not None and "已撤回 翠园小区" in gone.text
    assert who.text is not None and "待管理员" in who.text and "阳光花园小区" in who.text
    assert ok.text is not None and "已确认报送人：新来的（阳光花园小区）" in ok.text
    assert own.text is not None and "✅ 阳光花园小区" in own.text  # bound reporter may omit the unit
    with Session(engine) as s:
        statuses = {r.status for r in s.exec(select(queries.Report))}
    assert statuses == {"withdrawn", "ok"}


async def test_private_chat_commands(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (help_,) = await bot.post(None, WANG, "帮助")
        (progress,) = await bot.post(None, WANG, "进度")
    assert help_.conversation_id == WANG and "我能做的" in (help_.text or "")
    assert "请在群里使用" in (progress.text or "")


async def test_outbox_paces_on_the_clock_and_a_connection_fault_costs_no_attempt(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        start = bot.clock.now()
        bot.puppet.fail_sends = 1  # the connection drops during the send
        sent = await bot.post(PROPERTY_ROOM, WANG, REPORT)
        assert sent == []
        with Session(engine) as s:
            (item,) = s.exec(select(OutboxMessage)).all()
            assert item.status == "queued" and item.attempts == 0 and "connection" in (item.last_error or "")
        bot.clock.advance(2)
        await bot.settle()
        assert len(bot.puppet.sent) == 1
        for i in range(3):
            await bot.post(PROPERTY_ROOM, WANG, "帮助")
        slept = bot.clock.slept
    assert bot.clock.now() > start
    assert slept >= 3 * 1.5  # paced 1.5–3 s per send, on the injected clock (no real sleeping)


async def test_a_refused_message_counts_attempts_and_fails_after_max_refusals(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, pacing=Pacing(daily_cap=10_000, max_refusals=3)) as bot:
        bot.puppet.refuse_sends = 3
        await bot.post(PROPERTY_ROOM, WANG, REPORT)
        for _ in range(4):
            bot.clock.advance(3600)
            await bot.settle()
        with Session(engine) as s:
            (item,) = s.exec(select(OutboxMessage)).all()
        await bot.post(PROPERTY_ROOM, WANG, "帮助")  # the queue moves on
    assert item.status == "failed" and item.attempts == 3 and "refusal" in (item.last_error or "")
    assert len(bot.puppet.sent) == 1


async def test_outbox_survives_restart(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        bot.puppet.fail_sends = 1
        await bot.post(PROPERTY_ROOM, WANG, REPORT)
        assert bot.puppet.sent == []
    async with running_bot(config, engine, tmp_path) as bot2:
        bot2.clock.advance(60)
        await bot2.settle()
        (sent,) = bot2.puppet.sent
    assert sent.text is not None and "已登记" in sent.text


async def test_daily_cap_holds_the_queue_until_the_next_day(config: Config, engine: Engine, tmp_path: Path) -> None:
    late = dt.datetime(2020, 2, 26, 23, 50, tzinfo=TZ)
    async with running_bot(config, engine, tmp_path, start=late,
                           pacing=Pacing(daily_cap=3, cap_shares=(1.0, 1.0, 1.0))) as bot:
        for _ in range(4):
            await bot.post(PROPERTY_ROOM, WANG, "帮助")
        assert len(bot.puppet.sent) == 3  # the fourth waits: WeChat logs out accounts that flood
        with Session(engine) as s:
            assert [m.status for m in s.exec(select(OutboxMessage))].count("queued") == 1
        bot.clock.advance(15 * 60)  # a new day, and the answer is still fresh
        await bot.settle()
        assert len(bot.puppet.sent) == 4


async def test_an_answer_the_outage_made_stale_is_dropped_and_counted(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        bot.runtime.down()  # the gateway is gone
        await bot.post(PROPERTY_ROOM, WANG, REPORT)
        bot.clock.advance(7 * 3600)  # longer than receipt_hours
        bot.runtime.up()
        await bot.settle()
        with Session(engine) as s:
            (item,) = s.exec(select(OutboxMessage)).all()
    assert bot.puppet.sent == [] and item.status == "dropped"


async def test_the_daily_cap_keeps_room_for_officials_and_receipts(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    """Reminders may use 70% of the cap, receipts 90%: a noisy group cannot silence the summary."""
    from bot.outbox import Answer, enqueue_actions
    from handlers.chat import Say
    from storage.db import session_scope

    async with running_bot(config, engine, tmp_path, pacing=Pacing(daily_cap=10)) as bot:
        now = bot.clock.now()
        with session_scope(engine) as s:
            for category in ("reminder",) * 12 + ("receipt",) * 12 + ("summary",):
                enqueue_actions(s, [Say(category, room_id=PROPERTY_ROOM)], now, answer=Answer(category=category))
        await bot.settle()
        texts = [m.text for m in bot.puppet.sent]
    # the summary first; receipts until 9 of 10 are used; reminders (70%) never get a turn; the
    # tenth stays free for the officials' next summary or escalation
    assert texts == ["summary"] + ["receipt"] * 8


def test_split_text_at_line_boundaries() -> None:
    lines = [f"第{i}行：" + "数" * 40 for i in range(100)]
    pieces = split_text("\n".join(lines))
    assert all(len(p) <= 1500 for p in pieces) and len(pieces) > 1
    assert "\n".join(pieces) == "\n".join(lines)
    assert split_text("x" * 3100) == ["x" * 1500, "x" * 1500, "x" * 100]


async def test_one_message_gives_at_most_three_pieces(config: Config, engine: Engine, tmp_path: Path) -> None:
    """A hundred incomplete blocks in one message: one answer, at most three pieces, the last cut."""
    async with running_bot(config, engine, tmp_path) as bot:
        text = "\n".join(f"小区：翠园小区\n测温：{300 + i}" for i in range(100))
        sent = await bot.post(PROPERTY_ROOM, WANG, text)
    assert len(sent) == 3
    assert all(len((s.text or "").split(" ", 1)[-1]) <= 1500 for s in sent)
    assert sent[0].mention_ids == [WANG] and sent[1].mention_ids == []
    assert (sent[-1].text or "").endswith("…（内容过长，后面的略去）")


async def test_dropped_messages_are_counted_in_healthz_and_the_summary(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app import make_settings
    from bot.web.app import make_app
    from handlers.summary import daily_summary

    async with running_bot(config, engine, tmp_path) as bot:
        bot.runtime.down()
        await bot.post(PROPERTY_ROOM, WANG, REPORT)
        bot.clock.advance(7 * 3600)
        bot.runtime.up()
        await bot.settle()
        async with TestClient(TestServer(make_app(config.model_copy(update={"data_dir": tmp_path}), engine,
                                                  bot.clock))) as c:
            health = await (await c.get("/healthz")).json()
        with Session(engine) as s:
            text = daily_summary(s, make_settings(config), bot.clock.now().date())
    assert health["dropped_today"] == 1 and health["outbox_backlog"] == 0
    assert "⚠️ 机器人有 1 条消息未能发出" in text
