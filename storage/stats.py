"""Aggregates for summaries: each is one SQL query (GROUP BY), the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Protocol
from dataclasses import dataclass

from collections.abc import Sequence

from sqlalchemy import ColumnElement, String, and_, case, cast, func, true
from sqlalchemy import select as core_select
from sqlmodel import Session

from storage.models import Member, Report, ReportValue, Unit

_R = Report.__table__  # type: ignore[attr-defined]
_V = ReportValue.__table__  # type: ignore[attr-defined]
_U = Unit.__table__  # type: ignore[attr-defined]
_M = Member.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class UnitDay:
    unit_id: int
    name: str
    parent: str | None
    community: str | None = None


class Placed(Protocol):
    """A unit as a scope sees it (a UnitDay, or the Unit itself)."""

    @property
    def parent(self) -> str | None: ...

    @property
    def community(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Scope:
    """Part of the district: a street, or a community within it (None: the whole district)."""

    street: str | None = None
    community: str | None = None

    def holds(self, unit: Placed) -> bool:
        return (self.street in (None, unit.parent)) and (self.community in (None, unit.community))


DISTRICT = Scope()


def _units_in(scope: Scope) -> ColumnElement[bool]:
    """Unit rows of the scope (true() for the district)."""
    conds = [c for c in ((_U.c.parent == scope.street) if scope.street else None,
                         (_U.c.community == scope.community) if scope.community else None) if c is not None]
    return and_(*conds) if conds else true()


def _reports_in(scope: Scope) -> ColumnElement[bool]:
    if scope == DISTRICT:
        return true()
    return _R.c.unit_id.in_(core_select(_U.c.id).where(_units_in(scope)))


def _of(templates: Sequence[str] | None) -> ColumnElement[bool]:
    """Daily templates only, when given: a one-off filing is not a daily report."""
    return _R.c.template.in_(list(templates)) if templates is not None else true()


def units(session: Session, *, kind: str, scope: Scope = DISTRICT) -> list[UnitDay]:
    rows = session.connection().execute(
        core_select(_U.c.id, _U.c.name, _U.c.parent, _U.c.community).where(_U.c.kind == kind, _U.c.active,
                                                                            _units_in(scope))
        .order_by(_U.c.id))
    return [UnitDay(i, n, p, c) for i, n, p, c in rows]


def reported_counts(session: Session, *, scope: Scope = DISTRICT, kind: str, templates: Sequence[str] | None = None, start: dt.date, end: dt.date) -> dict[dt.date, tuple[int, int]]:
    """day -> (units reported incl. nil reports, late reports)."""
    query = (
        core_select(_R.c.report_date, func.count(func.distinct(_R.c.unit_id)),
                    func.sum(case((_R.c.late, 1), else_=0)))
        .where(_R.c.kind == kind, _of(templates), _R.c.status == "ok", _R.c.report_date.between(start, end),
               _reports_in(scope))
        .group_by(_R.c.report_date)
    )
    return {d: (int(n), int(late or 0)) for d, n, late in session.connection().execute(query)}


def reported_unit_ids(session: Session, *, scope: Scope = DISTRICT, kind: str, templates: Sequence[str] | None = None, day: dt.date) -> set[int]:
    query = core_select(_R.c.unit_id).where(_R.c.kind == kind, _of(templates), _R.c.status == "ok",
                                            _R.c.report_date == day, _reports_in(scope))
    return {u for (u,) in session.connection().execute(query)}


def field_totals(session: Session, *, scope: Scope = DISTRICT, kind: str, templates: Sequence[str] | None = None, start: dt.date, end: dt.date,
                 keys: Iterable[str]) -> dict[tuple[dt.date, str], int]:
    """(day, key) -> sum of the numeric field over the kind's reports."""
    query = (
        core_select(_R.c.report_date, _V.c.key, func.sum(_V.c.int_value))
        .select_from(_R.join(_V, _V.c.report_id == _R.c.id))
        .where(_R.c.kind == kind, _of(templates), _R.c.status == "ok", _R.c.report_date.between(start, end),
               _V.c.key.in_(list(keys)), _reports_in(scope))
        .group_by(_R.c.report_date, _V.c.key)
    )
    return {(d, k): int(total or 0) for d, k, total in session.connection().execute(query)}


def value_counts(session: Session, *, scope: Scope = DISTRICT, kind: str, templates: Sequence[str] | None = None, day: dt.date, key: str) -> dict[str, int]:
    """How many reports gave each value of a field (enum text or 0/1), e.g. status -> resumed: 20."""
    value = func.coalesce(_V.c.text_value, func.cast(_V.c.int_value, _V.c.key.type))
    query = (
        core_select(value, func.count())
        .select_from(_R.join(_V, _V.c.report_id == _R.c.id))
        .where(_R.c.kind == kind, _of(templates), _R.c.status == "ok", _R.c.report_date == day, _V.c.key == key,
               _reports_in(scope))
        .group_by(value)
    )
    return {str(v): int(n) for v, n in session.connection().execute(query)}


