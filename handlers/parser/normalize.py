"""Text clean-up before matching: what phones add and what we must not read as meaning."""

from __future__ import annotations

import re
import unicodedata

# Marks that carry a yes/no meaning survive emoji removal.
KEPT_MARKS = frozenset("✅✓✔✗✘❌√×☑")
_CIRCLED = re.compile(r"[\u2460-\u2473\u2776-\u277f\u24ea\u3251-\u325f]")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\u20e3\u3030\u303d]"
)
_INVISIBLE = re.compile(r"[\u200b\u200c\u200e\u200f\u2060\ufeff]")
_BRACKETS = re.compile(r"[【】\[\]〖〗「」『』《》]")
_NUMBERING = re.compile(
    r"^\s*(?:[-*•·●○◆◇■□▪►>]+|\d{1,2}[.、)](?!\d)|\(\d{1,2}\)|[一二三四五六七八九十]{1,3}[、.]|\([一二三四五六七八九十]{1,3}\))\s*"
)
_SEGMENT_SPLIT = re.compile(r"(?<!\d),|,(?!\d{3}(?:\D|$))|[;；。]")
# WeChat quotes: 「Name：quoted text」 then a dashed line, then the reply.
_QUOTE = re.compile(r"「[^」]*」|^\s*(?:-\s*){5,}$", re.MULTILINE)


def _drop_emoji(text: str) -> str:
    return _EMOJI.sub(lambda m: m.group(0) if m.group(0) in KEPT_MARKS else " ", text)


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), numbering circles and emoji out, quotes out."""
    text = _QUOTE.sub("\n", text)
    text = _CIRCLED.sub(" ", text)
    text = _drop_emoji(text)
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return _BRACKETS.sub(" ", text)


def strip_numbering(segment: str) -> str:
    prev = None
    while prev != segment:
        prev, segment = segment, _NUMBERING.sub("", segment, count=1)
    return segment.strip()


def lines(text: str) -> list[str]:
    return [line.strip() for line in normalize(text).splitlines() if line.strip()]


def segments(line: str) -> list[str]:
    """Pairs on one line are split by ， , ； ; 。 (a comma between digit groups is a thousands mark)."""
    parts = (strip_numbering(p) for p in _SEGMENT_SPLIT.split(line))
    return [p for p in parts if p]
