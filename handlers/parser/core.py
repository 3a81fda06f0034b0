"""The parser: text + group kind + today -> reports. Pure: no I/O, no clock, no config file.

Each template of the group's kind reads the message (handlers/parser/reading.py); the reading
with a title and the highest score wins; its pairs are cut into one block per unit. What the bot
knows beyond the templates (unit names, aliases admins taught) comes in as a Registry."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from handlers.parser import backfill
from handlers.parser.intent import screen
from handlers.parser.spoken import written
from handlers.parser.jielong import Entry, split_jielong
from handlers.parser.lexicon import Lexicon, Statement
from handlers.parser.normalize import lines, normalize, unquote
from handlers.parser.reading import KNOWN, LABELLED, NO_KNOWN, Known, LineReader, Pair, segments
from handlers.parser.table import find_table, table_blocks
from handlers.parser.values import Bad, Read, Value, check_report_day, looks_like_value, parse_int, read_value
from handlers.parser.words import DEFAULT_WORDS, ReadingWords
from handlers.templates import FieldType, Template, TemplateField

_QUESTION = re.compile(r"[?？吗呢么嘛]\s*$")
_NUMBERED = re.compile(r"(?:^|(?<=[\s,;、]))(\d{1,2})[.、:)]\s*([^\s,;、]+)")
_TOKEN_SPLIT = re.compile(r"[\s,;、/]+")
_PUNCT = re.compile(r"[\s:;,.!?。！？、~～]+")
_MENTIONS = re.compile(r"^(?:\s*@\S+)+\s*")


@dataclass(frozen=True, slots=True)
class Invalid:
    field: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class Guess:
    """A label read by a guess («今日体温检测»按测温人数记): said in the receipt, teachable."""

    label: str
    field: str


@dataclass(slots=True)
class ParsedReport:
    template: Template
    fields: dict[str, Value]
    missing: list[str] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    guesses: list[Guess] = field(default_factory=list)
    remarks: dict[str, str] = field(default_factory=dict)  # field key -> what was said around its value
    entry: int | None = None  # its number in a 接龙
    unit_known: bool = False  # the unit was named (labelled or found in the registry), not guessed

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
class Reading:
    """A whole message read: its reports, and for a 接龙 the entries that could not be read."""

    reports: list[ParsedReport]
    jielong: bool = False
    unread: list[Entry] = field(default_factory=list)
    entries: int = 0
    beyond: int = 0  # a 接龙's entries past the most that are read


@dataclass(frozen=True)
class Registry:
    """What the bot knows beyond the templates: unit names and aliases by kind, and the labels
    admins taught, by template (alias -> field key)."""

    units: Mapping[str, frozenset[str]] = field(default_factory=dict)
    taught: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(slots=True)
class _Reading:
    """One template's reading of a message, scored so the best template wins."""

    template: Template
    blocks: list[list[Pair]]
    title_hit: bool
    score: float


