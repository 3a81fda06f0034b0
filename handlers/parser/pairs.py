"""From a segment of text to (label, field, raw value) pairs for one template."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from handlers.parser.values import Bad, looks_like_value, parse_value
from handlers.templates import FieldType, Template, TemplateField

MAX_LABEL = 12
_EXPLICIT_SEP = re.compile(r"[:=]")
_HAS_DIGIT = re.compile(r"\d")
_FIRST_DIGIT = re.compile(r"[\d-]")
_NEGATION = re.compile(r"(?:已经|已|未|没有|没)$")
_LABEL_TAIL = re.compile(r"(?:为|是|有|共)$")


@dataclass(slots=True)
class Pair:
    label: str
    field: TemplateField | None
    raw: str
    weak: bool = False  # a unit guessed from a title line, overridden by an explicit one
    heading: bool = False  # a bare unit line or an unknown label heading a block


class Vocabulary:
    """One template's synonyms, longest first, with a cache of label look-ups."""

    def __init__(self, template: Template) -> None:
        self.template = template
        pairs = [(s, f) for f in template.fields for s in f.synonyms]
        self.synonyms = sorted(pairs, key=lambda p: -len(p[0]))
        self.enum_words = sorted(
            ((w, f) for f in template.fields for ws in f.words.values() for w in ws), key=lambda p: -len(p[0])
        )
        self.unit_field = template.field(template.unit_field)
        self._cache: dict[tuple[str, bool], tuple[str, TemplateField] | None] = {}

    def match(self, label: str, implicit: bool = False) -> tuple[str, TemplateField] | None:
        """The field whose longest synonym the label equals or contains.

        implicit: the value was not set off by a separator, so a text field cannot take it
        (今日小区测温356人 is about 测温, not the 小区's name).
        """
        key = (label, implicit)
        if key in self._cache:
            return self._cache[key]
        found = None
        if label and len(label) <= MAX_LABEL and not _HAS_DIGIT.search(label) and not _EXPLICIT_SEP.search(label):
            hits = [
                (len(s), -label.find(s), s, f)
                for s, f in self.synonyms
                if s in label and not (implicit and f.type is FieldType.TEXT)
            ]
            if hits:  # longest synonym; on a tie the leftmost (外地返岗人数 is about 外地返岗)
                _, _, syn, fld = max(hits, key=lambda h: (h[0], h[1]))
                found = (syn, fld)
        if len(self._cache) < 4096:
            self._cache[key] = found
        return found

    def field(self, label: str, implicit: bool = False) -> TemplateField | None:
        m = self.match(label, implicit)
        return m[1] if m else None


def _valid(field: TemplateField, raw: str, today: dt.date) -> bool:
    return bool(raw.strip()) and not isinstance(parse_value(field, raw, today), Bad)


def _statement(seg: str, vocab: Vocabulary, today: dt.date) -> Pair | None:
    """A value-only statement: 已消杀, 未消毒, 已复工, 体温异常无, 消杀已完成."""
    for word, field in vocab.enum_words:
        if seg == word or (seg.endswith(word) and vocab.field(seg[: -len(word)]) is field):
            return Pair(seg, field, word)
    for syn, field in vocab.synonyms:
        pos = seg.find(syn)
        if pos < 0 or field.type in (FieldType.TEXT, FieldType.DATE):
            continue
        before, after = seg[:pos], seg[pos + len(syn) :]
        if after and not before and _valid(field, after, today):
            return Pair(syn, field, after)
        if field.type is FieldType.BOOL:
            if after and _valid(field, after, today):
                return Pair(seg[: pos + len(syn)], field, after)  # 公共区域消毒已完成
            negation = _NEGATION.search(before)
            if negation:  # 公共区域已消毒, 今日未消杀
                return Pair(syn, field, negation.group(0))
    return None


def _label(text: str) -> str:
    text = text.strip()
    return _LABEL_TAIL.sub("", text) or text


def _splits(seg: str) -> list[tuple[str, str, str]]:
    """Candidate (label, value, how) splits, most explicit first; labels never hold digits."""
    out: list[tuple[str, str, str]] = []
    m = _EXPLICIT_SEP.search(seg)
    if m and not _HAS_DIGIT.search(seg[: m.start()]):
        out.append((_label(seg[: m.start()]), seg[m.end() :].strip(), "sep"))
    if " " in seg:
        label, _, value = seg.partition(" ")
        if not _HAS_DIGIT.search(label):
            out.append((_label(label), value.strip(), "space"))
    if "为" in seg:
        label, _, value = seg.partition("为")
        if label and value and not _HAS_DIGIT.search(label):
            out.append((label.strip(), value.strip(), "wei"))
    m = _FIRST_DIGIT.search(seg)
    if m and m.start() > 0:
        out.append((_label(seg[: m.start()]), seg[m.start() :], "implicit"))
    return out


def single(seg: str, vocab: Vocabulary, today: dt.date) -> Pair | None:
    """One pair from one segment, or None when the segment holds no label with a value."""
    splits = _splits(seg)
    for label, value, how in splits:
        field = vocab.field(label, implicit=how == "implicit")
        if field is not None:
            return Pair(label, field, value)
    stated = _statement(seg, vocab, today)
    if stated:
        return stated
    for label, value, how in splits:
        if how == "sep" or (how in ("space", "implicit") and looks_like_value(value)):
            if value and len(label) <= MAX_LABEL:
                return Pair(label, None, value)
    matched = vocab.match(seg)
    if matched is not None:
        syn, field = matched
        if field is vocab.unit_field and seg != syn:
            return Pair(seg, field, seg, heading=True)  # 翠园小区 alone on its line
        return Pair(seg, field, "")
    return None


def _chunked(seg: str, vocab: Vocabulary, today: dt.date) -> list[Pair] | None:
    """Several pairs separated by spaces: 测温356人 体温异常0 已消杀 / 测温 356 发热 0."""
    chunks = seg.split()
    out: list[Pair] = []
    first = chunks[0]
    lead = single(first, vocab, today)
    if (lead is None or (lead.field is None and not lead.raw)) and len(first) <= 20 and not _HAS_DIGIT.search(first):
        # 锦绣华庭 测温98人 体温异常0: a leading bare name heads the pairs after it
        out.append(Pair(first, vocab.unit_field, first, heading=True))
        chunks = chunks[1:]
    for chunk in chunks:
        pair = single(chunk, vocab, today)
        if pair is None or pair.field is None:
            if out and not out[-1].raw and looks_like_value(chunk):
                out[-1].raw = chunk
                continue
            return None
        out.append(pair)
    known = [p for p in out if p.field is not None and p.raw and not p.heading]
    headed = len(out) - len(known)
    return out if len(known) >= 2 - headed and len(known) + headed == len(out) and known else None


def _is_synonym(label: str, vocab: Vocabulary) -> bool:
    return label in vocab.unit_field.synonyms


def pairs_of_segment(seg: str, vocab: Vocabulary, today: dt.date) -> list[Pair]:
    if " " in seg:
        many = _chunked(seg, vocab, today)
        if many:
            return many
    pair = single(seg, vocab, today)
    if pair is None:
        return []
    if pair.field is None or (pair.field is vocab.unit_field and not pair.heading and not _is_synonym(pair.label, vocab)):
        inner = single(pair.raw, vocab, today)
        if inner is not None and inner.field is not None and inner.raw:
            # 阳光花园：测温356 -> an unknown label heading a block is the unit's name
            return [Pair(pair.label, vocab.unit_field, pair.label, heading=True), inner]
    return [pair]
