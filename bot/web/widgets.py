"""Pieces every desk page shares: tables that become cards on a phone, the pager, links that keep
the filters (a link sent to a colleague opens the same list)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from urllib.parse import urlencode

Row = Sequence[str]  # cells, already HTML


def table(headers: Sequence[str], rows: Sequence[Row], *, table_id: str = "", row_attrs: Sequence[str] = (),
          empty: str = "无") -> str:
    """A table on a desktop; on a phone each row is a card whose cells carry their column's name."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        f"<tr{row_attrs[i] if i < len(row_attrs) else ''}>"
        + "".join(f'<td data-label="{escape(h)}">{cell}</td>' if h else f"<td>{cell}</td>"
                  for h, cell in zip(headers, row, strict=False)) + "</tr>"
        for i, row in enumerate(rows)) or f'<tr><td colspan="{len(headers)}">{escape(empty)}</td></tr>'
    ident = f' id="{table_id}"' if table_id else ""
    return f'<table class="cards"{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def link(path: str, query: Mapping[str, object], **changes: object) -> str:
    """The path with the current filters, some changed; empty values are left out."""
    merged = {**query, **changes}
    kept = {k: str(v) for k, v in merged.items() if v not in (None, "", 0)}
    return path + ("?" + urlencode(kept) if kept else "")


def pager(path: str, query: Mapping[str, object], page: int, pages: int, total: int, first: int, last: int,
          noun: str = "个") -> str:
    """显示 1–60 / 共 275 个, and the previous and next pages with the same filters."""
    shown = f"显示 {first}–{last} / 共 {total} {noun}" if total else f"共 0 {noun}"
    prev = (f'<a rel="prev" href="{escape(link(path, query, page=page - 1 if page > 2 else None))}">上一页</a>'
            if page > 1 else "")
    nxt = f'<a rel="next" href="{escape(link(path, query, page=page + 1))}">下一页</a>' if page < pages else ""
    where = f"<span>第 {page}/{pages} 页</span>" if pages > 1 else ""
    return f'<nav class="pager"><span class="count">{shown}</span>{prev}{where}{nxt}</nav>'


def options(choices: Mapping[str, str], chosen: str | None, blank: str | None) -> str:
    """<option>s of value → label, the chosen one selected, led by a blank choice (全部…) unless None."""
    first = f'<option value="">{escape(blank)}</option>' if blank is not None else ""
    return first + "".join(f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(label)}</option>'
                           for v, label in choices.items())


def search_box(value: str, placeholder: str) -> str:
    return (f'<input type="search" name="q" value="{escape(value)}" placeholder="{escape(placeholder)}" '
            f'aria-label="搜索" enterkeyhint="search">')
