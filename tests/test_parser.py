from __future__ import annotations

import pytest

from handlers.parser import Parser
from tests.conftest import TODAY
from tests.parser_cases import ALL, Case

IDS = [f"{c.kind}-{i}-{c.text[:14]!r}" for i, c in enumerate(ALL)]


def test_suite_is_large_enough() -> None:
    assert len(ALL) >= 100


@pytest.mark.parametrize("case", ALL, ids=IDS)
def test_realistic_message(case: Case, parser: Parser) -> None:
    reports = parser.parse(case.text, case.kind, TODAY)
    assert len(reports) == len(case.reports), [r.to_json() for r in reports]
    for got, want in zip(reports, case.reports, strict=True):
        read = {k: got.fields.get(k) for k in want.fields}
        assert read == want.fields, got.to_json()
        assert got.missing == want.missing, got.to_json()
        assert [i.field for i in got.invalid] == want.invalid, got.to_json()
        if want.unknown is not None:
            assert got.unknown == want.unknown, got.to_json()


def test_invalid_carries_value_and_reason(parser: Parser) -> None:
    (report,) = parser.parse("小区：翠园小区\n测温：若干\n体温异常：-1\n消杀：是", "property", TODAY)
    by_field = {i.field: i for i in report.invalid}
    assert by_field["residents_screened"].value == "若干"
    assert by_field["residents_screened"].reason == "不是数字"
    assert by_field["fever_cases"].reason == "不能为负数"
    assert "fever_cases" not in report.missing


def test_template_chosen_by_title_within_kind(parser: Parser) -> None:
    (report,) = parser.parse("网格日报\n网格：翠园网格\n走访：35", "grid", TODAY)
    assert report.template.id == "grid_daily"


def test_kind_without_templates_reads_nothing(parser: Parser) -> None:
    assert parser.parse("小区：翠园小区\n测温：356\n体温异常：0", "officials", TODAY) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("35，120，2，1，0", {"households_visited": 35, "people_screened": 120, "issues_found": 2, "issues_rectified": 1, "fever_cases": 0}),
        ("35,120,2,1,0", {"households_visited": 35, "people_screened": 120, "issues_found": 2, "issues_rectified": 1, "fever_cases": 0}),
        ("35 120 2 1 0", {"households_visited": 35, "people_screened": 120, "issues_found": 2, "issues_rectified": 1, "fever_cases": 0}),
        ("1.35 2.120 3.2 4.1 5.0", {"households_visited": 35, "people_screened": 120, "issues_found": 2, "issues_rectified": 1, "fever_cases": 0}),
        ("1、35户\n2、120人\n3、2个", {"households_visited": 35, "people_screened": 120, "issues_found": 2}),
        ("三十五，一百二十", {"households_visited": 35, "people_screened": 120}),
        ("走访35户，发现问题1个", {"households_visited": 35, "issues_found": 1}),
    ],
)
def test_reply_positional_and_labelled(parser: Parser, text: str, expected: dict[str, int]) -> None:
    report = parser.parse_reply(text, "grid_daily", "翠园网格", TODAY)
    assert report is not None
    assert report.fields["grid"] == "翠园网格"
    assert {k: report.fields.get(k) for k in expected} == expected


def test_reply_partial_and_non_answers(parser: Parser) -> None:
    partial = parser.parse_reply("35", "grid_daily", "翠园网格", TODAY)
    assert partial is not None and partial.fields["households_visited"] == 35 and partial.ok
    assert "people_screened" not in partial.fields
    assert parser.parse_reply("好的", "grid_daily", "翠园网格", TODAY) is None
    too_many = parser.parse_reply("1,2,3,4,5,6", "grid_daily", "翠园网格", TODAY)
    assert too_many is not None and too_many.unknown == ["第6项"]


def test_reply_quoting_the_prompt(parser: Parser) -> None:
    text = "「小助手：请回复今日走访户数、排查人数」\n- - - - - - - - - - - - - - -\n35，120"
    report = parser.parse_reply(text, "grid_daily", "翠园网格", TODAY)
    assert report is not None
    assert report.fields["households_visited"] == 35 and report.fields["people_screened"] == 120