class Parser:
    def __init__(self, templates: Iterable[Template], words: ReadingWords = DEFAULT_WORDS,
                 registry: Registry | None = None) -> None:
        self.words = words
        self.registry = registry or Registry()
        templates = list(templates)
        known_words = {s for t in templates for f in t.fields for s in f.synonyms}
        self.lexicons = {t.id: Lexicon(t, words, self.registry.taught.get(t.id), known_words) for t in templates}
        self.known = {kind: Known(names) for kind, names in self.registry.units.items()}
        self.of_kind: dict[str, list[Lexicon]] = {}
        for lx in self.lexicons.values():
            self.of_kind.setdefault(lx.template.kind, []).append(lx)
        starts = {w for lx in self.lexicons.values() for w in lx.start_words}
        self.starts = "|".join(re.escape(w) for w in sorted(starts, key=len, reverse=True))

    @property
    def vocabularies(self) -> dict[str, Lexicon]:
        return self.lexicons

    def with_registry(self, registry: Registry) -> Parser:
        return Parser([lx.template for lx in self.lexicons.values()], self.words, registry)

    def templates(self, kind: str) -> list[Template]:
        return [lx.template for lx in self.of_kind.get(kind, [])]

    def parse(self, text: str, kind: str, today: dt.date) -> list[ParsedReport]:
        """Every report in the message, in order; [] when the message is not meant as a report."""
        return self.read(text, kind, today).reports

    def read(self, text: str, kind: str, today: dt.date) -> Reading:
        text = written(unquote(text), self.starts)
        earlier = backfill.find(text, today)
        reading = self._read(earlier.text, kind, today)
        if earlier.day is not None:
            for report in reading.reports:
                _backdate(report, earlier.day, today)
        return reading

    def _read(self, text: str, kind: str, today: dt.date) -> Reading:
        text_lines = lines(text)
        if not text_lines or kind not in self.of_kind:
            return Reading([])
        if (jl := split_jielong(text_lines, self.words)) is not None:
            reading = self._jielong(jl.header, jl.entries, kind, today)
            reading.beyond = jl.beyond
            return reading
        tabled = self._table(text, kind, today)
        if tabled is not None and tabled.reports:
            return tabled  # rows under a header of labels: a report block, whatever the title says (D1)
        screened = screen(text)
        if not screened.strict:  # the table was just looked for in this very text
            return tabled if tabled is not None else self._read_text(text, text_lines, kind, today, table=False)
        kept = lines(screened.text)
        reading = self._read_text(screened.text, kept, kind, today) if kept else Reading([])
        reading.reports = [r for r in reading.reports if _complete(r)]
        return reading

    def _read_text(self, text: str, text_lines: list[str], kind: str, today: dt.date,
                   table: bool = True) -> Reading:
        if table and (tabled := self._table(text, kind, today)) is not None:
            return tabled
        for_all = [ln for ln in text_lines if _FOR_ALL.match(ln)]
        best = self._best([ln for ln in text_lines if ln not in for_all], kind, today)
        if best is None:
            return Reading([])
        reports = [r for block in best.blocks if (r := _report(block, best, today, self.lexicons)) is not None]
        for line in for_all:  # 以上小区均已消杀: the value for every unit of the message (C7.3)
            for st in _said_of_all(line, self.lexicons[best.template.id]):
                for r in reports:
                    _give(r, st.field.key, st.value)
        return Reading(reports)

    def _table(self, text: str, kind: str, today: dt.date) -> Reading | None:
        """A pasted table: one report per data line (cells keep their empty places: raw lines)."""
        if "\t" not in text and "|" not in text and "｜" not in text and "  " not in text:
            return None
        raw_lines = [ln for ln in normalize(text).splitlines() if ln.strip()]
        for lex in self.of_kind.get(kind, []):
            table = find_table(raw_lines, lex)
            if table is None:
                continue
            reading = _Reading(lex.template, [], True, 0)
            reader = LineReader(lex, today, self.known.get(kind, NO_KNOWN))
            unread: list[str] = []
            blocks = table_blocks(table, reader, unread)
            return Reading([r for b in blocks if (r := _report(b, reading, today, self.lexicons))],
                           unread=[Entry(i + 1, row) for i, row in enumerate(unread)])
        return None

    def _best(self, text_lines: list[str], kind: str, today: dt.date) -> _Reading | None:
        best: _Reading | None = None
        lexicons = self.of_kind.get(kind, [])
        if len(lexicons) > 1:  # a title word names its template: read that one alone
            text = "\n".join(text_lines)
            titled = [lx for lx in lexicons if any(w in text for w in lx.template.title_words)]
            lexicons = titled if len(titled) == 1 else lexicons
        for lex in lexicons:
            reading = _read(text_lines, LineReader(lex, today, self.known.get(kind, NO_KNOWN)), len(lexicons) > 1)
            if best is None or (reading.title_hit, reading.score) > (best.title_hit, best.score):
                best = reading
        return best

    def _jielong(self, header: list[str], entries: list[Entry], kind: str, today: dt.date) -> Reading:
        """One report per numbered entry, in order; the header's date applies to all."""
        out = Reading([], jielong=True, entries=len(entries))
        for entry in entries:
            best = self._best([*header, entry.text], kind, today)
            reports = [r for block in best.blocks if (r := _report(block, best, today, self.lexicons))] if best else []
            reports = [r for r in reports if r.unit_name is not None and _has_values(r)]
            if not reports:
                out.unread.append(entry)
                continue
            report = reports[-1]
            report.entry = entry.number
            out.reports.append(report)
        return out

    def parse_reply(self, text: str, template_id: str, unit: str, today: dt.date,
                    questions: list[str] | None = None) -> ParsedReport | None:
        """A grid worker's answer to a prompt: labelled, or numbers in the order of the questions
        asked (default: the template's prompt order; after a partial answer, the ones left).
        An acknowledgement or a promise (还在走访，18点前报) is no answer: its numbers are not values."""
        earlier = backfill.find(written(unquote(text), self.starts), today)
        screened = screen(earlier.text)
        if not screened.strict:
            report = self._reply(earlier.text, template_id, unit, today, questions)
        else:
            report = self._reply(screened.text, template_id, unit, today, questions) if lines(screened.text) else None
            report = report if report is not None and _values(report) >= 2 else None
        if report is not None and earlier.day is not None:
            _backdate(report, earlier.day, today)
        return report

    def _reply(self, text: str, template_id: str, unit: str, today: dt.date,
               questions: list[str] | None) -> ParsedReport | None:
        lex = self.lexicons[template_id]
        reader = LineReader(lex, today)
        pairs = [p for line in lines(text) for p in reader.line(line).pairs]
        pairs = [_by_measure(p, lex, today) for p in pairs]
        labelled = [p for p in pairs if (p.field is not None or p.options) and p.raw and not p.is_unit
                    and (p.field is None or p.field.key != lex.template.date_field)]
        reading = _Reading(lex.template, [], False, 0)
        if labelled:
            head = Pair(lex.unit_field.synonyms[0], lex.unit_field, unit, strength=KNOWN)
            bare = [_by_measure(Pair("", None, seg), lex, today) for line in lines(text) for seg in segments(line)
                    if looks_like_value(seg)]  # 38户，问题没发现: a count with its unit word among labels
            return _report([head, *labelled, *(p for p in bare if p.options)], reading, today, self.lexicons,
                           near=True)
        asked = [lex.template.field(k) for k in questions] if questions is not None else None
        return _positional(" ".join(lines(text)), lex, unit, today, reading, self.lexicons, asked)


