"""Long lists on the desk (a district's units, its members, the audit log): search words, a state
filter and a page, read from the query string and checked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web

T = TypeVar("T")
MAX_QUERY = 60


@dataclass(frozen=True, slots=True)
class Listing:
    q: str
    state: str
    page: int
    size: int

    @property
    def words(self) -> list[str]:
        return self.q.casefold().split()

    def matches(self, texts: Iterable[str | None]) -> bool:
        """Every word of the search is in one of the texts (name, alias, street, community, reporter…)."""
        haystack = "\n".join(t for t in texts if t).casefold()
        return all(w in haystack for w in self.words)

    def cut(self, items: Sequence[T]) -> tuple[list[T], int, int, int, int]:
        """This page of the items: (items, page, pages, first, last) with first/last counted from 1."""
        pages = max((len(items) + self.size - 1) // self.size, 1)
        page = min(self.page, pages)
        start = (page - 1) * self.size
        chunk = list(items[start:start + self.size])
        return chunk, page, pages, start + 1 if chunk else 0, start + len(chunk)


def listing(request: web.Request, states: Sequence[str], size: int) -> Listing:
    """The list's parameters; a state or page that makes no sense is a 400 in Chinese, never a 500."""
    q = (request.query.get("q") or "").strip()[:MAX_QUERY]
    state = request.query.get("state") or ""
    if state and state not in states:
        raise web.HTTPBadRequest(text=f"state：只能是 {'、'.join(states)} 之一", content_type="text/plain")
    raw = request.query.get("page") or "1"
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw[:7]) <= 1_000_000:
        raise web.HTTPBadRequest(text="page：须是从 1 开始的页码", content_type="text/plain")
    return Listing(q, state, int(raw), size)
