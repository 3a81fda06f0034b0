"""Property companies: each company's contact hears privately which of its communities are missing at
the escalation, gets the notices sent to companies and acknowledges them privately; the summary and
the board roll up by company (华强物业 1/2). Through the real Wechaty object."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import make_settings
from bot.config import Config
from handlers.summary import daily_summary
from tests.e2e import OFFICIALS_ROOM, PROPERTY_ROOM, running_bot
from tests.test_admin import desk, login
from tests.test_schedules_e2e import at, tick


async def test_companies_hear_of_their_missing_communities_and_acknowledge_notices(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path, start=at(8, 0)) as bot:
        await tick(bot, at(8, 1))
        bot.clock.set(at(9, 40))
        await bot.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", "小区：翠园小区\n测温：356\n体温异常：0\n消杀：是")
        await bot.post(PROPERTY_ROOM, "wxid_zhao_jinxiu", "锦绣华庭 测温98人 体温异常0 已消杀")
        escalated = await tick(bot, at(10, 0))
        private = sorted(line for line in escalated if line.startswith("wxid_"))
        assert private == [
            "wxid_he_jincheng|🔔 锦城物业：贵公司管理的幸福里小区今日还未报送（截止10:00已过），请督促尽快报送|",
            "wxid_liu_huaqiang|🔔 华强物业：贵公司管理的阳光花园小区今日还未报送（截止10:00已过），请督促尽快报送|"]
        sent = await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", "通知 物业公司 请本周五前上报防疫物资需求")
        said = {s.conversation_id: s.text for s in sent}
        assert said["wxid_liu_huaqiang"].startswith("【通知1】请本周五前上报防疫物资需求")
        assert "已发往2家物业公司的联系人（私聊）" in said[OFFICIALS_ROOM] and PROPERTY_ROOM not in said
        thanked = await bot.post(None, "wxid_liu_huaqiang", "收到，马上安排")
        assert [s.text for s in thanked] == ["✅ 已记录华强物业对通知1的回执"]
        assert await bot.post(None, "wxid_wang_cuiyuan", "收到") == []  # not a company's contact
        rate = await bot.post(OFFICIALS_ROOM, "wxid_admin_zhou", "回执 1")
        assert rate[0].text == "通知1 已回执 1/2，未回执：锦城物业"
        done = await bot.post(None, "wxid_he_jincheng", "已阅")
        assert ("room-officials", "✅ 通知1 已全部回执（2/2）") in [(s.conversation_id, s.text) for s in done]
    with Session(engine) as s:
        summary = daily_summary(s, make_settings(config), dt.date(2020, 2, 26))
    assert "分物业公司：华强物业 1/2 · 锦城物业 1/2" in summary
    async with desk(config, engine, tmp_path) as c:
        await login(c, "plain")
        page = await (await c.get("/?date=2020-02-26&kind=property")).text()
        table = re.sub(r' data-label="[^"]*"', "", page.split('id="companies"')[1].split("</table>")[0])
        assert "<td>华强物业</td><td>1/2</td>" in table and "<td>锦城物业</td><td>1/2</td>" in table
