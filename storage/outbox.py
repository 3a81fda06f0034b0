"""Exactly-once intake and the persisted outbox, shared by every process on the database.

A row is claimed before it is sent (queued -> sending, by one process, in one statement), and a
process takes its account's send slot in the same transaction: the pacing gap and the daily cap hold
per WeChat account whichever process sends. A row found `sending` whose process is dead is sent once
more (its `repeats` says so) and never again: a crash repeats a message at most once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, case, func, insert, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage import rooms
from storage.models import Attachment, OutboxMessage, ProcessedMessage, SendSlot

_PROCESSED = ProcessedMessage.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_MARK_SEEN: dict[str, Any] = {}  # per dialect: insert … on conflict do nothing returning (built once)
_SLOT = SendSlot.__table__  # type: ignore[attr-defined]
_ENQUEUE = insert(_OUTBOX)

# what a row is, and how much of the day's cap it may use (officials first, then receipts, then the rest)
PRIORITY = {"summary": 0, "escalation": 0, "receipt": 1, "reply": 1, "notice": 1, "reminder": 2, "prompt": 2}


def first_sight(session: Session, *, message_id: str, now: dt.datetime) -> bool:
    """Record a message id; False when it was already processed (a redelivery).

    The primary key makes a concurrent second insert fail the transaction, so the id is still
    handled once."""
    conn = session.connection()
    stmt = _MARK_SEEN.get(conn.dialect.name)
    if stmt is None:
        module = sqlite if conn.dialect.name == "sqlite" else postgresql
        stmt = _MARK_SEEN[conn.dialect.name] = (
            module.insert(_PROCESSED).on_conflict_do_nothing(index_elements=["message_id"])
            .returning(_PROCESSED.c.message_id))
    return conn.execute(stmt, {"message_id": message_id, "processed_at": now}).first() is not None


@dataclass(frozen=True, slots=True)
class Row:
    """An outgoing message to enqueue."""

    room_id: str | None
    to_id: str | None = None
    text: str | None = None
    file_path: str | None = None
    mention_ids: Sequence[str] = ()
    category: str = "reply"
    expires_at: dt.datetime | None = None
    for_sender: str | None = None  # the person whose message this answers (per-sender budget)
    reply_to: str | None = None  # the message it answers


def enqueue(session: Session, *, now: dt.datetime, rows: Iterable[Row], account: str = "default") -> int:
    """A message to a room is sent by the room's owner (storage.rooms), whichever process queued it;
    a private message by the account it came through."""
    rows = list(rows)
    owner = rooms.owners(session, rooms=(r.room_id for r in rows if r.room_id))
    params = [{
        "room_id": r.room_id, "to_id": r.to_id, "text": r.text, "file_path": r.file_path,
        "mention_ids": list(r.mention_ids), "status": "queued", "attempts": 0, "due_at": now, "created_at": now,
        "category": r.category, "priority": PRIORITY.get(r.category, 1), "expires_at": r.expires_at,
        "account": owner.get(r.room_id or "", account), "for_sender": r.for_sender, "repeats": 0,
        "reply_to": r.reply_to,
    } for r in rows]
    if params:
        session.connection().execute(_ENQUEUE, params)
    return len(params)


def _capped_count(column: object) -> object:
    """How many rows (up to a cap: bounded work however busy the room) since a moment."""
    recent = (core_select(_OUTBOX.c.id).where(column == bindparam("who"),  # type: ignore[operator]
                                              _OUTBOX.c.created_at >= bindparam("since"))
              .limit(bindparam("cap")).subquery())
    return core_select(func.count()).select_from(recent)


_BY_SENDER = _capped_count(_OUTBOX.c.for_sender)
_BY_ROOM = _capped_count(_OUTBOX.c.room_id)


def answered_since(session: Session, *, since: dt.datetime, room_id: str | None, for_sender: str | None,
                   sender_cap: int, room_cap: int) -> tuple[int, int]:
    """(rows queued since a moment answering this sender, rows for this room), each counted only up
    to its cap: the output budget, by two index range scans of bounded length."""
    conn = session.connection()
    sender = conn.execute(_BY_SENDER, {"who": for_sender, "since": since, "cap": sender_cap}).scalar_one()  # type: ignore[call-overload]
    room = conn.execute(_BY_ROOM, {"who": room_id, "since": since, "cap": room_cap}).scalar_one() if room_id else 0  # type: ignore[call-overload]
    return int(sender), int(room)


# --- the send slot: pacing and the daily cap per account, across processes --------------------------


def ensure_slot(session: Session, *, account: str, now: dt.datetime) -> None:
    module = sqlite if session.connection().dialect.name == "sqlite" else postgresql
    stmt = module.insert(_SLOT).values(account=account, next_at=now, day=now.date(), sent=0)
    session.connection().execute(stmt.on_conflict_do_nothing(index_elements=["account"]))


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    room_id: str | None
    to_id: str | None
    text: str | None
    file_path: str | None
    mention_ids: list[str]
    attempts: int
    repeats: int
    category: str
    reply_to: str | None = None


STEPPED_BACK = dt.timedelta(seconds=60)


def claim(session: Session, *, account: str, me: str, now: dt.datetime, day: dt.date, gap: float,
          allowed: Callable[[int], list[int]]) -> Claimed | None:
    """Take the account's send slot and the next due row it may send, in one transaction.

    allowed(sent_today) -> the priorities the day's cap still admits. None when the slot is not free
    yet (the gap since the last send, by any process) or nothing is due."""
    conn = session.connection()
    jumped = now + dt.timedelta(seconds=max(gap, 1.0) * 4)  # a slot this far ahead: the clock went back
    slot = conn.execute(update(_SLOT).where(_SLOT.c.account == account,
                                            or_(_SLOT.c.next_at <= now, _SLOT.c.next_at > jumped))
                        .values(next_at=now + dt.timedelta(seconds=gap))
                        .returning(_SLOT.c.day, _SLOT.c.sent)).first()
    if slot is None:
        return None
    sent = slot.sent if slot.day == day else 0
    priorities = allowed(sent)
    if not priorities:
        session.rollback()
        return None
    pick = (core_select(_OUTBOX.c.id)
            .where(_OUTBOX.c.status == "queued", _OUTBOX.c.account == account,
                   # made a minute or more "later" than now: the clock was stepped back since; due all the same
                   or_(_OUTBOX.c.due_at <= now, _OUTBOX.c.created_at > now + STEPPED_BACK),
                   _OUTBOX.c.priority.in_(priorities))
            .order_by(_OUTBOX.c.priority, _OUTBOX.c.due_at, _OUTBOX.c.id).limit(1))
    if conn.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    row = conn.execute(update(_OUTBOX).where(_OUTBOX.c.id == pick.scalar_subquery(), _OUTBOX.c.status == "queued")
                       .values(status="sending", claimed_by=me, claimed_at=now)
                       .returning(_OUTBOX.c.id, _OUTBOX.c.room_id, _OUTBOX.c.to_id, _OUTBOX.c.text,
                                  _OUTBOX.c.file_path, _OUTBOX.c.mention_ids, _OUTBOX.c.attempts, _OUTBOX.c.reply_to,
                                  _OUTBOX.c.repeats, _OUTBOX.c.category)).first()
    if row is None:
        session.rollback()  # the slot stays free: nothing was due
        return None
    conn.execute(update(_SLOT).where(_SLOT.c.account == account).values(day=day, sent=sent + 1))
    return Claimed(row.id, row.room_id, row.to_id, row.text, row.file_path, list(row.mention_ids or []),
                   row.attempts, row.repeats, row.category, row.reply_to)


def mark_sent(session: Session, *, item_id: int, me: str, now: dt.datetime) -> None:
    session.connection().execute(update(_OUTBOX).where(_OUTBOX.c.id == item_id, _OUTBOX.c.claimed_by == me)
                                 .values(status="sent", sent_at=now))


def release(session: Session, *, item_id: int, me: str, account: str, day: dt.date, error: str,
            now: dt.datetime, due_at: dt.datetime | None = None) -> None:
    """The connection failed, not the message: back to the queue (due again at `due_at`), no attempt
    counted, the day's cap and the pacing slot given back (nothing went out)."""
    conn = session.connection()
    values: dict[str, object] = {"status": "queued", "claimed_by": None, "claimed_at": None, "last_error": error[:500]}
    if due_at is not None:
        values["due_at"] = due_at
    done = conn.execute(update(_OUTBOX).where(_OUTBOX.c.id == item_id, _OUTBOX.c.claimed_by == me,
                                              _OUTBOX.c.status == "sending").values(**values))
    if done.rowcount:
        conn.execute(update(_SLOT).where(_SLOT.c.account == account, _SLOT.c.day == day, _SLOT.c.sent > 0)
                     .values(sent=_SLOT.c.sent - 1, next_at=now))


