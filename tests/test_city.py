"""A city's day on PostgreSQL: six bot processes with one WeChat account each, 60 rooms, 1,500
units, some rooms shared by two accounts; one account killed at 09:10 and back at 09:40. Every
report is stored once and answered once, every firing is sent once by one account, no account
goes over its cap, the failover and the give-back are recorded, and nothing is left queued."""

from __future__ import annotations

import collections
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from bot.clock import FakeClock
from bot.status import fleet as fleet_status
from bot.config import Config
from storage import firings, outbox, rooms
from storage.models import Report
from tests.city import OFFICIALS, Fleet, city_config
from tests.conftest import PG_URL
from tests.e2e import TZ

DAY = dt.date(2020, 2, 26)


def at(hh: int, mm: int) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hh, mm), TZ)


def _report(name: str, i: int) -> str:
    if name.endswith("项目"):
        return f"{name} 已复工 在岗{40 + i % 90}人 体温异常0"
    return f"{name} 测温{100 + i % 400}人 体温异常{1 if i % 97 == 0 else 0} 已消杀"


async def test_a_city_day_on_postgresql(config: Config, engine: Engine, tmp_path: Path) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the city runs on PostgreSQL")
    city = city_config(config)
    fleet = Fleet(city, engine, FakeClock(at(8, 0)), tmp_path)
    for account in [a.name for a in city.cfg.accounts]:
        await fleet.start(account)
    # every unit reports once, between 08:35 and 10:24; WeChat delivers it to each of our accounts in the room
    when = {name: at(8, 35) + dt.timedelta(minutes=(i * 7) % 110) for i, name in enumerate(city.units)}
    by_minute = collections.defaultdict(list)
    for i, (name, moment) in enumerate(when.items()):
        by_minute[moment].append((name, i))
    moment = at(8, 0)
    while moment <= at(10, 30):
        if moment == at(9, 10):
            await fleet.kill("acct3")
        if moment == at(9, 40):
            await fleet.start("acct3")  # a new process; what was posted meanwhile is delivered now
        await fleet.step(moment)
        for name, i in by_minute.get(moment, []):
            room, sender = city.units[name]
            await fleet.post(room, sender, _report(name, i))
        await fleet.settle()
        moment += dt.timedelta(minutes=1)
    await fleet.step(at(18, 0))
    await fleet.settle()
    sent = list(fleet.sent)
    with Session(engine) as s:
        stored = s.exec(select(Report.unit_id, func.count()).group_by(Report.unit_id)).all()
        moves = rooms.changes(s)
        backlog = outbox.backlog(s)
        fired = firings.firings_on(s, fire_date=DAY)
        owners = rooms.owners(s, rooms=city.rooms)
        status = fleet_status(s, city.cfg, fleet.clock.now())
    await fleet.stop()
    # `wxbot status` on the fleet: six accounts, each up, with its rooms and its sends
    assert [r.account for r in status] == [f"acct{i}" for i in range(1, 7)] and all(r.up for r in status)
    assert sum(r.rooms_owned for r in status) == 60 and all(r.sent_today > 0 and r.backlog == 0 for r in status)

    # every report stored once, and answered once (a shared room's second delivery is no second report)
    assert len(stored) == 1500 and all(n == 1 for _, n in stored)
    receipts = [m for m in sent if "已登记" in m.text]
    assert len(receipts) == 1500 and not [m for m in sent if "已登记过" in m.text]
    # answers and firings go out through the room's owner at that moment, once each
    prompts = collections.Counter(m.room_id for m in sent if m.text.startswith("请各"))
    assert set(prompts.values()) == {1} and len(prompts) == 59
    escalations = [m for m in sent if m.room_id == OFFICIALS and m.text.startswith(("🔔", "✅"))]
    summaries = [m for m in sent if m.room_id == OFFICIALS and m.text.startswith("📊")]
    assert len(escalations) == 2 and len(summaries) == 1 and "已报 " in summaries[0].text
    assert {m.account for m in sent if m.room_id == OFFICIALS} == {"acct1"}
    for m in sent:
        assert m.account in city.rooms[m.room_id or ""], m  # never through an account not in the room
    # no account over its cap
    per_account = collections.Counter(m.account for m in sent)
    assert max(per_account.values()) <= 600 and len(per_account) == 6
    # acct3 went silent at 09:10: its shared rooms failed over after 5 minutes and came back at 09:40
    shared3 = {r for r, accts in city.rooms.items() if accts[0] == "acct3" and len(accts) == 2}
    over = [m for m in moves if m.from_account == "acct3"]
    back = [m for m in moves if m.to_account == "acct3"]
    assert {m.room_id for m in over} == shared3 and {m.room_id for m in back} == shared3
    assert all(at(9, 13) <= m.at <= at(9, 16) for m in over) and all(at(9, 40) <= m.at <= at(9, 41) for m in back), [(m.room_id, m.from_account, m.to_account, m.at.astimezone(TZ).time()) for m in moves]
    during = [m for m in sent if m.room_id in shared3 and at(9, 16) <= m.at < at(9, 40)]
    assert during and {m.account for m in during} == {"acct4"}  # the standby answered meanwhile
    assert all(owners[r] == city.rooms[r][0] for r in city.rooms)  # every room back with its home account
    assert backlog == 0
    # each (job, group) fired once for the day, whichever process claimed it
    assert len({(f.job, f.target) for f in fired}) == len(fired) and len(fired) >= 59 * 2

