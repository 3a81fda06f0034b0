"""The supplies ledger: keyword-only queries. Bought = issued + held, item by item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import case, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.models import SupplyMove


def record(session: Session, *, direction: str, items: Iterable[tuple[str, int]], source: str, by: str,
           now: dt.datetime, unit_id: int | None = None) -> list[SupplyMove]:
    """Moves of one message (nothing twice: a source already recorded returns what it made)."""
    made = list(session.exec(select(SupplyMove).where(SupplyMove.source == source)))
    if made:
        return made
    moves = [SupplyMove(direction=direction, item=item, quantity=qty, unit_id=unit_id, by=by, source=source, at=now)
             for item, qty in items]
    session.add_all(moves)
    session.flush()
    return moves


def held(session: Session) -> dict[str, tuple[int, int]]:
    """item -> (bought, issued)."""
    t = SupplyMove.__table__  # type: ignore[attr-defined]
    bought = func.sum(case((t.c.direction == "in", t.c.quantity), else_=0))
    issued = func.sum(case((t.c.direction == "out", t.c.quantity), else_=0))
    rows = session.connection().execute(core_select(t.c.item, bought, issued).group_by(t.c.item))
    return {item: (int(b or 0), int(i or 0)) for item, b, i in rows}


def unconfirmed(session: Session, *, unit_id: int) -> list[SupplyMove]:
    query = select(SupplyMove).where(SupplyMove.unit_id == unit_id, SupplyMove.direction == "out",
                                     col(SupplyMove.confirmed_at).is_(None))
    return list(session.exec(query.order_by(col(SupplyMove.id))))


def confirm(session: Session, *, moves: Iterable[SupplyMove], by: str, now: dt.datetime) -> None:
    for m in moves:
        m.confirmed_at, m.confirmed_by = now, by
        session.add(m)


def moves(session: Session, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
          limit: int = 100_000) -> list[SupplyMove]:
    query = select(SupplyMove)
    if since is not None:
        query = query.where(col(SupplyMove.at) >= since)
    if until is not None:
        query = query.where(col(SupplyMove.at) < until)
    return list(session.exec(query.order_by(col(SupplyMove.id).desc()).limit(limit)))