_FOR_ALL = re.compile(r"^以上.{0,16}?(?:均|都|全部|全都)")


def _said_of_all(line: str, lex: Lexicon) -> list[Statement]:
    """What a closing line says of every unit: 以上网格均无发热, 以上3个网格体温均正常."""
    m = _FOR_ALL.match(line)
    assert m is not None
    after = _PUNCT.sub("", line[m.end():])
    subject = re.sub(r"^以上[^均都全]*?(?:小区|网格|项目|工地|工程|单位)", "", line)
    found = [st for text in (after, subject, "均" + after) if (st := lex.statement(_PUNCT.sub("", text))) is not None]
    return found[:1]


def _give(report: ParsedReport, key: str, value: Value) -> None:
    """A value said for the report from outside its own lines, unless it gave one itself."""
    if key in report.fields or any(i.field == key for i in report.invalid):
        return
    report.fields[key] = value
    order = [f.key for f in report.template.fields]
    report.fields = {k: report.fields[k] for k in order if k in report.fields}
    report.missing = [k for k in report.missing if k != key]


def _by_measure(p: Pair, lex: Lexicon, today: dt.date) -> Pair:
    """In a reply, a number with a unit word whose label we do not know (今天跑了36户) goes to the
    fields that count in that unit (C10.1)."""
    if p.field is not None or p.options or not p.raw:
        return p
    read = parse_int(p.raw, lex.words)
    if not isinstance(read, Read) or not read.measure:
        return p
    fields = tuple(f for f in lex.template.prompt_fields() if read.measure in f.measures)
    return Pair(p.label, None, p.raw, read=read, options=fields) if fields else p


def _backdate(report: ParsedReport, day: dt.date, today: dt.date) -> None:
    """A report for an earlier day (补报昨天的): its date, unless the report names another itself."""
    key = report.template.date_field
    if key is None or report.fields.get(key, today) != today:
        return
    values, invalid = dict(report.fields), {i.field: i for i in report.invalid}
    values[key] = day
    _check_day(report.template, values, invalid, today)
    order = [f.key for f in report.template.fields]
    report.fields = {k: values[k] for k in order if k in values}
    report.invalid = [invalid[k] for k in order if k in invalid]


def _values(report: ParsedReport) -> int:
    t = report.template
    return sum(1 for k in report.fields if k not in (t.unit_field, t.date_field)) + len(report.invalid)


def _complete(report: ParsedReport) -> bool:
    """D1: a unit and at least two values: a report, whatever the message says around it."""
    return report.unit_name is not None and _values(report) >= 2


def _closing(line: str, words: ReadingWords) -> bool:
    bare = _PUNCT.sub("", line)
    return not bare or bare in words.closings or (bare.startswith(words.closings) and len(bare) <= 8)


