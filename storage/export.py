"""Reports with their values over a date range, for export: two queries, no per-row round trips."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select as core_select
from sqlmodel import Session

from storage.models import Report, ReportValue, Unit
from storage.queries import StoredValue

_R = Report.__table__  # type: ignore[attr-defined]
_V = ReportValue.__table__  # type: ignore[attr-defined]
_U = Unit.__table__  # type: ignore[attr-defined]


@dataclass
class ReportRow:
    report_id: int
    template: str
    kind: str
    report_date: dt.date
    unit: str
    parent: str | None
    reporter_id: str | None
    late: bool
    nil: bool
    values: dict[str, StoredValue] = field(default_factory=dict)


def report_rows(session: Session, *, start: dt.date, end: dt.date, kind: str | None = None,
                street: str | None = None, community: str | None = None) -> list[ReportRow]:
    where = [_R.c.status == "ok", _R.c.report_date.between(start, end)]
    if kind is not None:
        where.append(_R.c.kind == kind)
    if street is not None:
        where.append(_R.c.unit_id.in_(core_select(_U.c.id).where(_U.c.parent == street)))
    if community is not None:
        where.append(_R.c.unit_id.in_(core_select(_U.c.id).where(_U.c.community == community)))
    conn = session.connection()
    reports = conn.execute(
        core_select(_R.c.id, _R.c.template, _R.c.kind, _R.c.report_date, _U.c.name, _U.c.parent, _R.c.reporter_id,
                    _R.c.late, _R.c.nil)
        .select_from(_R.join(_U, _U.c.id == _R.c.unit_id)).where(*where)
        .order_by(_R.c.report_date, _U.c.id))
    rows = {r[0]: ReportRow(*r) for r in reports}
    values: dict[int, dict[str, StoredValue]] = defaultdict(dict)
    ids = core_select(_R.c.id).where(*where)
    for rid, key, i, t in conn.execute(
            core_select(_V.c.report_id, _V.c.key, _V.c.int_value, _V.c.text_value).where(_V.c.report_id.in_(ids))):
        values[rid][key] = i if i is not None else t
    for rid, row in rows.items():
        row.values = values.get(rid, {})
    return list(rows.values())
