"""The returning workers' register (返岗人员健康档案) against the sites' daily reports: a site that
keeps a register has its 返岗 (back that day), 核酸 (tested so far) and 建档 (health records made so
far) checked against it in the receipt and the summary; workers whose 14-day observation ends today
are listed. Which fields these are is data (template roles returned / tested / records)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from handlers.context import Settings
from handlers.summary import names
from handlers.templates import Template
from storage import queries
from storage import workers as register
from storage.models import ReturningWorker


ROLES = ("returned", "tested", "records")


def checks_register(template: Template) -> bool:
    """A template with a count the register can be checked against (a site's daily report)."""
    return any(getattr(template.roles, role) for role in ROLES)


def site_kinds(templates: Iterable[Template]) -> list[str]:
    """The kinds whose units keep a register: those reporting such counts."""
    return sorted({t.kind for t in templates if checks_register(t)})


@dataclass(frozen=True, slots=True)
class Mismatch:
    label: str
    reported: int
    registered: int


def counts(workers: list[ReturningWorker], day: dt.date) -> dict[str, int]:
    """What the register says for a day: back that day, tested and with a record by then."""
    present = [w for w in workers if w.returned_on <= day]
    return {"returned": sum(1 for w in workers if w.returned_on == day),
            "tested": sum(1 for w in present if w.test_date is not None and w.test_date <= day),
            "records": sum(1 for w in present if w.record_made)}


def mismatches(template: Template, fields: Mapping[str, object], workers: list[ReturningWorker],
               day: dt.date) -> list[Mismatch]:
    if not workers:
        return []
    expected = counts(workers, day)
    out = []
    for role in ROLES:
        key = getattr(template.roles, role)
        value = fields.get(key) if key else None
        if key and isinstance(value, int) and not isinstance(value, bool) and value != expected[role]:
            out.append(Mismatch(template.field(key).brief, value, expected[role]))
    return out


def receipt_lines(session: Session, template: Template, unit_id: int, fields: Mapping[str, object],
                  day: dt.date) -> list[str]:
    if not checks_register(template):
        return []  # a filing, or another kind's report: nothing to check
    workers = register.of_site(session, unit_id=unit_id)
    lines = []
    if found := mismatches(template, fields, workers, day):
        lines.append("⚠️ 与返岗人员档案不符：" + "；".join(f"{m.label} 报{m.reported}人、档案{m.registered}人"
                                                   for m in found) + "，请核对")
    ending = [w.name for w in workers if w.observation_end == day]
    if ending:
        lines.append(f"📋 今日14天观察期满：{names(ending)}")
    return lines


def summary_lines(session: Session, settings: Settings, kind: str, day: dt.date) -> list[str]:
    """For the officials: sites whose report disagrees with their register; observation ending today."""
    sites = register.sites(session)
    templates = [t for t in settings.templates(kind) if t.date_field and checks_register(t)]
    if not sites or not templates:
        return []
    out, ending = [], []
    for unit in queries.units_of_kind(session, kind=kind):
        if unit.id not in sites:
            continue
        workers = register.of_site(session, unit_id=unit.id)
        for t in templates:
            report = queries.report_on(session, unit_id=unit.id, template=t.id, day=day)
            if report is not None and (found := mismatches(t, report, workers, day)):
                out.append(f"{unit.name}（" + "，".join(f"{m.label}报{m.reported}/档案{m.registered}" for m in found) + "）")
        if n := sum(1 for w in workers if w.observation_end == day):
            ending.append(f"{unit.name}{n}人")
    lines = (["与返岗档案不符：" + names(out)] if out else [])
    return lines + (["今日14天观察期满：" + names(ending)] if ending else [])
