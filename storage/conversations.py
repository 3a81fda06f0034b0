"""Open prompts waiting for one person's answer (grid workers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.models import Conversation


_CONV = Conversation.__table__  # type: ignore[attr-defined]
_ANY_OPEN = core_select(_CONV.c.id).where(_CONV.c.contact_id == bindparam("cid"), _CONV.c.status == "open").limit(1)


def open_for(session: Session, *, contact_id: str, now: dt.datetime) -> Conversation | None:
    if session.connection().execute(_ANY_OPEN, {"cid": contact_id}).first() is None:
        return None  # the common case (no prompt waiting): one cheap query
    query = (select(Conversation).where(Conversation.contact_id == contact_id, Conversation.status == "open",
                                        col(Conversation.expires_at) > now).order_by(col(Conversation.id).desc()))
    return session.exec(query).first()


def start(session: Session, *, contact_id: str, room_id: str, unit_id: int, template: str, day: dt.date,
          expires_at: dt.datetime) -> Conversation:
    for old in session.exec(select(Conversation).where(Conversation.contact_id == contact_id,
                                                      Conversation.status == "open")):
        old.status = "done"  # a new prompt replaces an unanswered one
        session.add(old)
    conv = Conversation(contact_id=contact_id, room_id=room_id, unit_id=unit_id, template=template, day=day,
                        expires_at=expires_at, answered={})
    session.add(conv)
    session.flush()
    return conv


def update(session: Session, *, conv: Conversation, answered: dict[str, Any], done: bool) -> None:
    conv.answered = dict(answered)
    conv.status = "done" if done else "open"
    session.add(conv)
