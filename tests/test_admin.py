"""The admin pages as a district admin uses them in a browser (forms with the CSRF token), and what
the bot then does in the groups: a renamed unit is still understood by its old name, a retired
one is no longer reminded, a self-bind confirmed on the desk is reminded."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.clock import FakeClock
from bot.config import Config, WebAccount
from bot.web.app import make_app
from bot.web.auth import hash_password
from storage import audit
from storage.models import Group, Member, Unit
from tests.e2e import PROPERTY_ROOM, TZ, running_bot
from tests.test_schedules_e2e import at, tick

PASSWORD = "correct horse"
NOW = dt.datetime(2020, 2, 26, 8, 0, tzinfo=TZ)


@asynccontextmanager
async def desk(config: Config, engine: Engine, tmp_path: Path) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    accounts = [WebAccount(username="admin", name="周科长", password_hash=hash_password(PASSWORD),
                           permissions=["admin"]),
                WebAccount(username="plain", name="李科员", password_hash=hash_password(PASSWORD))]
    cfg = config.model_copy(update={"data_dir": tmp_path, "web": config.web.model_copy(update={"accounts": accounts})})
    async with TestClient(TestServer(make_app(cfg, engine, FakeClock(NOW)))) as c:
        yield c


async def login(c: TestClient, who: str) -> None:  # type: ignore[type-arg]
    page = await (await c.get("/login")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = await c.post("/login", data={"csrf": token, "username": who, "password": PASSWORD, "next": "/"},
                        allow_redirects=False)
    assert resp.status == 302


async def submit(c: TestClient, page: str, **fields: str) -> str:  # type: ignore[type-arg]
    """Post one of the page's forms as a browser would (the token from the page) and read where it lands."""
    text = await (await c.get(page)).text()
    token = re.search(r'name="csrf" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]
    resp = await c.post(page, data={"csrf": token, **fields})
    assert resp.status == 200
    return await resp.text()


def _id(engine: Engine, model: type, **where: str) -> int:  # type: ignore[type-arg]
    with Session(engine) as s:
        row = s.exec(select(model).filter_by(**where)).one()
        return int(row.id)


async def test_units_members_and_groups_are_managed_on_the_desk_and_audited(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(8, 0)) as bot:
        await bot.post(PROPERTY_ROOM, "wxid_new_guy", "我是 锦绣华庭")  # waits for 确认
    async with desk(config, engine, tmp_path) as c:
        await login(c, "plain")
        assert (await c.get("/admin/units")).status == 403  # a district account without admin
        assert (await c.post("/admin/units", data={"action": "add", "name": "x"})).status in (403,)
        await login(c, "admin")
        assert "管理" in await (await c.get("/")).text()
        page = await submit(c, "/admin/units", action="add", name="新华苑", kind="property", street="银湖街道",
                            community="银湖社区")
        assert "已新增单位「新华苑」" in page and "新华苑" in page
        again = await submit(c, "/admin/units", action="add", name="翠园", kind="property")
        assert "未修改：「翠园」已是某单位的名称或别名" in again
        cuiyuan = _id(engine, Unit, name="翠园小区")
        page = await submit(c, "/admin/units", action="rename", unit=str(cuiyuan), name="翠园花园小区")
        assert "「翠园小区」改名为「翠园花园小区」（旧名称保留为别名）" in page
        xingfu = _id(engine, Unit, name="幸福里小区")
        assert "已停用「幸福里小区」" in await submit(c, "/admin/units", action="retire", unit=str(xingfu))
        members = await (await c.get("/admin/members")).text()
        assert "待确认（我是…）" in members and "wxid_new_guy" in members
        new_guy = _id(engine, Member, contact_id="wxid_new_guy")
        assert "已确认「" in await submit(c, "/admin/members", action="confirm", member=str(new_guy))
        room = _id(engine, Group, room_id=PROPERTY_ROOM)
        groups = await (await c.get("/admin/groups")).text()
        assert "金山街道物业小区防控群" in groups and "配置文件" in groups
        assert "未修改：类别不认识" in await submit(c, "/admin/groups", action="kind", group=str(room), kind="nope")
        token = re.search(r'name="csrf" value="([^"]+)"', groups).group(1)  # type: ignore[union-attr]
        forged = await c.post("/admin/units", data={"csrf": "forged", "action": "retire", "unit": str(cuiyuan)})
        assert forged.status == 403 and token
    with Session(engine) as s:
        changes = [e.detail for e in audit.events(s, who="admin") if e.action == "admin"]
        assert any("新华苑" in d for d in changes) and any("改名" in d for d in changes)
        assert any("停用" in d for d in changes) and any("已确认" in d for d in changes)
        assert s.exec(select(Unit).where(Unit.id == cuiyuan)).one().active  # the forged post changed nothing
    # in the group: the old name still reads, the retired unit is not reminded, the confirmed reporter is
    async with running_bot(config, engine, tmp_path, start=at(8, 50)) as bot:
        sent = await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "小区：翠园小区\n测温：356\n体温异常：0\n消杀：是")
        assert "✅ 翠园花园小区" in (sent[0].text or "")
        reminder = "\n".join(await tick(bot, at(9, 0)))
    assert "幸福里小区" not in reminder and "新华苑" not in reminder  # retired; 新华苑 is not this group's
    assert "阳光花园小区" in reminder and "wxid_new_guy" in reminder  # the confirmed self-bind is @-ed