def _read(text_lines: list[str], reader: LineReader, scored: bool = True) -> _Reading:
    """scored: templates compete (the score is only needed then)."""
    pairs: list[Pair] = []
    title_hit = False
    for text in text_lines:
        titled, line_pairs = _read_shaped(text, reader)
        title_hit = title_hit or titled
        pairs += line_pairs
    score = sum(_weight(p) for p in pairs) if scored else 0.0
    return _Reading(reader.lex.template, _blocks(pairs, reader.lex), title_hit, score)


# Lines repeat in shape (测温：NNN人), rarely in their numbers. A line is read once per shape: its
# digit runs are masked, run k by the zero of the k-th Unicode digit script (\d and int() read them
# as digits; runs of one and two digits as two), and the reading is kept if it equals the real one
# once unmasked.
_ZEROS = [chr(z) for z in (0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66,
                           0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810,
                           0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0)]
_RUN = re.compile(r"([0-9]+)")
_MASK_DIGIT = re.compile("[" + "".join(f"{z}-{chr(ord(z) + 9)}" for z in _ZEROS) + "]")
_UNCACHEABLE = object()
_SEEN_ONCE = object()
_SHAPES_MAX = 50_000


def _width(run: str) -> int:
    """One and two digits read alike (5人, 56人; 2月6日, 12月26日): one shape for both. Longer runs
    keep their length (a year, a phone number)."""
    return 2 if len(run) <= 2 else len(run)


def _mask(text: str) -> tuple[str, list[str]] | None:
    parts = _RUN.split(text)  # text, run, text, run, …, text
    if len(parts) == 1:
        return text, []
    runs = parts[1::2]
    if len(runs) > len(_ZEROS) or _MASK_DIGIT.search(text) is not None:
        return None
    for k, run in enumerate(runs):
        parts[2 * k + 1] = _ZEROS[k] * _width(run)
    return "".join(parts), runs


@dataclass(frozen=True, slots=True)
class _Shaped:
    """A line's reading by shape: its pairs, with the masked runs of each as format fields ({0}人)."""

    title_hit: bool
    pairs: list[tuple[Pair, str | None, str | None]]


def _formats(pairs: list[Pair], runs: list[str]) -> list[tuple[Pair, str | None, str | None]]:
    def fmt(text: str) -> str | None:
        if _MASK_DIGIT.search(text) is None:
            return None
        text = text.replace("{", "{{").replace("}", "}}")
        for k, run in enumerate(runs):
            text = text.replace(_ZEROS[k] * _width(run), "{%d}" % k)
        return text

    return [(p, fmt(p.label), fmt(p.raw)) for p in pairs]


def _unmask(shaped: list[tuple[Pair, str | None, str | None]], runs: list[str], today: dt.date,
            lex: Lexicon) -> list[Pair]:
    out = []
    for p, label, raw in shaped:
        if label is None and raw is None:
            out.append(p)  # no digits: the cached pair is this line's (never changed after reading)
            continue
        q = Pair(label.format(*runs) if label else p.label, p.field, raw.format(*runs) if raw else p.raw,
                 p.guess, p.strength, p.heading, p.stated, None)
        if p.field is not None and p.raw and not p.strength:
            q.read = Read(p.read.value) if p.stated and isinstance(p.read, Read) else lex.read(p.field, q.raw, today)
        out.append(q)
    return out


def _same(a: list[Pair], b: list[Pair]) -> bool:
    def key(p: Pair) -> tuple[object, ...]:
        return p.label, p.field.key if p.field else None, p.raw, p.guess, p.strength, p.heading, p.stated
    return len(a) == len(b) and all(key(x) == key(y) for x, y in zip(a, b, strict=True))


def _read_shaped(text: str, reader: LineReader) -> tuple[bool, list[Pair]]:
    exact = reader.exact_lines
    found = exact.get(text)
    if found is None:
        found = _read_by_shape(text, reader)
        if len(exact) >= _SHAPES_MAX:
            exact.clear()
        exact[text] = found
    return found


