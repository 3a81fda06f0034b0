"""config.yaml keeps its meaning across releases: the config of each earlier release of this repository
(tests/fixtures/configs/<commit>.yaml, taken from its history) runs today's code with the same answers,
and `wxbot config upgrade` turns it into today's shape, the diff shown first, comments kept."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine

from bot.app import make_settings
from bot.config import Config, load_config
from handlers.parser import Parser
from handlers.summary import daily_summary
from sqlmodel import Session
from tests.conftest import ROOT
from tests.e2e import PROPERTY_ROOM, TZ, running_bot

RELEASES = sorted((ROOT / "tests" / "fixtures" / "configs").glob("*.yaml"))
IDS = [p.stem for p in RELEASES]
ONE_LINER = "翠园小区 测温320人 体温异常0 已消杀"


@pytest.mark.parametrize("path", RELEASES, ids=IDS)
def test_an_earlier_release_reads_as_it_did(path: Path) -> None:
    cfg = load_config(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert cfg.migrated_from == 1 and cfg.version == 2
    (report,) = Parser(cfg.templates, cfg.reading_words()).parse(ONE_LINER, "property", dt.date(2020, 2, 26))
    assert report.fields["disinfected"] is True and report.missing == [] and report.fields["fever_cases"] == 0
    prop = next(t for t in cfg.templates if t.id == "property_daily")
    assert prop.roles.warning == "fever_cases" and prop.roles.done == "disinfected"
    assert cfg.deadlines == {k: str(v) for k, v in (raw.get("deadlines") or cfg.deadlines).items()}
    said = [(s["id"], s["cron"], s.get("text")) for s in raw.get("schedules") or []]
    assert [(s.id, s.cron, s.text) for s in cfg.schedules] == said  # prompts kept as written


@pytest.mark.parametrize("path", [p for p in RELEASES if "schedules:" in p.read_text(encoding="utf-8")],
                         ids=[p.stem for p in RELEASES if "schedules:" in p.read_text(encoding="utf-8")])
async def test_a_fever_case_is_still_called_out(path: Path, engine: Engine, tmp_path: Path) -> None:
    cfg = load_config(path)
    start = dt.datetime(2020, 2, 26, 9, 0, tzinfo=TZ)
    async with running_bot(cfg, engine, tmp_path, start=start) as bot:
        (receipt,) = await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "翠园小区 测温320人 体温异常1人 已消杀")
    with Session(engine) as s:
        summary = daily_summary(s, make_settings(cfg), start.date())
    assert receipt.text is not None and "体温异常1" in receipt.text and "⚠️" in receipt.text
    assert "【异常】" in summary and "翠园小区" in summary.split("【异常】", 1)[1] and "消杀完成率" in summary


def _wxbot(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXBOT_")}
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(cfg), *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


@pytest.mark.parametrize("path", RELEASES, ids=IDS)
def test_config_upgrade_shows_the_diff_then_writes_todays_shape(path: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    shutil.copy(path, cfg)
    before = cfg.read_text(encoding="utf-8")
    dry = _wxbot(cfg, "config", "upgrade", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "+version: 2" in dry.stdout and "dry run" in dry.stdout and cfg.read_text(encoding="utf-8") == before
    done = _wxbot(cfg, "config", "upgrade")
    assert done.returncode == 0, done.stderr
    after = cfg.read_text(encoding="utf-8")
    comments = [ln for ln in before.splitlines() if ln.lstrip().startswith("#")]
    assert all(c in after for c in comments)  # every comment kept
    upgraded: Config = load_config(cfg)
    assert upgraded.migrated_from is None and upgraded.version == 2
    (report,) = Parser(upgraded.templates, upgraded.reading_words()).parse(ONE_LINER, "property", dt.date(2020, 2, 26))
    assert report.fields["disinfected"] is True and report.missing == []
    again = _wxbot(cfg, "config", "upgrade")
    assert again.returncode == 0 and "nothing to change" in again.stdout
    doctor = _wxbot(tmp_path / "config.yaml.bak", "doctor")
    assert "! config version: version 1, read as version 2" in doctor.stdout


def test_the_shipped_config_is_current() -> None:
    assert load_config(ROOT / "config.yaml").migrated_from is None
    assert yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["version"] == 2