def refused(session: Session, *, item_id: int, me: str, error: str, retry_at: dt.datetime | None) -> None:
    """The other side refused this message itself: an attempt; given up (failed) when retry_at is None."""
    values: dict[str, object] = {"attempts": _OUTBOX.c.attempts + 1, "last_error": error[:500], "claimed_by": None,
                                 "claimed_at": None}
    values.update({"status": "failed"} if retry_at is None else {"status": "queued", "due_at": retry_at})
    session.connection().execute(update(_OUTBOX).where(_OUTBOX.c.id == item_id, _OUTBOX.c.claimed_by == me)
                                 .values(**values))


def recover(session: Session, *, account: str, dead: Callable[[str], bool]) -> tuple[int, int]:
    """Rows left `sending` by a process that died: sent once more (repeats 0 -> 1), or, if that repeat
    died too, taken as delivered — never retried in a loop. Returns (requeued, presumed sent)."""
    stuck = session.connection().execute(
        core_select(_OUTBOX.c.id, _OUTBOX.c.claimed_by, _OUTBOX.c.repeats)
        .where(_OUTBOX.c.status == "sending", _OUTBOX.c.account == account)).all()
    again = [r.id for r in stuck if dead(r.claimed_by or "") and r.repeats == 0]
    done = [r.id for r in stuck if dead(r.claimed_by or "") and r.repeats > 0]
    conn = session.connection()
    if again:
        conn.execute(update(_OUTBOX).where(_OUTBOX.c.id.in_(again))
                     .values(status="queued", claimed_by=None, repeats=_OUTBOX.c.repeats + 1))
    if done:
        conn.execute(update(_OUTBOX).where(_OUTBOX.c.id.in_(done))
                     .values(status="sent", claimed_by=None, last_error="presumed delivered: its repeat died too"))
    return len(again), len(done)


