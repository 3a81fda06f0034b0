"""One template's words, scored: which field a typed label means, and how sure we are.

Tiers, best first — a label is read by the best tier any field reaches:
  EXACT     a synonym, or an alias an admin taught (学习 今日体温检测=测温人数)
  QUIET     equal once quiet words are dropped (今日测温人数 = 测温, 在岗 = 在岗人数, 小区名 = 小区)
  CORE      equal once filler words are dropped too (今日体温检测 = 体温): a guess, said in the receipt
  CONTAINS  holds a synonym (外地返岗人员 holds 外地返岗); a guess when the rest is not quiet
  FUZZY     one character off a synonym (侧温 = 测温, via rapidfuzz): a guess
Several fields on one tier are settled by the unit of measure after the value (排查175人 is people,
排查60户 households); a unit the field does not count in makes the reading a guess."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any
from dataclasses import dataclass
from enum import IntEnum

from rapidfuzz.distance import Levenshtein

from handlers.parser.values import Bad, Read, Value, read_value
from handlers.parser.words import DEFAULT_WORDS, ReadingWords
from handlers.templates import FieldType, Template, TemplateField


ANY_COUNT = ("个", "个人")  # 测温226个: people count anything in 个 (C1.4); it settles nothing, flags nothing


class Tier(IntEnum):
    FUZZY = 1
    CONTAINS = 2
    CORE = 3
    QUIET = 4
    EXACT = 5


@dataclass(frozen=True, slots=True)
class LabelMatch:
    field: TemplateField
    tier: Tier
    guess: bool  # say in the receipt how the label was read


@dataclass(frozen=True, slots=True)
class Statement:
    """A phrase that states a value without a label: 已消杀, 体温均正常, 已复工."""

    field: TemplateField
    value: Value
    phrase: str


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


class Lexicon:
    def __init__(self, template: Template, words: ReadingWords = DEFAULT_WORDS,
                 taught: Mapping[str, str] | None = None, known_words: Iterable[str] = ()) -> None:
        """taught: alias -> field key (from the database); known_words: every synonym of every
        template, so that a typo guess never lands on a word that means something else."""
        self.template, self.words = template, words
        self.unit_field = template.field(template.unit_field)
        self.order = tuple(f.key for f in template.fields)
        self.required = tuple(template.required_keys)
        self.exact: dict[str, TemplateField] = {}
        for f in template.fields:
            for s in f.synonyms:
                self.exact.setdefault(s, f)
        self.taught = {alias: template.field(key) for alias, key in (taught or {}).items()}
        self.quiet_index = self._index(self.quiet)
        self.core_index = self._index(self.core)
        self.by_length = sorted(self.exact.items(), key=lambda p: -len(p[0]))
        self.known_words = frozenset(known_words) | frozenset(self.exact)
        self.statements = self._statements()
        # where a value's label (not a unit's) or a stated phrase begins: cuts glued text apart
        starts = [w for w, f in [*self.exact.items(), *self.taught.items()] if f.type is not FieldType.TEXT]
        starts += list(self.statements)
        # a label that is a prefix of a synonym (在岗 of 在岗人数) starts a pair too (B6)
        starts += [q for q, keys in self.quiet_index.items()
                   if all(template.field(k).type is not FieldType.TEXT for k in keys)]
        self.start_words = frozenset(starts)
        self.stated = re.compile("|".join(re.escape(w) for w in sorted(self.statements, key=len, reverse=True))
                                 or "(?!)")
        self.long_statements = sorted((p for p in self.statements if len(p) >= 3), key=len, reverse=True)
        self.starts = re.compile("|".join(re.escape(w) for w in sorted(set(starts), key=len, reverse=True)) or "(?!)")
        self._cache: dict[tuple[str, bool], list[LabelMatch]] = {}
        self._values: dict[tuple[str, str, dt.date | None], Read | Bad] = {}
        # lines read before (by handlers/parser/core.py): the same line reads the same on the same day
        self._lines: dict[tuple[dt.date, int], tuple[dict[str, Any], dict[str, Any]]] = {}

    def line_caches(self, today: dt.date, known: object) -> tuple[dict[str, Any], dict[str, Any]]:
        """(exact line -> reading, line shape -> reading) for one day and one set of known units."""
        key = (today, id(known))
        found = self._lines.get(key)
        if found is None:
            if len(self._lines) >= 8:  # yesterday's readings are no use today
                self._lines.clear()
            found = self._lines[key] = ({}, {})
        return found

    def read(self, f: TemplateField, raw: str, today: dt.date) -> Read | Bad:
        """A field's value (cached: 0, 是, 356人 come again and again; dates depend on the day)."""
        key = (f.key, raw, today if f.type is FieldType.DATE else None)
        found = self._values.get(key)
        if found is None:
            found = read_value(f, raw, today, self.words)
            if len(self._values) >= 50_000:
                self._values.clear()
            self._values[key] = found
        return found

    # --- label shapes -------------------------------------------------------------------------
    def quiet(self, label: str) -> str:
        w = self.words
        prev = None
        while prev != label:
            prev = label
            for p in w.quiet_prefixes:
                if label.startswith(p) and len(label) > len(p):
                    label = label[len(p):]
            for s in w.quiet_suffixes:
                if label.endswith(s) and len(label) > len(s) + 1:
                    label = label[: -len(s)]
        return label

    def is_quiet(self, text: str) -> bool:
        """True when text is nothing but quiet and filler words (今日, 人数, 情况)."""
        w = self.words
        for word in sorted((*w.quiet_prefixes, *w.quiet_suffixes, *w.fillers), key=len, reverse=True):
            text = text.replace(word, "")
        return not text

    def core(self, label: str) -> str:
        for f in self.words.fillers:
            if f in label and len(label) > len(f):
                label = label.replace(f, "")
        return self.quiet(label)

    def _index(self, shape: object) -> dict[str, set[str]]:
        index: dict[str, set[str]] = {}
        for syn, f in self.exact.items():
            key = shape(syn)  # type: ignore[operator]
            if len(key) >= 2:
                index.setdefault(key, set()).add(f.key)
        return index

    def _statements(self) -> dict[str, Statement]:
        out: list[tuple[str, Statement]] = []
        for f in self.template.fields:
            for typed, phrases in f.phrases.items():
                read = read_value(f, typed, dt.date(2000, 1, 1), self.words)
                if isinstance(read, Bad):
                    raise ValueError(f"field '{f.key}': phrase value '{typed}' is not a {f.type.value} ({read.reason})")
                out += [(p, Statement(f, read.value, p)) for p in phrases]
            for value, phrases in f.words.items():  # enum words state their value on their own
                out += [(p, Statement(f, value, p)) for p in phrases]
            # a bool's own words for yes and no (when_true: 已消杀) state it too, listed or not (D5)
            out += [(p, Statement(f, v, p)) for p, v in ((f.when_true, True), (f.when_false, False))
                    if p and f.type is FieldType.BOOL]
        return dict(out)

    # --- reading a label -----------------------------------------------------------------------
    def candidates(self, label: str, *, bare: bool = False) -> list[LabelMatch]:
        """The fields a label may mean, all on the best tier reached.

        bare: the label stands alone (no separator): only the sure tiers, and a unit's name that
        merely contains 小区 is not the 小区 label."""
        key = (label, bare)
        if key in self._cache:
            return self._cache[key]
        found = self._candidates(label, bare) if label and len(label) <= 16 and not _has_digit(label) else []
        if len(self._cache) < 8192:
            self._cache[key] = found
        return found

    def _candidates(self, label: str, bare: bool) -> list[LabelMatch]:
        t = self.template
        if label in self.taught:
            return [LabelMatch(self.taught[label], Tier.EXACT, False)]
        if label in self.exact:
            return [LabelMatch(self.exact[label], Tier.EXACT, False)]
        quiet = self.quiet(label)
        if quiet in self.quiet_index:
            return [LabelMatch(t.field(k), Tier.QUIET, False) for k in sorted(self.quiet_index[quiet])]
        core = self.core(label)
        if core in self.core_index and core != label:
            return [LabelMatch(t.field(k), Tier.CORE, True) for k in sorted(self.core_index[core])]
        if label[-1:] in ("人", "户") and len(label) >= 3 and (short := self._candidates(label[:-1], bare)):
            return short  # 排查人, 走访户: the label ends with what it counts
        if bare:
            return []
        if (prefixed := self._prefix_of(label)) is not None:
            return [prefixed]
        contained = self._contained(label)
        fuzzy = self._fuzzy(label)
        top = max((v for _, v in fuzzy), default=0.0)
        if fuzzy and (contained is None or top > contained[1]):
            return [m for m, v in fuzzy if v == top]
        return [contained[0]] if contained is not None else []

    def _prefix_of(self, label: str) -> LabelMatch | None:
        """A label that begins synonyms of one field only (来访 of 来访登记, 外地 of 外地返岗) is that field (B6)."""
        if len(label) < 2:
            return None
        keys = {f.key for syn, f in self.exact.items() if len(syn) > len(label) and syn.startswith(label)}
        if len(keys) != 1:
            return None
        f = self.template.field(keys.pop())
        return LabelMatch(f, Tier.CONTAINS, False) if f.type is not FieldType.TEXT else None

    def _contained(self, label: str) -> tuple[LabelMatch, float] | None:
        """The longest synonym the label holds (on a tie the leftmost), scored by how much of the
        label it covers."""
        for syn, _ in self.by_length:
            if syn in label:
                ties = [(label.find(s), g) for s, g in self.by_length if len(s) == len(syn) and s in label]
                f = min(ties, key=lambda p: p[0])[1]
                rest = label.replace(syn, "", 1)
                if f.type is FieldType.TEXT and len(rest) > 2 and not self.is_quiet(rest):
                    return None  # 守在小区门口: 小区 in a sentence is a noun, not the unit's label (C8.7)
                return LabelMatch(f, Tier.CONTAINS, not self.is_quiet(rest)), len(syn) / len(label)
        return None

    def _fuzzy(self, label: str) -> list[tuple[LabelMatch, float]]:
        """One character off a synonym of two or more characters (侧温, 消毒夜, 在刚人数) — never for
        a label that is part of a word we know (发现 of 发现问题), never for a text field (a
        unit's name). Scored so that a near-whole match beats a short word held inside."""
        if len(label) < 2 or any(label in w for w in self.known_words if len(w) > len(label)):
            return []
        best: dict[str, float] = {}
        for syn, f in self.exact.items():
            if len(syn) < 2 or f.type is FieldType.TEXT or (len(syn) == 2 and len(label) != 2):
                continue
            if Levenshtein.distance(label, syn, score_cutoff=1) <= 1:
                best[f.key] = max(best.get(f.key, 0.0), (len(syn) - 1) / len(syn) + 0.01)
        return [(LabelMatch(self.template.field(k), Tier.FUZZY, True), v) for k, v in sorted(best.items())]

    def settle(self, matches: list[LabelMatch], read: Read | None) -> LabelMatch | None:
        """One field from several by the unit of measure typed after the value."""
        if len(matches) <= 1:
            m = matches[0] if matches else None
            if m is not None and read is not None and read.measure and m.field.measures \
                    and read.measure not in m.field.measures and read.measure not in ANY_COUNT and not m.guess:
                return LabelMatch(m.field, m.tier, True)  # 排查60户 for a 测温人数 field: say so
            return m
        if read is None or not read.measure:
            return None
        fitting = [m for m in matches if read.measure in m.field.measures]
        return fitting[0] if len(fitting) == 1 else None

    def statement(self, text: str) -> Statement | None:
        """A phrase that states a value on its own: 已消杀, 今日未消杀, 体温均正常, 已复工."""
        if text in self.statements:
            return self.statements[text]
        for p in self.words.quiet_prefixes:
            if text.startswith(p) and text[len(p):] in self.statements:
                return self.statements[text[len(p):]]
        return None

    def statement_at_end(self, text: str) -> Statement | None:
        """A phrase of three or more characters that ends the text: 楼道电梯已消杀, 公共区域因下雨今日未消杀."""
        for phrase in self.long_statements:
            if text.endswith(phrase) and len(text) > len(phrase):
                return self.statements[phrase]
        return None

    def field_of(self, label: str) -> TemplateField | None:
        ms = self.candidates(label)
        return ms[0].field if len(ms) == 1 else None
