"""Schedules end to end: the real Wechaty object, the in-process puppet, the injected clock."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import make_settings
from bot.clock import FakeClock
from bot.config import Config, ScheduleSpec
from bot.scheduler import Scheduler
from storage import firings, queries
from storage.db import make_engine
from tests.e2e import CONSTRUCTION_ROOM, OFFICIALS_ROOM, PROPERTY_ROOM, TZ, Harness, running_bot

DAY = dt.date(2020, 2, 26)
WANG, LI, ZHAO, SUN = "wxid_wang_cuiyuan", "wxid_li_yangguang", "wxid_zhao_jinxiu", "wxid_sun_xingfu"


def at(hh: int, mm: int, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), TZ)


async def tick(bot: Harness, when: dt.datetime) -> list[str]:
    before = len(bot.puppet.sent)
    bot.clock.set(when)
    bot.runtime.scheduler.tick()
    await bot.settle()
    return [f"{s.conversation_id}|{s.text}|{','.join(s.mention_ids)}" for s in bot.puppet.sent[before:]]


async def test_prompt_reminder_escalation_late_report(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(8, 0)) as bot:
        prompts = await tick(bot, at(8, 30))
        assert any(p.startswith(PROPERTY_ROOM + "|请各小区10:00前报送今日防控日报") and "*小区名称：" in p for p in prompts)
        assert any(p.startswith(CONSTRUCTION_ROOM + "|请各工地") for p in prompts)
        await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n测温：356\n体温异常：0\n消杀：是")
        await bot.post(PROPERTY_ROOM, LI, "阳光花园 今日无异常")  # a nil report counts as reported
        reminders = [r for r in await tick(bot, at(9, 0)) if r.startswith(PROPERTY_ROOM)]
        assert len(reminders) == 1
        room, text, mentions = reminders[0].split("|")
        assert "还有2个单位未报送" in text and "锦绣华庭、幸福里小区" in text and "翠园" not in text
        assert set(mentions.split(",")) == {ZHAO, SUN}  # exactly the reporters of the missing units
        await bot.post(PROPERTY_ROOM, ZHAO, "锦绣华庭 测温98人 体温异常0 已消杀")
        second = [r for r in await tick(bot, at(9, 30)) if r.startswith(PROPERTY_ROOM)]
        assert len(second) == 1 and second[0].endswith("|" + SUN)  # computed at send time, never stale
        escalations = [e for e in await tick(bot, at(10, 0)) if e.startswith(OFFICIALS_ROOM)]
        assert any("物业小区仍有1个单位未报送" in e and "银湖街道：幸福里小区" in e for e in escalations)
        bot.clock.set(at(10, 20))
        (late,) = await bot.post(PROPERTY_ROOM, SUN, "小区：幸福里小区\n测温：88\n体温异常：0\n消杀：是")
        assert late.text is not None and "（迟报）" in late.text
    with Session(engine) as s:
        reports = {r.reporter_id: r for r in queries.reports_on(s, report_date=DAY)}
        assert reports[SUN].late and not reports[WANG].late and reports[LI].nil


async def test_daily_summary_figures_match_storage(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(8, 50)) as bot:
        await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n测温：356\n外来登记：5\n体温异常：0\n消杀：是\n口罩：200")
        await bot.post(PROPERTY_ROOM, LI, "小区：阳光花园小区\n测温：210\n体温异常：2\n消杀：否\n口罩：900")
        await bot.post(CONSTRUCTION_ROOM, "wxid_chen_binjiang", "项目：滨江壹号项目\n复工情况：已复工\n在岗人数：120\n体温异常：0")
        out = [s for s in await tick(bot, at(18, 0)) if s.startswith(OFFICIALS_ROOM)]
    assert len(out) == 1
    text = out[0]
    with Session(engine) as s:
        screened = queries.sum_field_by_day(s, kind="property", key="residents_screened", start=DAY, end=DAY)[DAY]
    assert f"测温 {screened}" in text and screened == 566
    assert text.index("【异常】") < text.index("【物业小区】")  # anomalies first
    assert "体温异常 2 人：阳光花园小区2人" in text
    assert "口罩不足（<500）：翠园小区200" in text
    assert "【物业小区】已报 2/4" in text and "未报：锦绣华庭、幸福里小区" in text
    assert "消杀完成率 50%（1/2）" in text
    assert "【在建工地】已报 1/2" in text and "复工 1/2（50%）" in text and "在岗 120" in text
    assert "连续2天以上未报" not in text  # reporting began today: a first day flags nobody


async def test_restart_mid_day_neither_duplicates_nor_loses(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(8, 59)) as bot:
        first = [r for r in await tick(bot, at(9, 0)) if r.startswith(PROPERTY_ROOM) and "⏰" in r]
    async with running_bot(config, engine, tmp_path, start=at(9, 5)) as bot2:
        again = [r for r in await tick(bot2, at(9, 5)) if r.startswith(PROPERTY_ROOM)]  # prompt and 9:00 done
        later = [r for r in await tick(bot2, at(9, 30)) if r.startswith(PROPERTY_ROOM) and "⏰" in r]
    assert len(first) == 1 and again == [] and len(later) == 1


async def test_missed_summary_is_sent_once_within_grace(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(19, 0)) as bot:  # down at 18:00, up at 19:00
        sent = [s for s in await tick(bot, at(19, 0)) if s.startswith(OFFICIALS_ROOM)]
    async with running_bot(config, engine, tmp_path, start=at(19, 30)) as bot2:
        again = [s for s in await tick(bot2, at(19, 30)) if s.startswith(OFFICIALS_ROOM)]
    assert len(sent) == 1 and "【补发】" in sent[0] and again == []


async def test_missed_summary_after_grace_and_stale_reminders_are_skipped(
    config: Config, engine: Engine, tmp_path: Path
) -> None:
    async with running_bot(config, engine, tmp_path, start=at(10, 30)) as bot:
        assert [s for s in await tick(bot, at(10, 30)) if s.startswith(PROPERTY_ROOM)] == []
    async with running_bot(config, engine, tmp_path, start=at(20, 30)) as bot2:  # 18:00 + 2 h grace < 20:30
        assert [s for s in await tick(bot2, at(20, 30)) if s.startswith(OFFICIALS_ROOM)] == []
    with Session(engine) as s:
        outcomes = {(f.job, f.outcome) for f in firings.firings_on(s, fire_date=DAY)}
    assert ("property_remind_0930", "skipped_late") in outcomes
    assert not any(job == "daily_summary" for job, _ in outcomes)


async def test_workdays_only_skips_chinese_holidays(config: Config, engine: Engine, tmp_path: Path) -> None:
    job = ScheduleSpec(id="workday_prompt", action="prompt", kind="property", cron="30 8 * * *",
                       text="工作日提醒", workdays_only=True)
    cfg = config.model_copy(update={"schedules": [job]})
    spring_festival, adjusted_sunday = dt.date(2020, 1, 25), dt.date(2020, 1, 19)
    async with running_bot(cfg, engine, tmp_path, start=at(8, 0, spring_festival)) as bot:
        assert await tick(bot, at(8, 30, spring_festival)) == []
    async with running_bot(cfg, engine, tmp_path, start=at(8, 0, adjusted_sunday)) as bot2:
        assert any("工作日提醒" in s for s in await tick(bot2, at(8, 30, adjusted_sunday)))


async def test_two_instances_on_one_database_send_once(config: Config, engine: Engine, tmp_path: Path) -> None:
    """Two bot processes sharing the database (PostgreSQL in CI) race for the same firing."""
    async with running_bot(config, engine, tmp_path, start=at(17, 0)):
        pass  # binds the rooms and units
    url = engine.url.render_as_string(hide_password=False)
    results: list[list[str]] = []

    def instance(name: str) -> None:
        own = make_engine(url)  # each "process" with its own engine and connection pool
        clock = FakeClock(at(18, 0))
        results.append(Scheduler(config, own, clock, make_settings(config), name=name).tick())
        own.dispose()

    threads = [threading.Thread(target=instance, args=(f"bot-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summaries = [o for r in results for o in r if o.startswith("daily_summary@")]
    assert len(summaries) == 1
    with Session(engine) as s:
        assert len(queries.reports_on(s, report_date=DAY)) == 0
        from storage.models import OutboxMessage
        from sqlmodel import select
        texts = [m.text or "" for m in s.exec(select(OutboxMessage))]
    assert sum("防控日报汇总" in t for t in texts) == 1


async def test_reminders_due_together_after_downtime_are_coalesced(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(8, 59)) as bot:
        bot.runtime.scheduler.tick(at(8, 59))
        sent = [r for r in await tick(bot, at(9, 31)) if r.startswith(PROPERTY_ROOM) and "⏰" in r]
    assert len(sent) == 1
    with Session(engine) as s:
        outcomes = {f.job: f.outcome for f in firings.firings_on(s, fire_date=DAY) if f.target == PROPERTY_ROOM}
    assert outcomes["property_remind_0900"] == "coalesced" and outcomes["property_remind_0930"] == "sent"


async def test_weekly_summary_gives_the_day_by_day_trend(config: Config, engine: Engine, tmp_path: Path) -> None:
    friday = dt.date(2020, 2, 28)
    async with running_bot(config, engine, tmp_path, start=at(16, 0, friday)) as bot:
        for day, screened in ((24, 300), (25, 310), (27, 330)):
            await bot.post(PROPERTY_ROOM, WANG, f"小区：翠园小区\n测温：{screened}\n体温异常：0\n消杀：是\n日期：2月{day}日")
        await bot.post(PROPERTY_ROOM, LI, "小区：阳光花园小区\n测温：100\n体温异常：0\n消杀：是\n日期：2月27日")
        sent = [s for s in await tick(bot, at(17, 0, friday)) if s.startswith(OFFICIALS_ROOM)]
    (weekly,) = [s for s in sent if "一周趋势" in s]
    assert "2月22日至2月28日一周趋势" in weekly
    lines = weekly.split("|")[1].splitlines()
    assert lines[1] == "【物业小区】日期 已报/应报 测温 外来登记 体温异常"
    assert "2/24 1/4 300 0 0" in lines and "2/25 1/4 310 0 0" in lines and "2/26 0/4 0 0 0" in lines
    assert "2/27 2/4 430 0 0" in lines


async def test_a_long_summary_arrives_in_pieces(config: Config, engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:  # a district with many communities
        queries.sync_units(s, units=[queries.UnitSeed(f"金山街道第{i:03d}号住宅小区（东区南区北区西区合并管理）", "property", f"街道{i % 9}")
                                     for i in range(300)])
        first = queries.units_of_kind(s, kind="property")[0]
        assert first.id is not None  # reporting began yesterday: today every silent unit is 连续未报
        queries.save_report(s, unit_id=first.id, template="property_daily", kind="property",
                            report_date=at(9, 0).date() - dt.timedelta(days=1), values={"fever_cases": 0},
                            raw_text="", source_message_id="yesterday", reporter_id="wxid_x", now=at(9, 0), late=False)
        s.commit()
    async with running_bot(config, engine, tmp_path, start=at(17, 0)) as bot:
        before = len(bot.puppet.sent)
        bot.clock.set(at(18, 0))
        bot.runtime.scheduler.tick()
        await bot.settle()
        out = [s for s in bot.puppet.sent[before:] if s.conversation_id == OFFICIALS_ROOM]
    assert sum(len(s.text or "") for s in out) > 1500
    assert len(out) >= 2 and all(len(s.text or "") <= 1500 for s in out)
    assert "等304个" in "".join(s.text or "" for s in out)  # long lists are capped, not dumped


async def test_a_schedule_for_one_group_only(config: Config, engine: Engine, tmp_path: Path) -> None:
    job = ScheduleSpec(id="jinshan_prompt", action="prompt", kind="property", group="金山街道物业小区防控群",
                       cron="0 8 * * *", text="金山街道专属提醒")
    other = ScheduleSpec(id="nowhere_prompt", action="prompt", kind="construction", group="在建工地复工报备群",
                         cron="0 8 * * 6", text="只在周六")
    async with running_bot(config.model_copy(update={"schedules": [job, other]}), engine, tmp_path, start=at(7, 0)) as bot:
        sent = await tick(bot, at(8, 0))
    assert len(sent) == 1 and sent[0].startswith(PROPERTY_ROOM + "|金山街道专属提醒")


def test_schedule_group_must_exist(tmp_path: Path) -> None:
    import yaml

    from bot.config import ConfigError, parse_config
    from tests.conftest import CONFIG, ROOT
    data = yaml.safe_load((CONFIG).read_text(encoding="utf-8"))
    data["schedules"][0]["group"] = "不存在的群"
    try:
        parse_config(data)
    except ConfigError as exc:
        assert "schedules[property_prompt].group: '不存在的群' is no configured group's room or topic" in str(exc)
    else:
        raise AssertionError("a schedule for an unknown group was accepted")


async def test_weekly_summary_carries_a_png_chart(config: Config, engine: Engine, tmp_path: Path) -> None:
    from tests.system_deps import ensure
    ensure("fonts-wqy-microhei")
    friday = dt.date(2020, 2, 28)
    async with running_bot(config, engine, tmp_path, start=at(16, 0, friday)) as bot:
        await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n测温：300\n体温异常：1\n消杀：是\n日期：2月27日")
        before = len(bot.puppet.sent)
        bot.clock.set(at(17, 0, friday))
        bot.runtime.scheduler.tick()
        await bot.settle()
        files = [s for s in bot.puppet.sent[before:] if s.file_name]
    assert len(files) == 1 and files[0].conversation_id == OFFICIALS_ROOM and files[0].file_name.endswith(".png")
    assert (tmp_path / "charts" / "weekly_2020-02-28.png").read_bytes().startswith(b"\x89PNG")
