"""Queries for exactly-once intake and the persisted outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, func, insert
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.models import Attachment, OutboxMessage, ProcessedMessage


_PROCESSED = ProcessedMessage.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_SEEN = core_select(_PROCESSED.c.message_id).where(_PROCESSED.c.message_id == bindparam("mid"))
_MARK_SEEN = insert(_PROCESSED)
_ENQUEUE = insert(_OUTBOX)


def first_sight(session: Session, *, message_id: str, now: dt.datetime) -> bool:
    """Record a message id; False when it was already processed (a redelivery).

    The primary key makes a concurrent second insert fail the transaction, so the id is still
    handled once.
    """
    conn = session.connection()
    if conn.execute(_SEEN, {"mid": message_id}).first() is not None:
        return False
    conn.execute(_MARK_SEEN, {"message_id": message_id, "processed_at": now})
    return True


def enqueue(
    session: Session,
    *,
    now: dt.datetime,
    room_id: str | None,
    to_id: str | None = None,
    text: str | None = None,
    file_path: str | None = None,
    mention_ids: Sequence[str] = (),
) -> None:
    session.connection().execute(_ENQUEUE, {
        "room_id": room_id, "to_id": to_id, "text": text, "file_path": file_path, "mention_ids": list(mention_ids),
        "status": "queued", "attempts": 0, "due_at": now, "created_at": now,
    })


def next_due(session: Session, *, now: dt.datetime) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "queued", col(OutboxMessage.due_at) <= now)
        .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
    )
    return session.exec(query).first()


def next_due_at(session: Session) -> dt.datetime | None:
    query = select(OutboxMessage.due_at).where(OutboxMessage.status == "queued").order_by(col(OutboxMessage.due_at))
    return session.exec(query).first()


def mark_sent(session: Session, *, item_id: int, now: dt.datetime) -> None:
    item = session.get(OutboxMessage, item_id)
    if item is not None:
        item.status, item.sent_at, item.attempts = "sent", now, item.attempts + 1
        session.add(item)


def mark_failed(session: Session, *, item_id: int, error: str, retry_at: dt.datetime | None) -> None:
    """Back off to retry_at, or give up (status failed) when retry_at is None."""
    item = session.get(OutboxMessage, item_id)
    if item is not None:
        item.attempts += 1
        item.last_error = error[:500]
        if retry_at is None:
            item.status = "failed"
        else:
            item.due_at = retry_at
        session.add(item)


def sent_since(session: Session, *, since: dt.datetime) -> int:
    query = select(func.count()).where(OutboxMessage.status == "sent", col(OutboxMessage.sent_at) >= since)
    return int(session.exec(query).one())


def backlog(session: Session) -> int:
    return int(session.exec(select(func.count()).where(OutboxMessage.status == "queued")).one())


def attach(session: Session, *, report_id: int, path: str, source_message_id: str, now: dt.datetime) -> Attachment:
    item = Attachment(report_id=report_id, path=path, source_message_id=source_message_id, created_at=now)
    session.add(item)
    session.flush()
    return item


def attachments_of(session: Session, *, report_id: int) -> list[Attachment]:
    return list(session.exec(select(Attachment).where(Attachment.report_id == report_id)))
