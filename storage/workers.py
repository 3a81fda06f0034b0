"""The returning workers' register (返岗人员健康档案): keyword-only queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.models import ReturningWorker

OBSERVATION_DAYS = 14


@dataclass(frozen=True, slots=True)
class WorkerRow:
    name: str
    id_number: str
    phone: str
    origin: str
    returned_on: dt.date
    test_date: dt.date | None
    test_result: str
    record_made: bool
    observation_end: dt.date | None = None  # default: 14 days after the return


def upsert(session: Session, *, unit_id: int, row: WorkerRow, source: str, now: dt.datetime) -> bool:
    """Add a worker, or update the one of that name and ID number on the site; True when added."""
    found = session.exec(select(ReturningWorker).where(
        ReturningWorker.unit_id == unit_id, ReturningWorker.name == row.name,
        ReturningWorker.id_number == row.id_number)).first()
    worker = found or ReturningWorker(unit_id=unit_id, name=row.name, id_number=row.id_number,
                                      returned_on=row.returned_on, observation_end=row.returned_on, updated_at=now)
    worker.phone, worker.origin, worker.returned_on = row.phone, row.origin, row.returned_on
    worker.test_date, worker.test_result, worker.record_made = row.test_date, row.test_result, row.record_made
    worker.observation_end = row.observation_end or row.returned_on + dt.timedelta(days=OBSERVATION_DAYS)
    worker.source, worker.updated_at = source, now
    session.add(worker)
    session.flush()
    return found is None


def of_site(session: Session, *, unit_id: int) -> list[ReturningWorker]:
    query = select(ReturningWorker).where(ReturningWorker.unit_id == unit_id)
    return list(session.exec(query.order_by(col(ReturningWorker.returned_on).desc(), col(ReturningWorker.id))))


def everyone(session: Session) -> list[ReturningWorker]:
    return list(session.exec(select(ReturningWorker).order_by(col(ReturningWorker.unit_id), col(ReturningWorker.id))))


def sites(session: Session) -> set[int]:
    """Sites that keep a register (only their reports are checked against it)."""
    return set(session.exec(select(ReturningWorker.unit_id).distinct()))


def ending_on(session: Session, *, day: dt.date) -> list[ReturningWorker]:
    return list(session.exec(select(ReturningWorker).where(ReturningWorker.observation_end == day)
                             .order_by(col(ReturningWorker.unit_id), col(ReturningWorker.id))))
