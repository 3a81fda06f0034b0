from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHATY_") and k not in ("TOKEN", "ENDPOINT")}
    env.update(extra)
    return env


def test_run_without_token_says_what_is_missing_and_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", "--config", str(ROOT / "config.yaml"), "run"],
                          capture_output=True, text=True, env=_env(), check=False)
    assert proc.returncode == 2
    assert "WECHATY_PUPPET_SERVICE_TOKEN is not set" in proc.stderr and "Traceback" not in proc.stderr


def test_run_without_endpoint_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", "--config", str(ROOT / "config.yaml"), "run"],
                          capture_output=True, text=True, env=_env(WECHATY_PUPPET_SERVICE_TOKEN="t"), check=False)
    assert proc.returncode == 2 and "WECHATY_PUPPET_SERVICE_ENDPOINT is not set" in proc.stderr


def test_demo_plays_the_morning(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(ROOT / "config.yaml"), "demo", "--keep", str(tmp_path)],
        capture_output=True, text=True, env=_env(COLUMNS="100"), check=False, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "@王经理 ✅ 翠园小区 2月26日防控日报已登记：测温356 体温异常0 已消杀" in out
    assert "缺少：体温异常人数" in out and "已更新：测温 356→360" in out
    assert "📋 2月26日报送进度：3/4" in out
    assert "⏰ 还有1个单位未报送今日防控日报：幸福里小区" in out  # 09:30 reminder @s only the missing
    assert "🔔 截止时间已过，物业小区仍有1个单位未报送" in out and "银湖街道：幸福里小区" in out
    assert "📌 已交办 #1：翠园小区 3栋垃圾未清运" in out and "✅ 问题 #1 已整改销号" in out and "📎 照片已附到问题 #1" in out
    assert "复工报备已登记：计划复工3月2日 复工人数120 有防控方案" in out and "📦 物资偏少：口罩300" in out
    assert "已记录：走访40 排查150" in out and "✅ 阳光网格 2月26日网格日报已登记" in out
    blocks = re.split(r"^\d\d:\d\d (\S+)：$", out, flags=re.M)  # [before, speaker, text, speaker, text, ...]
    said = [text for speaker, text in zip(blocks[1::2], blocks[2::2], strict=True) if speaker == "防控小助手"]
    people = [text for speaker, text in zip(blocks[1::2], blocks[2::2], strict=True) if speaker != "防控小助手"]
    assert len(said) >= 20 and any("13812345678" in t for t in people)  # the site posted its phone whole
    assert not any("13812345678" in t for t in said)  # the bot never repeats it whole
    assert "（迟报）" in out and "📊 2月26日防控日报汇总" in out and "【物业小区】已报 4/4（迟报1）" in out
    assert "Traceback" not in out + proc.stderr and "INFO" not in out + proc.stderr
    assert (tmp_path / "wxbot.db").exists()
    summary = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(ROOT / "config.yaml"), "--data-dir", str(tmp_path),
         "summary", "--date", "2020-02-26"], capture_output=True, text=True, env=_env(), check=False)
    assert summary.returncode == 0, summary.stderr
    assert "【物业小区】已报 4/4（迟报1）" in summary.stdout and "测温 756" in summary.stdout


def test_commands_refuse_an_outdated_schema_with_the_fix(tmp_path: Path) -> None:
    for command in (["summary"], ["issues"], ["export", "--from", "2020-02-26", "--to", "2020-02-26", "-o", "x.xlsx"]):
        proc = subprocess.run([sys.executable, "-m", "bot", "--config", str(ROOT / "config.yaml"),
                               "--data-dir", str(tmp_path), *command], capture_output=True, text=True, env=_env(),
                              check=False)
        assert proc.returncode == 2, command
        assert "run `wxbot db upgrade` first" in proc.stderr and "Traceback" not in proc.stderr
