"""The city's day (tests/test_city.py) at full speed on PostgreSQL: six bot runtimes, one account
each, 60 rooms, 1,500 units, one account killed and restarted. Prints messages/s handled by the
fleet, message -> receipt latency, PostgreSQL transactions/s and the busiest tables.

    python -m bench.city [--url postgresql+psycopg://postgres@127.0.0.1:5432/wxbot_bench]

It uses (and empties) its own database, wxbot_bench, created if missing."""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bot.clock import FakeClock
from bot.config import load_config
from storage import schema
from storage.db import make_engine
from tests.city import Fleet, city_config
from tests.conftest import CONFIG
from tests.e2e import TZ

DAY = dt.date(2020, 2, 26)
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wxbot_bench"


def at(hh: int, mm: int) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hh, mm), TZ)


def fresh(url: str) -> Engine:
    admin = make_engine(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    name = make_url(url).database
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    schema.upgrade(engine)
    return engine


def pg_counters(engine: Engine) -> tuple[int, dict[str, int]]:
    with engine.connect() as conn:
        xacts = conn.execute(text("SELECT xact_commit + xact_rollback FROM pg_stat_database "
                                  "WHERE datname = current_database()")).scalar_one()
        tables = dict(conn.execute(text("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del + seq_scan + "
                                        "coalesce(idx_scan, 0) FROM pg_stat_user_tables")).all())
    return int(xacts), {k: int(v) for k, v in tables.items()}


async def day(engine: Engine, folder: Path) -> tuple[Fleet, dict[str, float], float, set[str]]:
    city = city_config(load_config(CONFIG))
    fleet = Fleet(city, engine, FakeClock(at(8, 0)), folder)
    for account in [a.name for a in city.cfg.accounts]:
        await fleet.start(account)
    posted: dict[str, float] = {}
    held: set[str] = set()
    by_minute: dict[dt.datetime, list[str]] = collections.defaultdict(list)
    for i, name in enumerate(city.units):
        by_minute[at(8, 35) + dt.timedelta(minutes=(i * 7) % 110)].append(name)
    started = time.perf_counter()
    moment = at(8, 0)
    while moment <= at(10, 30):
        if moment == at(9, 10):
            await fleet.kill("acct3")
        if moment == at(9, 40):
            await fleet.start("acct3")
        await fleet.step(moment)
        for name in by_minute.get(moment, []):
            room, sender = city.units[name]
            posted[name] = time.perf_counter()
            if all(a not in fleet.runtimes for a in city.rooms[room]):
                held.add(name)  # its only account is down: answered after the restart
            body = f"{name} 已复工 在岗80人 体温异常0" if name.endswith("项目") else f"{name} 测温300人 体温异常0 已消杀"
            await fleet.post(room, sender, body)
        await fleet.settle()
        moment += dt.timedelta(minutes=1)
    await fleet.step(at(18, 0))
    await fleet.settle()
    elapsed = time.perf_counter() - started
    await fleet.stop()
    return fleet, posted, elapsed, held


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=DEFAULT_URL)
    args = ap.parse_args()
    engine = fresh(args.url)
    x0, t0 = pg_counters(engine)
    with tempfile.TemporaryDirectory(prefix="wxbot-city-") as tmp:
        fleet, posted, elapsed, held = asyncio.run(day(engine, Path(tmp)))
    x1, t1 = pg_counters(engine)
    delivered = sum(len(fleet.city.rooms[room]) for room, _ in fleet.city.units.values())
    receipts = {}
    for m in fleet.sent:
        if "已登记" in m.text:
            name = next((n for n in posted if f"✅ {n} " in m.text), None)
            if name is not None:
                receipts[name] = m.real - posted[name]
    lat = sorted(v for k, v in receipts.items() if k not in held)
    busiest = sorted(((t1.get(k, 0) - t0.get(k, 0), k) for k in t1), reverse=True)[:5]
    print(f"city day: 6 accounts, 60 rooms, 1,500 units; {delivered} deliveries ({len(posted)} reports, "
          f"shared rooms twice) in {elapsed:.1f} s wall")
    print(f"fleet handled {delivered / elapsed:.0f} messages/s (all six runtimes in one event loop, 2 cores)")
    print(f"message -> receipt: p50 {statistics.median(lat) * 1000:.0f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.0f} ms, "
          f"max {lat[-1] * 1000:.0f} ms over {len(lat)} receipts ({len(held)} posted while their only account "
          "was down are left out: they wait for its restart)")
    print(f"PostgreSQL: {x1 - x0} transactions, {(x1 - x0) / elapsed:.0f}/s")
    print("busiest tables (rows written + scans): " + ", ".join(f"{k} {n}" for n, k in busiest))
    print(f"sent by the fleet: {len(fleet.sent)} messages; per account: "
          + ", ".join(f"{a} {n}" for a, n in sorted(collections.Counter(m.account for m in fleet.sent).items())))
    engine.dispose()


if __name__ == "__main__":
    main()
