"""Typed values as people type them on a phone: 356人, 十二, 30余人, 1人（已送医）, 无, ✅, 2月26日.

Numbers are read as int all the way (no float: 12345678901234567 stays exact)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an
from dateutil import parser as dateparser

from handlers.parser.words import DEFAULT_WORDS, ReadingWords
from handlers.templates import FieldType, TemplateField


@dataclass(frozen=True, slots=True)
class Bad:
    """A stated value that cannot be used; reason is shown to the sender."""

    reason: str


Value = int | bool | str | dt.date


@dataclass(frozen=True, slots=True)
class Read:
    """A usable value, with what was said around it (the remark goes to notes and the receipt)."""

    value: Value
    remark: str = ""
    measure: str = ""  # the unit of measure typed after a number: 人, 户, 桶


ZERO_WORDS = frozenset({"无", "没有", "零", "暂无", "无人", "〇", "没", "均无", "未发现", "无异常", "没发现", "均未发现"})
TRUE_WORDS = frozenset(
    {"是", "已", "已完成", "完成", "已消杀", "已消毒", "有", "√", "✓", "✔", "✅", "☑", "✔️", "☑️", "yes", "y", "ok", "对", "已做",
     "已落实", "已开展", "已执行", "到位", "已到位"}
)
FALSE_WORDS = frozenset(
    {"否", "未", "未完成", "没有", "无", "×", "✗", "✘", "❌", "未消杀", "未消毒", "no", "n", "没", "不是", "未做",
     "未开展", "未落实"}
)
DECORATIONS = "✅✓✔√☑"
MAX_DIGITS = 18  # no count has more; a longer run is 数值过大 without converting it (Python refuses 4,300)
TOO_LARGE = Bad("数值过大")
_LONG = re.compile(r"[,.].*$")
_DIGITS = re.compile(r"[-−]?\d+(?:,\d{3})*(?:\.\d+)?")
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")
_PAREN = re.compile(r"\(([^()]*)\)")
_DATE_YMD = re.compile(r"^(?:(?P<y>\d{4})[年.\-/])?(?P<m>\d{1,2})[月.\-/](?P<d>\d{1,2})[日号]?$")
_DATE_D = re.compile(r"^(?P<d>\d{1,2})[日号]$")
_WEEKDAY = re.compile(r"[(]?(?:星期|周|礼拜)[一二三四五六日天][)]?$")
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "当天": 0, "本日": 0, "昨天": -1, "昨日": -1, "前天": -2}


def clean(raw: str) -> str:
    """Trim spaces, a trailing full stop or exclamation, and a decorating check mark."""
    v = raw.strip().rstrip("。.!！~～")
    stripped = v.rstrip(DECORATIONS).strip()
    return stripped or v


def split_remark(raw: str) -> tuple[str, str]:
    """`1人(已送发热门诊)` -> ('1人', '已送发热门诊'): a bracketed remark after the value."""
    if "(" not in raw:
        return raw.strip(), ""
    remarks = [m.group(1).strip() for m in _PAREN.finditer(raw) if m.group(1).strip()]
    rest = _PAREN.sub("", raw).strip()
    return rest, "；".join(remarks)


@functools.lru_cache(maxsize=64)
def alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern matching any of the words at a position, longest first."""
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)")


@functools.lru_cache(maxsize=16)
def _int_grammar(words: ReadingWords) -> re.Pattern[str]:
    """[约] number [余] [unit of measure] [左右] [rest]: one pattern per set of words."""
    def alt(ws: tuple[str, ...]) -> str:
        return "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True))

    return re.compile(
        rf"(?:{alt(words.approx_before)})?"
        r"(?P<num>[-−]?\d+(?:,\d{3})*(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿]+)"
        rf"(?:{alt(words.approx_mid)})?(?P<measure>{alt(words.measures)})?(?:{alt(words.approx_after)})?(?P<rest>.*)$",
        re.S)


def _int_of(literal: str) -> int | Bad:
    if literal[0] in "-−":
        return Bad("不能为负数")
    if literal[0].isdigit():
        if len(_LONG.sub("", literal).lstrip("0")) > MAX_DIGITS:
            return TOO_LARGE
        try:
            exact = Decimal(literal.replace(",", ""))
        except InvalidOperation:
            return Bad("不是数字")
        return int(exact) if exact == exact.to_integral_value() else Bad("应为整数")
    try:
        value = cn2an.cn2an(literal, "smart")
    except (ValueError, KeyError, IndexError):
        return Bad("不是数字")
    if isinstance(value, float) and not value.is_integer():
        return Bad("应为整数")
    return int(value)


