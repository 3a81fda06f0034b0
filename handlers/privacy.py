"""Phone and ID card numbers never leave whole into a group or a summary."""

from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![\dXx])(\d{4})(\d{2}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(\d{3}[\dXx])(?![\dXx])")


def mask(text: str) -> str:
    """138****5678, 4305**********1234 (ID numbers first: they contain phone-like runs)."""
    text = _ID_CARD.sub(lambda m: m[1] + "*" * 10 + m[3], text)
    return _PHONE.sub(lambda m: m[1] + "****" + m[3], text)
