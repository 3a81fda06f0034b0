"""Notices with 回执, through the real Wechaty object: an admin's `通知` goes to every group of its
kinds as 【通知N】; 收到 / 已阅 / 👌 / a quote by a confirmed member counts for the unit (once), a
stranger's or a late one does not, the reader stays silent on all of them; the reminder @s exactly
the units that have not acknowledged; the officials get the rate, and are told once when all have."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Config, ScheduleSpec
from handlers.notices import is_acknowledgement, parse_notice
from bot.app import make_settings
from storage import circulars
from tests.e2e import CONSTRUCTION_ROOM, GRID_ROOM, OFFICIALS_ROOM, PROPERTY_ROOM, running_bot
from tests.test_admin import desk, login
from tests.test_schedules_e2e import at, tick

NOTICE = "通知 物业小区、在建工地 请各单位今天17:00前完成公共区域全面消杀"


def with_notice_jobs(config: Config) -> Config:
    jobs = [ScheduleSpec(id="notice_remind", action="notice_remind", cron="0 14 * * *"),
            ScheduleSpec(id="notice_report", action="notice_report", cron="30 16 * * *")]
    return config.model_copy(update={"schedules": jobs})


def test_the_targets_of_a_notice_are_read_from_the_kinds_names(config: Config) -> None:
    settings = make_settings(config)
    assert parse_notice(settings, "全部 请各单位今天完成消杀") == (["property", "construction", "grid"], "请各单位今天完成消杀")
    assert parse_notice(settings, "物业、工地，明天上午开会") == (["property", "construction"], "明天上午开会")
    assert parse_notice(settings, "物业小区请于今日报送") == (["property"], "请于今日报送")
    assert parse_notice(settings, "网格 走访要到户") == (["grid"], "走访要到户")
    assert parse_notice(settings, "一下大家明天开会")[0] == []
    for said in ("收到", "收到！", "已阅", "👌", "翠园小区收到", "收到，马上落实", "好的收到"):
        assert is_acknowledgement(said), said
    for said in ("收到，翠园小区 测温320 体温异常0 已消杀", "今天测温了吗", "", "消杀收到的物资已经分发到各楼栋了"):
        assert not is_acknowledgement(said), said


async def test_a_notice_goes_out_comes_back_acknowledged_and_the_rest_are_reminded(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(with_notice_jobs(config), engine, tmp_path, start=at(11, 0)) as bot:
        assert await bot.post(PROPERTY_ROOM, "wxid_li_yangguang", NOTICE) == []  # not an admin: a person's notice
        sent = await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", NOTICE)
        rooms = {s.conversation_id: s.text for s in sent}
        assert set(rooms) == {PROPERTY_ROOM, CONSTRUCTION_ROOM, OFFICIALS_ROOM}  # not the grid group
        assert rooms[PROPERTY_ROOM].startswith("【通知1】请各单位今天17:00前完成公共区域全面消杀")
        assert "✅ 通知1已发往2个群（物业小区、在建工地），应回执6个单位" in rooms[OFFICIALS_ROOM]
        bot.clock.set(at(11, 5))
        assert await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "收到") == []  # recorded, silently
        assert await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "收到！") == []  # once per unit
        assert await bot.post(PROPERTY_ROOM, "wxid_li_yangguang", "阳光花园收到，马上落实") == []
        quote = "「周科长：【通知1】请各单位今天17:00前完成公共区域全面消杀」\n- - - - - - - - - - - - - - -\n已阅"
        assert await bot.post(CONSTRUCTION_ROOM, "wxid_chen_binjiang", quote) == []
        assert await bot.post(PROPERTY_ROOM, "wxid_stranger", "收到") == []  # no unit: not counted, silent
        assert await bot.post(GRID_ROOM, "wxid_zhang_grid", "收到") == []  # the grid was not sent it
        rate = "\n".join(s.text for s in await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", "回执 1"))
        assert rate == "通知1 已回执 3/6，未回执：锦绣华庭、幸福里小区、市一中迁建工程"
        reminded = [re.sub(r"@\S+?[\u2005 ]", "", line) for line in await tick(bot, at(14, 0))]  # the @names shown
        assert sorted(reminded) == sorted([
            f"{PROPERTY_ROOM}|⏰ 【通知1】还有2个单位未回执：锦绣华庭、幸福里小区，请收到后回复「收到」\n"
            "原文：请各单位今天17:00前完成公共区域全面消杀|wxid_zhao_jinxiu,wxid_sun_xingfu",
            f"{CONSTRUCTION_ROOM}|⏰ 【通知1】还有1个单位未回执：市一中迁建工程，请收到后回复「收到」\n"
            "原文：请各单位今天17:00前完成公共区域全面消杀|wxid_liu_yizhong"])
        report = await tick(bot, at(16, 30))
        assert report == [f"{OFFICIALS_ROOM}|📨 通知回执情况\n通知1 已回执 3/6，未回执：锦绣华庭、幸福里小区、市一中迁建工程|"]
        bot.clock.set(at(16, 40))
        await bot.post(PROPERTY_ROOM, "wxid_zhao_jinxiu", "👌")
        await bot.post(PROPERTY_ROOM, "wxid_sun_xingfu", "幸福里小区已收到")
        done = await bot.post(CONSTRUCTION_ROOM, "wxid_liu_yizhong", "收到")
        assert [(s.conversation_id, s.text) for s in done] == [(OFFICIALS_ROOM, "✅ 通知1 已全部回执（6/6）")]
        assert await tick(bot, at(14, 0, dt.date(2020, 2, 27))) == []  # nobody left to remind
    with Session(engine) as s:
        acks = circulars.acknowledgements(s, circular_id=1)
        assert [(a.name, a.words) for a in acks][:3] == [("王经理", "收到"), ("李主任", "阳光花园收到，马上落实"),
                                                          ("陈工", "已阅")]


async def test_a_notice_sent_privately_tells_its_sender_and_closes_after_its_window(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(with_notice_jobs(config), engine, tmp_path, start=at(9, 0)) as bot:
        sent = await bot.post(None, "wxid_admin_zhou", "通知 网格 今天走访要到户")
        said = {s.conversation_id: s.text for s in sent}
        assert set(said) == {GRID_ROOM, "wxid_admin_zhou"} and said[GRID_ROOM].startswith("【通知1】今天走访要到户")
        assert "发通知：通知 全部" in (await bot.post(None, "wxid_admin_zhou", "通知 一下大家"))[0].text
        report = await tick(bot, at(16, 30))
        assert f"wxid_admin_zhou|通知1 已回执 0/2，未回执：翠园网格、阳光网格|" in report
        bot.clock.set(at(9, 1, dt.date(2020, 2, 29)))  # past the 72-hour window
        assert await bot.post(GRID_ROOM, "wxid_zhang_grid", "收到") == []
        assert await tick(bot, at(14, 0, dt.date(2020, 2, 29))) == []
    with Session(engine) as s:
        assert circulars.acknowledgements(s, circular_id=1) == []


async def test_the_desk_sends_a_notice_and_lists_who_acknowledged_when(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(with_notice_jobs(config), engine, tmp_path, start=at(11, 0)) as bot:
        async with desk(config, engine, tmp_path) as c:
            await login(c, "plain")
            assert "发送到各群" not in await (await c.get("/notices")).text()  # only admins send
            assert (await c.post("/notices", data={"kind": "property", "text": "x"})).status == 403
            await login(c, "admin")
            page = await (await c.get("/notices")).text()
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            resp = await c.post("/notices", data={"csrf": token, "kind": ["property"], "text": "明天上午9点视频会议"},
                                allow_redirects=False)
            assert resp.status == 303 and resp.headers["Location"] == "/notices/1"
            before = len(bot.puppet.sent)
            await bot.settle()  # the bot's outbox sends what the desk queued
            assert [(s.conversation_id, s.text.split("\n")[0]) for s in bot.puppet.sent[before:]] == [
                (PROPERTY_ROOM, "【通知1】明天上午9点视频会议")]
            bot.clock.set(at(11, 20))
            await bot.post(PROPERTY_ROOM, "wxid_li_yangguang", "收到")
            detail = await (await c.get("/notices/1")).text()
            assert 'id="acked">1</b>/<b id="expected">4</b>' in detail
            assert "已回执 02-26 11:20 李主任「收到」" in detail and detail.count("未回执") == 3
            listing = await (await c.get("/notices")).text()
            assert "1/4" in listing and "收集中" in listing and "周科长" in listing
            assert (await c.get("/notices/9")).status == 404


async def test_the_export_has_a_sheet_of_each_notices_acknowledgements(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from handlers.export import write_workbook

    async with running_bot(with_notice_jobs(config), engine, tmp_path, start=at(11, 0)) as bot:
        await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", "通知 物业 请核对13812345678的来电")
        bot.clock.set(at(11, 3))
        await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "收到")
    with Session(engine) as s:
        write_workbook(s, make_settings(config), tmp_path / "out.xlsx", start=dt.date(2020, 2, 26),
                       end=dt.date(2020, 2, 26), masked=True)
    rows = list(load_workbook(tmp_path / "out.xlsx")["通知回执"].iter_rows(values_only=True))
    assert rows[0][:4] == ("通知", "发布时间", "内容", "单位") and len(rows) == 5
    assert rows[1][2] == "请核对138****5678的来电"  # masked, as everywhere
    assert [(r[3], r[6], r[7]) for r in rows[1:]] == [("翠园小区", "2020-02-26 11:03", "王经理"),
                                                      ("阳光花园小区", "未回执", None), ("锦绣华庭", "未回执", None),
                                                      ("幸福里小区", "未回执", None)]


async def test_a_desk_account_with_the_notices_permission_sends_to_the_companies(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.clock import FakeClock
    from bot.config import WebAccount
    from bot.web.app import make_app
    from bot.web.auth import hash_password

    account = WebAccount(username="office", name="办公室", password_hash=hash_password("pw-123456"),
                         permissions=["notices"])
    cfg = config.model_copy(update={"data_dir": tmp_path, "web": config.web.model_copy(update={"accounts": [account]})})
    async with running_bot(with_notice_jobs(config), engine, tmp_path, start=at(11, 0)) as bot:
        async with TestClient(TestServer(make_app(cfg, engine, FakeClock(at(11, 0))))) as c:
            token = re.search(r'name="csrf" value="([^"]+)"', await (await c.get("/login")).text()).group(1)  # type: ignore[union-attr]
            await c.post("/login", data={"csrf": token, "username": "office", "password": "pw-123456"})
            page = await (await c.get("/notices")).text()
            assert "发送到各群" in page and "各物业公司（私聊联系人）" in page
            assert (await c.get("/admin/units")).status == 403  # the permission is for notices only
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            await c.post("/notices", data={"csrf": token, "kind": ["companies"], "text": "请上报物资需求"})
            before = len(bot.puppet.sent)
            await bot.settle()
            assert sorted(s.conversation_id for s in bot.puppet.sent[before:]) == ["wxid_he_jincheng", "wxid_liu_huaqiang"]
            await bot.post(None, "wxid_he_jincheng", "收到")
            detail = await (await c.get("/notices/1")).text()
            assert 'id="acked">1</b>/<b id="expected">2</b>' in detail and "何经理「收到」" in detail
