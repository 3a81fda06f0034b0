"""`wxbot replay`: a bureau's own history played through the real bot; the tally adds up, and the
history's columns may come from common exports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import CONFIG, ROOT

HISTORY = ROOT / "examples" / "group-history.csv"


def replay(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHATY_", "WXBOT_"))}
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "replay", *args],
                          capture_output=True, text=True, env={**env, "COLUMNS": "200"}, timeout=300, check=False)


def test_the_example_week_is_read_and_the_tally_adds_up(tmp_path: Path) -> None:
    done = replay(str(HISTORY), "--keep", str(tmp_path / "kept"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    m = re.search(r"消息 (\d+) 条：已登记报送 (\d+) 份.*\n\s*回执 (\d+)，请补充/核对 (\d+)，其他回复（命令、交办等）(\d+)，"
                  r"非报送却被当作报送回复 (\d+)，不回复 (\d+)", out)
    assert m is not None, out[-800:]
    messages, stored, receipts, asks, other, wrong, silent = map(int, m.groups())
    assert messages == 200 and receipts + asks + other + wrong + silent == messages
    assert wrong == 0 and stored == 56  # 8 units a day for 7 days, each stored once a day
    assert "✅ 阳光花园小区 2月24日防控日报已登记：测温" in out  # the voice message
    assert "✅ 锦绣华庭 2月25日防控日报已" in out  # a row of the pasted table
    assert "已补登" in out  # the report for the day before
    notice = out.index("请各小区于上午10点前报送防控日报")
    assert "↳" not in out[notice:out.index("\n", out.index("\n", notice) + 1)]  # the notice: no answer
    assert (tmp_path / "kept" / "wxbot.db").exists()


def test_common_export_columns_and_json_lines(tmp_path: Path) -> None:
    csv_path = tmp_path / "liuhen.csv"  # 留痕 (WeChatMsg) export: StrTime, NickName, Sender, StrContent, Type
    csv_path.write_text(
        "localId,Type,StrTime,NickName,Sender,StrContent\n"
        "1,1,2020-02-26 08:40:00,金山街道物业小区防控群,wxid_wang_cuiyuan,翠园小区 测温320 体温异常0 已消杀\n"
        "2,3,2020-02-26 08:41:00,金山街道物业小区防控群,wxid_wang_cuiyuan,[图片]\n"
        "3,1,2020-02-26 08:42:00,金山街道物业小区防控群,wxid_li_yangguang,收到\n", encoding="utf-8")
    done = replay(str(csv_path))
    assert done.returncode == 0, done.stderr
    assert "✅ 翠园小区 2月26日防控日报已登记" in done.stdout and "消息 2 条" in done.stdout  # the photo row is skipped
    jsonl = tmp_path / "history.jsonl"
    jsonl.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in (
        {"时间": 1582677600, "群名": "金山街道网格员群", "发送者": "张网格员", "内容": "翠园网格 走访35户 排查120人 问题0 发热0"},
        {"时间": 1582677660, "群名": "某个没配置的群", "发送者": "路人", "内容": "翠园网格 走访35户"},
    )), encoding="utf-8")
    done = replay(str(jsonl))
    assert done.returncode == 0, done.stderr
    assert "✅ 翠园网格 2月26日网格日报已登记" in done.stdout and "其中 1 条不在已配置的群" in done.stdout


def test_a_history_without_its_columns_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("when,who\n2020-02-26,王经理\n", encoding="utf-8")
    done = replay(str(bad))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no time column" in done.stderr
    missing = replay(str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