def units_where(session: Session, *, scope: Scope = DISTRICT, kind: str, templates: Sequence[str] | None = None, day: dt.date, key: str, below: int | None = None,
                above: int | None = None) -> list[tuple[str, int]]:
    """(unit name, value) of the day's reports whose field is above or below a bound."""
    cond = _V.c.int_value > above if above is not None else _V.c.int_value < below
    query = (
        core_select(_U.c.name, _V.c.int_value)
        .select_from(_R.join(_V, _V.c.report_id == _R.c.id).join(_U, _U.c.id == _R.c.unit_id))
        .where(_R.c.kind == kind, _of(templates), _R.c.status == "ok", _R.c.report_date == day, _V.c.key == key, cond,
               _units_in(scope))
        .order_by(_U.c.id)
    )
    return [(n, int(v)) for n, v in session.connection().execute(query)]


def last_report_days(session: Session, *, kind: str, day: dt.date, scope: Scope = DISTRICT,
                     templates: Sequence[str] | None = None) -> list[tuple[str, dt.date | None]]:
    """Each unit of the kind with its last report day up to `day` (None: never)."""
    joined = and_(_R.c.unit_id == _U.c.id, _R.c.status == "ok", _R.c.report_date <= day, _of(templates))
    query = (
        core_select(_U.c.name, func.max(_R.c.report_date))
        .select_from(_U.outerjoin(_R, joined))
        .where(_U.c.kind == kind, _U.c.active, _units_in(scope))
        .group_by(_U.c.id, _U.c.name)
        .order_by(_U.c.id)
    )
    return [(n, d) for n, d in session.connection().execute(query)]


def units_with(session: Session, *, scope: Scope = DISTRICT, kind: str, template: str, until: dt.date, key: str | None = None,
               text_value: str | None = None) -> set[int]:
    """Units that ever (up to a day) filed a template, or gave a field a value (status resumed)."""
    query = core_select(func.distinct(_R.c.unit_id)).where(
        _R.c.kind == kind, _R.c.template == template, _R.c.status == "ok", _R.c.report_date <= until,
        _reports_in(scope))
    if key is not None:
        query = query.select_from(_R.join(_V, _V.c.report_id == _R.c.id)).where(
            _V.c.key == key, _V.c.text_value == text_value)
    return {u for (u,) in session.connection().execute(query)}


# (unit id, name, kind, street, report id or None, late, nil, warning count or None, community, company id)
BoardRow = tuple[int, str, str, "str | None", "int | None", bool, bool, "int | None", "str | None", "int | None"]


def day_board(session: Session, *, day: dt.date, templates: Sequence[str], warning_keys: Sequence[str] = (),
              kinds: Sequence[str] | None = None, street: str | None = None,
              community: str | None = None) -> list[BoardRow]:
    """Every unit with its state on a day: one query (units LEFT JOIN that day's daily report, and
    its warning count: the field each template names as its warning)."""
    warning = _V.alias("warning")
    joined = _U.outerjoin(_R, and_(_R.c.unit_id == _U.c.id, _R.c.report_date == day, _R.c.status == "ok",
                                   _R.c.template.in_(list(templates))))
    joined = joined.outerjoin(warning, and_(warning.c.report_id == _R.c.id, warning.c.key.in_(list(warning_keys))))
    query = core_select(_U.c.id, _U.c.name, _U.c.kind, _U.c.parent, _R.c.id, _R.c.late, _R.c.nil,
                        warning.c.int_value, _U.c.community, _U.c.company_id).select_from(joined).where(_U.c.active)
    if kinds is not None:
        query = query.where(_U.c.kind.in_(list(kinds)))
    if street is not None:
        query = query.where(_U.c.parent == street)
    if community is not None:
        query = query.where(_U.c.community == community)
    rows = session.connection().execute(query.order_by(_U.c.kind, _U.c.parent, _U.c.id))
    return [tuple(r) for r in rows]  # type: ignore[misc]


