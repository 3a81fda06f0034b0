"""The audit log: who looked at or changed what. Only appended to (the database refuses the rest)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert
from sqlmodel import Session, col, select

from storage.models import AuditEvent

_AUDIT = AuditEvent.__table__  # type: ignore[attr-defined]
_INSERT = insert(_AUDIT)


def record(session: Session, *, who: str, action: str, now: dt.datetime, role: str = "", address: str = "",
           target: str = "", detail: str = "", whole: bool = False) -> None:
    session.connection().execute(_INSERT, {"at": now, "who": who[:100], "role": role, "address": address[:100],
                                           "action": action, "target": target[:200], "detail": detail[:500],
                                           "whole": whole})


def events(session: Session, *, since: dt.datetime | None = None, who: str | None = None,
           action: str | None = None, limit: int = 1000) -> list[AuditEvent]:
    query = select(AuditEvent)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    if who is not None:
        query = query.where(AuditEvent.who == who)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(session.exec(query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)))
