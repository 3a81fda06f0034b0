"""The reader on messages written from the contract's rules (tests/reading_cases.py): what it stores,
what it says is missing, and silence for what is not a report."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.parser import Parser
from tests.reading_cases import RULE_CASES, T


@pytest.mark.parametrize("case", RULE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(RULE_CASES)])
def test_rule_case(case: tuple, parser: Parser) -> None:  # type: ignore[type-arg]
    kind, text, unit, expected = case[:4]
    missing = case[4] if len(case) > 4 else None
    day = dt.date.fromisoformat(T)
    if unit:
        reply = parser.parse_reply(text, f"{kind}_daily", unit, day)
        reports = [reply] if reply is not None else []
    else:
        reports = parser.parse(text, kind, day)
    got = [r.to_json() for r in reports]
    assert len(got) == len(expected), got
    for report, want in zip(got, expected, strict=True):
        fields = report["fields"]
        assert isinstance(fields, dict)
        assert {k: fields.get(k) for k in want} == want, report
    if missing is not None:
        assert [sorted(r["missing"]) for r in got] == [sorted(m) for m in missing], got  # type: ignore[arg-type]
        if "-5" in text or "全员" in text:  # a negative or a word for a count: invalid, named
            assert [i["field"] for i in got[0]["invalid"]] == ["residents_screened"], got  # type: ignore[index]
    elif expected:
        assert all(not r["invalid"] for r in got), got
