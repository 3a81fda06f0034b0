"""The officials' daily and weekly summaries: plain text for a phone, anomalies first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session

from storage import companies, outbox, stats

from handlers import problems
from handlers.context import Settings
from handlers.receipts import day_label
from handlers.warnings import resumed_before_plan
from handlers.templates import FieldType, Template

MAX_NAMED = 30


def names(items: list[str], limit: int = MAX_NAMED) -> str:
    if len(items) <= limit:
        return "、".join(items)
    return "、".join(items[:limit]) + f"等{len(items)}个"


def _int_fields(templates: list[Template], settings: Settings, kind: str) -> list[tuple[str, str]]:
    """(key, short label) of the numeric flow fields: stock levels are not summed."""
    stock = set(settings.supplies.get(kind, {}))
    seen: dict[str, str] = {}
    for t in templates:
        for f in t.fields:
            if f.type is FieldType.INT and f.key not in stock:
                seen.setdefault(f.key, f.brief)
    return list(seen.items())


@dataclass
class KindDay:
    """What one kind of unit did on one day."""

    kind: str
    name: str
    expected: int
    reported: int
    late: int
    missing: list[str]
    totals: dict[str, int]
    lines: list[str] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    units: list[stats.UnitDay] = field(default_factory=list)  # the kind's units in the scope
    done: set[int] = field(default_factory=set)  # those that reported


def _kind_day(session: Session, settings: Settings, kind: str, day: dt.date, scope: stats.Scope) -> KindDay:
    daily = settings.daily_templates(kind)
    templates = [t for t in settings.templates(kind) if t.id in daily]
    all_units = stats.units(session, kind=kind, scope=scope)
    done = stats.reported_unit_ids(session, kind=kind, scope=scope, templates=daily, day=day)
    reported, late = stats.reported_counts(session, kind=kind, scope=scope, templates=daily, start=day, end=day).get(day, (0, 0))
    fields = _int_fields(templates, settings, kind)
    totals = stats.field_totals(session, kind=kind, scope=scope, templates=daily, start=day, end=day, keys=[k for k, _ in fields])
    kd = KindDay(kind, settings.kind_names.get(kind, kind), len(all_units), reported, late,
                 [u.name for u in all_units if u.unit_id not in done], {k: totals.get((day, k), 0) for k, _ in fields},
                 units=all_units, done=done)
    shown = [f"{label} {kd.totals[key]}" for key, label in fields if (day, key) in totals]
    if shown:
        kd.lines.append(" · ".join(shown))
    _rates(session, settings, kind, day, kd, scope)
    _anomalies(session, settings, kind, day, kd, scope)
    return kd


def _role_keys(settings: Settings, kind: str, role: str) -> list[tuple[Template, str]]:
    daily = settings.daily_templates(kind)
    return [(t, getattr(t.roles, role)) for t in settings.templates(kind)
            if t.id in daily and getattr(t.roles, role) is not None]


def _rates(session: Session, settings: Settings, kind: str, day: dt.date, kd: KindDay,
           scope: stats.Scope) -> None:
    daily = settings.daily_templates(kind)
    for tpl, key in _role_keys(settings, kind, "done")[:1]:
        counts = stats.value_counts(session, kind=kind, scope=scope, templates=daily, day=day, key=key)
        if counts:
            done, total = counts.get("1", 0), sum(counts.values())
            kd.lines.append(f"{tpl.field(key).brief}完成率 {done * 100 // total}%（{done}/{total}）")
    with_status = _role_keys(settings, kind, "status")
    filings = [t.id for t in settings.templates(kind) if t.roles.planned_date is not None]
    if with_status:
        # resumed: a daily report gave the status its resumed value on or before the day; filed: a filing exists
        resumed = set().union(*(stats.units_with(session, kind=kind, scope=scope, template=t.id, until=day, key=key,
                                                 text_value=t.roles.resumed) for t, key in with_status))
        filed = set().union(*(stats.units_with(session, kind=kind, scope=scope, template=t, until=day) for t in filings))
        rate = len(resumed) * 100 // max(kd.expected, 1)
        line = f"复工 {len(resumed)}/{kd.expected}（{rate}%）"
        kd.lines.insert(0, line + (f" · 已报备 {len(filed)}/{kd.expected}" if filings else ""))


def _anomalies(session: Session, settings: Settings, kind: str, day: dt.date, kd: KindDay,
               scope: stats.Scope) -> None:
    for tpl, key in _role_keys(settings, kind, "warning")[:1]:
        field = tpl.field(key)
        measure = (field.measures or ["人"])[0]
        above = stats.units_where(session, kind=kind, scope=scope, templates=settings.daily_templates(kind), day=day, key=key, above=0)
        if above:
            kd.anomalies.append(f"{field.brief} {sum(v for _, v in above)} {measure}："
                                + names([f"{n}{v}{measure}" for n, v in above]))
    early = resumed_before_plan(session, settings, kind, day, scope)
    if early:
        kd.anomalies.append("已填复工但早于报备的计划复工日期：" + names(early))
    if scope == stats.DISTRICT:
        from handlers.workers import summary_lines as register_lines  # here: handlers.workers uses names() above

        kd.anomalies += register_lines(session, settings, kind, day)
    stale = _stale(session, settings, kind, day, scope)
    if stale:
        kd.anomalies.append("连续2天以上未报：" + names(stale))
    for key, minimum in settings.supplies.get(kind, {}).items():
        low = stats.units_where(session, kind=kind, scope=scope, templates=settings.daily_templates(kind), day=day, key=key,
                                below=minimum)
        if low:
            label = next((f.brief for t in settings.templates(kind) for f in t.fields if f.key == key), key)
            kd.anomalies.append(f"{label}不足（<{minimum}）：" + names([f"{n}{v}" for n, v in low]))


def _stale(session: Session, settings: Settings, kind: str, day: dt.date, scope: stats.Scope) -> list[str]:
    """Units missing today and yesterday. A unit that never reported counts from the day the kind's
    reporting began (its first report), so the first day of the bot flags nobody."""
    last = stats.last_report_days(session, kind=kind, scope=scope, day=day, templates=settings.daily_templates(kind))
    began = stats.first_report_day(session, kind=kind, scope=scope, templates=settings.daily_templates(kind))
    out = []
    for name, d in last:
        if d is not None and (day - d).days >= 2:
            out.append(f"{name}（已{(day - d).days}天）")
        elif d is None and began is not None and (day - began).days >= 1:
            out.append(f"{name}（从未报，已{(day - began).days + 1}天）")
    return out


def report_kinds(settings: Settings, kind: str | None = None) -> list[str]:
    kinds = [k for k in settings.kind_names if settings.templates(k)]
    return [k for k in kinds if kind is None or k == kind]


def level_below(scope: stats.Scope) -> str | None:
    """The level a scope's summary rolls up by: the district by street, a street by community."""
    if scope.street is None and scope.community is None:
        return "street"
    return "community" if scope.community is None else None