def _read_by_shape(text: str, reader: LineReader) -> tuple[bool, list[Pair]]:
    masked = _mask(text)
    if masked is None:
        return _read_line(text, reader)
    shape, runs = masked
    shapes = reader.shapes
    key = shape
    cached = shapes.get(key)
    if cached is None or (cached is _SEEN_ONCE and not runs):
        if len(shapes) >= _SHAPES_MAX:
            shapes.clear()
        shapes[key] = _SEEN_ONCE  # most lines come once a day: a shape is learnt when it comes again
        return _read_line(text, reader)
    if cached is _SEEN_ONCE:
        real = _read_line(text, reader)
        title_hit, pairs = _read_line(shape, reader) if runs else real
        entry = _Shaped(title_hit, _formats(pairs, runs))
        cached = entry if _same(_unmask(entry.pairs, runs, reader.today, reader.lex), real[1]) else _UNCACHEABLE
        if len(shapes) >= _SHAPES_MAX:
            shapes.clear()
        shapes[key] = cached
        return real
    if cached is _UNCACHEABLE:
        return _read_line(text, reader)
    return cached.title_hit, _unmask(cached.pairs, runs, reader.today, reader.lex)


def _read_line(text: str, reader: LineReader) -> tuple[bool, list[Pair]]:
    """(has a title word, the line's pairs). Pairs are never changed after this: cached per line."""
    words = reader.lex.words
    text = _MENTIONS.sub("", text)  # @防控小助手 翠园小区今日报备
    if _closing(text, words):
        return False, []
    titled = [w for w in reader.lex.template.title_words if w in text]
    body = text
    for word in sorted(titled, key=len, reverse=True):
        body = body.replace(word, "")
    line = reader.line(body)
    if line.content or any(p.strength == LABELLED or (p.field is not None and not p.raw) for p in line.pairs):
        return bool(titled), line.pairs
    if text.startswith(words.notice_starts):
        return bool(titled), []  # 请各小区…: a notice, not a report
    if not titled and not _lead_in(text, words) and any(p.field is None and p.raw for p in line.pairs):
        return False, line.pairs  # 天气 晴: an unknown label with its value
    return bool(titled), reader.heading(text)


def _lead_in(text: str, words: ReadingWords) -> bool:
    return text.startswith(words.greetings) or any(w in text for w in words.lead_words if len(w) >= 2)


def _weight(p: Pair) -> float:
    if p.field is None or not p.raw or p.strength:
        return 0.0
    usable = isinstance(p.read, Read)
    return (1.0 if usable else 0.5) * (0.8 if p.guess else 1.0)


def _blocks(pairs: list[Pair], lex: Lexicon) -> list[list[Pair]]:
    """One block per unit: a new block starts where a second unit is named. A heading's guess is
    replaced by the unit named under it; pairs before the first unit (a date) go to every block."""
    blocks: list[list[Pair]] = [[]]
    header: list[Pair] | None = None
    for p in pairs:
        cur = blocks[-1]
        if not p.strength:
            cur.append(p)
            continue
        named = next((q for q in cur if q.strength), None)
        if named is None:
            if header is None:
                header = list(cur)
            cur.append(p)
        elif not _has_content(cur) and (named.raw == p.raw or named.heading or named.strength < KNOWN <= p.strength):
            if p.strength >= named.strength:
                cur[cur.index(named)] = p
        else:
            blocks.append([p])
    if len(blocks) > 1 and header:
        for block in blocks[1:]:
            present = {q.field.key for q in block if q.field is not None}
            block[:0] = [h for h in header if h.field is not None and h.field.key not in present]
    return blocks


def _has_content(block: list[Pair]) -> bool:
    return any(p.field is not None and p.raw and not p.strength for p in block)


def _has_values(report: ParsedReport) -> bool:
    t = report.template
    return any(k not in (t.unit_field, t.date_field) for k in report.fields) or bool(report.invalid)


def _meant(block: list[Pair], reading: _Reading) -> bool:
    """Whether a block was meant as a report: it carries a number for a known label, or two values,
    or one under a title — or it names its unit for sure (labelled, or known to the registry)."""
    date_key = reading.template.date_field
    values = numbers = 0
    for p in block:
        if p.strength >= KNOWN:
            return True
        if p.field is not None and p.raw and not p.strength and p.field.key != date_key:
            values += 1
            numbers += p.field.type is FieldType.INT and not p.stated
    return numbers > 0 or values >= 2 or (reading.title_hit and values > 0)


