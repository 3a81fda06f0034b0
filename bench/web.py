"""Desk page times with 10,000 units (target: every page below 300 ms server time at p95).

Run: python -m bench.web    (SQLite; PostgreSQL too with WXBOT_BENCH_DATABASE_URL, a database it may wipe)
Times are request round trips on loopback through aiohttp's test client: an upper bound on server time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine, text

from bench.summary import END, fill
from bot.clock import FakeClock
from bot.config import WebAccount, load_config
from bot.web.app import make_app
from bot.web.auth import hash_password
from storage import schema
from storage.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/?date={d}", "/?date={d}&kind=property", "/?date={d}&state=missing", "/?date={d}&q=小区04321",
         "/?date={d}&street=街道3&state=reported&page=5", "/api/days/{d}", "/units/5000?date={d}", "/problems",
         "/admin/units", "/admin/units?q=小区0999&state=active", "/admin/units?street=街道7&page=9", "/admin/members",
         "/audit", "/notices", "/supplies", "/workers", "/api/units", "/api/summary/{d}"]
RUNS = 20


async def measure(label: str, engine: Engine, data_dir: Path) -> None:
    cfg = load_config(ROOT / "config.yaml")
    account = WebAccount(username="bench", password_hash=hash_password("bench-password"), permissions=["admin"])
    cfg = cfg.model_copy(update={"data_dir": data_dir, "web": cfg.web.model_copy(update={"accounts": [account]})})
    app = make_app(cfg, engine, FakeClock(dt.datetime.combine(END, dt.time(18), cfg.tz)))
    async with TestClient(TestServer(app)) as c:
        token = re.search(r'name="csrf" value="([^"]+)"', await (await c.get("/login")).text()).group(1)  # type: ignore[union-attr]
        await c.post("/login", data={"csrf": token, "username": "bench", "password": "bench-password"})
        print(f"{label}: {RUNS} requests each; ms p50 / p95 / max, and the page's size")
        for path in PAGES:
            url = path.format(d=END.isoformat())
            times = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                resp = await c.get(url)
                body = await resp.read()
                times.append((time.perf_counter() - t0) * 1000)
                assert resp.status == 200, (url, resp.status)
            times.sort()
            p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95) - 1]
            print(f"{label}: GET {url:52} {p50:5.0f} {p95:5.0f} {times[-1]:5.0f}  ({len(body):,} bytes)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/web.db")
        schema.upgrade(engine)
        fill(engine, 10_000, 1)
        asyncio.run(measure("SQLite", engine, Path(tmp)))
        engine.dispose()
        url = os.environ.get("WXBOT_BENCH_DATABASE_URL")
        if url:
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            schema.upgrade(engine)
            fill(engine, 10_000, 1)
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))  # a bulk load has no planner statistics until autovacuum runs
            asyncio.run(measure("PostgreSQL", engine, Path(tmp)))
            engine.dispose()


if __name__ == "__main__":
    main()