LEVEL_NAMES = {"street": "街道", "community": "社区"}


def rollup_line(kd: KindDay, level: str) -> str | None:
    """分街道：金山街道 4/4 · 银湖街道 1/2 — reported/expected per street (or community) of the scope."""
    counts: dict[str, list[int]] = {}
    for u in kd.units:
        name = (u.parent if level == "street" else u.community) or f"未分{LEVEL_NAMES[level]}"
        c = counts.setdefault(name, [0, 0])
        c[0], c[1] = c[0] + (u.unit_id in kd.done), c[1] + 1
    if len(counts) < 2:
        return None  # one street (or community): the kind's own line says it all
    return _parts_line(f"分{LEVEL_NAMES[level]}", counts)


def _parts_line(title: str, counts: dict[str, list[int]]) -> str:
    """分街道：金山街道 4/4 · 银湖街道 1/2 — name -> [reported, expected], the least complete first."""
    parts = [f"{n} {r}/{e}" for n, (r, e) in sorted(counts.items(), key=lambda kv: least_complete(kv[0], *kv[1]))]
    return f"{title}：" + " · ".join(parts[:MAX_NAMED]) + (f" 等{len(parts)}个" if len(parts) > MAX_NAMED else "")


def least_complete(name: str, reported: int, expected: int) -> tuple[float, int, str]:
    """Sort key of a roll-up's parts: the lowest share reported first, then the most missing, by name."""
    return reported / expected, reported - expected, name


def company_line(kd: KindDay, managed: dict[int, int], firms: dict[int | None, str]) -> str | None:
    """分物业公司：锦城物业 1/2 · 华强物业 2/2 — reported / managed per property company."""
    counts: dict[str, list[int]] = {}
    for u in kd.units:
        name = firms.get(managed.get(u.unit_id))
        if name:
            c = counts.setdefault(name, [0, 0])
            c[0], c[1] = c[0] + (u.unit_id in kd.done), c[1] + 1
    return _parts_line("分物业公司", counts) if counts else None


