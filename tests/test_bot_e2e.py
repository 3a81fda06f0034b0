"""End to end: messages through the real Wechaty object into storage, answers back through the puppet."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
import pytest
from sqlmodel import Session

from bot import router
from handlers.chat import Incoming

from bot.config import Config
from storage import outbox as outbox_store
from storage import queries
from tests.e2e import CONSTRUCTION_ROOM, PROPERTY_ROOM, running_bot

WANG = "wxid_wang_cuiyuan"
REPORT = "小区：翠园小区\n测温：356人\n体温异常：无\n消杀：✅"


async def test_report_gets_a_receipt_mentioning_the_sender(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (sent,) = await bot.post(PROPERTY_ROOM, WANG, REPORT)
    assert sent.conversation_id == PROPERTY_ROOM
    assert sent.mention_ids == [WANG]
    # "@Name" in the text as well as the mention id (wechaty 0.10.7 separates with a space here)
    assert sent.text is not None and sent.text[:4] == "@王经理" and sent.text[4] in " \u2005"
    assert "✅ 翠园小区 2月26日防控日报已登记：测温356 体温异常0 已消杀" in sent.text
    with Session(engine) as s:
        (report,) = queries.reports_on(s, report_date=bot.clock.now().date())
        assert queries.report_values(s, report_id=report.id)["residents_screened"] == 356  # type: ignore[arg-type]


async def test_problem_reply_then_correction(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (problem,) = await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n测温：若干\n消杀：是")
        assert problem.text is not None
        assert "缺少：体温异常人数" in problem.text
        assert "「测温人数」填的是「若干」，不是数字" in problem.text
        assert "体温异常人数：" in problem.text
        with Session(engine) as s:
            assert queries.reports_on(s, report_date=bot.clock.now().date()) == []
        (ok,) = await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n测温：356\n体温异常：2\n消杀：是")
        assert ok.text is not None and "已登记" in ok.text and "⚠️ 体温异常2人，请按规定上报" in ok.text


async def test_repost_updates_and_keeps_the_earlier_version(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        await bot.post(PROPERTY_ROOM, WANG, REPORT)
        (upd,) = await bot.post(PROPERTY_ROOM, WANG, REPORT.replace("356", "360"))
    assert upd.text is not None and "已更新：测温 356→360" in upd.text
    with Session(engine) as s:
        (report,) = queries.reports_on(s, report_date=bot.clock.now().date())
        assert report.id is not None and report.revision == 2
        (old,) = queries.revisions_of(s, report_id=report.id)
        assert old.values["residents_screened"] == 356


async def test_chit_chat_is_silent_and_own_messages_ignored(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        assert await bot.post(PROPERTY_ROOM, WANG, "收到") == []
        assert await bot.post(PROPERTY_ROOM, WANG, "请各小区每日报送测温人数、体温异常、消杀情况") == []
        assert await bot.post(PROPERTY_ROOM, "wxid_bot", REPORT) == []


async def test_unknown_unit_and_near_miss(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (near,) = await bot.post(PROPERTY_ROOM, WANG, REPORT.replace("翠园小区", "翠圆小区"))
        (unknown,) = await bot.post(PROPERTY_ROOM, WANG, REPORT.replace("翠园小区", "火星基地"))
    assert near.text is not None and "是不是「翠园小区」？" in near.text
    assert unknown.text is not None and "没有找到「火星基地」" in unknown.text
    with Session(engine) as s:
        assert queries.units_of_kind(s, kind="property")[-1].name != "火星基地"


async def test_duplicate_message_id_is_stored_and_answered_once(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        first = await bot.post(PROPERTY_ROOM, WANG, REPORT, message_id=f"dup-{tmp_path.name}")
        # wechaty's own de-duplication is process-wide and wiped: clear it to prove ours holds
        from wechaty.utils.async_helper import SingleIdContainer
        SingleIdContainer.instance().ids.clear()
        second = await bot.post(PROPERTY_ROOM, WANG, REPORT, message_id=f"dup-{tmp_path.name}")
    assert len(first) == 1 and second == []
    assert bot.runtime.last_route == "duplicate"


async def test_recall_withdraws_the_report(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        await bot.post(PROPERTY_ROOM, WANG, REPORT, message_id=f"r-{tmp_path.name}")
        before = len(bot.puppet.sent)
        await bot.puppet.recall(PROPERTY_ROOM, WANG, f"r-{tmp_path.name}", timestamp_ms=int(bot.clock.now().timestamp() * 1000))
        await bot.settle()
        (note,) = bot.puppet.sent[before:]
    assert note.text is not None and "已随消息撤回" in note.text
    with Session(engine) as s:
        report = queries.report_by_message(s, source_message_id=f"r-{tmp_path.name}")
        assert report is not None and report.status == "withdrawn"


async def test_photo_after_report_is_attached(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        await bot.post(PROPERTY_ROOM, WANG, REPORT, message_id=f"p-{tmp_path.name}")
        bot.clock.advance(120)
        await bot.puppet.post_image(PROPERTY_ROOM, WANG, b"\xff\xd8jpeg-bytes", timestamp_ms=int(bot.clock.now().timestamp() * 1000))
        await bot.settle()
        bot.clock.advance(11 * 60)
        await bot.puppet.post_image(PROPERTY_ROOM, WANG, b"late", timestamp_ms=int(bot.clock.now().timestamp() * 1000))
        await bot.settle()
    with Session(engine) as s:
        report = queries.report_by_message(s, source_message_id=f"p-{tmp_path.name}")
        assert report is not None and report.id is not None
        (photo,) = outbox_store.attachments_of(s, report_id=report.id)
        assert Path(photo.path).read_bytes() == b"\xff\xd8jpeg-bytes"


async def test_construction_group_reads_construction_reports(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (sent,) = await bot.post(CONSTRUCTION_ROOM, "wxid_chen_binjiang", "项目：滨江壹号\n复工情况：已复工\n在岗人数：120\n体温异常：0")
    assert sent.text is not None and "✅ 滨江壹号项目 2月26日工地日报已登记：已复工 在岗120" in sent.text


async def test_typed_at_all_is_not_a_mention_of_the_bot(config: Config, engine: Engine, tmp_path: Path) -> None:
    seen: list[Incoming] = []
    async with running_bot(config, engine, tmp_path) as bot:
        inner = bot.runtime.on_incoming

        async def spy(msg: Incoming) -> None:
            seen.append(msg)
            await inner(msg)

        bot.runtime.on_incoming = spy  # type: ignore[method-assign]
        await bot.post(PROPERTY_ROOM, "wxid_admin_zhou", "@所有人 请9点前报送防控日报")
        await bot.post(PROPERTY_ROOM, "wxid_admin_zhou", "@防控小助手 进度", mention_ids=["wxid_bot"])
    assert [m.mentions_bot for m in seen] == [False, True]


async def test_a_failing_handler_answers_politely_without_a_traceback(
    config: Config, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(msg: Incoming, ctx: object) -> list[object]:
        raise RuntimeError("bug in a handler")

    monkeypatch.setattr(router, "ROUTES", [router.Route("boom", lambda m, c: True, boom)])  # type: ignore[arg-type]
    async with running_bot(config, engine, tmp_path) as bot:
        (sent,) = await bot.post(PROPERTY_ROOM, WANG, REPORT)
    assert sent.text is not None and "没处理好" in sent.text
    assert "Traceback" not in sent.text and "RuntimeError" not in sent.text
