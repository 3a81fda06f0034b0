"""WeChat 接龙 (group solitaire) as text: a first line holding #接龙 (English clients: #Group Note),
title lines, perhaps the organiser's example (例 …), then numbered entries `N. …` that each person
extends. Every repost carries the whole chain."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.parser.words import ReadingWords

_ENTRY = re.compile(r"^\s*(\d{1,4})\s*[.、)]\s*(.*)$")
MAX_ENTRIES = 500  # a chain longer than any district's units is read this far (the rest is said, not read)


@dataclass(frozen=True, slots=True)
class Entry:
    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Jielong:
    header: list[str]  # title lines (their date applies to every entry)
    entries: list[Entry]
    beyond: int = 0  # entries past MAX_ENTRIES, not read


def is_jielong(first_line: str, words: ReadingWords) -> bool:
    if "#" not in first_line:
        return False
    low = first_line.lower().replace(" ", "")
    return any(mark.replace(" ", "") in low for mark in words.jielong_marks)


def _without_mark(first_line: str, words: ReadingWords) -> str:
    low = first_line.lower()
    for mark in words.jielong_marks:
        at = low.find(mark)
        if at >= 0:
            return (first_line[:at] + first_line[at + len(mark):]).strip()
    return first_line


def split_jielong(text_lines: list[str], words: ReadingWords) -> Jielong | None:
    """None when the message is no 接龙; else its header and its entries, in order (an entry may
    run over several lines)."""
    if not text_lines or not is_jielong(text_lines[0], words):
        return None
    title = _without_mark(text_lines[0], words)
    header: list[str] = [title] if title else []
    entries: list[Entry] = []
    for line in text_lines[1:]:
        m = _ENTRY.match(line)
        if m is not None and (not entries or int(m[1]) != entries[-1].number or not m[2]):
            entries.append(Entry(int(m[1]), m[2].strip()))
        elif entries:
            last = entries[-1]
            entries[-1] = Entry(last.number, f"{last.text} {line}".strip())
        elif not line.startswith(words.example_marks):
            header.append(line)
    entries = [e for e in entries if e.text]
    return Jielong(header, entries[:MAX_ENTRIES], max(len(entries) - MAX_ENTRIES, 0))
