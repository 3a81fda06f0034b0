"""A report for an earlier day (reading contract C6): 补报昨天, 漏报28号的：, 昨日的工地日报补上：, 补 3.14.

The mark and the day it names are a lead-in: they are taken out of the text (never part of a unit's
name) and the day becomes the report's date. A day-only date later than today's day of the month is
in the previous month (on 4月2日, 30号 is 3月30日); N号 before a unit word (2号网格, 3号楼) is a name."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

MARKS = ("补报", "补上", "补发", "漏报", "补")
RELATIVE = {"昨天": -1, "昨日": -1, "前天": -2, "前日": -2}
_UNIT_WORDS = "网格|楼|栋|院|门|单元|线|地块|标段|号|区|组|小区|幢|车间"
_DAY = (r"(?P<rel>昨天|昨日|前天|前日)|(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?"
        r"|(?<![\d.])(?P<m2>\d{1,2})[./](?P<d2>\d{1,2})(?![\d./])"
        rf"|(?<![\d月.])(?P<d3>\d{{1,2}})[日号](?!{_UNIT_WORDS})")
_ANY_DAY = re.sub(r"\?P<\w+>", "?:", _DAY)
_MARK = r"(?:补报|补上|补发|漏报了?|补(?![充贴助齐全货给]))"
# the lead as it stands in a line: a mark near a day, or a day's lead 昨天的 at the start
_LEAD = re.compile(
    rf"(?:{_MARK}[了的]?[\s,，:：]*(?:{_ANY_DAY})?(?:的)?|(?:{_ANY_DAY})(?:的)?[\s,，]*(?:{_MARK}|漏报了?)[了的]?"
    rf"|^(?:(?:{_ANY_DAY})的))")
_DAY_RX = re.compile(_DAY)
_MARK_CHARS = frozenset("补漏昨前")
_LEFTOVER = re.compile(r"^[\s,，:：。]*(?:现|已)?(?:补上|补报)?[\s,，:：。的]*$")


@dataclass(frozen=True, slots=True)
class Backfill:
    text: str  # the message without the mark and its day
    day: dt.date | None  # None: not a report for an earlier day


def _day(m: re.Match[str], today: dt.date) -> dt.date | None:
    try:
        if m["rel"]:
            return today + dt.timedelta(days=RELATIVE[m["rel"]])
        if m["m"]:
            year = int(m["y"]) if m["y"] else today.year
            day = dt.date(year, int(m["m"]), int(m["d"]))
            return day.replace(year=year - 1) if not m["y"] and day > today + dt.timedelta(days=31) else day
        if m["m2"]:
            day = dt.date(today.year, int(m["m2"]), int(m["d2"]))
            return day.replace(year=today.year - 1) if day > today + dt.timedelta(days=31) else day
        n = int(m["d3"])
        if n > today.day:
            return (today.replace(day=1) - relativedelta(months=1)).replace(day=n)
        return today.replace(day=n)
    except ValueError:
        return None


def find(text: str, today: dt.date) -> Backfill:
    """The mark in the first two lines, its day, and the text without them."""
    lines = text.split("\n", 2)
    if _MARK_CHARS.isdisjoint(lines[0]) and (len(lines) < 2 or _MARK_CHARS.isdisjoint(lines[1])):
        return Backfill(text, None)
    for i, line in enumerate(lines[:2]):
        for lead in _LEAD.finditer(line):
            if not re.search(_MARK, lead.group(0)) and not lead.group(0).endswith("的"):
                continue
            spans = [lead.span()]
            named = _DAY_RX.search(lead.group(0))
            if named is None:  # 补报 with the day elsewhere on the line (补报 2月16日 长湖雅苑)
                named = _DAY_RX.search(line)
                if named is None:
                    continue
                spans.append(named.span())
            day = _day(named, today)
            if day is None:
                continue
            rest = line
            for start, end in sorted(spans, reverse=True):
                rest = rest[:start] + " " + rest[end:]
            rest = "" if _LEFTOVER.match(rest) else rest.strip().lstrip(",，:：。 ")
            return Backfill("\n".join([*lines[:i], *([rest] if rest else []), *lines[i + 1:]]), day)
    return Backfill(text, None)