def unit_history(session: Session, *, unit_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, str, int, bool, dict[str, object]]]:
    """(day, template, revision, late, values) of one unit's reports, oldest first."""
    conn = session.connection()
    reports = list(conn.execute(
        core_select(_R.c.id, _R.c.report_date, _R.c.template, _R.c.revision, _R.c.late)
        .where(_R.c.unit_id == unit_id, _R.c.status == "ok", _R.c.report_date.between(start, end))
        .order_by(_R.c.report_date, _R.c.template)))
    values: dict[int, dict[str, object]] = {r[0]: {} for r in reports}
    if reports:
        for rid, key, i, t in conn.execute(core_select(_V.c.report_id, _V.c.key, _V.c.int_value, _V.c.text_value)
                                           .where(_V.c.report_id.in_(list(values)))):
            values[rid][key] = i if i is not None else t
    return [(d, tpl, rev, bool(late), values[rid]) for rid, d, tpl, rev, late in reports]


def latest_report_day(session: Session, *, until: dt.date) -> dt.date | None:
    """The newest day on or before `until` that has any report (the board opens there, not on an empty day)."""
    day: dt.date | None = session.connection().execute(
        core_select(func.max(_R.c.report_date)).where(_R.c.status == "ok", _R.c.report_date <= until)).scalar()
    return day


def first_report_day(session: Session, *, scope: Scope = DISTRICT, kind: str, templates: Sequence[str] | None = None) -> dt.date | None:
    """When the kind's reporting began here: its first report."""
    day: dt.date | None = session.connection().execute(
        core_select(func.min(_R.c.report_date)).where(_R.c.kind == kind, _R.c.status == "ok", _of(templates),
                                                      _reports_in(scope))).scalar()
    return day


def reports_in_range(session: Session, *, templates: Sequence[str], start: dt.date, end: dt.date,
                     scope: Scope = DISTRICT) -> dict[dt.date, dict[int, bool]]:
    """day -> {unit id: late} of the daily reports in a range: one query for a roll-up over a year."""
    query = core_select(_R.c.report_date, _R.c.unit_id, _R.c.late).where(
        _R.c.template.in_(list(templates)), _R.c.status == "ok", _R.c.report_date.between(start, end),
        _reports_in(scope))
    out: dict[dt.date, dict[int, bool]] = {}
    for day, unit_id, late in session.connection().execute(query):
        out.setdefault(day, {})[unit_id] = bool(late)
    return out


def unit_words(session: Session) -> dict[int, list[str]]:
    """What a unit may be searched by beyond its name and place: its aliases and its confirmed reporters'
    names (two queries, for a district of 10,000 units; only the aliases that are there are decoded)."""
    conn = session.connection()
    words = {uid: _aliases(raw) for uid, raw in conn.execute(core_select(_U.c.id, cast(_U.c.aliases, String)))}
    for uid, name in conn.execute(core_select(_M.c.unit_id, _M.c.name).where(_M.c.unit_id.is_not(None), _M.c.confirmed)):
        if name and uid in words:
            words[uid].append(name)
    return words


def places(session: Session, *, kinds: Sequence[str]) -> list[tuple[str | None, str | None]]:
    """The (street, community) pairs of the active units of these kinds: the board's place filters."""
    query = core_select(_U.c.parent, _U.c.community).where(_U.c.active, _U.c.kind.in_(list(kinds))).distinct()
    return [(p, c) for p, c in session.connection().execute(query)]


def unit_list(session: Session, *, ids: Iterable[int] | None = None
              ) -> list[tuple[int, str, str, str | None, str | None, list[str], bool]]:
    """(id, name, kind, street, community, aliases, active) of every unit (or of these), in the
    roster's order, read without building ORM objects (the admin list of a district of 10,000 units)."""
    query = core_select(_U.c.id, _U.c.name, _U.c.kind, _U.c.parent, _U.c.community, cast(_U.c.aliases, String),
                        _U.c.active).order_by(_U.c.kind, _U.c.parent, _U.c.id)
    if ids is not None:
        query = query.where(_U.c.id.in_(list(ids)))
    return [(i, n, k, p, c, _aliases(a), bool(act)) for i, n, k, p, c, a, act in session.connection().execute(query)]


def _aliases(raw: str | None) -> list[str]:
    """A unit's aliases from their JSON text, decoded only when there are any (most units have none)."""
    return json.loads(raw) if raw and raw != "[]" else []


def reporters(session: Session) -> dict[int, list[str]]:
    """unit id -> its confirmed reporters' names (or contact ids)."""
    out: dict[int, list[str]] = {}
    query = core_select(_M.c.unit_id, _M.c.name, _M.c.contact_id).where(_M.c.unit_id.is_not(None), _M.c.confirmed)
    for uid, name, contact in session.connection().execute(query.order_by(_M.c.id)):
        out.setdefault(uid, []).append(name or contact)
    return out


def unit_companies(session: Session) -> dict[int, int]:
    """unit id -> the id of the property company managing it."""
    query = core_select(_U.c.id, _U.c.company_id).where(_U.c.company_id.is_not(None))
    return {u: c for u, c in session.connection().execute(query)}
