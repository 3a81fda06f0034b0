"""Lines a receipt adds when a report needs someone's attention, read from the templates' roles:
a warning count above 0, and 已复工 before the planned resumption date filed (复工报备)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from storage import queries, stats

from handlers.context import Context, Settings
from handlers.parser import ParsedReport
from handlers.receipts import day_label
from handlers.templates import Template


def warning_line(report: ParsedReport) -> list[str]:
    field = report.template.role_field("warning")
    value = report.fields.get(field.key) if field is not None else None
    if field is None or not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return []
    return [f"⚠️ {field.brief}{value}{(field.measures or ['人'])[0]}，请按规定上报"]


def _planned(session: Session, settings: Settings, unit_id: int, kind: str,
             day: dt.date) -> tuple[Template, dt.date] | None:
    for tpl in settings.templates(kind):
        key = tpl.roles.planned_date
        if key is None:
            continue
        found = queries.latest_value(session, unit_id=unit_id, templates=[tpl.id], key=key, until=day)
        if found is not None and isinstance(found[1], str):
            try:
                return tpl, dt.date.fromisoformat(found[1])
            except ValueError:
                continue
    return None


def _resumed_on(session: Session, settings: Settings, unit_id: int, kind: str, day: dt.date) -> dt.date | None:
    for tpl in settings.templates(kind):
        if tpl.roles.status is None:
            continue
        found = queries.latest_value(session, unit_id=unit_id, templates=[tpl.id], key=tpl.roles.status, until=day)
        if found is not None and found[1] == tpl.roles.resumed:
            return found[0]
    return None


def resumption_lines(ctx: Context, report: ParsedReport, unit_id: int, kind: str, day: dt.date) -> list[str]:
    """已复工 in a daily report while the site's filing plans resumption later: one of the two is
    wrong, and the officials want to know which before they count the site as resumed."""
    tpl = report.template
    if tpl.roles.status is not None and report.fields.get(tpl.roles.status) == tpl.roles.resumed:
        planned = _planned(ctx.session, ctx.settings, unit_id, kind, day)
        if planned is not None and planned[1] > day:
            label = planned[0].field(planned[0].roles.planned_date or "").brief
            return [f"⚠️ {planned[0].name}的{label}是{day_label(planned[1])}，今日却填「已复工」，请核实"]
    if tpl.roles.planned_date is not None:
        value = report.fields.get(tpl.roles.planned_date)
        resumed = _resumed_on(ctx.session, ctx.settings, unit_id, kind, day)
        if isinstance(value, dt.date) and value > day and resumed is not None:
            said = "今日" if resumed == day else day_label(resumed)
            return [f"⚠️ {said}的日报已填「已复工」，{tpl.field(tpl.roles.planned_date).brief}却是"
                    f"{day_label(value)}，请核实"]
    return []


def resumed_before_plan(session: Session, settings: Settings, kind: str, day: dt.date,
                        scope: stats.Scope = stats.DISTRICT) -> list[str]:
    """For the summary: sites counted as resumed while their filing plans a later date."""
    if not any(t.roles.status for t in settings.templates(kind)):
        return []
    out = []
    for unit in stats.units(session, kind=kind, scope=scope):
        if _resumed_on(session, settings, unit.unit_id, kind, day) is None:
            continue
        planned = _planned(session, settings, unit.unit_id, kind, day)
        if planned is not None and planned[1] > day:
            out.append(f"{unit.name}（计划{day_label(planned[1])}）")
    return out
