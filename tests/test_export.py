"""Export to Excel and CSV, checked cell by cell against the stored reports."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import make_settings
from bot.config import Config
from handlers.export import headers, write_workbook
from storage import queries
from tests.conftest import CONFIG, ROOT
from tests.e2e import CONSTRUCTION_ROOM, OFFICIALS_ROOM, PROPERTY_ROOM, TZ, Harness, running_bot

DAY = dt.date(2020, 2, 26)
PHONE = "13812345678"


async def _fill(bot: Harness) -> None:
    await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "小区：翠园小区\n测温：356\n外来登记：5\n体温异常：0\n消杀：是\n口罩：800")
    await bot.post(PROPERTY_ROOM, "wxid_li_yangguang", "小区：阳光花园小区\n测温：210\n体温异常：2\n消杀：否\n备注：发热2人已上报")
    await bot.post(CONSTRUCTION_ROOM, "wxid_chen_binjiang", "项目：滨江壹号项目\n复工情况：已复工\n在岗人数：120\n体温异常：0")
    await bot.post(CONSTRUCTION_ROOM, "wxid_chen_binjiang",
                   f"复工报备\n项目名称：滨江壹号项目\n施工单位：中建某局\n计划复工日期：3月2日\n复工人数：120\n防控方案：有\n负责人：张三\n联系电话：{PHONE}")


async def test_workbook_matches_stored_reports_cell_by_cell(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=dt.datetime(2020, 2, 26, 9, 0, tzinfo=TZ)) as bot:
        await _fill(bot)
    settings = make_settings(config)
    path = tmp_path / "out.xlsx"
    with Session(engine) as s:
        assert write_workbook(s, settings, path, start=DAY, end=DAY) == 4
        stored = {(r.template, r.unit_id): queries.report_values(s, report_id=r.id)  # type: ignore[arg-type]
                  for r in queries.reports_on(s, report_date=DAY)}
        units = {u.name: u.id for k in config.kinds for u in queries.units_of_kind(s, kind=k)}
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总", "分级汇总", "防控日报", "工地日报", "复工报备", "网格日报", "通知回执", "物资台账", "返岗人员"]
    levels = list(wb["分级汇总"].iter_rows(values_only=True))
    assert levels[0] == ("日期", "类别", "街道", "社区", "应报", "已报", "迟报", "未报单位")
    by_part = {(r[1], r[2], r[3]): r[4:] for r in levels[1:]}
    assert sum(r[0] for k, r in by_part.items() if k[0] == "物业小区") == 4  # every property unit in one part
    assert sum(r[1] for k, r in by_part.items()) == len({(t, u) for t, u in stored if t != "resumption_filing"})
    for template in config.templates:
        ws = wb[template.name]
        rows = list(ws.iter_rows(values_only=True))
        assert list(rows[0]) == headers(template)  # Chinese headers in template order
        for row in rows[1:]:
            assert row[0].date() == DAY  # type: ignore[union-attr]
            values = stored[(template.id, units[row[1]])]
            fields = [f for f in template.fields if f.key not in (template.unit_field, template.date_field)]
            for f, got in zip(fields, row[3:], strict=False):
                want = values.get(f.key)
                if f.type.value == "bool" and want is not None:
                    want = "是" if want else "否"
                elif f.type.value == "enum" and want is not None:
                    want = f.words[str(want)][0]
                elif f.type.value == "date" and want is not None:
                    want, got = dt.date.fromisoformat(str(want)), got.date()  # type: ignore[union-attr]
                assert got == want, (template.id, f.key)
    property_rows = list(wb["防控日报"].iter_rows(values_only=True))
    assert [r[1] for r in property_rows[1:]] == ["翠园小区", "阳光花园小区"] and property_rows[1][3] == 356
    phone_col = headers(config.template("resumption_filing")).index("联系电话")
    assert list(wb["复工报备"].iter_rows(values_only=True))[1][phone_col] == PHONE  # an operator's export is whole
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert summary[0] == ("日期", "类别", "已报", "应报", "迟报", "指标", "合计")
    assert any(r[1] == "物业小区" and r[5] == "测温人数" and r[6] == 566 and r[2] == 2 and r[3] == 4 for r in summary)
    assert any(r[1] == "在建工地" and r[2] == 1 for r in summary)  # the filing is not a daily report


def test_wxbot_export_xlsx_and_csv(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text((CONFIG).read_text(encoding="utf-8").replace("data_dir: data", f"data_dir: {tmp_path}"),
                   encoding="utf-8")
    demo = subprocess.run([sys.executable, "-m", "bot", "--config", str(cfg), "demo", "--keep", str(tmp_path)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert demo.returncode == 0, demo.stderr
    run = [sys.executable, "-m", "bot", "--config", str(cfg), "export", "--from", "2020-02-20", "--to", "2020-02-26"]
    xlsx = subprocess.run([*run, "-o", str(tmp_path / "week.xlsx")], capture_output=True, text=True, check=False)
    assert xlsx.returncode == 0, xlsx.stderr
    assert "份报送（2020-02-20 至 2020-02-26）" in xlsx.stdout
    assert len(list(load_workbook(tmp_path / "week.xlsx")["防控日报"].iter_rows())) == 5  # header + 4 communities
    out = subprocess.run([*run, "--kind", "grid", "-o", str(tmp_path / "grid.csv")], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    with (tmp_path / "grid.csv").open(encoding="utf-8-sig") as f:  # the file asked for, and no other
        rows = list(csv.reader(f))
    assert rows[0][:5] == ["报表", "日期", "单位", "所属街道", "走访户数"] and len(rows) == 3
    assert sorted(p.name for p in tmp_path.glob("*.csv")) == ["grid.csv"]
    bad = subprocess.run([*run[:-4], "--from", "2020-02-26", "--to", "2020-02-20", "-o", "x.xlsx"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "--to 早于 --from" in bad.stderr


async def test_export_command_sends_the_workbook(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=dt.datetime(2020, 2, 26, 9, 0, tzinfo=TZ)) as bot:
        await _fill(bot)
        sent = await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", "导出")
        private = await bot.post(None, "wxid_admin_zhou", "导出")
        denied = await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "导出")
    assert "报表（4份报送）" in (sent[0].text or "") and sent[1].file_name and sent[1].conversation_id == OFFICIALS_ROOM
    assert "仅限" in (denied[0].text or "")
    exports = sorted((tmp_path / "exports").glob("*.xlsx"))
    assert len(exports) == 2
    group_book, private_book = (load_workbook(p)["复工报备"] for p in exports)
    phone_col = headers(config.template("resumption_filing")).index("联系电话")
    assert list(group_book.iter_rows(values_only=True))[1][phone_col] == "138****5678"  # shown in a group: masked
    assert list(private_book.iter_rows(values_only=True))[1][phone_col] == PHONE  # an admin, privately: whole
    assert private[1].conversation_id == "wxid_admin_zhou"
