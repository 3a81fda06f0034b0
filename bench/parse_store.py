"""Parse throughput over a realistic mix, and store throughput (one transaction per report, SQLite).

Run: python -m bench.parse_store   (prints figures; not a test)
Targets: parse >= 20,000 messages/s on one core over the classic forms *and* the ways people type
(one-line reports, lead-ins, remarks, typos, 接龙; issue #7), store >= 3,000 reports/s.

The mix is every realistic test message, each in many variants whose numbers differ (as they do
from one unit and one day to the next), shuffled; the first half warms the parser, the second is
timed — a line's shape is read once, its numbers every time.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import tempfile
import time
from pathlib import Path

from bot.config import load_config
from handlers.parser import Parser
from storage import queries, schema
from storage.db import make_engine, session_scope
from tests.parser_cases import ALL
from tests.parser_cases_people import ALL_PEOPLE

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2020, 2, 26)


_NUMBER = re.compile(r"(?<![月\d.\-/年])\d+(?![月日号\d.\-/年])")


def mix(variants: int = 100, seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    base = [(c.kind, c.text) for c in ALL] + [(c.kind, c.text) for c in ALL_PEOPLE]
    out = [(k, _NUMBER.sub(lambda m: str(rng.randint(0, 999)), t)) for _ in range(variants) for k, t in base]
    rng.shuffle(out)
    return out


def bench_parse(parser: Parser) -> tuple[int, float]:
    messages = mix()
    half = len(messages) // 2
    for kind, text in messages[:half]:
        parser.parse(text, kind, TODAY)
    start = time.perf_counter()
    for kind, text in messages[half:]:
        parser.parse(text, kind, TODAY)
    return len(messages) - half, time.perf_counter() - start


def bench_store(n_reports: int = 10_000) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        schema.upgrade(engine)
        n_units = 1000
        with session_scope(engine) as s:
            queries.sync_units(s, units=[queries.UnitSeed(f"小区{i}", "property") for i in range(n_units)])
        with session_scope(engine) as s:
            ids = [u.id for u in queries.units_of_kind(s, kind="property")]
        now = dt.datetime.now(dt.timezone.utc)
        values: dict[str, int | str | None] = {
            "community": "翠园小区", "residents_screened": 356, "visitors_registered": 12, "fever_cases": 0,
            "home_quarantine": 3, "disinfected": 1, "masks": 5000, "disinfectant_barrels": 150,
            "thermometers": 4, "issues_found": 0, "date": "2020-02-26",
        }
        start = time.perf_counter()
        for i in range(n_reports):
            with session_scope(engine) as s:  # one transaction per report, as the bot does
                queries.save_report(
                    s, unit_id=ids[i % n_units], template="property_daily", kind="property",
                    report_date=TODAY - dt.timedelta(days=i // n_units), values=values, raw_text="小区：翠园小区…",
                    source_message_id=f"m{i}", reporter_id="wxid", now=now,
                )
        elapsed = time.perf_counter() - start
        engine.dispose()
        return n_reports, elapsed


def main() -> None:
    parser = Parser(load_config(ROOT / "config.yaml").templates)
    n, secs = bench_parse(parser)
    print(f"parse: {n} messages in {secs:.2f} s = {n / secs:,.0f} messages/s "
          f"({len(ALL)} form and {len(ALL_PEOPLE)} free-typed messages, numbers varied)")
    n, secs = bench_store()
    print(f"store: {n} reports (11 fields each) in {secs:.2f} s = {n / secs:,.0f} reports/s "
          "(SQLite WAL, one transaction per report)")


if __name__ == "__main__":
    main()