def _report(block: list[Pair], reading: _Reading, today: dt.date, lexicons: Mapping[str, Lexicon],
            near: bool = False) -> ParsedReport | None:
    if not near and not _meant(block, reading):
        return None
    tpl = reading.template
    values: dict[str, Value] = {}
    invalid: dict[str, Invalid] = {}
    out = ParsedReport(tpl, {})
    open_: list[Pair] = []
    given = {p.field.key for p in block if p.field is not None and p.raw and not p.breakdown}
    for p in block:
        if p.breakdown and p.field is not None and p.field.key in given:
            continue  # 在岗178人，其中作业人员157人: a part of what was given
        if p.field is None and p.options:
            open_.append(p)
            continue
        if p.field is None:
            if p.raw and p.label and p.label not in out.unknown:
                out.unknown.append(p.label)
            continue
        if not p.raw:
            continue
        read = p.read if p.read is not None else lexicons[tpl.id].read(p.field, p.raw, today)
        if p.strength:
            out.unit_known = out.unit_known or p.strength >= KNOWN
            values[p.field.key] = p.raw.strip()
            continue
        if isinstance(read, Bad):
            invalid[p.field.key] = Invalid(p.field.key, p.raw, read.reason)
            values.pop(p.field.key, None)
            continue
        assert isinstance(read, Read)
        values[p.field.key] = read.value
        invalid.pop(p.field.key, None)
        if read.remark:
            out.remarks[p.field.key] = read.remark
        if p.guess and not any(g.label == p.label for g in out.guesses):
            out.guesses.append(Guess(p.label, p.field.key))
    order_of = [f.key for f in tpl.prompt_fields()] + [f.key for f in tpl.fields] if open_ else []
    for p in open_:  # a reply's 排查46: the first field it may mean, in prompt order, not given yet (C10.1)
        keys = {f.key for f in p.options}
        free = next((k for k in order_of if k in keys and k not in values and k not in invalid), None)
        if near and free is not None and isinstance(p.read, Read):  # only a reply follows the prompt's order
            values[free] = p.read.value
        elif p.label and p.label not in out.unknown:
            out.unknown.append(p.label)
    _check_day(tpl, values, invalid, today)
    _remarks_to_notes(tpl, values, out.remarks)
    order = lexicons[tpl.id].order
    out.fields = {k: values[k] for k in order if k in values}
    out.missing = [k for k in lexicons[tpl.id].required if k not in values and k not in invalid]
    out.invalid = [invalid[k] for k in order if k in invalid] if invalid else []
    return out


def _check_day(tpl: Template, values: dict[str, Value], invalid: dict[str, Invalid], today: dt.date) -> None:
    """The report's own day: today when not said; never later than today, nor a month back."""
    if not tpl.date_field:
        return
    day = values.get(tpl.date_field)
    if isinstance(day, dt.date) and (bad := check_report_day(day, today)) is not None:
        values.pop(tpl.date_field)
        invalid[tpl.date_field] = Invalid(tpl.date_field, f"{day.year}年{day.month}月{day.day}日", bad.reason)
    elif tpl.date_field not in values and tpl.date_field not in invalid:
        values[tpl.date_field] = today


def _remarks_to_notes(tpl: Template, values: dict[str, Value], remarks: dict[str, str]) -> None:
    """体温异常1人（已送发热门诊）: the remark is kept in the template's notes field."""
    if not remarks or not tpl.notes_field:
        return
    said = "；".join(f"{tpl.field(k).brief}：{r}" for k, r in remarks.items())
    before = values.get(tpl.notes_field)
    values[tpl.notes_field] = f"{before}；{said}" if isinstance(before, str) and before else said


def _positional(text: str, lex: Lexicon, unit: str, today: dt.date, reading: _Reading,
                lexicons: Mapping[str, Lexicon], asked: list[TemplateField] | None = None) -> ParsedReport | None:
    questions = asked if asked is not None else lex.template.prompt_fields()
    numbered = _NUMBERED.findall(text)
    answers: list[tuple[int, str]]
    if len(numbered) >= 2 and [int(i) for i, _ in numbered] == list(range(1, len(numbered) + 1)) \
            and len(numbered) <= len(questions):  # 1.35 2.120 — not 31户、96人、1、0
        answers = [(int(i) - 1, v) for i, v in numbered]
    else:
        answers = list(enumerate(t for t in (t.strip(":：.。") for t in _TOKEN_SPLIT.split(text)) if t))
    block = [Pair(lex.unit_field.synonyms[0], lex.unit_field, unit, strength=KNOWN)]
    for index, raw in answers:
        if index < len(questions):
            block.append(Pair(questions[index].synonyms[0], questions[index], raw))
        else:
            block.append(Pair(f"第{index + 1}项", None, raw))
    report = _report(block, reading, today, lexicons, near=True)
    t = lex.template
    return report if report is not None and any(k not in (t.unit_field, t.date_field) for k in report.fields) else None
