"""The returning workers' register: a site's daily report checked against it (receipt and summary),
observation ending today listed; imported and exported as Excel (bad rows named, numbers masked unless
--whole); on the desk masked unless the account may see them whole, every look audited; purged
after its retention."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import make_settings
from bot.clock import FakeClock
from bot.config import Config, WebAccount
from bot.scheduler import limits_of, personal_keys
from bot.web.app import make_app
from bot.web.auth import hash_password
from handlers.summary import daily_summary
from storage import audit, queries, retention
from storage import workers as register
from storage.workers import WorkerRow
from tests.conftest import CONFIG
from tests.e2e import CONSTRUCTION_ROOM, running_bot
from tests.test_schedules_e2e import at

DAY = dt.date(2020, 2, 26)
ID = "430521199001011234"


def fill_register(engine: Engine) -> int:
    now = dt.datetime(2020, 2, 26, 1, tzinfo=dt.timezone.utc)
    with Session(engine) as s:
        site = next(u for u in queries.units_of_kind(s, kind="construction") if u.name == "滨江壹号项目")
        assert site.id is not None
        for name, back, test, record, id_number in (
                ("张伟", DAY, DAY, True, ID), ("李强", DAY, DAY, False, ""), ("王磊", DAY, None, False, ""),
                ("老王", dt.date(2020, 2, 12), dt.date(2020, 2, 13), True, ""),
                ("老李", dt.date(2020, 2, 12), dt.date(2020, 2, 13), True, "")):
            register.upsert(s, unit_id=site.id, row=WorkerRow(name, id_number, "13812345678" if name == "张伟" else "",
                                                              "湖南邵阳", back, test, "阴性" if test else "", record),
                            source="test", now=now)
        s.commit()
        return site.id


async def test_a_sites_report_is_checked_against_its_register(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(9, 0)) as bot:
        fill_register(engine)
        sent = await bot.post(CONSTRUCTION_ROOM, "wxid_chen_binjiang",
                              "项目：滨江壹号项目\n复工情况：已复工\n在岗人数：120\n返岗人数：5\n核酸检测：4\n健康档案：3\n体温异常：0")
        receipt = sent[0].text
        assert "⚠️ 与返岗人员档案不符：返岗 报5人、档案3人，请核对" in receipt  # 核酸 4 and 建档 3 agree
        assert "📋 今日14天观察期满：老王、老李" in receipt
        other = await bot.post(CONSTRUCTION_ROOM, "wxid_liu_yizhong", "项目：市一中迁建工程\n复工情况：已复工\n在岗人数：8\n返岗人数：2\n体温异常：0")
        assert "档案" not in other[0].text  # a site without a register is not checked
    with Session(engine) as s:
        summary = daily_summary(s, make_settings(config), DAY)
    assert "⚠️ 在建工地与返岗档案不符：滨江壹号项目（返岗报5/档案3）" in summary
    assert "⚠️ 在建工地今日14天观察期满：滨江壹号项目2人" in summary


async def test_the_desk_masks_the_register_unless_the_account_may_see_it_whole(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(9, 0)):
        pass
    site = fill_register(engine)
    accounts = [WebAccount(username="admin", name="周科长", password_hash=hash_password("pw-123456"), permissions=["admin"]),
                WebAccount(username="whole", name="吴主任", password_hash=hash_password("pw-123456"),
                           permissions=["admin", "see_personal_data"])]
    cfg = config.model_copy(update={"data_dir": tmp_path, "web": config.web.model_copy(update={"accounts": accounts})})
    async with TestClient(TestServer(make_app(cfg, engine, FakeClock(at(10, 0))))) as c:
        async def login(who: str) -> None:
            token = re.search(r'name="csrf" value="([^"]+)"', await (await c.get("/login")).text()).group(1)  # type: ignore[union-attr]
            await c.post("/login", data={"csrf": token, "username": who, "password": "pw-123456"})

        await login("admin")
        sites = await (await c.get("/workers")).text()
        assert f'<a href="/workers/{site}">滨江壹号项目</a>' in sites
        page = await (await c.get(f"/workers/{site}")).text()
        assert ID not in page and "13812345678" not in page and "138****5678" in page and "（今日期满）" in page
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        added = await (await c.post(f"/workers/{site}", data={"csrf": token, "name": "赵六", "returned_on": "2020-02-26",
                                                              "test_result": "待出"})).text()
        assert "已登记「赵六」" in added and "赵六" in added
        bad = await (await c.post(f"/workers/{site}", data={"csrf": token, "name": "钱七", "returned_on": "2月"})).text()
        assert "未保存：返岗日期「2月」不是日期" in bad
        await login("whole")
        assert ID in await (await c.get(f"/workers/{site}")).text()
    with Session(engine) as s:
        looks = [(e.who, e.whole) for e in audit.events(s) if e.action == "view" and "workers" in e.target]
    assert ("admin", False) in looks and ("whole", True) in looks


def test_the_register_comes_from_excel_and_goes_back_masked(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir", str(tmp_path)]
    subprocess.run([*base, "db", "upgrade"], check=True, capture_output=True)
    subprocess.run([*base, "workers", "template", "-o", str(tmp_path / "t.xlsx")], check=True, capture_output=True)
    wb = load_workbook(tmp_path / "t.xlsx")
    ws = wb["返岗人员"]
    ws.append(["滨江壹号", "张伟", ID, "13812345678", "湖南邵阳", "2020-02-20", "2020-02-21", "阴性", "是", None])
    ws.append(["月亮湾项目", "李强", "12345", "138", None, "昨天", None, "阳", "不知道", None])
    wb.save(tmp_path / "bad.xlsx")
    bad = subprocess.run([*base, "workers", "import", str(tmp_path / "bad.xlsx")], capture_output=True, text=True)
    assert bad.returncode != 0 and "未导入任何内容" in bad.stderr
    line = next(ln for ln in bad.stdout.splitlines() if ln.startswith("返岗人员表第3行"))
    for said in ("项目「月亮湾项目」不是已登记的在建工地", "身份证号应为18位", "手机应为11位数字", "核酸结果「阳」",
                 "健康档案「不知道」", "返岗日期「昨天」不是日期"):
        assert said in line, said
    ws.delete_rows(3)
    wb.save(tmp_path / "good.xlsx")
    good = subprocess.run([*base, "workers", "import", str(tmp_path / "good.xlsx")], capture_output=True, text=True)
    assert good.returncode == 0 and "新增 1 人" in good.stdout, good.stdout + good.stderr
    subprocess.run([*base, "workers", "export", "-o", str(tmp_path / "out.xlsx")], check=True, capture_output=True)
    row = list(load_workbook(tmp_path / "out.xlsx")["返岗人员"].iter_rows(values_only=True))[1]
    assert row[:4] == ("滨江壹号项目", "张伟", "4305**********1234", "138****5678") and row[9] == "2020-03-05"
    subprocess.run([*base, "workers", "export", "-o", str(tmp_path / "whole.xlsx"), "--whole"], check=True,
                   capture_output=True)
    assert list(load_workbook(tmp_path / "whole.xlsx")["返岗人员"].iter_rows(values_only=True))[1][2] == ID


async def test_the_register_is_purged_after_its_retention(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(9, 0)):
        pass
    site = fill_register(engine)
    later = dt.datetime(2020, 3, 28, 3, tzinfo=dt.timezone.utc)  # 老王 and 老李 ended on 2/26: 31 days on
    with Session(engine) as s:
        counts = retention.purge(s, now=later, limits=limits_of(config), personal_keys=personal_keys(config), dry_run=False)
        s.commit()
        left = [w.name for w in register.of_site(s, unit_id=site)]
    assert counts["returning_workers"] == 2 and sorted(left) == ["张伟", "李强", "王磊"]


async def test_the_export_holds_the_register_masked(config: Config, engine: Engine, tmp_path: Path) -> None:
    from handlers.export import write_workbook

    async with running_bot(config, engine, tmp_path, start=at(9, 0)):
        pass
    fill_register(engine)
    with Session(engine) as s:
        write_workbook(s, make_settings(config), tmp_path / "m.xlsx", start=DAY, end=DAY, masked=True)
        write_workbook(s, make_settings(config), tmp_path / "w.xlsx", start=DAY, end=DAY, masked=False)
    masked = list(load_workbook(tmp_path / "m.xlsx")["返岗人员"].iter_rows(values_only=True))
    whole = list(load_workbook(tmp_path / "w.xlsx")["返岗人员"].iter_rows(values_only=True))
    assert len(masked) == 6 and masked[1][:4] == ("滨江壹号项目", "张伟", "4305**********1234", "138****5678")
    assert whole[1][2] == ID
