"""Parse throughput on the reading corpus's mix (voice, tables, prose, several units, notices …).

Run: python -m bench.reading [--corpus DIR] [--variants N]   (prints figures; not a test)
Target (issue #18): >= 10,000 messages/s on one core.

Every corpus message in many variants whose numbers differ (as they do from one unit and one day to
the next), shuffled within each day and read day by day as a bot reads them (the parser keeps a day's
line shapes); the first half warms the parser, the second is timed. Replies go through
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
    ap.add_argument("--variants", type=int, default=40)
    args = ap.parse_args()
    cfg = load_config(ROOT / "config.yaml")
    parser = Parser(cfg.templates, cfg.reading_words())
    rng = random.Random(1)
    base = cases(args.corpus)
    mix = [{**c, "text": _NUMBER.sub(lambda m: str(rng.randint(0, 999)), c["text"])}
           for _ in range(args.variants) for c in base]
    rng.shuffle(mix)
    mix.sort(key=lambda c: c["today"])  # a bot reads one day's messages, then the next day's

    def run(batch: list[dict[str, str]]) -> int:
        reports = 0
        for c in batch:
            day = dt.date.fromisoformat(c["today"])
            if c.get("reply_to"):
                reports += parser.parse_reply(c["text"], c["reply_to"], c["unit"], day) is not None
            else:
                reports += len(parser.parse(c["text"], c["kind"], day))
        return reports

    half = len(mix) // 2
    run(mix[:half])
    start = time.perf_counter()
    reports = run(mix[half:])
    took = time.perf_counter() - start
    print(f"reading corpus mix: {len(base)} messages x {args.variants} variants, {len(mix) - half} timed")
    print(f"parse: {(len(mix) - half) / took:,.0f} messages/s on one core ({reports:,} reports, "
          f"{took * 1e6 / (len(mix) - half):.0f} µs a message)")


if __name__ == "__main__":
    main()
