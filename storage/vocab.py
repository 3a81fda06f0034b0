"""Taught labels, labels nobody knows yet, guesses waiting for an admin's 是, and the stamp that
tells every process its parser is out of date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.db import dialect_insert
from storage.models import Notice, PendingGuess, RegistryStamp, Unit, UnknownLabel, VocabAlias

REGISTRY = "registry"
_UNKNOWN = UnknownLabel.__table__  # type: ignore[attr-defined]
_NOTICE = Notice.__table__  # type: ignore[attr-defined]
_STAMP = RegistryStamp.__table__  # type: ignore[attr-defined]


# --- the stamp ------------------------------------------------------------------------------------


def stamp(session: Session) -> int:
    row = session.connection().execute(select(_STAMP.c.version).where(_STAMP.c.name == REGISTRY)).first()
    return int(row[0]) if row else 0


def bump(session: Session) -> None:
    """Units or taught labels changed: every process re-reads them before its next message."""
    ins = dialect_insert(session, _STAMP).values(name=REGISTRY, version=1)
    session.connection().execute(ins.on_conflict_do_update(index_elements=["name"],
                                                           set_={"version": _STAMP.c.version + 1}))


# --- the registry the parser reads -----------------------------------------------------------------


def unit_names(session: Session) -> dict[str, frozenset[str]]:
    """kind -> every active unit's name and aliases."""
    out: dict[str, set[str]] = {}
    for kind, name, aliases in session.exec(select(Unit.kind, Unit.name, Unit.aliases).where(col(Unit.active))):
        out.setdefault(kind, set()).update([name, *(aliases or [])])
    return {k: frozenset(v) for k, v in out.items()}


def aliases(session: Session) -> dict[str, dict[str, str]]:
    """template -> alias -> field key."""
    out: dict[str, dict[str, str]] = {}
    for a in session.exec(select(VocabAlias).order_by(col(VocabAlias.id))):
        out.setdefault(a.template, {})[a.alias] = a.field_key
    return out


def teach(session: Session, *, template: str, alias: str, field_key: str, by: str, now: dt.datetime) -> bool:
    """True when the alias is new or now means another field."""
    found = session.exec(select(VocabAlias).where(VocabAlias.template == template, VocabAlias.alias == alias)).first()
    if found is not None and found.field_key == field_key:
        return False
    if found is None:
        found = VocabAlias(template=template, alias=alias, field_key=field_key, taught_by=by, created_at=now)
    found.field_key, found.taught_by, found.created_at = field_key, by, now
    session.add(found)
    session.flush()
    bump(session)
    return True


def list_aliases(session: Session) -> list[VocabAlias]:
    return list(session.exec(select(VocabAlias).order_by(col(VocabAlias.template), col(VocabAlias.alias))))


def remove(session: Session, *, alias: str, template: str | None = None) -> int:
    query = select(VocabAlias).where(VocabAlias.alias == alias)
    if template is not None:
        query = query.where(VocabAlias.template == template)
    found = list(session.exec(query))
    for a in found:
        session.delete(a)
    if found:
        session.flush()
        bump(session)
    return len(found)


# --- what nobody taught yet --------------------------------------------------------------------------


def count_unknown(session: Session, *, day: dt.date, template: str, labels: Iterable[str], now: dt.datetime) -> None:
    for label in labels:
        ins = dialect_insert(session, _UNKNOWN).values(day=day, template=template, label=label[:60], count=1,
                                                last_seen=now)
        session.connection().execute(ins.on_conflict_do_update(
            index_elements=["day", "template", "label"],
            set_={"count": _UNKNOWN.c.count + 1, "last_seen": now}))


def unknown_labels(session: Session, *, start: dt.date, end: dt.date) -> list[tuple[dt.date, str, str, int]]:
    """(day, template, label, count), newest day first, most frequent first."""
    query = (select(UnknownLabel)
             .where(col(UnknownLabel.day) >= start, col(UnknownLabel.day) <= end)
             .order_by(col(UnknownLabel.day).desc(), col(UnknownLabel.count).desc(), col(UnknownLabel.label)))
    return [(u.day, u.template, u.label, u.count) for u in session.exec(query)]


# --- guesses an admin may confirm -------------------------------------------------------------------


def remember_guesses(session: Session, *, room_id: str, template: str, guesses: Iterable[tuple[str, str]],
                     now: dt.datetime) -> None:
    for label, field_key in guesses:
        session.add(PendingGuess(room_id=room_id, template=template, label=label, field_key=field_key, created_at=now))
    session.flush()


def open_guesses(session: Session, *, room_id: str, since: dt.datetime) -> list[PendingGuess]:
    """The guesses of the room's latest receipt that said any (within the window)."""
    query = (select(PendingGuess).where(PendingGuess.room_id == room_id, PendingGuess.status == "open",
                                        col(PendingGuess.created_at) >= since)
             .order_by(col(PendingGuess.created_at).desc(), col(PendingGuess.id)))
    rows = list(session.exec(query))
    return [g for g in rows if g.created_at == rows[0].created_at] if rows else []


def close_guesses(session: Session, *, ids: Iterable[int]) -> None:
    session.execute(update(PendingGuess).where(col(PendingGuess.id).in_(list(ids))).values(status="taught"))


# --- said once ---------------------------------------------------------------------------------------


def say_once(session: Session, *, room_id: str, day: dt.date, key: str, now: dt.datetime) -> bool:
    """True the first time (room, day, key) is seen: the caller says it; later calls are False."""
    ins = dialect_insert(session, _NOTICE).values(room_id=room_id, day=day, key=key[:200], created_at=now)
    stmt = ins.on_conflict_do_nothing(index_elements=["room_id", "day", "key"]).returning(_NOTICE.c.id)
    return session.connection().execute(stmt).first() is not None
