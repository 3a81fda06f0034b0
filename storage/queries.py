"""Queries, keyword-only. Callers own the session and its transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage import vocab
from storage.models import Group, Member, Report, ReportRevision, ReportValue, Unit

StoredValue = int | str | None
_UNIT = Unit.__table__  # type: ignore[attr-defined]
_MEMBER = Member.__table__  # type: ignore[attr-defined]


# --- units -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitSeed:
    name: str
    kind: str
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    community: str | None = None


def sync_units(session: Session, *, units: Iterable[UnitSeed]) -> int:
    """Make the configured units exist (by name); units registered by admins stay. Returns inserts.
    Safe when several processes start at once (insert … on conflict do nothing, then compare)."""
    conn = session.connection()
    module = sqlite if conn.dialect.name == "sqlite" else postgresql
    seeds = list(units)
    added = 0
    for seed in seeds:
        stmt = module.insert(_UNIT).values(name=seed.name, kind=seed.kind, parent=seed.parent,
                                           aliases=list(seed.aliases), source="config", active=True,
                                           community=seed.community)
        added += conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]).returning(_UNIT.c.id)).first() \
            is not None
    existing = {u.name: u for u in session.exec(select(Unit))}
    changed = False
    for seed in seeds:
        unit = existing[seed.name]
        if unit.source != "config":  # a roster import or an admin changed it since: the database rules
            continue
        if (unit.kind, unit.parent, unit.aliases, unit.community) != (seed.kind, seed.parent, list(seed.aliases),
                                                                       seed.community):
            unit.kind, unit.parent, unit.aliases, unit.community = (seed.kind, seed.parent, list(seed.aliases),
                                                                   seed.community)
            session.add(unit)
            changed = True
    session.flush()
    if added or changed:
        vocab.bump(session)
    return added


def add_unit(session: Session, *, name: str, kind: str, parent: str | None = None,
             community: str | None = None) -> Unit:
    unit = Unit(name=name, kind=kind, parent=parent, community=community, aliases=[], source="admin")
    session.add(unit)
    session.flush()
    vocab.bump(session)
    return unit


def units_of_kind(session: Session, *, kind: str) -> list[Unit]:
    return list(session.exec(select(Unit).where(Unit.kind == kind, col(Unit.active)).order_by(col(Unit.id))))


def unit_by_id(session: Session, *, unit_id: int) -> Unit | None:
    return session.get(Unit, unit_id)


# --- groups and members ----------------------------------------------------------------------


def bind_group(session: Session, *, room_id: str, topic: str | None, kind: str, by: str | None, now: dt.datetime) -> Group:
    group = session.exec(select(Group).where(Group.room_id == room_id)).first()
    if group is None:
        group = Group(room_id=room_id, topic=topic, kind=kind, bound_by=by, updated_at=now)
    else:
        group.topic, group.kind, group.bound_by, group.updated_at = topic, kind, by, now
    session.add(group)
    session.flush()
    vocab.bump(session)  # processes keep bindings with the registry
    return group


def group_by_room(session: Session, *, room_id: str) -> Group | None:
    return session.exec(select(Group).where(Group.room_id == room_id)).first()


def group_kinds(session: Session) -> dict[str, str]:
    """room id -> the kind it is bound to."""
    return {room: kind for room, kind in session.exec(select(Group.room_id, Group.kind))}


def member_by_contact(session: Session, *, contact_id: str) -> Member | None:
    return session.exec(select(Member).where(Member.contact_id == contact_id)).first()


def upsert_member(
    session: Session,
    *,
    contact_id: str,
    name: str,
    unit_id: int | None,
    role: str,
    confirmed: bool,
    now: dt.datetime,
) -> Member:
    """Insert or update by contact id, in one statement (processes starting together do not collide)."""
    conn = session.connection()
    module = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = module.insert(_MEMBER).values(contact_id=contact_id, name=name, unit_id=unit_id, role=role,
                                         confirmed=confirmed, updated_at=now)
    update_name = _MEMBER.c.name if not name else stmt.excluded.name
    conn.execute(stmt.on_conflict_do_update(index_elements=["contact_id"], set_={
        "name": update_name, "unit_id": unit_id, "role": role, "confirmed": confirmed, "updated_at": now}))
    query = select(Member).where(Member.contact_id == contact_id).execution_options(populate_existing=True)
    member = session.exec(query).first()
    assert member is not None
    vocab.bump(session)  # processes keep members with the registry
    return member


def confirm_member(session: Session, *, member: Member, now: dt.datetime) -> None:
    member.confirmed, member.updated_at = True, now
    session.add(member)
    session.flush()
    vocab.bump(session)


def all_members(session: Session) -> list[Member]:
    return list(session.exec(select(Member).order_by(col(Member.id))))


def members_of_units(session: Session, *, unit_ids: Iterable[int]) -> list[Member]:
    ids = list(unit_ids)
    if not ids:
        return []
    query = select(Member).where(col(Member.unit_id).in_(ids), col(Member.confirmed)).order_by(col(Member.id))
    return list(session.exec(query))


# --- reports ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Saved:
    report_id: int
    created: bool
    revision: int
    # key -> (before, after) for a repost; empty for a new report
    changes: dict[str, tuple[StoredValue, StoredValue]] = field(default_factory=dict)


def _value_rows(report_id: int, values: Mapping[str, StoredValue]) -> list[dict[str, Any]]:
    return [
        {
            "report_id": report_id,
            "key": key,
            "int_value": value if isinstance(value, int) else None,
            "text_value": value if isinstance(value, str) else None,
        }
        for key, value in values.items()
        if value is not None
    ]


def report_values(session: Session, *, report_id: int) -> dict[str, StoredValue]:
    rows = session.connection().execute(_SELECT_VALUES, {"rid": report_id})
    return {key: i if i is not None else t for key, i, t in rows}


_REPORT = Report.__table__  # type: ignore[attr-defined]
_VALUE = ReportValue.__table__  # type: ignore[attr-defined]
_REVISION = ReportRevision.__table__  # type: ignore[attr-defined]
# Core statements, compiled once and cached by SQLAlchemy: a report is a few INSERTs, not an ORM flush.
_FIND_REPORT = core_select(_REPORT.c.id, _REPORT.c.revision, _REPORT.c.raw_text, _REPORT.c.source_message_id,
                      _REPORT.c.reporter_id, _REPORT.c.updated_at).where(
    _REPORT.c.unit_id == bindparam("unit_id"), _REPORT.c.template == bindparam("template"),
    _REPORT.c.report_date == bindparam("report_date"))
_SELECT_VALUES = core_select(_VALUE.c.key, _VALUE.c.int_value, _VALUE.c.text_value).where(_VALUE.c.report_id == bindparam("rid"))
def _insert_new(dialect: str) -> Any:
    """INSERT … ON CONFLICT (unit, template, date) DO NOTHING RETURNING id, on SQLite and PostgreSQL."""
    if dialect not in _INSERT_NEW:
        module = sqlite if dialect == "sqlite" else postgresql
        _INSERT_NEW[dialect] = (module.insert(_REPORT)
                                .on_conflict_do_nothing(index_elements=["unit_id", "template", "report_date"])
                                .returning(_REPORT.c.id))
    return _INSERT_NEW[dialect]


_INSERT_NEW: dict[str, Any] = {}
_INSERT_VALUES = insert(_VALUE)
_DELETE_VALUES = delete(_VALUE).where(_VALUE.c.report_id == bindparam("rid"))


def save_report(
    session: Session,
    *,
    unit_id: int,
    template: str,
    kind: str,
    report_date: dt.date,
    values: Mapping[str, StoredValue],
    raw_text: str,
    source_message_id: str,
    reporter_id: str | None,
    now: dt.datetime,
    late: bool = False,
    nil: bool = False,
) -> Saved:
    """Store a report keyed by (unit, template, date); a repost updates it and keeps the old version."""
    conn = session.connection()
    key = {"unit_id": unit_id, "template": template, "report_date": report_date}
    row = {**key, "kind": kind, "reporter_id": reporter_id, "source_message_id": source_message_id,
           "raw_text": raw_text, "status": "ok", "late": late, "nil": nil, "revision": 1, "created_at": now,
           "updated_at": now}
    # Insert first: a new report (the common case) costs no look-up; a repost conflicts on the key.
    inserted = conn.execute(_insert_new(conn.dialect.name), row).first()
    if inserted is not None:
        report_id = int(inserted[0])
        rows = _value_rows(report_id, values)
        if rows:
            conn.execute(_INSERT_VALUES, rows)
        return Saved(report_id, True, 1)
    existing = conn.execute(_FIND_REPORT, key).first()
    assert existing is not None
    report_id, revision = existing.id, existing.revision
    before = report_values(session, report_id=report_id)
    conn.execute(insert(_REVISION), {
        "report_id": report_id, "revision": revision, "values": before, "raw_text": existing.raw_text,
        "source_message_id": existing.source_message_id, "reporter_id": existing.reporter_id,
        "created_at": existing.updated_at,
    })
    conn.execute(_DELETE_VALUES, {"rid": report_id})
    rows = _value_rows(report_id, values)
    if rows:
        conn.execute(_INSERT_VALUES, rows)
    conn.execute(update(_REPORT).where(_REPORT.c.id == report_id), {
        "raw_text": raw_text, "source_message_id": source_message_id, "reporter_id": reporter_id,
        "status": "ok", "late": late, "nil": nil, "revision": revision + 1, "updated_at": now,
    })
    keys = list(dict.fromkeys([*before, *values]))
    changes = {k: (before.get(k), values.get(k)) for k in keys if before.get(k) != values.get(k)}
    return Saved(report_id, False, revision + 1, changes)


def report_by_message(session: Session, *, source_message_id: str) -> Report | None:
    return session.exec(select(Report).where(Report.source_message_id == source_message_id)).first()


def reports_by_message(session: Session, *, source_message_id: str) -> list[Report]:
    """Every report one message gave (a message may name several units)."""
    query = select(Report).where(Report.source_message_id == source_message_id).order_by(col(Report.id))
    return list(session.exec(query))


def report_for(session: Session, *, unit_id: int, template: str, report_date: dt.date) -> Report | None:
    query = select(Report).where(Report.unit_id == unit_id, Report.template == template,
                                 Report.report_date == report_date)
    return session.exec(query).first()


def reports_on(session: Session, *, report_date: dt.date, kind: str | None = None, unit_ids: Iterable[int] | None = None) -> list[Report]:
    query = select(Report).where(Report.report_date == report_date, Report.status == "ok")
    if kind is not None:
        query = query.where(Report.kind == kind)
    if unit_ids is not None:
        query = query.where(col(Report.unit_id).in_(list(unit_ids)))
    return list(session.exec(query.order_by(col(Report.created_at))))


def latest_report_by(session: Session, *, reporter_id: str, report_date: dt.date) -> Report | None:
    query = (
        select(Report)
        .where(Report.reporter_id == reporter_id, Report.report_date == report_date, Report.status == "ok")
        .order_by(col(Report.updated_at).desc())
    )
    return session.exec(query).first()


def set_report_status(session: Session, *, report_id: int, status: str, now: dt.datetime) -> None:
    session.execute(update(Report).where(col(Report.id) == report_id).values(status=status, updated_at=now))


def revisions_of(session: Session, *, report_id: int) -> list[ReportRevision]:
    query = select(ReportRevision).where(ReportRevision.report_id == report_id).order_by(col(ReportRevision.revision))
    return list(session.exec(query))


def sum_field_by_day(
    session: Session, *, kind: str, key: str, start: dt.date, end: dt.date
) -> dict[dt.date, int]:
    """Sum of one numeric field per report day for a kind: one GROUP BY, any engine."""
    query = (
        select(col(Report.report_date), func.sum(col(ReportValue.int_value)))
        .join(ReportValue, col(ReportValue.report_id) == col(Report.id))
        .where(Report.kind == kind, ReportValue.key == key, Report.status == "ok")
        .where(col(Report.report_date) >= start, col(Report.report_date) <= end)
        .group_by(col(Report.report_date))
        .order_by(col(Report.report_date))
    )
    return {day: int(total or 0) for day, total in session.exec(query)}


def groups_of_kind(session: Session, *, kind: str) -> list[Group]:
    return list(session.exec(select(Group).where(Group.kind == kind).order_by(col(Group.id))))


def reports_on_unit(session: Session, *, unit_id: int, start: dt.date, end: dt.date) -> list[Report]:
    query = select(Report).where(Report.unit_id == unit_id, col(Report.report_date) >= start,
                                 col(Report.report_date) <= end).order_by(col(Report.report_date))
    return list(session.exec(query))


def latest_value(session: Session, *, unit_id: int, templates: Sequence[str], key: str,
                 until: dt.date) -> tuple[dt.date, StoredValue] | None:
    """The newest (day, value) a unit gave a field in these templates up to a day."""
    if not templates:
        return None
    row = session.connection().execute(
        core_select(_REPORT.c.report_date, _VALUE.c.int_value, _VALUE.c.text_value)
        .select_from(_REPORT.join(_VALUE, _VALUE.c.report_id == _REPORT.c.id))
        .where(_REPORT.c.unit_id == unit_id, _REPORT.c.template.in_(list(templates)), _REPORT.c.status == "ok",
               _REPORT.c.report_date <= until, _VALUE.c.key == key)
        .order_by(_REPORT.c.report_date.desc(), _REPORT.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return row[0], row[1] if row[1] is not None else row[2]


def report_on(session: Session, *, unit_id: int, template: str, day: dt.date) -> dict[str, StoredValue] | None:
    """The values of a unit's report of a template on a day (None when it did not report)."""
    found = session.exec(select(Report).where(Report.unit_id == unit_id, Report.template == template,
                                              Report.report_date == day, Report.status == "ok")).first()
    return None if found is None or found.id is None else report_values(session, report_id=found.id)
