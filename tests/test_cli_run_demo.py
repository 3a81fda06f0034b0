from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import CONFIG, ROOT


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHATY_") and k not in ("TOKEN", "ENDPOINT")}
    env.update(extra)
    return env


def test_run_without_token_says_what_is_missing_and_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "run"],
                          capture_output=True, text=True, env=_env(), check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "WECHATY_PUPPET_SERVICE_TOKEN and WECHATY_PUPPET_SERVICE_ENDPOINT are not set" in proc.stderr
    token_only = subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "run"], capture_output=True,
                                text=True, env=_env(WECHATY_PUPPET_SERVICE_ENDPOINT="127.0.0.1:1"), check=False)
    assert token_only.returncode == 2 and "WECHATY_PUPPET_SERVICE_TOKEN is not set" in token_only.stderr


def test_run_without_endpoint_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "run"],
                          capture_output=True, text=True, env=_env(WECHATY_PUPPET_SERVICE_TOKEN="t"), check=False)
    assert proc.returncode == 2 and "WECHATY_PUPPET_SERVICE_ENDPOINT is not set" in proc.stderr


def test_demo_plays_the_morning(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(CONFIG), "demo", "--keep", str(tmp_path)],
        capture_output=True, text=True, env=_env(COLUMNS="100"), check=False, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "@王经理 ✅ 翠园小区 2月26日防控日报已登记：测温356 体温异常0 已消杀" in out
    assert "缺少：体温异常人数" in out and "已更新：测温 356→360" in out
    assert "📋 2月26日报送进度：3/4" in out
    # the prompt names the deadline; the 09:00 and 09:30 reminders @ only the missing and never read the same
    assert "请各小区10:00前报送今日防控日报" in out and "9:00前" not in out
    assert "@孙物业 ⏰ 幸福里小区今日防控日报还未报送（截止10:00，还有1小时），请尽快报送" in out
    assert "@孙物业 ⏰ 幸福里小区今日防控日报还未报送（截止10:00，还有30分钟），请尽快报送" in out
    assert "还有1个单位未报送" not in out
    # one grid worker asked is not 各网格员; after 40，150 the example covers only what is left
    assert "@黄网格员 📝 请回复今日巡查情况" in out and "请各网格员" not in out
    assert "还差：\n1. 发现问题\n2. 已整改\n3. 体温异常人数\n按顺序回复数字即可，如：2，1，0" in out
    assert "（交办当天完成）" in out and "交办后0天" not in out
    # 已复工 in the day's report while the filing plans 3月2日: flagged in the receipt and the summary
    assert "⚠️ 今日的日报已填「已复工」，计划复工却是3月2日，请核实" in out
    assert "已填复工但早于报备的计划复工日期：滨江壹号项目（计划3月2日）" in out
    assert "🔔 截止时间已过，物业小区仍有1个单位未报送" in out and "银湖街道：幸福里小区" in out
    assert "📌 已交办 #1：翠园小区 3栋垃圾未清运" in out and "✅ 问题 #1 已整改销号" in out and "📎 照片已附到问题 #1" in out
    assert "复工报备已登记：计划复工3月2日 复工人数120 有防控方案" in out and "📦 物资偏少：口罩300" in out
    # a notice goes down, some units acknowledge, the rest are reminded by @, the officials get the rate
    assert "【通知1】请各单位今天17:00前完成公共区域全面消杀" in out and "应回执8个单位" in out
    assert re.search(r"@赵管家\W@孙物业\W⏰ 【通知1】还有2个单位未回执：锦绣华庭、幸福里小区", out)
    assert "通知1 已回执 5/8，未回执：幸福里小区、市一中迁建工程、阳光网格" in out
    # the site's report against its returning workers' register (核酸 120 reported, 118 on file)
    assert "⚠️ 与返岗人员档案不符：核酸 报120人、档案118人，请核对" in out
    assert out.count("📋 今日14天观察期满：施工人员001、施工人员002") == 1
    assert "⚠️ 在建工地与返岗档案不符：滨江壹号项目（核酸报120/档案118）" in out
    # property companies: the escalation names each company's missing communities to its contact privately;
    # a notice to the companies, acknowledged privately; the summary rolls up by company
    assert "🔔 锦城物业：贵公司管理的幸福里小区今日还未报送（截止10:00已过），请督促尽快报送" in out
    assert "✅ 已记录华强物业对通知2的回执" in out and "分物业公司：华强物业 2/2 · 锦城物业 2/2" in out
    # supplies bought, issued to the unit that ran low, confirmed by it
    assert "✅ 已入库：口罩5000个、消毒液150桶、体温枪30把" in out
    assert "📦 区里向阳光花园小区发放：口罩500个、消毒液5桶，领取后请回复「已领取」" in out
    assert "✅ 阳光花园小区已确认领取：口罩500个、消毒液5桶" in out
    assert "已记录：走访40 排查150" in out and "✅ 阳光网格 2月26日网格日报已登记" in out
    blocks = re.split(r"^\d\d:\d\d (\S+)：$", out, flags=re.M)  # [before, speaker, text, speaker, text, ...]
    said = [text for speaker, text in zip(blocks[1::2], blocks[2::2], strict=True) if speaker == "防控小助手"]
    people = [text for speaker, text in zip(blocks[1::2], blocks[2::2], strict=True) if speaker != "防控小助手"]
    assert len(said) >= 20 and any("13812345678" in t for t in people)  # the site posted its phone whole
    assert not any("13812345678" in t for t in said)  # the bot never repeats it whole
    assert "（迟报）" in out and "📊 2月26日防控日报汇总" in out and "【物业小区】已报 4/4（迟报1）" in out
    assert "Traceback" not in out + proc.stderr and "INFO" not in out + proc.stderr
    assert (tmp_path / "wxbot.db").exists()
    assert "blueprint" not in proc.stderr
    (photo,) = (tmp_path / "photos").rglob("*.jpg")  # filed under the report's day, and a picture
    assert photo.parent.name == "2020-02-26" and photo.read_bytes()[:3] == b"\xff\xd8\xff"
    again = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(CONFIG), "demo", "--keep", str(tmp_path)],
        capture_output=True, text=True, env=_env(COLUMNS="100"), check=False, cwd=tmp_path, timeout=120)
    assert again.returncode == 0 and again.stdout == out  # a second run plays the same day afresh
    summary = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir", str(tmp_path),
         "summary", "--date", "2020-02-26"], capture_output=True, text=True, env=_env(), check=False)
    assert summary.returncode == 0, summary.stderr
    assert "【物业小区】已报 4/4（迟报1）" in summary.stdout and "测温 756" in summary.stdout
    base = [sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir", str(tmp_path), "notices"]
    listed = subprocess.run(base, capture_output=True, text=True, env=_env(), check=False)
    assert listed.returncode == 0 and "通知1 已回执 5/8，未回执：幸福里小区、市一中迁建工程、阳光网格" in listed.stdout
    one = subprocess.run([*base, "1"], capture_output=True, text=True, env=_env(), check=False)
    assert "翠园小区\t02-26 11:34\t王经理\t收到" in one.stdout and "幸福里小区\t未回执" in one.stdout
    assert subprocess.run([*base, "9"], capture_output=True, text=True, env=_env(), check=False).returncode != 0


def test_demo_refuses_a_directory_with_a_database_it_did_not_make(tmp_path: Path) -> None:
    made = subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir", str(tmp_path), "db",
                           "upgrade"], capture_output=True, text=True, env=_env(), check=False)
    assert made.returncode == 0 and "8 units" in made.stdout  # db upgrade seeds config.yaml's units
    proc = subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "demo", "--keep", str(tmp_path)],
                          capture_output=True, text=True, env=_env(), check=False, timeout=120)
    assert proc.returncode == 2 and "holds a database the demo did not make" in proc.stderr
    summary = subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir", str(tmp_path),
                              "summary", "--date", "2020-02-26"], capture_output=True, text=True, env=_env(), check=False)
    # the configured units are there after db upgrade alone, and a first day flags nobody as 连续未报
    assert "【物业小区】已报 0/4" in summary.stdout and "连续2天以上未报" not in summary.stdout


def test_commands_refuse_an_outdated_schema_with_the_fix(tmp_path: Path) -> None:
    for command in (["summary"], ["issues"], ["export", "--from", "2020-02-26", "--to", "2020-02-26", "-o", "x.xlsx"]):
        proc = subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG),
                               "--data-dir", str(tmp_path), *command], capture_output=True, text=True, env=_env(),
                              check=False)
        assert proc.returncode == 2, command
        assert "run `wxbot db upgrade` first" in proc.stderr and "Traceback" not in proc.stderr
