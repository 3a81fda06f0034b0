"""A district's worth of units on the desk: the board and the admin lists searched (name, alias,
street, community, reporter), filtered (kind, street, community, 已报 / 未报 / 迟报 / 异常), the
units needing attention first, paged, the filters kept in every link; and 未报 on the board is
exactly what 进度 says in the group. Through aiohttp's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import Engine, insert
from sqlmodel import Session

from bot.config import Config
from storage import accounts, queries
from storage.models import Member, Report, ReportValue, Unit
from tests.e2e import PROPERTY_ROOM, TZ, running_bot
from tests.test_admin import desk, login, submit

DAY = dt.date(2020, 2, 26)
STREETS = ("金山街道", "银湖街道", "新城街道")


def tiles(page: str) -> list[tuple[str, str]]:
    """(state, name) of the board's unit tiles, in the order shown."""
    return re.findall(r'class="tile (\w+)"[^>]*><b>([^<]+)</b>', page)


def add_district(engine: Engine, n: int = 150) -> None:
    """n more property units over three streets; every third reported today (one with a fever case,
    some late), the 7th has the alias 七号院 and its reporter 郑丽."""
    with Session(engine) as s:
        units = [queries.add_unit(s, name=f"测试小区{i:03d}", kind="property", parent=STREETS[i % 3],
                                  community=f"{STREETS[i % 3][:2]}{i % 5}社区") for i in range(n)]
        units[7].aliases = ["七号院"]
        s.add(Member(contact_id="wxid_zheng", name="郑丽", unit_id=units[7].id, confirmed=True,
                     updated_at=dt.datetime(2020, 2, 20, tzinfo=dt.timezone.utc)))
        s.commit()
        ids = [u.id for u in units]
    now = dt.datetime(2020, 2, 26, 9, tzinfo=dt.timezone.utc)
    with engine.begin() as conn:
        for i, uid in enumerate(ids):
            if i % 3:
                continue
            rid = conn.execute(insert(Report.__table__).values(  # type: ignore[attr-defined]
                template="property_daily", kind="property", unit_id=uid, report_date=DAY, reporter_id=None,
                source_message_id=f"d{i}", raw_text="", status="ok", late=i % 9 == 3, nil=False, revision=1,
                created_at=now, updated_at=now)).inserted_primary_key[0]
            conn.execute(insert(ReportValue.__table__), [  # type: ignore[attr-defined]
                {"report_id": rid, "key": "residents_screened", "int_value": 100 + i, "text_value": None},
                {"report_id": rid, "key": "fever_cases", "int_value": 1 if i == 30 else 0, "text_value": None}])


async def test_the_missing_filter_lists_exactly_what_progress_calls_missing(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=dt.datetime(2020, 2, 26, 9, 0, tzinfo=TZ)) as bot:
        await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "小区：翠园小区\n测温：356\n体温异常：0\n消杀：是")
        await bot.post(PROPERTY_ROOM, "wxid_li_yangguang", "小区：阳光花园小区\n测温：210\n体温异常：2\n消杀：是")
        said = "\n".join(m.text for m in await bot.post(PROPERTY_ROOM, "wxid_admin_zhou", "进度"))
    missing = re.search(r"未报：(.+)", said).group(1).split("、")  # type: ignore[union-attr]
    assert sorted(missing) == ["幸福里小区", "锦绣华庭"]
    async with desk(config, engine, tmp_path) as c:
        await login(c, "plain")
        page = await (await c.get(f"/?date={DAY}&kind=property&state=missing")).text()
        assert sorted(name for _, name in tiles(page)) == sorted(missing)
        assert {state for state, _ in tiles(page)} == {"missing"}
        reported = await (await c.get(f"/?date={DAY}&kind=property&state=reported")).text()
        assert sorted(name for _, name in tiles(reported)) == ["翠园小区", "阳光花园小区"]
        anomaly = await (await c.get(f"/?date={DAY}&kind=property&state=anomaly")).text()
        assert tiles(anomaly) == [("anomaly", "阳光花园小区")]


