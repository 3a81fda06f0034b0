"""Notices passed down (通知N) and their acknowledgements (回执): keyword-only queries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Acknowledgement, Circular


def add(session: Session, *, text: str, kinds: list[str], sent_by: str, sent_by_name: str, origin_room: str | None,
        source_message_id: str, now: dt.datetime, until: dt.datetime) -> Circular | None:
    """A new notice with the next number; None when this message already made one (a redelivery)."""
    if session.exec(select(Circular).where(Circular.source_message_id == source_message_id)).first() is not None:
        return None
    circular = Circular(text=text, kinds=kinds, sent_by=sent_by, sent_by_name=sent_by_name, origin_room=origin_room,
                        source_message_id=source_message_id, created_at=now, until=until)
    session.add(circular)
    session.flush()
    return circular


def get(session: Session, *, number: int) -> Circular | None:
    return session.get(Circular, number)


def open_for(session: Session, *, kind: str, now: dt.datetime) -> list[Circular]:
    """Notices to this kind still collecting acknowledgements, newest first."""
    rows = session.exec(select(Circular).where(col(Circular.until) > now).order_by(col(Circular.id).desc()))
    return [c for c in rows if kind in c.kinds]


def open_ones(session: Session, *, now: dt.datetime) -> list[Circular]:
    return list(session.exec(select(Circular).where(col(Circular.until) > now).order_by(col(Circular.id))))


def recent(session: Session, *, limit: int = 200) -> list[Circular]:
    return list(session.exec(select(Circular).order_by(col(Circular.id).desc()).limit(limit)))


def acknowledgements(session: Session, *, circular_id: int) -> list[Acknowledgement]:
    query = select(Acknowledgement).where(Acknowledgement.circular_id == circular_id)
    return list(session.exec(query.order_by(col(Acknowledgement.at))))


def acknowledged_units(session: Session, *, circular_id: int) -> set[int]:
    return {a.unit_id for a in acknowledgements(session, circular_id=circular_id) if a.unit_id is not None}


def acknowledged_companies(session: Session, *, circular_id: int) -> set[int]:
    return {a.company_id for a in acknowledgements(session, circular_id=circular_id) if a.company_id is not None}


def acknowledge(session: Session, *, circular_id: int, contact_id: str, name: str, words: str, now: dt.datetime,
                unit_id: int | None = None, company_id: int | None = None) -> bool:
    """The unit's (or company's) 回执 (the first one counts); False when it had already acknowledged."""
    done = (acknowledged_units(session, circular_id=circular_id) if unit_id is not None
            else acknowledged_companies(session, circular_id=circular_id))
    if (unit_id if unit_id is not None else company_id) in done:
        return False
    try:
        with session.begin_nested():
            session.add(Acknowledgement(circular_id=circular_id, unit_id=unit_id, company_id=company_id,
                                        contact_id=contact_id, name=name, words=words[:60], at=now))
    except IntegrityError:  # another process recorded the same unit a moment ago
        return False
    return True


def mark_complete(session: Session, *, circular: Circular, now: dt.datetime) -> bool:
    """Record that everyone acknowledged; True the first time only (it is said once)."""
    if circular.completed_at is not None:
        return False
    circular.completed_at = now
    session.add(circular)
    return True
