"""The parser reads people, not only forms (issue #7): one case list per rule, 300+ messages in all."""

from __future__ import annotations

import pytest

from bot.config import Config
from handlers.parser import Parser, Registry
from tests.conftest import TODAY
from tests.parser_cases import ALL
from tests.parser_cases_people import ALL_PEOPLE, Case

IDS = [f"{c.rule}-{i}-{c.text[:14]!r}" for i, c in enumerate(ALL_PEOPLE)]


@pytest.fixture(scope="module")
def known_parser(config: Config) -> Parser:
    units: dict[str, set[str]] = {}
    for u in config.units:
        units.setdefault(u.kind, set()).update([u.name, *u.aliases])
    return Parser(config.templates, registry=Registry(units={k: frozenset(v) for k, v in units.items()}))


def test_the_suite_has_300_realistic_messages_and_a_category_per_rule() -> None:
    assert len(ALL) + len(ALL_PEOPLE) >= 300
    rules = {c.rule for c in ALL_PEOPLE}
    assert rules >= {"inline", "phrases", "unit label words", "lead-ins", "remarks", "fuzzy labels", "registry",
                     "near-reports", "jielong", "plausibility"}


@pytest.mark.parametrize("case", ALL_PEOPLE, ids=IDS)
def test_people_typing(case: Case, parser: Parser, known_parser: Parser) -> None:
    reading = (known_parser if case.known else parser).read(case.text, case.kind, TODAY)
    reports = reading.reports
    assert len(reports) == len(case.reports), [r.to_json() for r in reports]
    for got, want in zip(reports, case.reports, strict=True):
        read = {k: got.fields.get(k) for k in want.fields}
        assert read == want.fields, (got.to_json(), got.guesses)
        assert got.missing == want.missing, got.to_json()
        assert [i.field for i in got.invalid] == want.invalid, got.to_json()
        if want.unknown is not None:
            assert got.unknown == want.unknown, got.to_json()
        if want.guesses is not None:
            assert [g.label for g in got.guesses] == want.guesses, got.guesses
        if want.entry is not None:
            assert got.entry == want.entry
    assert [e.number for e in reading.unread] == case.unread
