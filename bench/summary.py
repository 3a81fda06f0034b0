"""Summary generation time: 10,000 units x 1 day (daily summary) and 1,000 units x 90 days (weekly
trend), on SQLite and, when WXBOT_BENCH_DATABASE_URL is set, PostgreSQL. Target < 1 s each.

Run: python -m bench.summary     (prints figures; not a test)
The database is filled with bulk Core inserts; the timed part is only the summary text.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, insert, text
from sqlmodel import Session

from bot.app import make_settings
from bot.config import load_config
from handlers.summary import daily_summary, weekly_summary
from storage import schema
from storage.db import make_engine
from storage.models import Report, ReportValue, Unit

ROOT = Path(__file__).resolve().parent.parent
END = dt.date(2020, 4, 30)


def fill(engine: Engine, n_units: int, n_days: int) -> None:
    rng = random.Random(7)
    with engine.begin() as conn:
        conn.execute(insert(Unit.__table__), [  # type: ignore[attr-defined]
            {"name": f"小区{i:05d}", "kind": "property", "parent": f"街道{i % 12}", "aliases": [], "source": "config",
             "active": True} for i in range(n_units)])
        unit_ids = [r[0] for r in conn.execute(text("SELECT id FROM unit ORDER BY id"))]
    now = dt.datetime(2020, 4, 30, 9, tzinfo=dt.timezone.utc)
    report_id = 0
    for d in range(n_days):
        day = END - dt.timedelta(days=d)
        reports, values = [], []
        for uid in unit_ids:
            if rng.random() < 0.05:
                continue  # some units do not report
            report_id += 1
            reports.append({"id": report_id, "template": "property_daily", "kind": "property", "unit_id": uid,
                            "report_date": day, "reporter_id": None, "source_message_id": f"m{report_id}",
                            "raw_text": "", "status": "ok", "late": False, "nil": False, "revision": 1,
                            "created_at": now, "updated_at": now})
            for key, value in (("residents_screened", rng.randint(50, 800)), ("visitors_registered", rng.randint(0, 30)),
                               ("fever_cases", int(rng.random() < 0.01)), ("home_quarantine", rng.randint(0, 5)),
                               ("disinfected", int(rng.random() < 0.95)), ("masks", rng.randint(100, 5000)),
                               ("disinfectant_barrels", rng.randint(0, 50)), ("thermometers", rng.randint(0, 6))):
                values.append({"report_id": report_id, "key": key, "int_value": value, "text_value": None})
        with engine.begin() as conn:
            conn.execute(insert(Report.__table__), reports)  # type: ignore[attr-defined]
            conn.execute(insert(ReportValue.__table__), values)  # type: ignore[attr-defined]


def timed(label: str, engine: Engine, n_units: int, n_days: int, weekly: bool) -> None:
    settings = make_settings(load_config(ROOT / "config.yaml"))
    start = time.perf_counter()
    fill(engine, n_units, n_days)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))  # a bulk load has no planner statistics until autovacuum runs
    filled = time.perf_counter() - start
    with Session(engine) as session:
        daily_summary(session, settings, END)  # warm the statement caches once
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            body = weekly_summary(session, settings, END) if weekly else daily_summary(session, settings, END)
            best = min(best, time.perf_counter() - t0)
    what = "weekly trend" if weekly else "daily summary"
    print(f"{label}: {what}, {n_units:,} units x {n_days} days: {best * 1000:.0f} ms "
          f"(best of 3; {len(body):,} chars; fill {filled:.1f} s)")


def run(label: str, url_for: object) -> None:
    for n_units, n_days, weekly in ((10_000, 1, False), (1_000, 90, True)):
        assert callable(url_for)
        engine = url_for()
        schema.upgrade(engine)
        timed(label, engine, n_units, n_days, weekly)
        engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10))
        run("SQLite", lambda: make_engine(f"sqlite:///{tmp}/bench{next(counter)}.db"))
    url = os.environ.get("WXBOT_BENCH_DATABASE_URL")
    if url:
        def fresh() -> Engine:
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            return engine
        run("PostgreSQL", fresh)
    else:
        print("PostgreSQL: set WXBOT_BENCH_DATABASE_URL (a database the bench may wipe) to measure it")


if __name__ == "__main__":
    main()
