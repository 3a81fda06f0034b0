"""The officials' desk through aiohttp's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook
from sqlalchemy import Engine

from bot.clock import FakeClock
from bot.config import Config, WebAccount
from bot.web.app import make_app
from bot.web.auth import hash_password
from tests.chart_reading import drawn
from tests.e2e import CONSTRUCTION_ROOM, PROPERTY_ROOM, TZ, running_bot

NOW = dt.datetime(2020, 2, 26, 17, 0, tzinfo=TZ)
PASSWORD = "correct horse"


async def _fill(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=dt.datetime(2020, 2, 26, 9, 0, tzinfo=TZ)) as bot:
        await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "小区：翠园小区\n测温：356\n体温异常：0\n消杀：是")
        await bot.post(PROPERTY_ROOM, "wxid_li_yangguang", "小区：阳光花园小区\n测温：210\n体温异常：2\n消杀：是")
        await bot.post(PROPERTY_ROOM, "wxid_sun_xingfu", "小区：幸福里小区\n测温：80\n体温异常：0\n消杀：是")
        await bot.post(CONSTRUCTION_ROOM, "wxid_chen_binjiang", "项目：滨江壹号项目\n复工情况：已复工\n在岗人数：120\n体温异常：0")
        await bot.post(PROPERTY_ROOM, "wxid_admin_zhou", "交办：翠园小区 3栋垃圾未清运，限2月25日前整改 @王经理",
                       mention_ids=["wxid_wang_cuiyuan"])
        await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "小区：翠园小区\n测温：360\n体温异常：0\n消杀：是")  # a repost
        await bot.post(PROPERTY_ROOM, "wxid_admin_zhou", "交办：阳光花园小区 消防通道堆物，限3月1日前整改")
        await bot.post(PROPERTY_ROOM, "wxid_li_yangguang", "整改 #2 已完成")
        await bot.puppet.post_image(PROPERTY_ROOM, "wxid_li_yangguang", b"\xff\xd8after", name="after.jpg",
                                    timestamp_ms=int(bot.clock.now().timestamp() * 1000))
        await bot.settle()


@asynccontextmanager
async def client(config: Config, engine: Engine, tmp_path: Path,  # type: ignore[type-arg]
                 now: dt.datetime = NOW) -> AsyncIterator[TestClient]:
    accounts = [WebAccount(username="zhou", name="周科长", password_hash=hash_password(PASSWORD)),
                WebAccount(username="yinhu", name="银湖街道", password_hash=hash_password(PASSWORD), street="银湖街道")]
    cfg = config.model_copy(update={"data_dir": tmp_path, "web": config.web.model_copy(update={"accounts": accounts})})
    app = make_app(cfg, engine, FakeClock(now))
    async with TestClient(TestServer(app)) as c:
        yield c


async def login(c: TestClient, username: str, password: str = PASSWORD) -> int:  # type: ignore[type-arg]
    page = await (await c.get("/login")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = await c.post("/login", data={"csrf": token, "username": username, "password": password, "next": "/"},
                        allow_redirects=False)
    return resp.status


async def test_nothing_without_login_but_healthz(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with client(config, engine, tmp_path) as c:
        assert (await c.get("/", allow_redirects=False)).status == 302
        assert (await c.get("/api/problems")).status == 401
        assert (await c.get("/export.xlsx", allow_redirects=False)).status == 302
        health = await c.get("/healthz")
        assert health.status == 200
        body = await health.json()
        assert body["database"] is True and body["outbox_backlog"] == 0 and body["connected"] is None
        assert (await c.post("/login", data={"username": "zhou", "password": PASSWORD})).status == 403  # no CSRF
        assert await login(c, "zhou", "wrong password") == 401
        assert (await c.get("/api/problems")).status == 401


async def test_the_board_opens_on_the_last_day_with_reports_and_agrees_with_the_api(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    await _fill(config, engine, tmp_path)
    async with client(config, engine, tmp_path, now=NOW + dt.timedelta(days=3)) as c:  # nothing reported since
        assert await login(c, "zhou") == 302
        page = await (await c.get("/")).text()
        assert "2020-02-26 报送情况" in page and 'id="notice"' in page and "今日（2020-02-29）还没有报送" in page
        board_says = int(re.search(r'id="t-reported">(\d+)<', page).group(1))  # type: ignore[union-attr]
        api = await (await c.get("/api/days/2020-02-26")).json()
        assert board_says == api["totals"]["reported"] == 4  # 已报 counts late and anomalous reports too
        assert api["totals"]["on_time"] + api["totals"]["late"] + api["totals"]["anomaly"] == 4
        today = await (await c.get("/?date=2020-02-29")).text()  # asked for: shown as it is, empty
        assert 'id="t-reported">0<' in today and 'id="notice"' not in today


async def test_day_board_and_api_match_storage(config: Config, engine: Engine, tmp_path: Path) -> None:
    await _fill(config, engine, tmp_path)
    async with client(config, engine, tmp_path) as c:
        assert await login(c, "zhou") == 302
        page = await (await c.get("/?date=2020-02-26")).text()
        assert 'id="t-units">8<' in page and 'id="t-missing">4<' in page and 'id="t-anomaly">1<' in page
        assert "<svg" in page and "物业小区已报" in page  # the trend
        assert "阳光花园小区" in page and "体温异常2人" in page and "https://" not in page  # no external assets
        day = await (await c.get("/api/days/2020-02-26?kind=property")).json()
        states = {u["name"]: u["state"] for u in day["units"]}
        assert states == {"翠园小区": "reported", "阳光花园小区": "anomaly", "锦绣华庭": "missing", "幸福里小区": "reported"}
        unit_id = next(u["id"] for u in day["units"] if u["name"] == "翠园小区")
        reports = await (await c.get(f"/api/units/{unit_id}/reports?date=2020-02-26&days=7")).json()
        assert reports["reports"][0]["values"]["residents_screened"] == 360 and reports["reports"][0]["revision"] == 2
        unit_text = await (await c.get(f"/units/{unit_id}?date=2020-02-26")).text()
        assert "2020-02-26 第1版：测温 356" in unit_text and "<svg" in unit_text  # the earlier version, a trend chart
        assert "<polyline" in await (await c.get(f"/units/{unit_id}?date=2020-02-26&days=30")).text()
        open_problem, closed = await (await c.get("/api/problems")).json()
        assert open_problem["overdue"] and open_problem["unit"] == "翠园小区" and open_problem["deadline"] == "2020-02-25"
        assert closed["status"] == "closed" and closed["photos"] == 1
        problems_html = await (await c.get("/problems")).text()
        assert "逾期" in problems_html and f'/problems/{closed["number"]}/photos/0' in problems_html
        photo = await c.get(f'/problems/{closed["number"]}/photos/0')
        assert photo.status == 200 and await photo.read() == b"\xff\xd8after"
        assert (await c.get(f'/problems/{closed["number"]}/photos/1')).status == 404
        summary = await (await c.get("/api/summary/2020-02-26")).json()
        assert "【物业小区】已报 3/4" in summary["text"]
        spec = await (await c.get("/api/openapi.json")).json()
        assert spec["openapi"].startswith("3.") and "/api/days/{date}" in spec["paths"]
        xlsx = await c.get("/export.xlsx?from=2020-02-26&to=2020-02-26")
        assert xlsx.status == 200
        rows = list(load_workbook(io.BytesIO(await xlsx.read()))["防控日报"].iter_rows(values_only=True))
        assert [r[1] for r in rows[1:]] == ["翠园小区", "阳光花园小区", "幸福里小区"]


async def test_street_account_sees_only_its_street(config: Config, engine: Engine, tmp_path: Path) -> None:
    await _fill(config, engine, tmp_path)
    async with client(config, engine, tmp_path) as c:
        assert await login(c, "yinhu") == 302
        day = await (await c.get("/api/days/2020-02-26")).json()
        assert {u["name"] for u in day["units"]} == {"幸福里小区", "市一中迁建工程"}
        cuiyuan = next(u["id"] for u in await (await c.get("/api/units")).json() if u["name"] == "幸福里小区") - 3
        assert (await c.get(f"/units/{cuiyuan}")).status == 404  # 翠园小区 is in 金山街道
        assert (await c.get(f"/api/units/{cuiyuan}/reports")).status == 404
        assert await (await c.get("/api/problems")).json() == []
        assert (await c.get("/problems/2/photos/0")).status == 404  # not in this street
        assert (await c.get("/api/summary/2020-02-26")).status == 403
        xlsx = await c.get("/export.xlsx?from=2020-02-26&to=2020-02-26")
        rows = list(load_workbook(io.BytesIO(await xlsx.read()))["防控日报"].iter_rows(values_only=True))
        assert [r[1] for r in rows[1:]] == ["幸福里小区"]


async def test_logout_needs_csrf(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with client(config, engine, tmp_path) as c:
        assert await login(c, "zhou") == 302
        assert (await c.post("/logout", data={}, allow_redirects=False)).status == 403
        page = await (await c.get("/")).text()
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert (await c.post("/logout", data={"csrf": token}, allow_redirects=False)).status == 302
        assert (await c.get("/api/problems")).status == 401


async def test_vocabulary_page_shows_what_to_teach(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=dt.datetime(2020, 2, 26, 9, 0, tzinfo=TZ)) as bot:
        for who in ("wxid_wang_cuiyuan", "wxid_li_yangguang"):
            await bot.post(PROPERTY_ROOM, who, "小区：翠园小区\n门岗查验：300人\n体温异常：0\n消杀：是")
        await bot.post(PROPERTY_ROOM, "wxid_admin_zhou", "学习 外来车辆=外来人员登记")
    async with client(config, engine, tmp_path) as c:
        await login(c, "zhou")
        page = re.sub(r' data-label="[^"]*"', "", await (await c.get("/vocabulary?date=2020-02-26")).text())
        await login(c, "yinhu")
        street = await c.get("/vocabulary?date=2020-02-26")
    assert "<td>2020-02-26</td><td>防控日报</td><td>门岗查验</td><td>2</td>" in page
    assert "<td>防控日报</td><td>外来车辆</td><td>外来人员登记</td>" in page
    assert street.status == 403


async def test_a_sites_chart_agrees_with_its_table_on_a_day_with_a_filing(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    """A daily report and a 复工报备 filing the same day: the chart draws 在岗 120, as the table shows
    (the filing used to stand in for the day's report: 在岗 0, 最高1)."""
    async with running_bot(config, engine, tmp_path, start=dt.datetime(2020, 2, 26, 9, 0, tzinfo=TZ)) as bot:
        await bot.post(CONSTRUCTION_ROOM, "wxid_chen_binjiang", "项目：滨江壹号项目\n复工情况：已复工\n在岗人数：120\n体温异常：0")
        await bot.post(CONSTRUCTION_ROOM, "wxid_chen_binjiang",
                       "复工报备\n项目名称：滨江壹号项目\n施工单位：中建某局\n计划复工日期：3月2日\n复工人数：120人\n"
                       "防控方案：有\n负责人：张三\n联系电话：13812345678")
    async with client(config, engine, tmp_path) as c:
        assert await login(c, "zhou") == 302
        units = await (await c.get("/api/units")).json()
        site = next(u["id"] for u in units if u["name"] == "滨江壹号项目")
        page = await (await c.get(f"/units/{site}?date=2020-02-26")).text()
    charts = drawn(page)
    assert charts["工地日报·在岗"]["2020-02-26"] == 120 and charts["复工报备·复工人数"]["2020-02-26"] == 120
    rows = re.findall(r'<tr><td data-label="日期">2020-02-26</td><td data-label="报表">([^<]+)</td>(.*?)</tr>', page)
    daily = dict(re.findall(r'data-label="([^"]+)">([^<]*)<', dict(rows)["工地日报"]))
    assert daily["在岗"] == "120"  # the table's figure is the chart's
