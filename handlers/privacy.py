"""Personal numbers never leave whole: one detector for every door out (group messages, receipts,
summaries, exports, pages, the API).

It reads digits as people write them — ASCII, full-width (１３８), Chinese (一三八, 幺, 〇/零) — with
spaces, dashes or dots between them, and finds mainland mobile numbers (with +86, 86, 0086),
18-character ID numbers (last X/x), and landlines with an area code. Each found number is replaced
by its masked form: 138****5678, 4305**********1234, 0731-****5678."""

from __future__ import annotations

import bisect
import re

# one character -> the digit it stands for (every other character maps to itself)
_DIGITS = {**{chr(0xFF10 + i): str(i) for i in range(10)}, **dict(zip("〇零一二三四五六七八九", "00123456789")),
           "幺": "1", "壹": "1", "贰": "2", "叁": "3", "肆": "4", "伍": "5", "陆": "6", "柒": "7", "捌": "8", "玖": "9",
           "Ｘ": "X", "ｘ": "x", "＋": "+"}
_SEPARATORS = " \u00a0\u3000-‐‑–—－.．·・/"  # may stand between the digits of one number
_TABLE = str.maketrans({**_DIGITS, **{c: "_" for c in _SEPARATORS}})
_S = r"_{0,2}"  # between two digits: at most two separator characters
_D = rf"\d{_S}"


def _digits(n: int) -> str:
    return _S.join([r"\d"] * n)


_ID = re.compile(rf"(?<![\dXx])({_digits(17)}{_S}[\dXx])(?![\dXx])")
_MOBILE = re.compile(rf"(?<![\d+])((?:\+{_S}86|0086|86)?{_S}\(?{_S}1{_S}[3-9]{_S}{_digits(9)})(?!\d)")
_LANDLINE = re.compile(rf"(?<!\d)(\(?0{_S}\d{_S}\d{_S}\d?\)?{_S}[2-9]{_S}{_digits(6)}(?:{_S}\d)?)(?!\d)")


def _only_digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c in "Xx")


def _mask_id(raw: str) -> str:
    d = _only_digits(raw)
    return d[:4] + "*" * 10 + d[-4:]


def _mask_mobile(raw: str) -> str:
    d = _only_digits(raw)
    d = d[-11:]  # without +86 / 0086 / 86
    return d[:3] + "****" + d[-4:]


def _mask_landline(raw: str) -> str:
    d = _only_digits(raw)
    area = 3 if d[:2] in ("01", "02") else 4  # 010 / 02x are three digits, the rest four
    return f"{d[:area]}-****{d[-4:]}"


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, masked form) of every personal number, earliest first, never overlapping."""
    mapped = text.translate(_TABLE)
    found: list[tuple[int, int, str]] = []  # sorted by start, never overlapping: a neighbour check each
    for pattern, masker in ((_ID, _mask_id), (_MOBILE, _mask_mobile), (_LANDLINE, _mask_landline)):
        for m in pattern.finditer(mapped):
            start, end = m.span(1)
            at = bisect.bisect_left(found, (start,))
            if (at > 0 and found[at - 1][1] > start) or (at < len(found) and found[at][0] < end):
                continue
            found.insert(at, (start, end, masker(mapped[start:end])))
    return found


def mask(text: str) -> str:
    """The text with every personal number masked."""
    if not text:
        return text
    out, last = [], 0
    for start, end, masked in _spans(text):
        out += [text[last:start], masked]
        last = end
    out.append(text[last:])
    return "".join(out)


def has_personal_number(text: str) -> bool:
    return bool(text) and bool(_spans(text))
