"""Claims of scheduled sends: the unique key (job, target, day) makes each one happen at most once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Firing

_FIRING = Firing.__table__  # type: ignore[attr-defined]


def claim(session: Session, *, job: str, target: str, fire_date: dt.date, scheduled_for: dt.datetime,
          now: dt.datetime, by: str, outcome: str) -> bool:
    """True when this process got the firing; False when another run or process already has it."""
    try:
        with session.begin_nested():
            session.connection().execute(insert(_FIRING), {
                "job": job, "target": target, "fire_date": fire_date, "scheduled_for": scheduled_for,
                "claimed_at": now, "claimed_by": by, "outcome": outcome,
            })
    except IntegrityError:
        return False
    return True


def firings_on(session: Session, *, fire_date: dt.date) -> list[Firing]:
    query = select(Firing).where(Firing.fire_date == fire_date).order_by(col(Firing.scheduled_for), col(Firing.id))
    return list(session.exec(query))


def settle(session: Session, *, job: str, target: str, fire_date: dt.date, outcome: str) -> None:
    """A claimed firing's outcome, once it has been computed."""
    session.connection().execute(update(_FIRING).where(
        _FIRING.c.job == job, _FIRING.c.target == target, _FIRING.c.fire_date == fire_date).values(outcome=outcome))
