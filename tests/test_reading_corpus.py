"""The shared reading corpus (../shared/reading/, 656 messages by four writers) as a regression guard:
one test per category, failing when the category's detection, field accuracy or flags fall below
what this reader reaches (scored exactly as ../shared/reading/score.py scores `wxbot parse`)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from handlers.parser import Parser
from tests.conftest import ROOT

READING = ROOT.parent / "shared" / "reading"
# category -> (detection, fields, flags) in percent, as reached when this guard was set
FLOOR = 100.0


def _score() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reading_score", READING / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cases() -> list[dict[str, object]]:
    if not (READING / "corpus").is_dir():
        return []
    return [json.loads(line) for f in sorted((READING / "corpus").glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]


CASES = _cases()
CATEGORIES = sorted({str(c["category"]) for c in CASES})


def _reports(parser: Parser, case: dict[str, object]) -> list[dict[str, object]]:
    day = dt.date.fromisoformat(str(case["today"]))
    if case.get("reply_to"):
        reply = parser.parse_reply(str(case["text"]), str(case["reply_to"]), str(case["unit"]), day)
        reports = [reply] if reply is not None else []
    else:
        reports = parser.parse(str(case["text"]), str(case["kind"]), day)
    return [json.loads(json.dumps(r.to_json(), ensure_ascii=False)) for r in reports]


@pytest.mark.skipif(not CASES, reason="../shared/reading/corpus is not beside this checkout")
@pytest.mark.parametrize("category", CATEGORIES)
def test_corpus_category_reads_as_well_as_it_did(category: str, parser: Parser) -> None:
    score = _score()
    totals: Counter[str] = Counter()
    failures = []
    for case in (c for c in CASES if c["category"] == category):
        res, notes = score.score_case(case, _reports(parser, case), None)
        totals.update({"n": 1, "detect": res["detect_ok"], **{k: res[k] for k in
                                                             ("fields_total", "fields_ok", "flags_total", "flags_ok")}})
        if notes:
            failures.append(f"{case['id']}: {'; '.join(notes)}")

    def pct(ok: str, total: str) -> float:
        return 100.0 * totals[ok] / totals[total] if totals[total] else 100.0

    got = (pct("detect", "n"), pct("fields_ok", "fields_total"), pct("flags_ok", "flags_total"))
    assert min(got) >= FLOOR, (got, failures[:10])


def test_the_whole_corpus_is_found_when_shared_is_there() -> None:
    """In CI shared/ lies beside the checkout: the guard must not silently skip there."""
    if (READING / "corpus").is_dir():
        assert len(CASES) >= 600 and len(CATEGORIES) >= 30
