"""A table pasted from Excel or WPS (reading contract C2): a header line of column labels, then one
report per data line, the unit's name in the column headed by a label of the unit field.

Cells are split by a TAB, by two or more spaces, or by a bar (| ｜). An empty cell gives no value;
a 序号 column and 合计/总计/小计 lines are not reports; a title line's date is every row's date."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.parser.lexicon import LabelMatch, Lexicon, Tier
from handlers.parser.reading import LABELLED, LineReader, Pair, clean_label

_SPLIT = {"tab": re.compile(r"\t"), "bar": re.compile(r"\s*\|\s*"), "spaces": re.compile(r" {2,}")}
_INDEX_WORDS = frozenset({"序号", "编号", "序", "No", "NO", "no"})
TOTAL_WORDS = ("合计", "总计", "小计", "总数", "共计")
_PLACEHOLDER = re.compile(r"X{2,}|^X(?=[\u4e00-\u9fff])|某")


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    matches: tuple[LabelMatch, ...]  # () for an ignored column (序号, a label we do not know)


@dataclass(frozen=True, slots=True)
class Table:
    title: list[str]  # lines above the header
    columns: list[Column]
    rows: list[list[str]]
    unit_column: int


def cells(line: str, how: str) -> list[str]:
    parts = [c.strip() for c in _SPLIT[how].split(line.strip(" "))]
    if how == "bar":  # a leading or trailing bar frames the row
        if parts and parts[0] == "":
            parts = parts[1:]
        if parts and parts[-1] == "":
            parts = parts[:-1]
    return parts


def _how(line: str) -> str | None:
    for how in ("tab", "bar", "spaces"):
        if len(cells(line, how)) >= 3:
            return how
    return None


def _columns(header: list[str], lex: Lexicon) -> tuple[list[Column], int] | None:
    """The header's columns and the unit column's index, or None when it is no header of this template."""
    out: list[Column] = []
    unit_at = -1
    for cell in header:
        label = clean_label(cell)
        if not label or label in _INDEX_WORDS:
            out.append(Column(label, ()))
            continue
        matches = tuple(m for m in lex.candidates(label) if m.tier >= Tier.CONTAINS or len(label) >= 2)
        if any(m.field is lex.unit_field for m in matches) and unit_at < 0 and matches[0].tier >= Tier.QUIET:
            unit_at = len(out)
            matches = tuple(m for m in matches if m.field is lex.unit_field)
        else:
            matches = tuple(m for m in matches if m.field is not lex.unit_field)
        out.append(Column(label, matches))
    labelled = sum(1 for i, c in enumerate(out) if c.matches and i != unit_at)
    return (out, unit_at) if unit_at >= 0 and labelled >= 2 else None


def find_table(text_lines: list[str], lex: Lexicon) -> Table | None:
    """The first header line of this template's labels, and the data lines split like it."""
    for i, line in enumerate(text_lines[:4]):
        how = _how(line)
        if how is None:
            continue
        found = _columns(cells(line, how), lex)
        if found is None:
            continue
        columns, unit_at = found
        rows = [cells(row, how) for row in text_lines[i + 1:]]
        rows = [r for r in rows if len(r) >= 2]
        if rows:
            return Table(text_lines[:i], columns, rows, unit_at)
    return None


def table_blocks(table: Table, reader: LineReader, unread: list[str] | None = None) -> list[list[Pair]]:
    """One block of pairs per data line, the title's date in each; a data line with values but no
    unit is put in `unread` (the receipt names it)."""
    lex = reader.lex
    dated = [p for line in table.title for p in reader.heading(line)
             if p.field is not None and p.field.key == lex.template.date_field]
    blocks = []
    for row in table.rows:
        first = next((c for c in row if c), "")
        if not first or first.startswith(TOTAL_WORDS):
            continue
        if table.unit_column < len(row) and _PLACEHOLDER.search(row[table.unit_column]):
            continue  # XX小区｜0｜0: a template's example row
        block = list(dated[:1])
        given: set[str] = set()
        for column, raw in zip(table.columns, row):
            if not raw or not column.matches:
                continue
            if column.matches[0].field is lex.unit_field:
                block.append(Pair(column.label, lex.unit_field, raw, strength=LABELLED))
                continue
            left = [m for m in column.matches if m.field.key not in given] or list(column.matches)
            pair = reader.pair(column.label, raw, left if len(left) == 1 else list(left))
            if pair.field is None and left:  # several fields, no measure to settle: the first not given
                pair = reader.pair(column.label, raw, left[:1])
            if pair.field is not None:
                given.add(pair.field.key)
            block.append(pair)
        if any(p.strength for p in block):
            blocks.append(block)
        elif unread is not None and any(p.field is not None and p.raw for p in block):
            unread.append(" ".join(c for c in row if c))
    return blocks