def drop_expired(session: Session, *, account: str, now: dt.datetime) -> int:
    """Rows past their rule (a receipt too old to help, a reminder after its deadline): dropped, counted."""
    result = session.connection().execute(
        update(_OUTBOX).where(_OUTBOX.c.status == "queued", _OUTBOX.c.account == account,
                              _OUTBOX.c.expires_at.is_not(None), _OUTBOX.c.expires_at < now)
        .values(status="dropped", last_error="expired before it could be sent"))
    return int(result.rowcount or 0)


def next_due_at(session: Session, *, account: str) -> dt.datetime | None:
    query = (select(OutboxMessage.due_at)
             .where(OutboxMessage.status == "queued", OutboxMessage.account == account)
             .order_by(col(OutboxMessage.due_at)))
    return session.exec(query).first()


def oldest_due(session: Session, *, account: str, now: dt.datetime) -> dt.datetime | None:
    """The longest-waiting row that could be sent now (for "is the backlog moving?")."""
    query = (select(OutboxMessage.due_at)
             .where(OutboxMessage.status == "queued", OutboxMessage.account == account, OutboxMessage.due_at <= now)
             .order_by(col(OutboxMessage.due_at)).limit(1))
    return session.exec(query).first()


def slot_free_at(session: Session, *, account: str) -> dt.datetime | None:
    return session.exec(select(SendSlot.next_at).where(SendSlot.account == account)).first()


def backlog(session: Session, *, account: str | None = None) -> int:
    query = select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.status).in_(["queued", "sending"]))
    if account is not None:
        query = query.where(OutboxMessage.account == account)
    return int(session.exec(query).one())


def counts_since(session: Session, *, since: dt.datetime) -> dict[str, int]:
    """status -> rows created since a moment (sent, dropped, failed … for /healthz and the summary)."""
    query = (select(OutboxMessage.status, func.count()).where(col(OutboxMessage.created_at) >= since)
             .group_by(col(OutboxMessage.status)))
    return {s: int(n) for s, n in session.exec(query)}


def sent_since(session: Session, *, since: dt.datetime) -> int:
    query = select(func.count()).where(OutboxMessage.status == "sent", col(OutboxMessage.sent_at) >= since)
    return int(session.exec(query).one())


def dropped_between(session: Session, *, start: dt.datetime, end: dt.datetime) -> int:
    query = select(func.count()).select_from(OutboxMessage).where(
        and_(col(OutboxMessage.status).in_(["dropped", "failed"]),
             col(OutboxMessage.created_at) >= start, col(OutboxMessage.created_at) < end))
    return int(session.exec(query).one())


def attach(session: Session, *, report_id: int, path: str, source_message_id: str, now: dt.datetime) -> Attachment:
    item = Attachment(report_id=report_id, path=path, source_message_id=source_message_id, created_at=now)
    session.add(item)
    session.flush()
    return item


def attachments_of(session: Session, *, report_id: int) -> list[Attachment]:
    return list(session.exec(select(Attachment).where(Attachment.report_id == report_id)))
