"""Roll-up by level, district -> street -> community: a street's officials' group gets its own
escalation and summary, the district's summary and board list the streets, the least complete first."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import make_settings
from bot.config import Config
from bot.web.auth import Account
from bot.web.data import board
from handlers.summary import daily_summary
from storage.stats import Scope
from tests.e2e import OFFICIALS_ROOM, PROPERTY_ROOM
from tests.test_schedules_e2e import DAY, WANG, at, running_bot, tick


def _street_officials(config: Config) -> Config:
    """The officials' room becomes 金山街道's own group."""
    groups = [g.model_copy(update={"street": "金山街道"}) if g.kind == config.officials_kind else g for g in config.groups]
    return config.model_copy(update={"groups": groups})


async def test_a_street_group_gets_its_own_escalation_and_summary(config: Config, engine: Engine,
                                                                  tmp_path: Path) -> None:
    cfg = _street_officials(config)
    async with running_bot(cfg, engine, tmp_path, start=at(9, 0)) as bot:
        await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n测温：356\n体温异常：0\n消杀：是")
        escalation = [s for s in await tick(bot, at(10, 0)) if s.startswith(OFFICIALS_ROOM)]
        summary = [s for s in await tick(bot, at(18, 0)) if s.startswith(OFFICIALS_ROOM)]
    text = "\n".join(escalation)
    assert "物业小区仍有2个单位未报送" in text and "阳光花园小区、锦绣华庭" in text
    assert "幸福里小区" not in text and "市一中迁建工程" not in text  # 银湖街道's units are not this group's
    assert "阳光社区：" in text  # a street's group sees its units by community
    (day,) = summary
    assert "📊 金山街道2月26日防控日报汇总" in day and "【物业小区】已报 1/3" in day
    assert "分社区：阳光社区 0/2 · 翠园社区 1/1" in day  # the least complete first
    assert "幸福里小区" not in day


async def test_the_district_rolls_up_by_street_and_the_board_by_street_or_community(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(9, 0)) as bot:
        await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n测温：356\n体温异常：0\n消杀：是")
    settings = make_settings(config)
    with Session(engine) as s:
        district = daily_summary(s, settings, DAY)
        by_community = daily_summary(s, settings, DAY, kind="property", by="community")
        silver = daily_summary(s, settings, DAY, scope=Scope(street="银湖街道"))
        whole = board(s, settings, Account("zhou", "周科长", None), DAY, "property")
        street = board(s, settings, Account("js", "金山街道", "金山街道", role="street"), DAY, "property")
    assert "分街道：银湖街道 0/1 · 金山街道 1/3" in district
    assert "分社区：阳光社区 0/2 · 银湖社区 0/1 · 翠园社区 1/1" in by_community
    assert "📊 银湖街道" in silver and "【物业小区】已报 0/1" in silver and "【网格】" not in silver
    assert whole["by"] == "street" and [(g["name"], g["reported"], g["units"]) for g in whole["rollup"]] == [
        ("银湖街道", 0, 1), ("金山街道", 1, 3)]
    assert street["by"] == "community" and {g["name"]: g["missing"] for g in street["rollup"]} == {
        "阳光社区": ["阳光花园小区", "锦绣华庭"], "翠园社区": []}
