"""The roster from Excel and `wxbot doctor`, through the installed command as a clerk would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Member, Unit
from tests.conftest import CONFIG

KINDS = ("物业小区", "在建工地", "网格")


def wxbot(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHATY_", "WXBOT_"))}
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir", str(data), *args],
                          capture_output=True, text=True, input=stdin, env=env, check=False, timeout=120)


def book(path: Path, units: list[list[object]], people: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "单位"
    ws.append(["名称", "类别", "街道", "社区", "别名", "报送人", "状态"])
    for row in units:
        ws.append(row)
    ps = wb.create_sheet("人员")
    ps.append(["姓名", "微信号", "单位", "角色", "手机"])
    for row in people:
        ps.append(row)
    wb.save(path)
    return path


def district(n: int = 120) -> tuple[list[list[object]], list[list[object]]]:
    """n units over 4 streets and 12 communities, one reporter each: 116 communities, 36 sites, grids."""
    units, people = [], []
    for i in range(n):
        kind = KINDS[i % 3]
        name = {"物业小区": f"第{i:03d}小区", "在建工地": f"第{i:03d}号工地项目", "网格": f"第{i:03d}网格"}[kind]
        units.append([name, kind, f"第{i % 4}街道", f"第{i % 12}社区", f"{i:03d}号", f"报送人{i}", ""])
        people.append([f"报送人{i}", f"wxid_r{i:03d}", "", "网格员" if kind == "网格" else "报送人", f"1391234{i:04d}"])
    return units, people


def test_a_workbook_of_120_units_is_checked_row_by_row_previewed_then_applied(tmp_path: Path) -> None:
    assert wxbot(tmp_path, "db", "upgrade").returncode == 0
    units, people = district()
    bad = [*units, ["", "物业小区"], ["某学校", "学校"], [units[0][0], "物业小区"], ["新小区", "物业小区", "", "", "",
                                                                                        "不认识的人"]]
    bad_people = [*people, ["没微信号", ""], ["张三", "wxid_zs", "不存在单位", "保安", "123"]]
    first = wxbot(tmp_path, "roster", "import", str(book(tmp_path / "bad.xlsx", bad, bad_people)), "--dry-run")
    assert first.returncode == 2 and "未导入任何内容" in first.stderr
    lines = first.stdout.splitlines()
    assert "单位表第122行：名称没有填" in lines
    assert "单位表第123行：类别「学校」不认识（可填：物业小区、在建工地、网格）" in lines
    assert "单位表第124行：单位「第000小区」与第2行重复" in lines
    assert "单位表第125行：报送人「不认识的人」不在「人员」表里（填姓名或微信号）" in lines
    assert "人员表第122行：微信号没有填（群成员的微信号，如 wxid_abc123）" in lines
    assert any(line.startswith("人员表第123行：角色「保安」不认识") and "手机「123」不是11位手机号" in line for line in lines)
    assert "Traceback" not in first.stderr + first.stdout

    good = book(tmp_path / "名单.xlsx", units, people)
    preview = wxbot(tmp_path, "roster", "import", str(good), "--dry-run")
    assert preview.returncode == 0, preview.stderr
    assert "新增单位 120:" in preview.stdout and "新增人员 120:" in preview.stdout and "没有改动任何内容" in preview.stdout
    assert "停用单位 8:" in preview.stdout and "翠园小区：配置文件里的示例单位，名单里没有，停用" in preview.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'wxbot.db'}")
    with Session(engine) as s:
        assert len(s.exec(select(Unit)).all()) == 8  # the dry run changed nothing

    applied = wxbot(tmp_path, "roster", "import", str(good))
    assert applied.returncode == 0 and "已导入 名单.xlsx：120 个单位，120 人" in applied.stdout
    with Session(engine) as s:
        unit = s.exec(select(Unit).where(Unit.name == "第003小区")).one()
        assert unit.parent == "第3街道" and unit.community == "第3社区" and unit.aliases == ["003号"]
        member = s.exec(select(Member).where(Member.contact_id == "wxid_r003")).one()
        assert member.unit_id == unit.id and member.confirmed and member.name == "报送人3"
        assert s.exec(select(Member).where(Member.contact_id == "wxid_r002")).one().role == "grid_worker"
    again = wxbot(tmp_path, "roster", "import", str(good), "--dry-run")
    assert "新增" not in again.stdout and "停用" not in again.stdout and "未变的行：240" in again.stdout  # twice: nothing

    # the database is the roster's home: a restart (db upgrade, run) does not undo the import
    units[3][2] = "第9街道"
    wxbot(tmp_path, "roster", "import", str(book(tmp_path / "moved.xlsx", units, people)))
    assert wxbot(tmp_path, "db", "upgrade").returncode == 0
    out = tmp_path / "现有名单.xlsx"
    assert wxbot(tmp_path, "roster", "export", "-o", str(out)).returncode == 0
    sheet = load_workbook(out)["单位"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["第003小区"][2] == "第9街道" and rows["第003小区"][5] == "报送人3" and len(rows) == 128
    with Session(engine) as s:  # config's examples: retired by the first roster, not brought back by db upgrade
        example = s.exec(select(Unit).where(Unit.name == "翠园小区")).one()
        assert example.parent == "金山街道" and not example.active
    engine.dispose()
    # the export reads back as the same roster
    reread = wxbot(tmp_path, "roster", "import", str(out), "--dry-run")
    assert reread.returncode == 0 and "新增" not in reread.stdout and "修改" not in reread.stdout, reread.stdout


def test_the_template_is_a_workbook_with_the_sheets_and_help(tmp_path: Path) -> None:
    out = tmp_path / "roster.xlsx"
    proc = wxbot(tmp_path, "roster", "template", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    wb = load_workbook(out)
    assert wb.sheetnames == ["单位", "人员", "公司", "说明"]
    assert [c.value for c in wb["单位"][1]] == ["名称", "类别", "街道", "社区", "别名", "报送人", "状态", "物业公司"]
    assert "物业小区、在建工地、网格" in str(wb["说明"]["A2"].value)
    assert wxbot(tmp_path, "roster", "template", "-o", str(tmp_path / "x.txt")).returncode == 2


def test_doctor_says_what_is_missing_then_all_good(tmp_path: Path) -> None:
    data = tmp_path / "d"
    fresh = wxbot(data, "doctor")
    assert fresh.returncode == 1 and "✗ database" in fresh.stdout and "→ wxbot db upgrade" in fresh.stdout
    assert "Traceback" not in fresh.stdout + fresh.stderr
    assert wxbot(data, "db", "upgrade").returncode == 0
    assert wxbot(data, "user", "add", "zhou", "--name", "周科长", "--permission", "admin", "--password-stdin",
                 stdin="a long password\n").returncode == 0
    done = wxbot(data, "doctor")
    lines = done.stdout.splitlines()
    assert "✓ database: schema" in done.stdout and "✓ desk accounts: 1 (1 admin)" in done.stdout
    assert "✓ data directory" in done.stdout and "✓ time zone: Asia/Shanghai" in done.stdout
    font = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    assert ("✓ chart font" if font.exists() else "✗ chart font") in done.stdout
    assert done.returncode == (0 if font.exists() else 1) and not [ln for ln in lines if ln.startswith("✗")
                                                                   and "chart font" not in ln]
    os.chmod(data, 0o755)
    assert "✗ data directory" in wxbot(data, "doctor").stdout and "chmod 700" in wxbot(data, "doctor").stdout


def test_two_people_of_one_name_are_a_row_error_not_a_traceback(tmp_path: Path) -> None:
    """Two 王伟 in the people sheet, each named as 报送人 by a unit: one clear line per row, exit 2."""
    assert wxbot(tmp_path, "db", "upgrade").returncode == 0
    units = [["东湖小区", "物业小区", "", "", "", "王伟", ""], ["西湖小区", "物业小区", "", "", "", "王伟", ""]]
    people = [["王伟", "wxid_ww1", "", "报送人", ""], ["王伟", "wxid_ww2", "", "报送人", ""]]
    done = wxbot(tmp_path, "roster", "import", str(book(tmp_path / "same.xlsx", units, people)), "--dry-run")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "单位表第2行：报送人「王伟」在「人员」表里有两人同名，请填微信号" in done.stdout
    assert "单位表第3行" in done.stdout
    fixed = [["东湖小区", "物业小区", "", "", "", "wxid_ww1", ""], ["西湖小区", "物业小区", "", "", "", "wxid_ww2", ""]]
    ok = wxbot(tmp_path, "roster", "import", str(book(tmp_path / "fixed.xlsx", fixed, people)))
    assert ok.returncode == 0, ok.stderr


def test_companies_come_with_the_roster_and_go_back_out(tmp_path: Path) -> None:
    assert wxbot(tmp_path, "db", "upgrade").returncode == 0
    path = book(tmp_path / "c.xlsx", [], [])
    wb = load_workbook(path)
    ws = wb["单位"]
    ws.delete_rows(1)
    ws.append(["名称", "类别", "街道", "社区", "别名", "报送人", "状态", "物业公司"])
    ws.append(["海棠湾小区", "物业小区", "银湖街道", "银湖社区", "", "", "", "万家物业"])
    ws.append(["梧桐苑", "物业小区", "银湖街道", "银湖社区", "", "", "", "没登记的物业"])
    firms = wb.create_sheet("公司")
    firms.append(["名称", "联系人", "微信号", "手机"])
    firms.append(["万家物业", "钱经理", "wxid_qian_wanjia", "13912345678"])
    firms.append(["", "无名", "", "123"])
    wb.save(path)
    bad = wxbot(tmp_path, "roster", "import", str(path))
    assert bad.returncode == 2 and "单位表第3行：物业公司「没登记的物业」在「公司」表和系统里都没有" in bad.stdout
    assert "公司表第3行：名称没有填；手机「123」不是11位手机号" in bad.stdout
    ws.delete_rows(3)
    firms.delete_rows(3)
    wb.save(path)
    good = wxbot(tmp_path, "roster", "import", str(path))
    assert good.returncode == 0 and "万家物业（联系人 钱经理）" in good.stdout, good.stdout + good.stderr
    assert wxbot(tmp_path, "roster", "export", "-o", str(tmp_path / "out.xlsx")).returncode == 0
    out = load_workbook(tmp_path / "out.xlsx")
    row = next(r for r in out["单位"].iter_rows(values_only=True) if r[0] == "海棠湾小区")
    assert row[7] == "万家物业"
    assert ("万家物业", "钱经理", "wxid_qian_wanjia", "13912345678") in list(out["公司"].iter_rows(values_only=True))
