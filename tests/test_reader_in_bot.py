"""Issue #18 through the real Wechaty object: what people really post (a pasted table, voice-to-text,
several units, a report for an earlier day, prose about "our" community) gets one answer each, and
what is not a report (a notice, a total, a question, a promise) gets silence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Config
from storage import queries
from tests.e2e import GRID_ROOM, PROPERTY_ROOM, running_bot

WANG, LI, ZHOU, ZHANG = "wxid_wang_cuiyuan", "wxid_li_yangguang", "wxid_admin_zhou", "wxid_zhang_grid"
TABLE = ("2月26日 金山街道小区防控日报\n小区名称\t测温人数\t外来登记\t体温异常\t是否消杀\n"
         "翠园小区\t320\t12\t0\t是\n阳光花园小区\t210\t5\t0\t是\n\t150\t3\t0\t是\n合计\t680\t20\t0\t")


def _stored(engine: Engine, day: dt.date) -> dict[str, dict[str, object]]:
    with Session(engine) as s:
        names = {u.id: u.name for u in queries.units_of_kind(s, kind="property")}
        return {names[r.unit_id]: queries.report_values(s, report_id=r.id)  # type: ignore[arg-type]
                for r in queries.reports_on(s, report_date=day)}


async def test_a_pasted_table_is_one_reply_naming_each_unit_and_the_row_without_one(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        answers = await bot.post(PROPERTY_ROOM, ZHOU, TABLE)
        day = bot.clock.now().date()
    assert len(answers) == 1 and answers[0].text is not None
    text = answers[0].text
    assert "✅ 翠园小区 2月26日防控日报已登记：测温320" in text and "✅ 阳光花园小区 2月26日防控日报已登记：测温210" in text
    assert "以下行没有读出单位，未登记：150 3 0 是" in text and "合计" not in text
    stored = _stored(engine, day)
    assert stored["翠园小区"]["residents_screened"] == 320 and stored["阳光花园小区"]["visitors_registered"] == 5


async def test_voice_several_units_and_an_earlier_day(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (voice,) = await bot.post(PROPERTY_ROOM, WANG, "嗯 翠园小区报一下 今天测温三百二十个 外来登记的有十二个 发热的没有 消毒也搞完了")
        (both,) = await bot.post(PROPERTY_ROOM, LI, "锦绣华庭：测温150，体温异常0；幸福里小区：测温98，体温异常0\n以上小区均已消杀")
        (back,) = await bot.post(PROPERTY_ROOM, LI, "补报昨天的：阳光花园小区 测温200人 体温异常0 已消杀")
        today = bot.clock.now().date()
    assert voice.text is not None and "✅ 翠园小区 2月26日防控日报已登记：测温320 外来登记12 体温异常0 已消杀" in voice.text
    assert both.text is not None and "锦绣华庭" in both.text and "幸福里小区" in both.text and both.text.count("已消杀") == 2
    assert back.text is not None and "✅ 阳光花园小区 防控日报已补登2月25日" in back.text
    assert set(_stored(engine, today)) == {"翠园小区", "锦绣华庭", "幸福里小区"}
    assert _stored(engine, today - dt.timedelta(days=1))["阳光花园小区"]["residents_screened"] == 200


async def test_our_community_is_the_senders_own(config: Config, engine: Engine, tmp_path: Path) -> None:
    """我小区… in prose: the unit is the one the sender is bound to; the receipt reads it back."""
    async with running_bot(config, engine, tmp_path) as bot:
        (answer,) = await bot.post(PROPERTY_ROOM, WANG, "我小区今天测温共计583人次，外来登记11人，体温均正常，公共区域已消毒。")
        day = bot.clock.now().date()
    assert answer.text is not None and "✅ 翠园小区 2月26日防控日报已登记：测温583 外来登记11 体温异常0 已消杀" in answer.text
    assert _stored(engine, day)["翠园小区"]["residents_screened"] == 583


async def test_what_is_not_a_report_gets_silence(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        said = [await bot.post(PROPERTY_ROOM, who, text) for who, text in (
            (ZHOU, "请各小区于每天上午9点前报送防控日报：小区名称、测温人数、体温异常、是否消杀"),
            (ZHOU, "截至10点，已报送3个小区，还有1个未报"),
            (ZHOU, "报送格式：\n小区名称：XX小区\n测温人数：XX人\n体温异常：X人\n是否消杀：是/否"),
            (WANG, "翠园小区测温320，这样报对吗？"),
            (WANG, "收到，10点前报"),
            (ZHOU, "下发口罩5000个，各小区下午到局里领取"),
        )]
        grid = await bot.post(GRID_ROOM, ZHANG, "还在走访，18点前报")
    assert said == [[], [], [], [], [], []] and grid == []