def test_the_same_message_through_two_accounts_is_one(engine: Engine) -> None:
    """Room + sender + text within the window: once; the same text later, or from another sender: again."""
    t = at(9, 0)
    window = dt.timedelta(seconds=20)
    with Session(engine) as s:
        first = rooms.first_content(s, room_id="r", sender_id="wxid_a", body="翠园小区 测温320", at=t, window=window)
        again = rooms.first_content(s, room_id="r", sender_id="wxid_a", body="翠园小区 测温320 ",
                                    at=t + dt.timedelta(seconds=3), window=window)
        other = rooms.first_content(s, room_id="r", sender_id="wxid_b", body="翠园小区 测温320", at=t, window=window)
        later = rooms.first_content(s, room_id="r", sender_id="wxid_a", body="翠园小区 测温320",
                                    at=t + dt.timedelta(minutes=5), window=window)
        s.commit()
    assert (first, again, other, later) == (True, False, True, True)


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    """deploy/: the template unit per account, the web, the backup service and timer, as systemd reads
    them (the ExecStart path pointed at this environment's wxbot, which systemd-analyze requires)."""
    import shutil

    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    wxbot = Path(sys.executable).parent / "wxbot"
    deploy = Path(__file__).resolve().parent.parent / "deploy"
    units = []
    for unit in deploy.iterdir():
        text = unit.read_text(encoding="utf-8").replace("/opt/wxbot/.venv/bin/wxbot", str(wxbot))
        name = unit.name.replace("@.service", "@north.service")
        (tmp_path / name).write_text(text, encoding="utf-8")
        units.append(str(tmp_path / name))
    assert {Path(u).name for u in units} == {"wxbot@north.service", "wxbot-web.service", "wxbot-backup.service",
                                             "wxbot-backup.timer"}
    proc = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "--account %i" in (deploy / "wxbot@.service").read_text(encoding="utf-8")


def test_accounts_in_config_and_run_picks_one(config: Config, tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True))
    data["accounts"] = [{"name": "north", "token_env": "NORTH_TOKEN", "endpoint_env": "NORTH_ENDPOINT"},
                        {"name": "south"}]
    data["data_dir"] = str(tmp_path)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "run", *args],
                              capture_output=True, text=True, env=env, check=False, timeout=60)

    assert "which account to run: --account one of north, south" in run().stderr
    assert "no account 'east' in config.yaml" in run("--account", "east").stderr
    assert "NORTH_TOKEN and NORTH_ENDPOINT are not set" in run("--account", "north").stderr
    data["groups"][0]["owner"] = "west"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    bad = run("--account", "north")
    assert bad.returncode == 2 and "owner: unknown account 'west'" in bad.stderr
