"""One line -> items for one template: label–value pairs, statements, dates, the unit's name.

A line is cut into segments (by ， , ； 、 。 and spaces, never inside brackets or a thousands mark);
each segment is read by the most explicit shape that fits (label：value, a stated phrase, label为value,
label glued to a number, a known unit, a bare label waiting for its value, a date, a bare value), then
the segments are put together left to right."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from handlers.parser.lexicon import LabelMatch, Lexicon, Tier
from handlers.parser.normalize import strip_numbering
from handlers.parser.words import ReadingWords
from handlers.parser.values import Bad, Read, alternation, clean, looks_like_value, parse_date, read_value, split_remark
from handlers.templates import FieldType, TemplateField

MAX_LABEL = 12
MAX_NAME = 20
_EXPLICIT = re.compile(r"[:=]")
_FIRST_DIGIT = re.compile(r"[\d-]")
_LABEL_TAIL = re.compile(r"(?:为|是|有|共)$")
_DATE_LIKE = re.compile(r"^(?:\d{4}[年.\-/])?\d{1,2}[月.\-/]\d{1,2}[日号]?(?:[(]?(?:星期|周)[一二三四五六日天][)]?)?$"
                        r"|^\d{1,2}[日号]$|^(?:今天|今日|昨天|昨日|前天)$")
_MENTION = re.compile(r"^@\S+\s*")
_PUNCT = re.compile(r"[\s:;,.!?()\-—_|/、。~～·*#]+")

GUESSED, KNOWN, LABELLED = 1, 2, 3  # how sure we are of a unit's name
# digits in a name stand before a word of the name (1网格, 3号楼), never at its end nor before a measure
_MEASURE_AFTER = re.compile(r"(?<!\d)\d+(?:人|户|个|名|例|处|份|桶|把|次|天)")


def _approx_end(label: str, w: ReadingWords) -> str:
    for word in sorted(w.approx_before, key=len, reverse=True):
        if label.endswith(word) and len(label) > len(word):
            return word
    return ""


def _name_part(text: str, w: ReadingWords) -> str:
    """The name at the start of a sentence: before 今日/于/共/对 …, without 物业/项目部 after it (C8.4)."""
    rest = text
    for lead in ("今天", "今日"):
        rest = rest[len(lead):] if rest.startswith(lead) else rest
    cut = alternation(w.name_ends).search(rest, 2)
    if cut is not None:
        rest = rest[:cut.start()]
    dated = _DATE_IN_NAME.search(rest, 2)  # 阳光水岸3月10日防控情况 (D6)
    if dated is not None:
        rest = rest[:dated.start()]
    for org in w.org_words:
        if rest.endswith(org) and len(rest) > len(org) + 1:
            rest = rest[: -len(org)]
            break
    return rest


def _name_digits(name: str) -> bool:
    """A heading may be a name with numbers in it (东阳渡社区1网格), never a value (走访36户)."""
    for m in re.finditer(r"\d+", name):
        after = name[m.end():m.end() + 1]
        if not after or not ("\u4e00" <= after <= "\u9fff" or after.isalpha()) or _MEASURE_AFTER.match(name, m.start()):
            return False
    return True


@dataclass(slots=True)
class Pair:
    """label -> field (None: a label we do not know) with the raw value as typed."""

    label: str
    field: TemplateField | None
    raw: str
    guess: bool = False  # the label was read by a guess: the receipt says how
    strength: int = 0  # for the unit field: GUESSED, KNOWN or LABELLED
    heading: bool = False  # came from a heading line (title, lead-in), not from content
    stated: bool = False  # a phrase that states its value (已消杀)
    read: Read | Bad | None = None
    options: tuple[TemplateField, ...] = ()  # 排查46: fields the label may mean, no measure to settle them
    breakdown: bool = False  # said after 其中: counts only for a field not given already

    @property
    def is_unit(self) -> bool:
        return self.strength > 0


@dataclass(slots=True)
class Line:
    pairs: list[Pair] = field(default_factory=list)
    content: bool = False  # holds at least one value for a known field


class Known:
    """The unit names and aliases a deployment knows, for one kind (the registry)."""

    def __init__(self, names: frozenset[str] = frozenset()) -> None:
        self.names = names
        self.lengths = sorted({len(n) for n in names if len(n) >= 2}, reverse=True)

    def find(self, text: str) -> str | None:
        """The longest known name in the text."""
        if not self.names or len(text) > 80:
            return None
        for size in self.lengths:
            for i in range(len(text) - size + 1):
                if text[i:i + size] in self.names:
                    return text[i:i + size]
        return None


NO_KNOWN = Known()


_CUT = re.compile(r"[;；、。\t ]+|,(?!\d{3}(?:\D|$))|(?<!\d),")
_HAS_DIGIT = re.compile(r"\d")
_LEADING_DIGITS = re.compile(r"^\d+")
_DATE_IN_NAME = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]?|(?<!\d)\d{1,2}[./]\d{1,2}(?!\d)")


def segments(line: str) -> list[str]:
    """Cut at ， , ； ; 、 。 and spaces; a comma between digit groups and anything in brackets stay."""
    if "(" not in line:
        return [s for s in (strip_numbering(p) for p in _CUT.split(line)) if s]
    out: list[str] = []
    depth, cur = 0, list[str]()
    for i, ch in enumerate(line):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        cut = depth == 0 and (ch in ";；、。\t " or (ch == "," and not _thousands(line, i)))
        if cut:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [s for s in (strip_numbering(p) for p in out) if s]


def _continue(text: str, more: str, gap: str) -> str:
    """A text value and the segment that continues it: spaces stay spaces as typed (an ID written
    in groups of four stays one number to the mask); punctuation becomes one Chinese comma."""
    return f"{text} {more}" if gap and gap.isspace() else f"{text}，{more}"


def _thousands(line: str, i: int) -> bool:
    return i > 0 and line[i - 1].isdigit() and re.match(r"\d{3}(?:\D|$)", line[i + 1:i + 5]) is not None


def _skip(text: str, words: tuple[str, ...]) -> tuple[str, str]:
    m = alternation(words).match(text)
    return (text[m.end():], m.group(0)) if m else (text, "")


def clean_label(text: str) -> str:
    text = strip_numbering(text.strip()).strip("*").strip()
    return _LABEL_TAIL.sub("", text) or text


def _read(lex: Lexicon, f: TemplateField, raw: str, today: dt.date) -> Read | Bad:
    return lex.read(f, raw, today)


class LineReader:
    """Reads lines for one template (its lexicon), with the known units of the group's kind."""

    def __init__(self, lex: Lexicon, today: dt.date, known: Known = NO_KNOWN) -> None:
        self.lex, self.today, self.known = lex, today, known
        self.unit = lex.unit_field
        # lines read before on this day with these units: exactly, and by shape (core.py)
        self.exact_lines, self.shapes = lex.line_caches(today, known)

    # --- one segment -------------------------------------------------------------------------
    def pair(self, label: str, raw: str, matches: list[LabelMatch]) -> Pair:
        """A label with its value: one field settled from the candidates (or an unknown label)."""
        fields = [m for m in matches]
        read: Read | Bad | None = None
        if len(fields) > 1 or (fields and fields[0].field.type is FieldType.INT):
            probe = next((m.field for m in fields if m.field.type is FieldType.INT), None)
            read = _read(self.lex, probe, raw, self.today) if probe is not None else None
        if not _HAS_DIGIT.search(raw) and any(w in raw for w in self.lex.words.results):
            return Pair(label, fields[0].field if fields else None, "")  # 核酸检测：均为阴性 — a result, no count (C9.4)
        if isinstance(read, Read) and not read.measure and len(fields) > 1 and label[-1:] in ("人", "户"):
            read = Read(read.value, read.remark, label[-1])  # 排查人：131 — the label says what it counts
        chosen = self.lex.settle(fields, read if isinstance(read, Read) else None)
        if chosen is None:
            options = tuple(m.field for m in fields) if isinstance(read, Read) and len(fields) > 1 else ()
            return Pair(label, None, raw, read=read if options else None, options=options)
        if isinstance(read, Read) and read.measure in self.lex.words.not_counts \
                and read.measure not in chosen.field.measures:
            return Pair(label, None, raw)  # 测温两次, 37.3℃: a count of something else (C8.6)
        strength = LABELLED if chosen.field is self.unit else 0
        return Pair(label, chosen.field, raw, guess=chosen.guess, strength=strength,
                    read=_read(self.lex, chosen.field, raw, self.today))

    def is_name(self, text: str) -> bool:
        """Other characters before a unit word (X小区, X工程, X社区第N网格): a name, never a label (D2)."""
        if self.known.find(text) == text:
            return True
        return any(text.endswith(w) and len(text) > len(w) + 1 for w in self.unit.synonyms) and _name_digits(text)

    def names_on(self, raw: str) -> bool:
        """The number is part of a name: a unit word or a name's word follows it (1网格, 2号楼, 四期)."""
        rest = _LEADING_DIGITS.sub("", raw, count=1)
        return bool(rest) and rest.startswith((*self.unit.synonyms, *self.lex.words.name_parts))

    def statement(self, seg: str, *, at_end: bool = True) -> Pair | None:
        bare, remark = split_remark(seg) if "(" in seg else (seg, "")  # 未消杀（消毒液用完了）
        st = self.lex.statements.get(bare) or self.lex.statement(clean(bare).replace(":", "").replace(" ", ""))
        if st is not None and remark:
            return Pair(seg, st.field, st.phrase, stated=True, read=Read(st.value, remark))
        if st is None and at_end and not _HAS_DIGIT.search(seg):  # 宿舍和食堂已消毒: what was done where (C8.3)
            st = self.lex.statement_at_end(clean(seg))
        if st is None:
            return None
        return Pair(seg, st.field, st.phrase, stated=True, read=Read(st.value))

    def glued(self, seg: str) -> Pair | None:
        """A label glued to its value: 测温320人, 外来登记十二人, 体温异常无, 消杀完成."""
        m = _FIRST_DIGIT.search(seg)
        if m is not None and m.start() > 0:
            label, raw = clean_label(seg[: m.start()]), seg[m.start():]
            approx = _approx_end(label, self.lex.words)
            if approx:  # 测温约800人: the approximation belongs to the value
                label, raw = label[: -len(approx)], approx + raw
            matches = [x for x in self.lex.candidates(label) if x.field.type is not FieldType.TEXT]
            if self.names_on(raw):
                return None  # 东阳渡社区1网格, 3号楼: a number inside a name (D2)
            if matches:
                return self.pair(label, raw, matches)
            if looks_like_value(raw) and len(label) <= MAX_LABEL:
                return Pair(label, None, raw)  # 保安在岗6人: a label we do not know, with its value
            return None
        if m is not None:
            return None
        for cut in range(min(len(seg) - 1, MAX_LABEL), 1, -1):
            label, raw = seg[:cut], seg[cut:]
            matches = [x for x in self.lex.candidates(label, bare=True) if x.field.type is not FieldType.TEXT]
            if len(matches) == 1 and not isinstance(_read(self.lex, matches[0].field, raw, self.today), Bad):
                return self.pair(label, raw, matches)
        return None

    def segment(self, seg: str) -> Pair | list[Pair] | str:
        """A pair, or the segment itself when it is no pair on its own (a name, a bare label, a value)."""
        m = _EXPLICIT.search(seg)
        if m is not None and _name_digits(seg[: m.start()]):  # not a time (10:00) nor a value
            label, raw = clean_label(seg[: m.start()]), seg[m.end():].strip()
            if not raw:
                return label + ":"
            return self.explicit(label, raw)
        if (stated := self.statement(seg)) is not None:
            return stated
        if "为" in seg:
            label, _, raw = seg.partition("为")
            label = clean_label(label)
            matches = self.lex.candidates(label)
            if label and raw and matches and not any(c.isdigit() for c in label):
                return self.pair(label, raw.strip(), matches)
        return self.glued(seg) or seg

    def explicit(self, label: str, raw: str) -> Pair | list[Pair]:
        """label：value. When the label is no sure label and the value reads as a pair on its own,
        the label is a unit's name heading that pair (阳光花园：测温200)."""
        if (stated := self.statement(label + raw, at_end=False)) is not None:
            return stated  # 体温：正常, 消杀：已完成
        matches = self.lex.candidates(label)
        if not matches and not self.strip_words(label) and label:  # 今日：走访47户, 报告：… — a lead-in
            inner = self.segment(raw) if not _EXPLICIT.search(raw) else raw
            if isinstance(inner, (Pair, list)):
                return inner
        if not (matches and matches[0].tier >= Tier.QUIET) and self.known.find(raw) is not None:
            return self.name(raw)  # 王经理报：翠园小区
        if not (matches and matches[0].tier >= Tier.QUIET):
            inner = self.segment(raw)  # 金鹗山庄今日防控日报：测温：724人
            if isinstance(inner, Pair) and inner.field is not None and inner.field is not self.unit:
                same = [m for m in matches if m.field is inner.field]
                if same:  # 复工状态：已复工 — a label of that very field, not a unit's name
                    return self.pair(label, raw, same)
                return [self.name(label), inner]
            if self.is_name(label) and not matches:  # 粤汉社区第8网格：今日下沉干部3人协助… — a name
                return [self.name(label), *([inner] if isinstance(inner, Pair) else [])]
        if matches:
            return self.pair(label, raw, matches)
        return Pair(label, None, raw)

    def name(self, text: str, *, heading: bool = False) -> Pair:
        known = self.known.find(text)
        if known is not None:
            return Pair(self.unit.synonyms[0], self.unit, known, strength=KNOWN, heading=heading)
        w = self.lex.words
        if self.strip_words(text).startswith(w.self_references):  # 我小区: no name; the sender's unit
            return Pair(self.unit.synonyms[0], self.unit, "", strength=GUESSED, heading=heading)
        bare = self.strip_words(_name_part(text, w))
        return Pair(self.unit.synonyms[0], self.unit, bare if len(bare) >= 2 else text, strength=GUESSED,
                    heading=heading)

    def strip_words(self, text: str) -> str:
        """A name without greetings, report words, title words and punctuation around it."""
        w = self.lex.words
        words = alternation((*self.lex.template.title_words, *w.greetings, *w.lead_words))
        return _PUNCT.sub("", words.sub(" ", _MENTION.sub(" ", text)))

    # --- glued text ------------------------------------------------------------------------------
    def unglue(self, seg: str, first: bool) -> list[str]:
        """翠园小区测温320人体温异常0人已消杀 -> 翠园小区 / 测温320人 / 体温异常0人 / 已消杀: cut where a
        label or a stated phrase begins after a number (and its unit), or after the unit's name."""
        if len(seg) < 4 or (_HAS_DIGIT.search(seg) is None and self.lex.starts.search(seg, 1) is None):
            return [seg]
        pieces, start = [], 0
        if first and not self.lex.starts.match(seg):
            m = self.lex.starts.search(seg, 2)
            head = seg[: m.start()] if m else ""
            if m and _name_digits(head) and not self.lex.is_quiet(head) and not _EXPLICIT.search(seg):
                pieces.append(head)
                start = m.start()
        for num in re.finditer(r"\d+(?:[.,]\d+)*", seg):
            end = num.end()
            rest, _ = _skip(seg[end:], self.lex.words.approx_mid)
            rest, _ = _skip(rest, self.lex.words.measures)
            rest, _ = _skip(rest, self.lex.words.approx_after)
            cut = len(seg) - len(rest)
            if start < cut < len(seg) and (self.lex.starts.match(seg, cut)
                                           or seg.startswith(self.lex.words.breakdown_marks[:2], cut)):
                pieces.append(seg[start:cut])
                start = cut
        pieces.append(seg[start:])
        return [q for p in pieces if p for q in self._after_statements(p)]

    def _after_statements(self, piece: str) -> list[str]:
        """体温均正常已消杀 -> 体温均正常 / 已消杀: a stated phrase ends where another label or phrase begins."""
        out = []
        while (m := self.lex.stated.match(piece)) is not None and m.end() < len(piece) \
                and self.lex.starts.match(piece, m.end()):
            out.append(piece[: m.end()])
            piece = piece[m.end():]
        return [*out, piece]

    # --- one line -----------------------------------------------------------------------------
    def line(self, text: str) -> Line:
        """Segments put together: a bare label takes the next segment as its value; the first name
        before any label is the unit's (a known unit wins over a guessed one); words after a text
        value continue it; two bare words are an unknown label and its value (天气 晴)."""
        out = Line()
        pending: str | None = None  # a label waiting for its value (测温 356, 小区：翠园小区)
        last_text: Pair | None = None  # a text value that following words continue
        tentative: Pair | None = None  # a guessed unit's name that may turn out to be a label
        text = self.without_lead(text)
        segs = segments(text)
        lead = next((i for i, seg in enumerate(segs) if self.strip_words(seg)), 0)  # 各位领导， before the name
        cut = [piece for i, seg in enumerate(segs) if i >= lead for piece in self.unglue(seg, i == lead)]
        breakdown = False  # after 其中 (or 含): a breakdown of what was given, not new values (C9.1)
        cursor, gap = 0, ""  # where the last segment ended in the line, and what stood before this one
        for n, seg in enumerate(cut):
            at = text.find(seg, cursor)
            gap, cursor = (text[cursor:at], at + len(seg)) if at >= 0 else ("，", cursor)
            if seg.startswith(self.lex.words.breakdown_marks):
                breakdown = True
                seg = seg.removeprefix(next(m for m in self.lex.words.breakdown_marks if seg.startswith(m)))
                if not seg:
                    continue
            got = self.segment(seg)
            if n == 0 and not any(p.is_unit for p in out.pairs):
                got = self.prose_head(seg, got)
            for item in got if isinstance(got, list) else [got]:
                if isinstance(item, Pair) and breakdown and not item.is_unit:
                    item.breakdown = True
                if isinstance(item, Pair):
                    if item.field is None and last_text is not None:
                        last_text.raw, last_text.read = _continue(last_text.raw, seg, gap), None  # 备注：第1栋…，第2栋…
                        continue
                    if pending is not None:
                        out.pairs.append(Pair(pending, None, ""))
                    out.pairs.append(item)
                    pending, tentative = None, None
                    is_text = item.field is not None and item.field.type is FieldType.TEXT and not item.is_unit
                    last_text = item if is_text else None
                elif item.endswith(":"):
                    pending, last_text, tentative = item[:-1], None, None
                elif pending is not None and self.lex.candidates(item, bare=True) and not looks_like_value(item):
                    pending = item  # 测温人数、体温异常人数: labels listed without values (a notice)
                elif pending is not None:
                    out.pairs.append(self.waiting(pending, item))
                    pending = None
                elif last_text is not None:
                    last_text.raw, last_text.read = _continue(last_text.raw, item, gap), None  # 备注：今日正常，请放心
                elif tentative is not None and not _DATE_LIKE.match(item) and self.known.find(item) is None \
                        and not self.lex.candidates(item, bare=True):
                    out.pairs.remove(tentative)  # 天气 晴: a label and its value, not a unit
                    out.pairs.append(Pair(tentative.raw, None, item))
                    tentative = None
                else:
                    pending, tentative = self._word(item, out)
        if pending is not None and not self.lex.candidates(pending, bare=True):
            out.pairs.append(Pair(pending, None, ""))
        out.content = any(p.field is not None and not p.is_unit and p.raw for p in out.pairs)
        return out

    def without_lead(self, text: str) -> str:
        """报告：X…, 各位领导：X… — a lead-in before a colon is no label (C8.4)."""
        head, colon, rest = text.partition(":")
        if colon and rest.strip() and head.strip() and not self.strip_words(head) and not self.lex.candidates(head):
            return rest.strip()
        return text.lstrip(":,; ")

    def prose_head(self, seg: str, got: Pair | list[Pair] | str) -> Pair | list[Pair] | str:
        """The first words of a sentence-shaped report name the unit: 钻石路合金厂宿舍共有出入口3个,
        清水塘冶炼厂家属区今日已消杀 (C8.4). Only when they end at a word that ends names (今日, 共 …)."""
        if isinstance(got, str) and not got.endswith(":"):
            part = _name_part(got, self.lex.words)
            if part == got or _HAS_DIGIT.search(part) or self.lex.candidates(got, bare=True):
                return got
        elif isinstance(got, Pair) and got.field is None and got.raw:
            part = _name_part(got.label, self.lex.words)
        elif isinstance(got, Pair) and got.stated and got.label != got.raw and got.label.endswith(got.raw):
            part = _name_part(got.label[: -len(got.raw)], self.lex.words)
            if part == got.label[: -len(got.raw)]:
                return got  # 施工区域已全面消杀: where it was done, not who (no 今日/于 … after a name)
        else:
            return got
        if len(part) < 2 or (isinstance(got, Pair) and part == got.label) or self.lex.candidates(part, bare=True) \
                or not _name_digits(part):
            return got
        name = self.name(part)
        return [name, got] if isinstance(got, Pair) and got.stated else [name]

    def _word(self, item: str, out: Line) -> tuple[str | None, Pair | None]:
        """A segment that is no pair: a bare label (left waiting), a date, a bare value (dropped) or
        the unit's name. Returns (label now waiting, unit name just guessed)."""
        if self.lex.candidates(item, bare=True) and self.known.find(item) != item:
            return item, None
        if _DATE_LIKE.match(item) and self.lex.template.date_field:
            out.pairs.append(self.date(item))
            return None, None
        if looks_like_value(item):
            return None, None
        units = [p for p in out.pairs if p.is_unit]
        if self.known.find(item) is not None and not any(p.strength >= KNOWN for p in units):
            for p in units:
                out.pairs.remove(p)  # a known unit wins over a guessed name
            out.pairs.append(self.name(item))
            return None, None
        date_key = self.lex.template.date_field
        seen_label = any(p.field is not None and not p.is_unit and p.field.key != date_key for p in out.pairs)
        if not seen_label and not units and len(_name_part(item, self.lex.words)) <= MAX_NAME:
            out.pairs.append(self.name(item))
            return None, out.pairs[-1]
        return item, None  # perhaps an unknown label followed by its value

    def waiting(self, label: str, raw: str) -> Pair:
        matches = self.lex.candidates(label, bare=True) or self.lex.candidates(label)
        if matches:
            return self.pair(label, raw, matches)
        return Pair(label, None, raw)

    def date(self, text: str) -> Pair:
        assert self.lex.template.date_field is not None
        f = self.lex.template.field(self.lex.template.date_field)
        return Pair(f.synonyms[0], f, text, read=_read(self.lex, f, text, self.today))

    # --- headings ------------------------------------------------------------------------------
    def heading(self, text: str) -> list[Pair]:
        """A line with no values: a title, a lead-in (各位领导好，翠园小区今日情况汇报：) or a unit's
        name alone. Its date, and what is left once greetings and report words are taken away."""
        w = self.lex.words
        rest = strip_numbering(_MENTION.sub(" ", text))
        out: list[Pair] = []
        for m in re.finditer(r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]?|\d{4}-\d{1,2}-\d{1,2}|(?<![\d.])\d{1,2}\.\d{1,2}(?![\d.])",
                             rest):
            if self.lex.template.date_field and not isinstance(parse_date(m.group(0), self.today), Bad):
                out.append(self.date(m.group(0)))
                rest = rest.replace(m.group(0), " ", 1)
                break
        known = self.known.find(rest)
        if known is not None:
            leftover = self.strip_words(rest.replace(known, " ", 1))
            if len(leftover) <= 4:  # 翠园小区今日报备, not 阳光花园的李主任今天请假了
                out.append(self.name(known, heading=True))
            return out
        name = self.strip_words(rest)
        if 2 <= len(name) <= MAX_NAME and _name_digits(name) \
                and not name.startswith(w.notice_starts) and not self.lex.candidates(name, bare=True):
            out.append(self.name(name, heading=True))
        return out
