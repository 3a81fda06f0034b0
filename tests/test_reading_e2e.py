"""Issue #7 through the real Wechaty object: never silent, taught labels, 接龙."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import App
from bot.config import Config
from storage import queries, vocab
from tests.e2e import PROPERTY_ROOM, running_bot

WANG, LI, ZHAO, SUN, ZHOU, STRANGER = ("wxid_wang_cuiyuan", "wxid_li_yangguang", "wxid_zhao_jinxiu",
                                       "wxid_sun_xingfu", "wxid_admin_zhou", "wxid_stranger")


def _reports(engine: Engine, bot_day: object) -> dict[str, dict[str, object]]:
    with Session(engine) as s:
        names = {u.id: u.name for u in queries.units_of_kind(s, kind="property")}
        return {names[r.unit_id]: queries.report_values(s, report_id=r.id)  # type: ignore[arg-type]
                for r in queries.reports_on(s, report_date=bot_day)}  # type: ignore[arg-type]


async def test_one_line_reports_get_complete_receipts(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (a,) = await bot.post(PROPERTY_ROOM, WANG, "翠园小区 2月26日 测温320人 体温异常0 已消杀")
        (b,) = await bot.post(PROPERTY_ROOM, LI, "阳光花园、测温210、体温异常1人（已送发热门诊）、已消杀")
        day = bot.clock.now().date()
    assert a.text is not None and "✅ 翠园小区 2月26日防控日报已登记：测温320 体温异常0 已消杀" in a.text
    assert b.text is not None and "体温异常1（已送发热门诊）" in b.text and "⚠️ 体温异常1人" in b.text
    stored = _reports(engine, day)
    assert stored["阳光花园小区"]["fever_cases"] == 1 and "已送发热门诊" in str(stored["阳光花园小区"]["notes"])


async def test_a_near_report_is_answered_with_what_was_read(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (bound,) = await bot.post(PROPERTY_ROOM, WANG, "测温320")
        (named,) = await bot.post(PROPERTY_ROOM, STRANGER, "锦绣华庭 体温异常1人")
        (known,) = await bot.post(PROPERTY_ROOM, STRANGER, "各位领导好，幸福里小区今日报备")
        silent = [await bot.post(PROPERTY_ROOM, WANG, t) for t in
                  ("收到", "好的，已消杀", "翠园小区今天报了吗？", "请各小区报送测温人数、体温异常人数",
                   "阳光花园的李主任今天请假了", "明天上午10点开会，请各小区负责人参加")]
    assert bound.text is not None and "翠园小区 防控日报未登记" in bound.text  # the bound reporter's unit
    assert "已读到：测温320" in bound.text and "缺少：体温异常人数、是否消杀" in bound.text
    assert named.text is not None and "锦绣华庭" in named.text and "已读到：体温异常1" in named.text
    assert known.text is not None and "幸福里小区 防控日报未登记" in known.text
    assert silent == [[], [], [], [], [], []]


async def test_an_admin_teaches_a_label_in_chat_and_it_outlives_a_restart(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (before,) = await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n门岗查验：320人\n体温异常：0\n消杀：是")
        (refused,) = await bot.post(PROPERTY_ROOM, WANG, "学习 门岗查验=测温人数")
        (taught,) = await bot.post(PROPERTY_ROOM, ZHOU, "学习 门岗查验=测温人数")
    assert before.text is not None and "（未识别：门岗查验）" in before.text
    assert refused.text is not None and "只有管理员" in refused.text
    assert taught.text is not None and "✅ 已记住：«门岗查验» 即 测温人数" in taught.text
    later = bot.clock.now() + dt.timedelta(hours=1)
    async with running_bot(config, engine, tmp_path, start=later) as bot:  # a new process, same database
        (after,) = await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n门岗查验：330人\n体温异常：0\n消杀：是")
        day = bot.clock.now().date()
    assert after.text is not None and "测温 空→330" in after.text and "未识别" not in after.text
    assert _reports(engine, day)["翠园小区"]["residents_screened"] == 330
    with Session(engine) as s:
        assert [(d, lb, n) for d, _, lb, n in vocab.unknown_labels(s, start=day, end=day)] == [(day, "门岗查验", 1)]


async def test_yes_to_a_guess_teaches_it_and_another_process_reads_it_at_once(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (guessed,) = await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n侧温：320\n体温异常：0\n消杀：是")
        assert await bot.post(PROPERTY_ROOM, WANG, "是") == []  # only an admin teaches
        (yes,) = await bot.post(PROPERTY_ROOM, ZHOU, "是")
        other = App(bot.runtime.app.cfg, engine, bot.clock, bot.runtime.app.settings)  # a second process
        with Session(engine) as s:
            reports = other.parser_for(s).parse("小区：阳光花园\n侧温：210\n体温异常：0\n消杀：是", "property",
                                               bot.clock.now().date())
    assert guessed.text is not None and "（«侧温»按测温人数记；不对请更正后重发）" in guessed.text
    assert yes.text is not None and "«侧温» 即 测温人数" in yes.text
    assert reports[0].fields["residents_screened"] == 210 and reports[0].guesses == []


async def test_jielong_four_entries_four_reports_one_answer_and_no_repeat(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    head = "#接龙\n2月26日防控日报（9:00前）\n例 翠园小区 测温320 体温异常0 已消杀\n\n"
    entries = ["1. 翠园小区 测温320 体温异常0 已消杀", "2. 阳光花园 测温210 体温异常1 已消杀",
               "3. 锦绣华庭 测温98人 体温异常0 已消杀", "4. 幸福里小区 测温88 体温异常0 未消杀"]
    async with running_bot(config, engine, tmp_path) as bot:
        (first,) = await bot.post(PROPERTY_ROOM, SUN, head + "\n".join(entries))
        again = await bot.post(PROPERTY_ROOM, WANG, head + "\n".join([*entries, "5. 收到"]))
        again2 = await bot.post(PROPERTY_ROOM, ZHAO, head + "\n".join([*entries, "5. 收到"]))
        changed = entries[:2] + ["3. 锦绣华庭 测温99人 体温异常0 已消杀"] + entries[3:]
        (update,) = await bot.post(PROPERTY_ROOM, ZHAO, head + "\n".join(changed))
        day = bot.clock.now().date()
    assert first.text is not None and "接龙已登记2月26日 4 个单位：翠园小区、阳光花园小区、锦绣华庭、幸福里小区" in first.text
    assert [s.text for s in again] == ["❗ 以下接龙条目未登记：\n第5条「收到」没读懂，请按例子的格式填写"]
    assert again2 == []  # nothing new: no answer
    assert update.text == "🔄 已更新：锦绣华庭"
    stored = _reports(engine, day)
    assert len(stored) == 4 and stored["锦绣华庭"]["residents_screened"] == 99


async def test_the_prompt_as_a_jielong_people_extend(config: Config, engine: Engine, tmp_path: Path) -> None:

    from tests.e2e import TZ

    groups = [g.model_copy(update={"prompt_style": "jielong"}) if g.kind == "property" else g for g in config.groups]
    cfg = config.model_copy(update={"groups": groups})
    async with running_bot(cfg, engine, tmp_path, start=dt.datetime(2020, 2, 26, 8, 0, tzinfo=TZ)) as bot:
        bot.runtime.scheduler.tick()
        bot.clock.set(dt.datetime(2020, 2, 26, 8, 30, tzinfo=TZ))
        before = len(bot.puppet.sent)
        bot.runtime.scheduler.tick()
        await bot.settle()
        (prompt,) = [s for s in bot.puppet.sent[before:] if s.conversation_id == PROPERTY_ROOM]
        assert prompt.text is not None and prompt.text.startswith("#接龙\n2月26日防控日报")
        assert "\n例 翠园小区 测温320 体温异常0 已消杀\n" in prompt.text
        extended = prompt.text + "\n1. 翠园小区 测温356 体温异常0 已消杀"
        (answer,) = await bot.post(PROPERTY_ROOM, WANG, extended)
        (answer2,) = await bot.post(PROPERTY_ROOM, LI, extended + "\n2. 阳光花园 测温210 体温异常0 已消杀")
        day = bot.clock.now().date()
    assert answer.text is not None and "接龙已登记2月26日 1 个单位：翠园小区" in answer.text
    assert answer2.text is not None and "1 个单位：阳光花园小区" in answer2.text
    assert set(_reports(engine, day)) == {"翠园小区", "阳光花园小区"}
