"""Typed values as people type them on a phone: 356人, 十二, 无, ✅, 2月26日, 已复工."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import cn2an
from dateutil import parser as dateparser

from handlers.templates import FieldType, TemplateField


@dataclass(frozen=True, slots=True)
class Bad:
    """A stated value that cannot be used; reason is shown to the sender."""

    reason: str


Value = int | bool | str | dt.date

ZERO_WORDS = frozenset({"无", "没有", "零", "暂无", "无人", "〇"})
TRUE_WORDS = frozenset(
    {"是", "已", "已完成", "完成", "已消杀", "已消毒", "有", "√", "✓", "✔", "✅", "yes", "y", "ok", "对", "已做", "已落实"}
)
FALSE_WORDS = frozenset(
    {"否", "未", "未完成", "没有", "无", "×", "✗", "✘", "❌", "未消杀", "未消毒", "no", "n", "没", "不是", "未做"}
)
DECORATIONS = "✅✓✔√☑"
_APPROX = re.compile(r"^(?:大约|约为|约|共计|共|合计|累计|计|总计|总共)")
_NUMBER = re.compile(
    r"^(?P<sign>[-−])?\s*(?P<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)\s*(?P<unit>[^\d]{0,4})$"
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
_CN_UNIT_OK = re.compile(r"^[^\d零〇一二两三四五六七八九十百千万]*$")
_DATE_YMD = re.compile(r"^(?:(?P<y>\d{4})[年.\-/])?(?P<m>\d{1,2})[月.\-/](?P<d>\d{1,2})[日号]?$")
_DATE_D = re.compile(r"^(?P<d>\d{1,2})[日号]$")
_WEEKDAY = re.compile(r"[(]?(?:星期|周|礼拜)[一二三四五六日天][)]?$")
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "当天": 0, "昨天": -1, "昨日": -1, "前天": -2}


def clean(raw: str) -> str:
    """Trim spaces, a trailing full stop or exclamation, and a decorating check mark."""
    v = raw.strip().rstrip("。.!！~～")
    stripped = v.rstrip(DECORATIONS).strip()
    return stripped or v


def parse_int(raw: str) -> int | Bad:
    v = clean(raw).replace(" ", "")
    if v in ZERO_WORDS or v.startswith(("无", "没有")) and len(v) <= 3:
        return 0
    v = _THOUSANDS.sub("", _APPROX.sub("", v))
    m = _NUMBER.match(v)
    if not m or (m["unit"] and not _CN_UNIT_OK.match(m["unit"])):
        return Bad("不是数字")
    num = m["num"]
    try:
        value = float(num) if num[0].isdigit() else float(cn2an.cn2an(num, "smart"))
    except (ValueError, KeyError, IndexError):
        return Bad("不是数字")
    if m["sign"]:
        return Bad("不能为负数")
    if value != int(value):
        return Bad("应为整数")
    return int(value)


def parse_bool(raw: str) -> bool | Bad:
    v = clean(raw).lower().replace(" ", "")
    if v in TRUE_WORDS or raw.strip() in TRUE_WORDS:
        return True
    if v in FALSE_WORDS:
        return False
    if v.startswith(("未", "没", "无", "否", "不需", "不用")):
        return False
    if v.startswith(("已", "完成", "是")):
        return True
    return Bad("请填 是 或 否")


def parse_enum(raw: str, words: dict[str, list[str]]) -> str | Bad:
    v = clean(raw).replace(" ", "")
    best: tuple[int, str] | None = None
    for value, synonyms in words.items():
        for word in synonyms:
            if word in v and (best is None or len(word) > best[0]):
                best = (len(word), value)
    if best is None:
        choices = "/".join(ws[0] for ws in words.values() if ws)
        return Bad(f"请填 {choices} 之一")
    return best[1]


def _pick_year(month: int, day: int, today: dt.date) -> dt.date:
    """A date without a year is the most recent such day (a 12月31日 report read on 1月1日)."""
    candidate = dt.date(today.year, month, day)
    if candidate > today + dt.timedelta(days=31):
        candidate = dt.date(today.year - 1, month, day)
    return candidate


def parse_date(raw: str, today: dt.date) -> dt.date | Bad:
    v = _WEEKDAY.sub("", clean(raw).replace(" ", "")).strip("()")
    if v in _RELATIVE_DAYS:
        return today + dt.timedelta(days=_RELATIVE_DAYS[v])
    try:
        if m := _DATE_YMD.match(v):
            month, day = int(m["m"]), int(m["d"])
            if m["y"]:
                return dt.date(int(m["y"]), month, day)
            return _pick_year(month, day, today)
        if m := _DATE_D.match(v):
            return dt.date(today.year, today.month, int(m["d"]))
        if re.fullmatch(r"\d{4}\d{2}\d{2}", v):
            return dateparser.parse(v).date()
    except ValueError:
        return Bad("日期不存在")
    return Bad("日期无法识别，请写成 2月26日")


def parse_text(raw: str) -> str | Bad:
    v = raw.strip().strip("。")
    return v if v else Bad("没有填写内容")


def parse_value(field: TemplateField, raw: str, today: dt.date) -> Value | Bad:
    match field.type:
        case FieldType.INT:
            return parse_int(raw)
        case FieldType.BOOL:
            return parse_bool(raw)
        case FieldType.ENUM:
            return parse_enum(raw, field.words)
        case FieldType.DATE:
            return parse_date(raw, today)
        case FieldType.TEXT:
            return parse_text(raw)
    raise AssertionError(field.type)  # pragma: no cover - FieldType is closed


def looks_like_value(raw: str) -> bool:
    """True when a chunk is a bare value (a number, a yes/no word, a mark) and no label."""
    v = clean(raw)
    if not v:
        return False
    if v in TRUE_WORDS or v in FALSE_WORDS or v in ZERO_WORDS or raw.strip() in TRUE_WORDS:
        return True
    return not isinstance(parse_int(v), Bad) or not isinstance(parse_date(v, dt.date(2000, 1, 1)), Bad)
