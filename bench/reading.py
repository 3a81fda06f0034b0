"""Parse throughput on the reading corpus's mix (voice, tables, prose, several units, notices …).

Run: python -m bench.reading [--corpus DIR] [--variants N]   (prints figures; not a test)
Target (issue #18): >= 10,000 messages/s on one core.

A bot's days: each day every corpus message comes in many versions whose numbers differ (as they do
from one unit and one day to the next), shuffled, and is read with that day as today — the parser
keeps a day's line shapes, so each new day starts cold. A day before warms the parser's words. Replies go through
parse_reply as the bot calls it."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import time
from pathlib import Path

from bot.config import load_config
from handlers.parser import Parser

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "reading" / "corpus"
_NUMBER = re.compile(r"(?<![月\d.\-/年])\d+(?![月日号\d.\-/年])")


def cases(corpus: Path) -> list[dict[str, str]]:
    return [json.loads(line) for f in sorted(corpus.glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--variants", type=int, default=20, help="versions of each corpus message a day")
    ap.add_argument("--days", type=int, default=3)
    args = ap.parse_args()
    cfg = load_config(ROOT / "config.yaml")
    parser = Parser(cfg.templates, cfg.reading_words())
    rng = random.Random(1)
    base = cases(args.corpus)
    start = dt.date(2020, 3, 2)

    def day_mix(day: dt.date) -> list[dict[str, str]]:
        """A day of traffic: every corpus message in `variants` versions whose numbers differ, each
        read with that day as today (as the bot reads a day's messages), shuffled."""
        out = [{**c, "text": _NUMBER.sub(lambda m: str(rng.randint(0, 999)), c["text"]), "today": day.isoformat()}
               for _ in range(args.variants) for c in base]
        rng.shuffle(out)
        return out

    def run(batch: list[dict[str, str]]) -> int:
        reports = 0
        for c in batch:
            day = dt.date.fromisoformat(c["today"])
            if c.get("reply_to"):
                reports += parser.parse_reply(c["text"], c["reply_to"], c["unit"], day) is not None
            else:
                reports += len(parser.parse(c["text"], c["kind"], day))
        return reports

    run(day_mix(start - dt.timedelta(days=1)))  # a day before: the parser's words warm
    days = [day_mix(start + dt.timedelta(days=i)) for i in range(args.days)]
    timed = sum(len(d) for d in days)
    t0 = time.perf_counter()
    reports = sum(run(d) for d in days)  # each new day starts with cold line caches, as in the bot
    took = time.perf_counter() - t0
    print(f"reading corpus mix: {len(base)} messages x {args.variants} variants a day, {args.days} days, "
          f"{timed} timed")
    print(f"parse: {timed / took:,.0f} messages/s on one core ({reports:,} reports, "
          f"{took * 1e6 / timed:.0f} µs a message)")


if __name__ == "__main__":
    main()
