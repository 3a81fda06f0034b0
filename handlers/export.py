"""Reports to an Excel workbook (one sheet per template, Chinese headers in template order, and a
summary sheet) or CSV files — the file officials forward upward."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from sqlmodel import Session

from storage import circulars, queries, roster, stats
from storage import supplies as supplies_store
from storage import workers as workers_store
from storage.export import ReportRow, report_rows
from storage.queries import all_members
from storage.queries import StoredValue

from handlers.context import Settings
from handlers.privacy import mask
from handlers.sheets import header
from handlers.supplies import items as supply_items
from handlers.workers_book import HEADERS as WORKER_HEADERS
from handlers.templates import FieldType, Template, TemplateField

FIXED = ["日期", "单位", "所属街道"]
TRAILING = ["迟报", "零报告", "报送人"]
Progress = Callable[[int], None]


def headers(template: Template) -> list[str]:
    return FIXED + [f.display for f in template.fields if f.key not in (template.unit_field, template.date_field)] + TRAILING


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula (=HYPERLINK(…), =cmd|…) is written as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell(field: TemplateField, value: StoredValue, masked: bool) -> object:
    if value is None:
        return None
    if field.type is FieldType.BOOL:
        return "是" if value else "否"
    if field.type is FieldType.ENUM:
        words = field.words.get(str(value))
        return words[0] if words else value
    if field.type is FieldType.DATE and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if isinstance(value, str) and masked:
        return safe(mask(value))
    return safe(value)


def row_cells(template: Template, row: ReportRow, masked: bool, people: dict[str, str] | None = None) -> list[object]:
    """One report as a row; the reporter by name (a WeChat id only when nobody knows the name)."""
    fields = [f for f in template.fields if f.key not in (template.unit_field, template.date_field)]
    reporter = (people or {}).get(row.reporter_id or "", row.reporter_id or "")
    return ([row.report_date, safe(row.unit), safe(row.parent or "")]
            + [cell(f, row.values.get(f.key), masked) for f in fields]
            + ["是" if row.late else "", "是" if row.nil else "", safe(mask(reporter) if masked else reporter)])


def _summary_rows(session: Session, settings: Settings, start: dt.date, end: dt.date,
                  kind: str | None) -> Iterable[list[object]]:
    yield ["日期", "类别", "已报", "应报", "迟报", "指标", "合计"]
    for k in [k for k in settings.kind_names if settings.daily_templates(k) and kind in (None, k)]:
        daily = settings.daily_templates(k)
        keys = {f.key: f.display for t in settings.templates(k) if t.id in daily for f in t.fields
                if f.type is FieldType.INT}
        expected = len(stats.units(session, kind=k))
        counts = stats.reported_counts(session, kind=k, templates=daily, start=start, end=end)
        totals = stats.field_totals(session, kind=k, templates=daily, start=start, end=end, keys=list(keys))
        day = start
        while day <= end:
            reported, late = counts.get(day, (0, 0))
            for key, label in keys.items():  # a field nobody reported that day is blank, not 0
                yield [day, settings.kind_names[k], reported, expected, late, label, totals.get((day, key))]
            day += dt.timedelta(days=1)


def write_workbook(session: Session, settings: Settings, path: Path | BinaryIO, *, start: dt.date, end: dt.date,
                   kind: str | None = None, masked: bool = False, progress: Progress | None = None,
                   street: str | None = None, community: str | None = None) -> int:
    """Returns the number of report rows written; a street (community) export holds only that
    street's (community's) units."""
    rows = report_rows(session, start=start, end=end, kind=kind, street=street, community=community)
    people = {m.contact_id: m.name for m in all_members(session) if m.name}
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "汇总"
    if street is None and community is None:
        for r in _summary_rows(session, settings, start, end, kind):
            summary.append(r)
    else:
        summary.append([f"{community or street}：仅含本辖区单位的报送，不含全区汇总"])
    _rollup_sheet(wb.create_sheet("分级汇总"), session, settings, start, end, kind, stats.Scope(street, community),
                  masked)
    templates = [t for k in settings.kind_names if kind in (None, k) for t in settings.templates(k)]
    for template in templates:
        ws = wb.create_sheet(template.name[:31])
        header(ws, headers(template))
        for row in rows:
            if row.template == template.id:
                ws.append(row_cells(template, row, masked, people))
                if progress:
                    progress(1)
    _notices_sheet(wb.create_sheet("通知回执"), session, settings, start, end, stats.Scope(street, community), masked)
    if street is None and community is None:
        _supplies_sheet(wb.create_sheet("物资台账"), session, settings, start, end)
    _workers_sheet(wb.create_sheet("返岗人员"), session, stats.Scope(street, community), masked)
    for ws in wb.worksheets:
        ws.freeze_panes = "A2"
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return len(rows)


def _shown(text: str, masked: bool) -> str:
    return mask(text) if masked else text


def _rollup_sheet(ws: Any, session: Session, settings: Settings, start: dt.date, end: dt.date, kind: str | None,
                  scope: stats.Scope, masked: bool) -> None:
    """Per day, kind, street and community: expected, reported, late and who is missing."""
    header(ws, ["日期", "类别", "街道", "社区", "应报", "已报", "迟报", "未报单位"])
    for k in (k for k in settings.kind_names if kind in (None, k) and settings.daily_templates(k)):
        units = stats.units(session, kind=k, scope=scope)
        by_day = stats.reports_in_range(session, templates=settings.daily_templates(k), start=start, end=end, scope=scope)
        parts: dict[tuple[str, str], list[stats.UnitDay]] = {}
        for u in units:
            parts.setdefault((u.parent or "", u.community or ""), []).append(u)
        day = start
        while day <= end:
            done = by_day.get(day, {})
            for (street, community), members in sorted(parts.items()):
                missing = [u.name for u in members if u.unit_id not in done]
                late = sum(1 for u in members if done.get(u.unit_id))
                ws.append([day.isoformat(), settings.kind_names[k], street, community, len(members),
                           len(members) - len(missing), late, safe(_shown("、".join(missing), masked))])
            day += dt.timedelta(days=1)


def _notices_sheet(ws: Any, session: Session, settings: Settings, start: dt.date, end: dt.date, scope: stats.Scope,
                   masked: bool) -> None:
    """Each notice sent in the range, unit by unit: acknowledged when, by whom, with what words."""
    header(ws, ["通知", "发布时间", "内容", "单位", "类别", "街道", "回执时间", "回执人", "回执内容"])
    units = {k: queries.units_of_kind(session, kind=k) for k in settings.kind_names}  # read once, not per notice
    for circular in reversed(circulars.recent(session, limit=10_000)):
        sent = circular.created_at.astimezone(settings.tz)
        if not start <= sent.date() <= end:
            continue
        acks = {a.unit_id: a for a in circulars.acknowledgements(session, circular_id=circular.id or 0)}
        for unit in (u for k in circular.kinds for u in units.get(k, []) if scope.holds(u)):
            a = acks.get(unit.id or 0)
            ws.append([f"通知{circular.id}", f"{sent:%Y-%m-%d %H:%M}", safe(_shown(circular.text, masked)), safe(unit.name),
                       settings.kind_names.get(unit.kind, unit.kind), unit.parent or "",
                       f"{a.at.astimezone(settings.tz):%Y-%m-%d %H:%M}" if a else "未回执",
                       safe(_shown(a.name, masked)) if a else "", safe(_shown(a.words, masked)) if a else ""])


def _supplies_sheet(ws: Any, session: Session, settings: Settings, start: dt.date, end: dt.date) -> None:
    """The ledger's lines in the range, then the balance (bought = issued + held) as it stands."""
    known = supply_items(settings)
    header(ws, ["时间", "类型", "单位", "物资", "数量", "计量", "经手人", "领取确认", "确认时间"])
    first = dt.datetime.combine(start, dt.time(0), settings.tz)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), settings.tz)
    names = {u.id: u.name for k in settings.kind_names for u in queries.units_of_kind(session, kind=k)}
    for m in reversed(supplies_store.moves(session, since=first, until=last)):
        item = known.get(m.item)
        ws.append([f"{m.at.astimezone(settings.tz):%Y-%m-%d %H:%M}", "入库" if m.direction == "in" else "发放",
                   safe(names.get(m.unit_id or 0, "")), item.name if item else m.item, m.quantity,
                   item.measure if item else "", safe(m.by), safe(m.confirmed_by or ""),
                   f"{m.confirmed_at.astimezone(settings.tz):%Y-%m-%d %H:%M}" if m.confirmed_at else ""])
    ws.append([])
    ws.append(["物资", "入库合计", "发放合计", "库存", "计量"])
    for key, (bought, issued) in supplies_store.held(session).items():
        item = known.get(key)
        ws.append([item.name if item else key, bought, issued, bought - issued, item.measure if item else ""])