async def test_a_district_is_searched_filtered_and_paged_with_what_needs_attention_first(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    add_district(engine)
    async with desk(config, engine, tmp_path) as c:
        await login(c, "plain")
        first = await (await c.get(f"/?date={DAY}&kind=property")).text()
        shown = tiles(first)
        assert len(shown) == 60 and "显示 1–60 / 共 150 个单位" in first and "第 1/3 页" in first
        assert shown[0] == ("anomaly", "测试小区030")  # the fever case leads, the missing follow
        assert [s for s, _ in shown[1:]] == ["missing"] * 59
        nxt = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        assert "kind=property" in nxt and f"date={DAY}" in nxt and "page=2" in nxt
        last = await (await c.get(nxt.replace("page=2", "page=3"))).text()
        assert "显示 121–150 / 共 150 个单位" in last and {s for s, _ in tiles(last)} == {"reported"}
        for words, expected in (("七号院", ["测试小区007"]), ("郑丽", ["测试小区007"]), ("测试小区01", None)):
            found = [n for _, n in tiles(await (await c.get(f"/?date={DAY}&q={words}")).text())]
            assert found == expected if expected else sorted(found) == [f"测试小区{i:03d}" for i in range(10, 20)]
        street = await (await c.get(f"/?date={DAY}&street=新城街道&state=missing")).text()
        assert {int(n[-3:]) for _, n in tiles(street)} == {i for i in range(150) if i % 3 == 2}  # none reported
        community = await (await c.get(f"/?date={DAY}&street=银湖街道&community=银湖1社区")).text()
        assert {int(n[-3:]) for _, n in tiles(community)} == {i for i in range(150) if i % 3 == 1 and i % 5 == 1}
        assert "没有符合条件的单位" in await (await c.get(f"/?date={DAY}&q=没有这个小区")).text()
        for bad in ("state=lost", "page=0", "page=abc"):
            resp = await c.get(f"/?date={DAY}&{bad}")
            assert resp.status == 400 and re.search("[\u4e00-\u9fff]", await resp.text())


async def test_admin_lists_are_searched_and_a_change_comes_back_to_the_same_list(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    add_district(engine)
    async with desk(config, engine, tmp_path) as c:
        await login(c, "admin")
        page = await (await c.get("/admin/units?q=七号院")).text()
        assert re.findall(r'<tr data-unit="\d+"><td data-label="名称">([^<]+)<', page) == ["测试小区007"]
        everyone = await (await c.get("/admin/units?kind=property&page=2")).text()
        assert "显示 51–100 / 共 150 个单位" in everyone and "第 2/3 页" in everyone
        yinhu = await (await c.get("/admin/units?street=银湖街道&state=active")).text()
        assert "共 50 个单位" in yinhu and 'rel="next"' not in yinhu
        unit = re.search(r'data-unit="(\d+)"', page).group(1)  # type: ignore[union-attr]
        landed = await submit(c, "/admin/units?q=七号院", action="rename", unit=unit, name="七号大院",
                              back="/admin/units?q=七号院")
        assert "「测试小区007」改名为「七号大院」" in landed and 'value="七号院"' in landed  # the same search, still
        members = await (await c.get("/admin/members?q=郑丽")).text()
        assert "wxid_zheng" in members and 'list="unit-names"' in members
        zheng = re.search(r'name="member" value="(\d+)"', members).group(1)  # type: ignore[union-attr]
        bound = await submit(c, "/admin/members?q=郑丽", action="bind", member=zheng, unit_name="测试小区008",
                             back="/admin/members?q=郑丽")
        assert "「郑丽」绑定到「测试小区008」" in bound
        nowhere = await submit(c, "/admin/members", action="bind", member=zheng, unit_name="不存在小区")
        assert "未修改：没有名称或别名为「不存在小区」的在用单位" in nowhere
        away = await c.post("/admin/members", data={"csrf": re.search(r'name="csrf" value="([^"]+)"', members).group(1),  # type: ignore[union-attr]
                                                     "action": "confirm", "member": zheng, "back": "https://evil.example/"},
                            allow_redirects=False)
        assert away.status == 303 and away.headers["Location"].startswith("/admin/members?msg=")
    with Session(engine) as s:
        assert s.get(Unit, int(unit)).name == "七号大院"  # type: ignore[union-attr]


async def test_the_accounts_page_lists_every_account_and_unlocks_a_locked_one(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    now = dt.datetime(2020, 2, 26, 8, tzinfo=dt.timezone.utc)
    with Session(engine) as s:
        for _ in range(accounts.LOCK_AFTER):
            accounts.failed(s, username="plain", address="10.0.0.9", now=now)
        s.commit()
    async with desk(config, engine, tmp_path) as c:
        await login(c, "admin")
        page = await (await c.get("/admin/users")).text()
        assert re.search(r'<tr class="down"><td data-label="用户名">plain</td>', page) and "解锁" in page
        assert "周科长" in page and "管理" in page.split('data-label="权限">')[1][:20]
        landed = await submit(c, "/admin/users", action="unlock", username="plain")
        assert "已解锁账号「plain」" in landed and "已锁定" not in landed
        assert "未修改：账号「plain」没有被锁定" in await submit(c, "/admin/users", action="unlock", username="plain")
        await login(c, "plain")  # the right password works again
        assert (await c.get("/admin/users")).status == 403  # and it is not an admin