def parse_int(raw: str, words: ReadingWords = DEFAULT_WORDS, maximum: int = 1_000_000) -> Read | Bad:
    """[约] number [余] [measure] [左右] [remark]; a zero word (无, 没有) is 0."""
    if raw.isascii() and raw.isdigit():
        if len(raw.lstrip("0")) > len(str(maximum)):  # a million digits is too large, not worth converting
            return Bad("数值过大")
        whole = int(raw)
        return Read(whole) if whole <= maximum else Bad("数值过大")
    body, remark = split_remark(clean(raw))
    v = body.replace(" ", "")
    if v in ZERO_WORDS or (v.startswith(("无", "没有")) and len(v) <= 3):
        return Read(0, remark)
    m = _int_grammar(words).match(v)
    if m is None:
        return Bad("不是数字")
    value = _int_of(m["num"])
    if isinstance(value, Bad):
        return value
    measure, rest = m["measure"] or "", m["rest"]
    if rest and not measure:
        if len(rest) > 2 or _DIGITS.search(rest) or _CN_NUMBER.fullmatch(rest):
            return Bad("不是数字")
        measure, rest = rest, ""  # an unusual unit of measure (356匹): accepted, not a remark
    if rest:
        remark = "；".join(x for x in (rest.strip("，,。；; "), remark) if x)
    if value > maximum:
        return Bad("数值过大")
    return Read(value, remark, measure)


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
    except (ValueError, OverflowError):
        return Bad("日期不存在")
    return Bad("日期无法识别，请写成 2月26日")


def check_report_day(day: dt.date, today: dt.date, window_days: int = 31) -> Bad | None:
    """A report is for today or one of the last `window_days` days, never for a later day."""
    if day > today:
        return Bad(f"日期晚于今天（今天是{today.month}月{today.day}日）")
    if day < today - dt.timedelta(days=window_days):
        return Bad(f"日期早于{window_days}天前，请核对")
    return None


def parse_text(raw: str) -> str | Bad:
    v = raw.strip().strip("。")
    return v if v else Bad("没有填写内容")


def read_value(field: TemplateField, raw: str, today: dt.date, words: ReadingWords = DEFAULT_WORDS) -> Read | Bad:
    """The value of one field, with the remark said around it."""
    if field.type is FieldType.INT:
        read = parse_int(raw, words, field.max)
        return _described(raw, field, words) or read if isinstance(read, Bad) else read
    if field.type is FieldType.TEXT:
        text = parse_text(raw)
        return text if isinstance(text, Bad) else Read(text)
    body, remark = split_remark(raw)
    value: Value | Bad
    match field.type:
        case FieldType.BOOL:
            value = parse_bool(body)
        case FieldType.ENUM:
            value = parse_enum(body, field.words)
        case _:
            value = parse_date(body, today)
    return value if isinstance(value, Bad) else Read(value, remark)


def _described(raw: str, field: TemplateField, words: ReadingWords) -> Read | None:
    """发现问题：楼道堆放杂物2处 — a description before the one count, in the field's unit (C10.2)."""
    if not field.measures:
        return None
    found = re.findall(r"(?<!\d)(\d+)\s*(" + "|".join(map(re.escape, field.measures)) + ")", raw)
    if len(found) != 1 or len(_DIGITS.findall(raw)) != 1:
        return None
    number, measure = found[0]
    if len(number) > MAX_DIGITS:
        return None
    value = int(number)
    remark = raw.replace(number + measure, "").strip(" ，,。")
    return Read(value, remark, measure) if value <= field.max else None


def parse_value(field: TemplateField, raw: str, today: dt.date) -> Value | Bad:
    read = read_value(field, raw, today)
    return read if isinstance(read, Bad) else read.value


def looks_like_value(raw: str) -> bool:
    """True when a chunk is a bare value (a number, a yes/no word, a mark) and no label."""
    v = clean(raw)
    if not v:
        return False
    if v in TRUE_WORDS or v in FALSE_WORDS or v in ZERO_WORDS or raw.strip() in TRUE_WORDS:
        return True
    return not isinstance(parse_int(v), Bad) or not isinstance(parse_date(v, dt.date(2000, 1, 1)), Bad)