def daily_summary(session: Session, settings: Settings, day: dt.date, *, as_of: dt.datetime | None = None,
                  late: bool = False, kind: str | None = None, scope: stats.Scope = stats.DISTRICT,
                  by: str | None = None) -> str:
    """The district's summary, or (scope) one street's or community's, rolled up by the level below
    (by: street or community to choose)."""
    days = [_kind_day(session, settings, k, day, scope) for k in report_kinds(settings, kind)]
    if scope != stats.DISTRICT:
        days = [kd for kd in days if kd.expected]  # a street without construction sites has no such line
    level = by or level_below(scope)
    managed = stats.unit_companies(session)
    firms = {c.id: c.name for c in companies.all_companies(session)} if managed else {}
    for kd in days:
        line = rollup_line(kd, level) if level else None
        for extra in (company_line(kd, managed, firms), line):
            if extra:
                kd.lines.insert(0, extra)
    when = f"（截至{as_of:%H:%M}）" if as_of is not None else ""
    where = scope.community or scope.street or ""
    lines = [f"📊 {where}{day_label(day)}防控日报汇总{when}" + ("【补发】" if late else "")]
    anomalies = [f"⚠️ {kd.name}{a}" for kd in days for a in kd.anomalies]
    overdue = problems.store.overdue(session, today=day) if kind is None else []
    if scope != stats.DISTRICT:
        mine = {u.unit_id for k in settings.kind_names for u in stats.units(session, kind=k, scope=scope)}
        overdue = [p for p in overdue if p.unit_id in mine]
    if overdue:
        anomalies.append(f"⚠️ 逾期未整改问题 {len(overdue)} 个：" + names([f"#{p.id}" for p in overdue]))
    start = dt.datetime.combine(day, dt.time(0), settings.tz)
    lost = outbox.dropped_between(session, start=start, end=start + dt.timedelta(days=1)) \
        if kind is None and scope == stats.DISTRICT else 0
    if lost:
        anomalies.append(f"⚠️ 机器人有 {lost} 条消息未能发出（微信连接中断过久，已作废）")
    if anomalies:
        lines += ["【异常】", *anomalies]
    if kind is None and scope == stats.DISTRICT:
        lines += problems.summary_lines(session, settings, day)
    for kd in days:
        head = f"【{kd.name}】已报 {kd.reported}/{kd.expected}" + (f"（迟报{kd.late}）" if kd.late else "")
        lines.append(head)
        if kd.missing:
            lines.append("未报：" + names(kd.missing))
        lines += kd.lines
    return "\n".join(lines)


def weekly_summary(session: Session, settings: Settings, end: dt.date, *, late: bool = False) -> str:
    start = end - dt.timedelta(days=6)
    lines = [f"📈 {day_label(start)}至{day_label(end)}一周趋势" + ("【补发】" if late else "")]
    for kind in report_kinds(settings):
        fields = _int_fields(settings.templates(kind), settings, kind)[:3]
        expected = len(stats.units(session, kind=kind))
        daily = settings.daily_templates(kind)
        counts = stats.reported_counts(session, kind=kind, templates=daily, start=start, end=end)
        totals = stats.field_totals(session, kind=kind, templates=daily, start=start, end=end,
                                    keys=[k for k, _ in fields])
        lines.append(f"【{settings.kind_names.get(kind, kind)}】日期 已报/应报 " + " ".join(lb for _, lb in fields))
        for i in range(7):
            d = start + dt.timedelta(days=i)
            figures = " ".join(str(totals.get((d, k), 0)) for k, _ in fields)
            lines.append(f"{d.month}/{d.day} {counts.get(d, (0, 0))[0]}/{expected} {figures}")
    return "\n".join(lines)


def weekly_series(session: Session, settings: Settings, end: dt.date,
                  days: int = 7) -> tuple[list[dt.date], list[tuple[str, list[float]]]]:
    """Per kind, units reported each day; and the district's fever cases each day."""
    start = end - dt.timedelta(days=days - 1)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    series: list[tuple[str, list[float]]] = []
    fever, label = [0.0] * days, ""
    for kind in report_kinds(settings):
        daily = settings.daily_templates(kind)
        counts = stats.reported_counts(session, kind=kind, templates=daily, start=start, end=end)
        series.append((f"{settings.kind_names.get(kind, kind)}已报", [float(counts.get(d, (0, 0))[0]) for d in dates]))
        for tpl, key in _role_keys(settings, kind, "warning")[:1]:
            label = label or tpl.field(key).display
            totals = stats.field_totals(session, kind=kind, templates=daily, start=start, end=end, keys=[key])
            fever = [f + totals.get((d, key), 0) for f, d in zip(fever, dates, strict=True)]
    if label:
        series.append((label, fever))
    return dates, series
