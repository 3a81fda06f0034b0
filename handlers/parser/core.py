"""The parser: text + group kind + today -> reports. Pure: no I/O, no clock, no config file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from handlers.parser.normalize import lines, segments
from handlers.parser.pairs import Pair, Vocabulary, pairs_of_segment
from handlers.parser.values import Bad, Value, parse_date, parse_value
from handlers.templates import FieldType, Template, TemplateField

_TITLE_DATE = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]?|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}")
_TITLE_NOISE = re.compile(r"今日|今天|每日|每天|[\s:()、,.\-—_|]+")
_NOT_A_UNIT = ("各", "请", "关于", "通知")
_HEADING_TAILS = ("情况", "数据", "汇总", "统计", "如下", "信息", "报告", "报送", "今日", "今天")
_QUESTION = re.compile(r"[?？吗呢]\s*$")
_NUMBERED = re.compile(r"(?:^|(?<=[\s,;、]))(\d{1,2})[.、:)]\s*([^\s,;、]+)")
_TOKEN_SPLIT = re.compile(r"[\s,;、/]+")


@dataclass(frozen=True, slots=True)
class Invalid:
    field: str
    value: str
    reason: str


@dataclass(slots=True)
class ParsedReport:
    template: Template
    fields: dict[str, Value]
    missing: list[str] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.invalid

    @property
    def unit_name(self) -> str | None:
        value = self.fields.get(self.template.unit_field)
        return value if isinstance(value, str) else None

    def report_date(self, today: dt.date) -> dt.date:
        value = self.fields.get(self.template.date_field or "")
        return value if isinstance(value, dt.date) else today

    def to_json(self) -> dict[str, object]:
        return {
            "template": self.template.id,
            "fields": {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in self.fields.items()},
            "missing": list(self.missing),
            "invalid": [{"field": i.field, "value": i.value, "reason": i.reason} for i in self.invalid],
            "unknown": list(self.unknown),
        }


@dataclass(slots=True)
class _Reading:
    """One template's reading of a message, scored so the best template wins."""

    blocks: list[list[Pair]]
    title_hit: bool
    recognised: int

    @property
    def is_report(self) -> bool:
        return self.recognised >= 2 or (self.title_hit and self.recognised >= 1)


class Parser:
    def __init__(self, templates: Iterable[Template]) -> None:
        self.vocabularies = {t.id: Vocabulary(t) for t in templates}

    def templates(self, kind: str) -> list[Template]:
        return [v.template for v in self.vocabularies.values() if v.template.kind == kind]

    def parse(self, text: str, kind: str, today: dt.date) -> list[ParsedReport]:
        """Every report in the message, in order; [] when the message is not a report."""
        text_lines = lines(text)
        if len(text_lines) == 1 and _QUESTION.search(text_lines[0]):
            return []
        best: tuple[_Reading, Vocabulary] | None = None
        for vocab in self.vocabularies.values():
            if vocab.template.kind != kind:
                continue
            reading = _read(text_lines, vocab, today)
            if best is None or (reading.title_hit, reading.recognised) > (best[0].title_hit, best[0].recognised):
                best = (reading, vocab)
        if best is None or not best[0].is_report:
            return []
        reading, vocab = best
        return [_report(block, vocab, today) for block in reading.blocks if _has_content(block)]

    def parse_reply(self, text: str, template_id: str, unit: str, today: dt.date,
                    questions: list[str] | None = None) -> ParsedReport | None:
        """A grid worker's answer to a prompt: labelled, or numbers in the order of the questions
        asked (default: the template's prompt order; after a partial answer, the ones left)."""
        vocab = self.vocabularies[template_id]
        text_lines = lines(text)
        pairs = [p for p in _line_pairs(text_lines, vocab, today) if p.field is not None and p.raw]
        labelled = [p for p in pairs if p.field is not vocab.unit_field and not p.heading]
        if labelled:
            head = Pair(vocab.unit_field.synonyms[0], vocab.unit_field, unit)
            return _report([head, *labelled], vocab, today)
        asked = [vocab.template.field(k) for k in questions] if questions is not None else None
        return _positional(" ".join(text_lines), vocab, unit, today, asked)


def _title(line: str, vocab: Vocabulary, today: dt.date) -> list[Pair] | None:
    """A title line (翠园小区2月26日防控日报): None if none; else its date and a guessed unit."""
    words = [w for w in vocab.template.title_words if w in line]
    if not words:
        return None
    rest = line
    for word in sorted(words, key=len, reverse=True):
        rest = rest.replace(word, " ")
    out: list[Pair] = []
    if (m := _TITLE_DATE.search(rest)) and vocab.template.date_field:
        date_field = vocab.template.field(vocab.template.date_field)
        if not isinstance(parse_date(m.group(0), today), Bad):
            out.append(Pair(date_field.synonyms[0], date_field, m.group(0), weak=True))
        rest = rest[: m.start()] + rest[m.end() :]
    inner = [p for seg in segments(rest) for p in pairs_of_segment(seg, vocab, today)]
    if any(p.field is not None and p.raw and not p.heading for p in inner):
        return out + inner
    name = _TITLE_NOISE.sub("", rest)
    if 2 <= len(name) <= 20 and not re.search(r"\d", name) and not name.startswith(_NOT_A_UNIT):
        out.append(Pair(vocab.unit_field.synonyms[0], vocab.unit_field, name, weak=True))
    return out


