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
_BEFORE_NFKC = re.compile(_CIRCLED.pattern[:-1] + _EMOJI.pattern[1:])  # circled numbers turn into digits
_AFTER_NFKC = re.compile(r"[\u200b\u200c\u200e\u200f\u2060\ufeff【】\[\]〖〗「」『』《》]")
_INVISIBLE = frozenset("\u200b\u200c\u200e\u200f\u2060\ufeff")
_NUMBERING = re.compile(
    r"^\s*(?:[-*•·●○◆◇■□▪►>]+|\d{1,2}[.、)](?!\d)|\(\d{1,2}\)|[一二三四五六七八九十]{1,3}[、.]|\([一二三四五六七八九十]{1,3}\))\s*"
)
# WeChat quotes: 「Name：quoted text」 then a dashed line, then the reply.
_QUOTE = re.compile(r"「[^」]*」|^\s*(?:-\s*){5,}$", re.MULTILINE)


def _keep_mark(m: re.Match[str]) -> str:
    return m.group(0) if m.group(0) in KEPT_MARKS else " "


def _after(m: re.Match[str]) -> str:
    return "" if m.group(0) in _INVISIBLE else " "


# between a label and its value: an arrow, a doubled colon, two separators in a row are one colon (C4.3)
_ARROWS = re.compile(r"[ \t]*(?:👉|→|➡️?|⇒|=>|(?<![<>=])>(?![=>]))[ \t]*")
_COLONS = re.compile(r"[ \t]*[:：](?:[ \t]*[:：👉→])*[ \t]*")
_BOLD = re.compile(r"\*\*")
# 【label】value: the brackets around a label are a separator (C4.4); kept for a title or a name
_BRACKETED = re.compile(r"【([^】]{1,12})】(?=\s*(?:\d+(?![\d月./\-年])|[零〇一二两三四五六七八九十无是否已未√✓✔]))")
# ✅ before a label or a phrase is a bullet, not a yes (C4.1)
_CHECK_BULLET = re.compile(r"^[ \t]*[✅☑✔](?:\ufe0f)?[ \t]*(?=[\u4e00-\u9fff])", re.MULTILINE)


def unquote(text: str) -> str:
    """A WeChat quote (「Name：quoted text」 and its dashed line) is someone else's words: out."""
    if "「" in text or "- -" in text or "-----" in text:
        return _QUOTE.sub("\n", text)
    return text


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), numbering circles and emoji out, quotes out, markers between a
    label and its value made one colon."""
    if "「" in text or "- -" in text or "-----" in text:
        text = _QUOTE.sub("\n", text)
    if "**" in text:
        text = _BOLD.sub("", text)
    if "【" in text:
        text = _BRACKETED.sub(r" \1:", text)
    text = _CHECK_BULLET.sub("", text)
    text = _ARROWS.sub(":", text)
    text = unicodedata.normalize("NFKC", _BEFORE_NFKC.sub(_keep_mark, text))
    text = _AFTER_NFKC.sub(_after, text)
    return _COLONS.sub(":", text) if ":" in text else text


def strip_numbering(segment: str) -> str:
    prev = None
    while prev != segment:
        prev, segment = segment, _NUMBERING.sub("", segment, count=1)
    return segment.strip()


def lines(text: str) -> list[str]:
    return [line.strip() for line in normalize(text).splitlines() if line.strip()]
