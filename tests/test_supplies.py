"""The supplies ledger through the real Wechaty object: 入库 and 发放 by an admin (never more than the
store holds), the unit's group told with an @, 已领取 or the unit's next report confirming it, the
receipt showing what was issued; the ledger balances (bought = issued + held)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import make_settings
from bot.config import Config
from handlers.supplies import parse_items
from storage import supplies as ledger
from tests.e2e import OFFICIALS_ROOM, PROPERTY_ROOM, running_bot
from tests.test_schedules_e2e import at


def test_items_are_read_in_the_fields_words_and_measures(config: Config) -> None:
    settings = make_settings(config)
    assert parse_items(settings, "口罩5000 消毒液150桶 体温枪：30把") == (
        [("masks", 5000), ("disinfectant_barrels", 150), ("thermometers", 30)], [])
    assert parse_items(settings, "口罩 200，口罩100")[0] == [("masks", 300)]
    pairs, problems = parse_items(settings, "酒精20瓶")
    assert pairs == [] and problems == ["不认识的物资「酒精」（可写：口罩、消毒液、体温枪）"]


async def test_bought_issued_confirmed_and_balanced(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(9, 0)) as bot:
        assert await bot.post(OFFICIALS_ROOM, "wxid_li_yangguang", "入库 口罩5000") == []  # not an admin
        stocked = await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", "入库 口罩5000 消毒液150桶 体温枪30")
        assert [s.text for s in stocked] == ["✅ 已入库：口罩5000个、消毒液150桶、体温枪30把\n库存：口罩5000个、消毒液150桶、体温枪30把"]
        issued = {s.conversation_id: s for s in await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", "发放 翠园小区 口罩200 消毒液5桶")}
        assert issued[OFFICIALS_ROOM].text.startswith("✅ 已向翠园小区发放：口罩200个、消毒液5桶，待对方确认领取")
        assert "库存：口罩4800个、消毒液145桶、体温枪30把" in issued[OFFICIALS_ROOM].text
        told = issued[PROPERTY_ROOM]
        assert "📦 区里向翠园小区发放：口罩200个、消毒液5桶，领取后请回复「已领取」" in told.text
        assert told.mention_ids == ["wxid_wang_cuiyuan"]
        refused = await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", "发放 阳光花园 口罩9000")
        assert [s.text.split(" ", 1)[-1] for s in refused] == ["库存不足，未发放：现有口罩4800个"]
        assert "没有找到单位「月亮湾」" in (await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", "发放 月亮湾 口罩1"))[0].text
        assert await bot.post(PROPERTY_ROOM, "wxid_stranger", "已领取") == []
        got = await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "已领取")
        assert [s.text.split(" ", 1)[-1] for s in got] == ["✅ 翠园小区已确认领取：口罩200个、消毒液5桶"]
        await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", "发放 阳光花园 口罩100 体温枪2")
        receipt = await bot.post(PROPERTY_ROOM, "wxid_li_yangguang", "阳光花园小区 测温210 体温异常0 已消杀 口罩400")
        assert "📦 已确认领取区里发放的口罩100个" in receipt[0].text
        assert "📦 区里发放的体温枪2把待确认，领取后请回复「已领取」" in receipt[0].text
    with Session(engine) as s:
        balance = ledger.held(s)
        assert balance == {"masks": (5000, 300), "disinfectant_barrels": (150, 5), "thermometers": (30, 2)}
        moves = ledger.moves(s)
        assert all(isinstance(m.quantity, int) for m in moves)
        assert sorted((m.item, m.confirmed_by) for m in moves if m.direction == "out") == [
            ("disinfectant_barrels", "王经理"), ("masks", "日报"), ("masks", "王经理"), ("thermometers", None)]


async def test_the_desk_records_and_issues_and_the_export_has_the_ledger(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    import datetime as dt
    import re

    from openpyxl import load_workbook

    from handlers.export import write_workbook
    from tests.test_admin import desk, login

    async with running_bot(config, engine, tmp_path, start=at(9, 0)) as bot:
        async with desk(config, engine, tmp_path) as c:
            await login(c, "admin")
            page = await (await c.get("/supplies")).text()
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            landed = await (await c.post("/supplies", data={"csrf": token, "action": "in", "items": "口罩1000 体温枪10"})).text()
            assert "已入库：口罩1000个、体温枪10把" in landed
            landed = await (await c.post("/supplies", data={"csrf": token, "action": "out", "unit": "翠园",
                                                            "items": "口罩300"})).text()
            assert "已向翠园小区发放：口罩300个" in landed
            assert "库存不足" in await (await c.post("/supplies", data={"csrf": token, "action": "out", "unit": "翠园",
                                                                        "items": "体温枪11"})).text()
            before = len(bot.puppet.sent)
            await bot.settle()  # the bot tells the unit's group what the desk issued
            assert [s.text.split(" ", 1)[-1] for s in bot.puppet.sent[before:]] == [
                "📦 区里向翠园小区发放：口罩300个，领取后请回复「已领取」"]
            await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n口罩：200")
            page = await (await c.get("/supplies")).text()
            store = re.sub(r' data-label="[^"]*"', "", page.split('id="store"')[1].split("</table>")[0])
            assert "<td>口罩</td><td>1000个</td><td>300个</td><td><b>700个</b></td><td>0个</td>" in store
            assert ">200个（&lt;500）</td>" in page and "已领取（日报）" in page  # below 500; confirmed by the report
            await login(c, "plain")
            assert (await c.post("/supplies", data={"csrf": token, "action": "in", "items": "口罩1"})).status == 403
    with Session(engine) as s:
        write_workbook(s, make_settings(config), tmp_path / "out.xlsx", start=dt.date(2020, 2, 26),
                       end=dt.date(2020, 2, 26))
    rows = list(load_workbook(tmp_path / "out.xlsx")["物资台账"].iter_rows(values_only=True))
    assert rows[1][1:6] == ("入库", None, "口罩", 1000, "个") and rows[3][1:8] == ("发放", "翠园小区", "口罩", 300, "个", "周科长", "日报")
    assert ("口罩", 1000, 300, 700, "个") in [r[:5] for r in rows]


def test_the_ledger_is_imported_from_excel_row_by_row(tmp_path: Path) -> None:
    import subprocess
    import sys

    from openpyxl import Workbook

    from tests.conftest import CONFIG

    base = [sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir", str(tmp_path)]
    subprocess.run([*base, "db", "upgrade"], check=True, capture_output=True)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "物资"
    for row in (["类型", "单位", "物资", "数量", "经手人"], ["入库", None, "消毒液", 150, "周科长"],
                ["发放", "翠园", "消毒液", 20, "周科长"], ["发放", "月亮湾", "口罩", 5, None], ["发放", "翠园", "口罩", 1.5, None]):
        ws.append(row)
    wb.save(tmp_path / "bad.xlsx")
    bad = subprocess.run([*base, "supplies", "import", str(tmp_path / "bad.xlsx")], capture_output=True, text=True)
    assert bad.returncode != 0 and "物资表第4行：没有找到单位「月亮湾」" in bad.stdout
    assert "物资表第5行：数量「1.5」须是整数" in bad.stdout and "未导入任何内容" in bad.stderr
    ws.delete_rows(4, 2)
    wb.save(tmp_path / "good.xlsx")
    good = subprocess.run([*base, "supplies", "import", str(tmp_path / "good.xlsx")], capture_output=True, text=True)
    assert good.returncode == 0 and "发放 翠园小区 消毒液20桶" in good.stdout, good.stderr
    balance = subprocess.run([*base, "supplies"], capture_output=True, text=True, check=True).stdout
    assert "消毒液\t入库150桶\t发放20桶\t库存130桶" in balance