def _line_pairs(text_lines: list[str], vocab: Vocabulary, today: dt.date, titles: list[bool] | None = None) -> list[Pair]:
    pairs: list[Pair] = []
    for line in text_lines:
        titled = _title(line, vocab, today)
        if titled is not None:
            if titles is not None:
                titles.append(True)
            pairs.extend(titled)
            continue
        line_pairs: list[Pair] = []
        for seg in segments(line):
            found = pairs_of_segment(seg, vocab, today)
            last = line_pairs[-1] if line_pairs else None
            continues = not found or all(p.field is None for p in found)
            if continues and last and last.field is not None and last.field.type is FieldType.TEXT and last.raw:
                last.raw += "，" + seg  # 备注：今日正常，请放心 -> one text value
            elif found and found[0].heading and len(found) > 1 and found[0].label.endswith(_HEADING_TAILS):
                line_pairs.extend(found[1:])  # 今日情况：测温356 is not a unit called 今日情况
            else:
                line_pairs.extend(found)
        pairs.extend(line_pairs)
    return pairs


def _read(text_lines: list[str], vocab: Vocabulary, today: dt.date) -> _Reading:
    titles: list[bool] = []
    pairs = _line_pairs(text_lines, vocab, today, titles)
    recognised = sum(1 for p in pairs if p.field is not None and p.raw and not p.weak and not p.heading)
    return _Reading(_blocks(pairs, vocab), bool(titles), recognised)


def _blocks(pairs: list[Pair], vocab: Vocabulary) -> list[list[Pair]]:
    """One block per unit: a new block starts where a second unit is named."""
    unit = vocab.unit_field
    blocks: list[list[Pair]] = [[]]
    header: list[Pair] | None = None
    for p in pairs:
        cur = blocks[-1]
        if p.field is unit and p.raw:
            named = [q for q in cur if q.field is unit and q.raw]
            if named and (p.weak or any(not q.weak for q in named)):
                blocks.append([p])
                continue
            if named:  # an explicit unit replaces the one guessed from the title
                cur[:] = [q for q in cur if not (q.field is unit and q.weak)]
            elif header is None:
                header = list(cur)
        cur.append(p)
    if len(blocks) > 1 and header:
        for block in blocks[1:]:
            present = {q.field.key for q in block if q.field is not None}
            block[:0] = [h for h in header if h.field is not None and h.field.key not in present]
    return blocks


def _has_content(block: list[Pair]) -> bool:
    return any(p.field is not None and p.raw for p in block)


def _report(block: list[Pair], vocab: Vocabulary, today: dt.date) -> ParsedReport:
    tpl = vocab.template
    values: dict[str, Value] = {}
    invalid: dict[str, Invalid] = {}
    unknown: list[str] = []
    for p in block:
        if p.field is None:
            if p.label not in unknown:
                unknown.append(p.label)
            continue
        if not p.raw:
            continue
        value = parse_value(p.field, p.raw, today)
        if isinstance(value, Bad):
            invalid[p.field.key] = Invalid(p.field.key, p.raw, value.reason)
            values.pop(p.field.key, None)
        else:
            values[p.field.key] = value
            invalid.pop(p.field.key, None)
    if tpl.date_field and tpl.date_field not in values and tpl.date_field not in invalid:
        values[tpl.date_field] = today
    ordered = {f.key: values[f.key] for f in tpl.fields if f.key in values}
    missing = [k for k in tpl.required_keys if k not in values and k not in invalid]
    return ParsedReport(tpl, ordered, missing, [invalid[f.key] for f in tpl.fields if f.key in invalid], unknown)


def _positional(text: str, vocab: Vocabulary, unit: str, today: dt.date,
                asked: list[TemplateField] | None = None) -> ParsedReport | None:
    questions = asked if asked is not None else vocab.template.prompt_fields()
    numbered = _NUMBERED.findall(text)
    answers: list[tuple[int, str]]
    if numbered and all(1 <= int(i) <= len(questions) for i, _ in numbered):
        answers = [(int(i) - 1, v) for i, v in numbered]
    else:
        answers = list(enumerate(t for t in _TOKEN_SPLIT.split(text) if t))
    head = Pair(vocab.unit_field.synonyms[0], vocab.unit_field, unit)
    block = [head]
    for index, raw in answers:
        if index < len(questions):
            block.append(Pair(questions[index].synonyms[0], questions[index], raw))
        else:
            block.append(Pair(f"第{index + 1}项", None, raw))
    report = _report(block, vocab, today)
    answered = [k for k in report.fields if k not in (vocab.template.unit_field, vocab.template.date_field)]
    return report if answered else None
