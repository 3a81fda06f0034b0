"""Rooms and the accounts in them: presence, the one sending owner of each room, failover and
give-back (recorded), and de-duplication of a message that reached two of our accounts."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import and_, func, text, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.db import dialect_insert
from storage.models import BotProcess, OutboxMessage, OwnershipChange, RoomOwner, RoomPresence, SeenContent

_PRESENCE = RoomPresence.__table__  # type: ignore[attr-defined]
_OWNER = RoomOwner.__table__  # type: ignore[attr-defined]
_SEEN = SeenContent.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_PROC = BotProcess.__table__  # type: ignore[attr-defined]


def record_presence(session: Session, *, account: str, rooms: Iterable[str], now: dt.datetime,
                    pins: Mapping[str, str]) -> None:
    """The rooms this account is in; a room without an owner gets its pinned account, else this one."""
    conn = session.connection()
    for room in rooms:
        stmt = dialect_insert(session, _PRESENCE).values(room_id=room, account=account, seen_at=now)
        conn.execute(stmt.on_conflict_do_update(index_elements=["room_id", "account"], set_={"seen_at": now}))
        home = pins.get(room, account)
        own = dialect_insert(session, _OWNER).values(room_id=room, account=home, home=home,
                                               pinned=room in pins, since=now)
        conn.execute(own.on_conflict_do_nothing(index_elements=["room_id"]))


def owners(session: Session, *, rooms: Iterable[str]) -> dict[str, str]:
    ids = list({r for r in rooms if r})
    if not ids:
        return {}
    rows = session.connection().execute(core_select(_OWNER.c.room_id, _OWNER.c.account).where(_OWNER.c.room_id.in_(ids)))
    return {r: a for r, a in rows}


def alive_accounts(session: Session, *, now: dt.datetime, silence: dt.timedelta) -> set[str]:
    """Accounts with a process that is logged in and heard from WeChat within `silence`."""
    rows = session.connection().execute(core_select(_PROC.c.account).where(
        _PROC.c.logged_in, _PROC.c.beat_at >= now - silence, _PROC.c.last_event_at >= now - silence))
    return {a for (a,) in rows}


@dataclass(frozen=True, slots=True)
class Move:
    room_id: str
    from_account: str
    to_account: str
    reason: str


def _moves(session: Session, alive: set[str], settled: dt.datetime) -> list[Move]:
    present: dict[str, set[str]] = {}
    for room, account in session.connection().execute(core_select(_PRESENCE.c.room_id, _PRESENCE.c.account)):
        present.setdefault(room, set()).add(account)
    moves = []
    for owner in session.exec(select(RoomOwner)):
        here = present.get(owner.room_id, set())
        if owner.account != owner.home and owner.home in alive and owner.home in here:
            moves.append(Move(owner.room_id, owner.account, owner.home, "give back: the home account is back"))
        elif owner.account not in alive and owner.since <= settled:  # not while the fleet is starting
            standby = sorted(a for a in here & alive if a != owner.account)
            if standby:
                moves.append(Move(owner.room_id, owner.account, standby[0], f"failover: {owner.account} silent"))
    return moves


def rebalance(session: Session, *, alive: set[str], now: dt.datetime, silence: dt.timedelta) -> list[Move]:
    """Move rooms whose owner is silent to another live account present in them, and back home when
    the home account returns. A conditional update makes concurrent processes agree: only the one
    whose update took effect records the change and moves the room's queued messages."""
    done = []
    conn = session.connection()
    for move in _moves(session, alive, now - silence):
        changed = conn.execute(update(_OWNER).where(_OWNER.c.room_id == move.room_id,
                                                    _OWNER.c.account == move.from_account)
                               .values(account=move.to_account, since=now).returning(_OWNER.c.room_id)).first()
        if changed is None:
            continue
        session.add(OwnershipChange(room_id=move.room_id, from_account=move.from_account, to_account=move.to_account,
                                    reason=move.reason, at=now))
        conn.execute(update(_OUTBOX).where(_OUTBOX.c.room_id == move.room_id, _OUTBOX.c.status == "queued",
                                           _OUTBOX.c.account == move.from_account).values(account=move.to_account))
        done.append(move)
    session.flush()
    return done


def changes(session: Session, *, since: dt.datetime | None = None) -> list[OwnershipChange]:
    query = select(OwnershipChange).order_by(col(OwnershipChange.id))
    if since is not None:
        query = query.where(OwnershipChange.at >= since)
    return list(session.exec(query))


def owned_counts(session: Session) -> dict[str, int]:
    rows = session.connection().execute(core_select(_OWNER.c.account, func.count()).group_by(_OWNER.c.account))
    return {a: int(n) for a, n in rows}


def digest(text_: str) -> str:
    return hashlib.sha256(text_.strip().encode("utf-8")).hexdigest()[:32]


def first_content(session: Session, *, room_id: str, sender_id: str, body: str, at: dt.datetime,
                  window: dt.timedelta) -> bool:
    """False when the same sender said the same text in the same room within `window` (it reached
    another of our accounts under another id). On PostgreSQL an advisory lock on the key serialises
    two processes deciding at once; SQLite has one writer anyway."""
    key = digest(body)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        lock = int(hashlib.sha256(f"{room_id}|{sender_id}|{key}".encode()).hexdigest()[:15], 16)
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})
    seen = conn.execute(core_select(_SEEN.c.id).where(and_(
        _SEEN.c.room_id == room_id, _SEEN.c.sender_id == sender_id, _SEEN.c.digest == key,
        _SEEN.c.at.between(at - window, at + window))).limit(1)).first()
    if seen is not None:
        return False
    conn.execute(_SEEN.insert().values(room_id=room_id, sender_id=sender_id, digest=key, at=at))
    return True
