"""Retention: personal data older than its setting is deleted or de-identified; the counts the
summaries need (reports, their numbers) stay; the audit log is never touched. Each run is recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session

from storage.models import (Attachment, Member, Notice, OutboxMessage, ProblemPhoto, ProcessedMessage, PurgeRun,
                            Report, ReportRevision, ReportValue, ReturningWorker)

_R, _V, _REV = Report.__table__, ReportValue.__table__, ReportRevision.__table__  # type: ignore[attr-defined]
_ATT, _PHOTO = Attachment.__table__, ProblemPhoto.__table__  # type: ignore[attr-defined]
_MEMBER, _OUT = Member.__table__, OutboxMessage.__table__  # type: ignore[attr-defined]
_SEEN, _NOTICE = ProcessedMessage.__table__, Notice.__table__  # type: ignore[attr-defined]
_WORKER = ReturningWorker.__table__  # type: ignore[attr-defined]
CLEARED = ""  # what a message's text becomes once its time is up


@dataclass(frozen=True)
class Limits:
    raw_text_days: int
    named_values_days: int
    photos_days: int
    member_phone_days: int
    sent_messages_days: int
    message_ids_days: int
    returning_workers_days: int = 30  # after the worker's observation ends


def _count(session: Session, table: object, *where: object) -> int:
    return int(session.connection().execute(core_select(func.count()).select_from(table).where(*where)).scalar_one())  # type: ignore[arg-type]


def purge(session: Session, *, now: dt.datetime, limits: Limits, personal_keys: Iterable[str],
          dry_run: bool) -> dict[str, int]:
    """What was (or, dry_run, would be) deleted or cleared, by kind of data."""
    def before(days: int) -> dt.datetime:
        return now - dt.timedelta(days=days)

    keys = sorted(set(personal_keys))
    old_raw = (_R.c.updated_at < before(limits.raw_text_days), _R.c.raw_text != CLEARED)
    old_reports = core_select(_R.c.id).where(_R.c.updated_at < before(limits.named_values_days))
    named = (_V.c.key.in_(keys), _V.c.text_value.is_not(None), _V.c.report_id.in_(old_reports))
    phones = (_MEMBER.c.phone.is_not(None), _MEMBER.c.updated_at < before(limits.member_phone_days))
    sent = (_OUT.c.status.in_(["sent", "dropped", "failed"]), _OUT.c.created_at < before(limits.sent_messages_days))
    workers = (_WORKER.c.observation_end < before(limits.returning_workers_days).date(),)
    counts = {
        "report_texts": _count(session, _R, *old_raw),
        "earlier_versions": _count(session, _REV, _REV.c.created_at < before(limits.raw_text_days)),
        "personal_values": _count(session, _V, *named),
        "report_photos": _count(session, _ATT, _ATT.c.created_at < before(limits.photos_days)),
        "problem_photos": _count(session, _PHOTO, _PHOTO.c.created_at < before(limits.photos_days)),
        "member_phones": _count(session, _MEMBER, *phones),
        "sent_messages": _count(session, _OUT, *sent),
        "message_ids": _count(session, _SEEN, _SEEN.c.processed_at < before(limits.message_ids_days)),
        "returning_workers": _count(session, _WORKER, *workers),
    }
    if dry_run:
        return counts
    conn = session.connection()
    conn.execute(update(_R).where(*old_raw).values(raw_text=CLEARED))
    conn.execute(delete(_REV).where(_REV.c.created_at < before(limits.raw_text_days)))
    conn.execute(delete(_V).where(*named))
    for table, days in ((_ATT, limits.photos_days), (_PHOTO, limits.photos_days)):
        old = table.c.created_at < before(days)
        for (path,) in conn.execute(core_select(table.c.path).where(old)):
            Path(path).unlink(missing_ok=True)
        conn.execute(delete(table).where(old))
    conn.execute(update(_MEMBER).where(*phones).values(phone=None))
    conn.execute(delete(_OUT).where(*sent))
    conn.execute(delete(_SEEN).where(_SEEN.c.processed_at < before(limits.message_ids_days)))
    conn.execute(delete(_NOTICE).where(_NOTICE.c.created_at < before(limits.message_ids_days)))
    conn.execute(delete(_WORKER).where(*workers))
    session.add(PurgeRun(at=now, counts=counts))
    return counts


def last_runs(session: Session, limit: int = 10) -> list[PurgeRun]:
    from sqlmodel import col, select

    return list(session.exec(select(PurgeRun).order_by(col(PurgeRun.at).desc()).limit(limit)))