def _workers_sheet(ws: Any, session: Session, scope: stats.Scope, masked: bool) -> None:
    """The returning workers' register as it stands (personal numbers masked unless whole)."""
    header(ws, WORKER_HEADERS)
    units = {u.id: u for u in roster.all_units(session)}
    for w in workers_store.everyone(session):
        unit = units.get(w.unit_id)
        if unit is None or not scope.holds(unit):
            continue
        ws.append([safe(unit.name), safe(w.name), _shown(w.id_number, masked), _shown(w.phone, masked), safe(w.origin),
                   w.returned_on.isoformat(), w.test_date.isoformat() if w.test_date else "", w.test_result,
                   "是" if w.record_made else "否", w.observation_end.isoformat()])


def write_csv(session: Session, settings: Settings, path: Path, *, start: dt.date, end: dt.date,
              kind: str | None = None, masked: bool = False, progress: Progress | None = None) -> list[Path]:
    """Exactly the file asked for: one table (UTF-8 with BOM, so Excel on Windows opens the Chinese
    right), a 报表 column first and the columns of every template in it, a template's own left blank
    in another's rows."""
    rows = report_rows(session, start=start, end=end, kind=kind)
    people = {m.contact_id: m.name for m in all_members(session) if m.name}
    templates = [t for k in settings.kind_names if kind in (None, k) for t in settings.templates(k)]
    columns = list(dict.fromkeys(h for t in templates for h in headers(t)))
    by_id = {t.id: t for t in templates}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        out.writerow(["报表", *columns])
        for row in rows:
            template = by_id.get(row.template)
            if template is None:
                continue
            cells = dict(zip(headers(template), row_cells(template, row, masked, people), strict=True))
            out.writerow([template.name, *(cells.get(c, "") for c in columns)])
            if progress:
                progress(1)
    return [path]


EXPORT_KEPT = 2 * 86400  # seconds a workbook sent in chat stays on disk (the outbox has long sent it)


def clear_old_exports(folder: Path, now: dt.datetime) -> int:
    """Workbooks made for 导出 are sent once; older ones (some hold whole numbers) are removed."""
    removed = 0
    for path in folder.glob("防控报表_*.xlsx") if folder.is_dir() else []:
        try:
            if now.timestamp() - path.stat().st_mtime > EXPORT_KEPT:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
