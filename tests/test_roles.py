"""Field roles are data: a fourth kind declared in config alone gets warnings in its receipts, its
anomalies and done-rate in the summary, and its warning count on the board — no code names its fields."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import make_settings
from bot.config import Config, GroupSpec, RosterEntry, UnitSpec
from bot.web.auth import Account
from bot.web.data import board
from handlers.summary import daily_summary
from handlers.templates import Template
from tests.e2e import GRID_ROOM, TZ, running_bot

SCHOOL = Template.model_validate({
    "id": "school_daily", "kind": "school", "name": "学校日报", "title_words": ["学校日报"], "unit_field": "school",
    "date_field": "date", "roles": {"warning": "absent_sick", "done": "ventilated"},
    "fields": [
        {"key": "school", "synonyms": ["学校"], "type": "text", "required": True},
        {"key": "students_back", "synonyms": ["返校人数", "返校"], "type": "int", "required": True, "measures": ["人"]},
        {"key": "absent_sick", "label": "因病缺课人数", "short": "因病缺课", "synonyms": ["因病缺课"], "type": "int",
         "required": True, "measures": ["人"]},
        {"key": "ventilated", "short": "通风", "synonyms": ["通风", "开窗通风"], "type": "bool", "when_true": "已通风",
         "when_false": "未通风"},
        {"key": "date", "synonyms": ["日期"], "type": "date"},
    ]})


def _with_schools(config: Config) -> Config:
    return config.model_copy(update={
        "kinds": {**config.kinds, "school": "学校"},
        "templates": [*config.templates, SCHOOL],
        "units": [*config.units, UnitSpec(name="实验小学", kind="school", parent="金山街道"),
                  UnitSpec(name="第二中学", kind="school", parent="金山街道")],
        "groups": [GroupSpec(topic="金山街道网格员群", kind="school", units=["实验小学", "第二中学"]),
                   *[g for g in config.groups if g.kind != "grid"]],
        "roster": [*config.roster, RosterEntry(contact="wxid_teacher", name="钱老师", unit="实验小学")],
    })


async def test_a_fourth_kind_gets_warnings_rates_and_board_counts_from_config(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    cfg = _with_schools(config)
    start = dt.datetime(2020, 2, 26, 9, 0, tzinfo=TZ)
    async with running_bot(cfg, engine, tmp_path, start=start) as bot:
        sent = await bot.post(GRID_ROOM, "wxid_teacher", "学校日报\n学校：实验小学\n返校：420人\n因病缺课：3人\n通风：是")
        await bot.post(GRID_ROOM, "wxid_teacher", "学校：第二中学 返校300 因病缺课0 通风：否")
    text = "\n".join(s.text or "" for s in sent)
    assert "✅ 实验小学" in text and "⚠️ 因病缺课3人，请按规定上报" in text
    settings = make_settings(cfg)
    with Session(engine) as s:
        summary = daily_summary(s, settings, start.date())
        day = board(s, settings, Account("zhou", "周科长", None), start.date(), "school")
    assert "⚠️ 学校因病缺课 3 人：实验小学3人" in summary
    assert "【学校】已报 2/2" in summary and "通风完成率 50%（1/2）" in summary
    assert {u["name"]: (u["state"], u["fever"]) for u in day["units"]} == {
        "实验小学": ("anomaly", 3), "第二中学": ("reported", 0)}
