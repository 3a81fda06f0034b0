"""Issue 5's flows end to end: problems (交办/整改), resumption filings, masking of personal data."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Config
from storage import problems, queries
from tests.conftest import CONFIG, ROOT
from tests.e2e import CONSTRUCTION_ROOM, OFFICIALS_ROOM, PROPERTY_ROOM, TZ, running_bot

ADMIN, WANG, LI, CHEN = "wxid_admin_zhou", "wxid_wang_cuiyuan", "wxid_li_yangguang", "wxid_chen_binjiang"
PHONE, ID_CARD = "13812345678", "430522199001011234"
WHOLE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)\d{17}[\dXx](?!\d)")


def at(hh: int, mm: int, day: int = 26) -> dt.datetime:
    return dt.datetime(2020, 2, day, hh, mm, tzinfo=TZ)


async def test_problem_assigned_rectified_with_photo_and_reopened(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(10, 0)) as bot:
        (denied,) = await bot.post(PROPERTY_ROOM, LI, "交办：翠园小区 3栋垃圾未清运")
        (assigned,) = await bot.post(PROPERTY_ROOM, ADMIN, "交办：翠园小区 3栋垃圾未清运，限2月28日前整改 @王经理",
                                     mention_ids=[WANG])
        number = re.search(r"#(\d+)", assigned.text or "")
        assert number is not None
        n = number.group(1)
        (listing,) = await bot.post(PROPERTY_ROOM, LI, "问题")
        (wrong,) = await bot.post(PROPERTY_ROOM, LI, f"整改 #{n} 已完成")
        bot.clock.set(at(11, 0, 27))
        (closed,) = await bot.post(PROPERTY_ROOM, WANG, f"整改 #{n} 已完成")
        bot.clock.advance(120)
        await bot.puppet.post_image(PROPERTY_ROOM, WANG, b"photo-after", timestamp_ms=int(bot.clock.now().timestamp() * 1000))
        await bot.settle()
        (reopened,) = await bot.post(PROPERTY_ROOM, ADMIN, f"重开 #{n}")
    assert denied.text is not None and "只有管理员或领导" in denied.text
    assert f"📌 已交办 #{n}：翠园小区 3栋垃圾未清运，限2月28日前整改" in (assigned.text or "")
    assert assigned.mention_ids == [WANG]
    assert f"#{n} 翠园小区 3栋垃圾未清运 限2月28日" in (listing.text or "")
    assert "由责任单位或管理员销号" in (wrong.text or "")  # 李主任 is 阳光花园's reporter
    assert f"✅ 问题 #{n} 已整改销号（交办后1天）" in (closed.text or "")
    assert f"问题 #{n} 已重新打开" in (reopened.text or "") and reopened.mention_ids == [WANG]
    with Session(engine) as s:
        problem = problems.get(s, number=int(n))
        assert problem is not None and problem.deadline == dt.date(2020, 2, 28) and problem.assignee_id == WANG
        assert problem.status == "open" and problem.assigned_by == ADMIN
        (photo,) = problems.photos(s, problem_id=int(n))
        assert Path(photo.path).read_bytes() == b"photo-after"


async def test_closing_by_quoting_the_bots_message(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(10, 0)) as bot:
        (assigned,) = await bot.post(PROPERTY_ROOM, ADMIN, "交办：阳光花园 消防通道堆放杂物，限2月27日前整改")
        n = re.search(r"#(\d+)", assigned.text or "").group(1)  # type: ignore[union-attr]
        quote = f"「防控小助手：{assigned.text}」\n- - - - - - - - - - - - - - -\n已完成，杂物已清理"
        (closed,) = await bot.post(PROPERTY_ROOM, LI, quote)
    assert assigned.mention_ids == [LI]  # no @: the unit's reporter is the assignee
    assert f"问题 #{n} 已整改销号" in (closed.text or "")


async def test_overdue_reminded_daily_and_summarised(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(8, 0, 25)) as bot:
        await bot.post(PROPERTY_ROOM, ADMIN, "交办：翠园小区 3栋垃圾未清运，限2月25日前整改 @王经理", mention_ids=[WANG])
        bot.clock.set(at(8, 55, 26))
        bot.runtime.scheduler.tick()
        before = len(bot.puppet.sent)
        bot.clock.set(at(9, 0, 26))
        bot.runtime.scheduler.tick()
        await bot.settle()
        overdue = [s for s in bot.puppet.sent[before:] if "已逾期" in (s.text or "")]
        bot.clock.set(at(18, 0, 26))
        bot.runtime.scheduler.tick()
        await bot.settle()
        summary = [s for s in bot.puppet.sent if s.conversation_id == OFFICIALS_ROOM and "汇总" in (s.text or "")]
    assert len(overdue) == 1 and overdue[0].conversation_id == PROPERTY_ROOM and overdue[0].mention_ids == [WANG]
    assert "⚠️逾期1天" in (overdue[0].text or "")
    text = summary[-1].text or ""
    assert "⚠️ 逾期未整改问题 1 个" in text and "【整改】未销号 1 个（逾期 1 个），最久：#" in text


async def test_resumption_filing_then_resumed(config: Config, engine: Engine, tmp_path: Path) -> None:
    filing = ("复工报备\n项目名称：滨江壹号项目\n施工单位：中建某局\n计划复工日期：3月2日\n复工人数：120人\n"
              f"防控方案：有\n负责人：张三\n联系电话：{PHONE}")
    async with running_bot(config, engine, tmp_path, start=at(9, 0)) as bot:
        (ack,) = await bot.post(CONSTRUCTION_ROOM, CHEN, filing)
        (progress,) = await bot.post(CONSTRUCTION_ROOM, CHEN, "进度")
        await bot.post(CONSTRUCTION_ROOM, CHEN, "项目：滨江壹号项目\n复工情况：已复工\n在岗人数：120\n体温异常：0")
        (summary,) = [s for s in await bot.post(OFFICIALS_ROOM, ADMIN, "汇总")]
    assert "✅ 滨江壹号项目 2月26日复工报备已登记：计划复工3月2日 复工人数120 有防控方案" in (ack.text or "")
    assert "2月26日报送进度：0/2" in (progress.text or "")  # a filing is not the daily report
    assert "复工 1/2（50%） · 已报备 1/2" in (summary.text or "")
    with Session(engine) as s:
        reports = queries.reports_on(s, report_date=dt.date(2020, 2, 26), kind="construction")
        assert {r.template for r in reports} == {"resumption_filing", "construction_daily"}


async def test_no_group_output_contains_a_whole_phone_or_id_number(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(9, 0)) as bot:
        await bot.post(PROPERTY_ROOM, WANG, f"小区：翠园小区\n测温：356\n体温异常：1\n消杀：是\n备注：发热者王某 {PHONE} 身份证{ID_CARD}")
        await bot.post(PROPERTY_ROOM, WANG, f"小区：翠园小区\n测温：若干\n备注：联系{PHONE}")
        await bot.post(CONSTRUCTION_ROOM, CHEN, f"复工报备\n项目名称：滨江壹号项目\n施工单位：某局\n计划复工：3月2日\n复工人数：12\n防控方案：有\n负责人：张三\n联系电话：{PHONE}")
        await bot.post(PROPERTY_ROOM, ADMIN, f"交办：翠园小区 联系业主{PHONE}核实隔离情况，限2月28日前整改")
        await bot.post(PROPERTY_ROOM, WANG, "问题")
        await bot.post(OFFICIALS_ROOM, ADMIN, "汇总")
        bot.clock.set(at(18, 0))
        bot.runtime.scheduler.tick()
        await bot.settle()
        await bot.post(None, ADMIN, f"我的电话是{PHONE}，帮助")  # private: nothing to echo, stays masked anyway
        room_texts = [s.text or "" for s in bot.puppet.sent if s.conversation_id != ADMIN]
    assert len(room_texts) >= 6
    assert not any(WHOLE.search(t) for t in room_texts), [t for t in room_texts if WHOLE.search(t)]
    assert any("138****5678" in t for t in room_texts)


def test_admin_sees_numbers_whole_only_in_private(config: Config) -> None:
    from bot.outbox import enqueue_actions
    from handlers.chat import Say
    from storage.db import make_engine
    from storage import schema
    from sqlmodel import select
    from storage.models import OutboxMessage
    engine = make_engine("sqlite://")
    schema.upgrade(engine)
    with Session(engine) as s:
        enqueue_actions(s, [Say(f"电话{PHONE}", to_id=ADMIN), Say(f"电话{PHONE}", to_id=WANG),
                            Say(f"电话{PHONE}", room_id=PROPERTY_ROOM)], at(9, 0), trusted=frozenset({ADMIN}))
        texts = [m.text for m in s.exec(select(OutboxMessage).order_by(OutboxMessage.id))]  # type: ignore[arg-type]
    assert texts == [f"电话{PHONE}", "电话138****5678", "电话138****5678"]


def test_wxbot_issues_prints_open_problems(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text((CONFIG).read_text(encoding="utf-8").replace("data_dir: data", f"data_dir: {tmp_path}"),
                   encoding="utf-8")
    run = [sys.executable, "-m", "bot", "--config", str(cfg)]
    subprocess.run([*run, "db", "upgrade"], check=True, capture_output=True)
    from storage.db import make_engine
    engine = make_engine(f"sqlite:///{tmp_path / 'wxbot.db'}")
    with Session(engine) as s:
        queries.sync_units(s, units=[queries.UnitSeed("翠园小区", "property")])
        unit = queries.units_of_kind(s, kind="property")[0]
        assert unit.id is not None
        problems.create(s, unit_id=unit.id, description="3栋垃圾未清运", deadline=dt.date(2020, 2, 28), assignee_id=WANG,
                        assignee_name="王经理", assigned_by=ADMIN, room_id=None, source_message_id="m1", now=at(9, 0))
        s.commit()
    engine.dispose()
    proc = subprocess.run([*run, "issues"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "未整改问题：1 个" in proc.stdout and "#1  翠园小区  3栋垃圾未清运  限2020-02-28前  责任人 王经理" in proc.stdout


GRID_ROOM = "room-grid"
ZHANG, HUANG = "wxid_zhang_grid", "wxid_huang_grid"


async def _prompted(bot: object) -> list[object]:
    from tests.e2e import Harness
    assert isinstance(bot, Harness)
    bot.clock.set(at(14, 59))
    bot.runtime.scheduler.tick()
    before = len(bot.puppet.sent)
    bot.clock.set(at(15, 0))
    bot.runtime.scheduler.tick()
    await bot.settle()
    return [s for s in bot.puppet.sent[before:] if s.conversation_id == GRID_ROOM]


async def test_grid_worker_answers_the_prompt_in_numbers(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(14, 0)) as bot:
        (prompt,) = await _prompted(bot)
        bot.clock.set(at(15, 10))
        (done,) = await bot.post(GRID_ROOM, ZHANG, "35，120，2，1，0")
        (chat,) = await bot.post(GRID_ROOM, HUANG, "1.40 2.150")  # partial: asked for the rest
        (rest,) = await bot.post(GRID_ROOM, HUANG, "3，3，0")
    assert set(prompt.mention_ids) == {ZHANG, HUANG}
    assert "1. 走访户数\n2. 排查人数\n3. 发现问题\n4. 已整改\n5. 体温异常人数" in (prompt.text or "")
    assert "✅ 翠园网格 2月26日网格日报已登记：走访35 排查120 发现问题2 已整改1 体温异常0" in (done.text or "")
    assert "已记录：走访40 排查150" in (chat.text or "") and "还差：\n1. 发现问题\n2. 已整改\n3. 体温异常人数" in (chat.text or "")
    assert "✅ 阳光网格 2月26日网格日报已登记：走访40 排查150 发现问题3 已整改3 体温异常0" in (rest.text or "")
    with Session(engine) as s:
        reports = {r.reporter_id: r for r in queries.reports_on(s, report_date=dt.date(2020, 2, 26), kind="grid")}
        assert queries.report_values(s, report_id=reports[HUANG].id)["issues_rectified"] == 3  # type: ignore[arg-type]


async def test_grid_answer_survives_restart_quotes_and_expires(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(14, 0)) as bot:
        (prompt,) = await _prompted(bot)
    async with running_bot(config, engine, tmp_path, start=at(15, 30)) as bot2:  # restarted: state is in the database
        quoted = f"「防控小助手：{prompt.text}」\n- - - - - - - - - - - - - - -\n35，120，2，1，0"
        (ok,) = await bot2.post(GRID_ROOM, ZHANG, quoted)
        assert await bot2.post(GRID_ROOM, HUANG, "好的") == []  # not an answer: silence
        bot2.clock.set(at(18, 1))  # the 3-hour window is over
        assert await bot2.post(GRID_ROOM, HUANG, "40，150，3，3，0") == []
    assert "✅ 翠园网格 2月26日网格日报已登记" in (ok.text or "")
