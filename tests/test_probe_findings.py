"""The second security and reliability probe (issue #19, findings 5–11), each reproduced as the prober
did it: through the real bot (the real Wechaty object, the in-process puppet) or the desk's client."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.clock import FakeClock
from bot.config import Config, WebAccount
from bot.web.auth import hash_password
from handlers.export import EXPORT_KEPT, clear_old_exports
from storage import queries
from storage.models import Report
from tests.e2e import PROPERTY_ROOM, TZ, running_bot
from tests.test_security import NOW, PASSWORD, desk, login

WANG, LI, ZHOU, STRANGER = "wxid_wang_cuiyuan", "wxid_li_yangguang", "wxid_admin_zhou", "wxid_stranger"


async def test_a_community_account_reads_no_district_page(config: Config, engine: Engine, tmp_path: Path) -> None:
    accts = [WebAccount(username="cuiyuan", name="翠园社区", password_hash=hash_password(PASSWORD), role="community",
                        community="翠园社区")]
    async with desk(config, engine, tmp_path, accounts=accts) as c:
        assert await login(c, "cuiyuan") == 302
        summary = await c.get("/api/summary/2020-02-26")
        said = await summary.text()
        vocabulary = await c.get("/vocabulary")
        units = await (await c.get("/api/units")).json()
    assert summary.status == 403 and vocabulary.status == 403
    assert "区级" in said
    assert {u["name"] for u in units} <= {"翠园小区", "翠园网格"}


async def test_an_unconfirmed_i_am_closes_no_problem(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        await bot.post(PROPERTY_ROOM, ZHOU, "交办：阳光花园小区 3栋垃圾未清运，限2月28日前整改")
        await bot.post(PROPERTY_ROOM, STRANGER, "我是 阳光花园小区")
        (refused,) = await bot.post(PROPERTY_ROOM, STRANGER, "整改 #1 已完成")
        (done,) = await bot.post(PROPERTY_ROOM, LI, "整改 #1 已完成")
    assert refused.text is not None and "已整改销号" not in refused.text
    assert done.text is not None and "已整改销号" in done.text


async def test_forged_jielong_authors_count_for_the_poster(config: Config, engine: Engine, tmp_path: Path) -> None:
    """A GroupNote whose XML names other people as the entries' authors: stored as the poster's."""
    from handlers.chat import Incoming

    chain = "#接龙\n2月26日小区日报\n1. 翠园小区 测温320 体温异常0 已消杀\n2. 阳光花园小区 测温210 体温异常0 已消杀"
    async with running_bot(config, engine, tmp_path) as bot:
        msg = Incoming(message_id="note-1", room_id=PROPERTY_ROOM, room_topic="金山街道物业小区防控群",
                       sender_id=STRANGER, sender_name="新来的", text=chain, time=bot.clock.now(),
                       entry_authors=(WANG, LI))
        bot.runtime.intake.submit(msg)
        await bot.settle()
        day = bot.clock.now().date()
    with Session(engine) as s:
        reporters = {r.reporter_id for r in queries.reports_on(s, report_date=day)}
    assert reporters == {STRANGER}


async def test_a_recall_before_its_original_keeps_it_out(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        ts = int(bot.clock.now().timestamp() * 1000)
        await bot.puppet.recall(PROPERTY_ROOM, WANG, "late-1", timestamp_ms=ts)
        await bot.settle()
        await bot.puppet.post(PROPERTY_ROOM, WANG, "翠园小区 测温320 体温异常0 已消杀", message_id="late-1",
                              timestamp_ms=ts - 1000)
        await bot.settle()
        sent = list(bot.puppet.sent)
    with Session(engine) as s:
        assert s.exec(select(Report)).all() == []
    assert sent == []


async def test_no_unit_is_named_with_a_phone_number(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with running_bot(config, engine, tmp_path) as bot:
        (refused,) = await bot.post(PROPERTY_ROOM, ZHOU, "登记 13812345678")
        with Session(engine) as s:  # one that came in before this release, say
            queries.add_unit(s, name="13900001111", kind="property")
            s.commit()
        bot.runtime.app.refresh_registry() if hasattr(bot.runtime.app, "refresh_registry") else None
        (assigned,) = await bot.post(PROPERTY_ROOM, ZHOU, "交办：翠园小区 3栋漏水，联系13900001111，限2月28日前整改")
    assert refused.text is not None and "不能是电话" in refused.text
    assert assigned.text is not None and "翠园小区" in assigned.text


async def test_the_throttle_does_not_tell_names_apart(config: Config, engine: Engine, tmp_path: Path) -> None:
    from sqlmodel import delete

    from storage.models import AccountState, AddressThrottle

    clock = FakeClock(NOW)
    seen: dict[str, list[int]] = {}
    async with desk(config, engine, tmp_path, clock) as c:
        for name in ("district", "nobody-here"):
            with Session(engine) as s:  # each name from a fresh address
                s.exec(delete(AddressThrottle))  # type: ignore[call-overload]
                s.exec(delete(AccountState))  # type: ignore[call-overload]
                s.commit()
            seen[name] = []
            for _ in range(12):
                seen[name].append(await login(c, name, "wrong"))
                clock.advance(600)
    assert seen["district"] == seen["nobody-here"] and seen["district"][-1] == 429, seen


async def test_small_findings(config: Config, engine: Engine, tmp_path: Path) -> None:
    """绑定 in a room no config names; a million digits; a lone surrogate; a report for another unit."""
    async with running_bot(config, engine, tmp_path) as bot:
        bot.puppet.add_room("room-new", "新建小区防控群", [ZHOU, WANG])
        (bound,) = await bot.post("room-new", ZHOU, "绑定 物业小区")
        (big,) = await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n测温：" + "9" * 1_000_000 + "\n体温异常：0\n消杀：是")
        (odd,) = await bot.post(PROPERTY_ROOM, WANG, "小区：翠园小区\n测温：320\n体温异常：0\n消杀：是\n备注：\ud800")
        (proxy,) = await bot.post(PROPERTY_ROOM, WANG, "阳光花园小区 测温210 体温异常0 已消杀")
    assert bound.text is not None and "已绑定" in bound.text
    assert big.text is not None and "数值过大" in big.text and "抱歉" not in big.text
    assert odd.text is not None and "✅ 翠园小区" in odd.text
    assert proxy.text is not None and "✅ 阳光花园小区" in proxy.text and "按代报登记" in proxy.text


def test_old_export_workbooks_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    old, new = folder / "防控报表_2020-02-20_old.xlsx", folder / "防控报表_2020-02-26_new.xlsx"
    for f in (old, new):
        f.write_bytes(b"PK")
    os.utime(old, (time.time() - EXPORT_KEPT - 60,) * 2)
    assert clear_old_exports(folder, dt.datetime.now(TZ)) == 1
    assert not old.exists() and new.exists()
