"""What the dashboard shows, as plain dicts (the JSON API returns them as they are)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlmodel import Session

from bot.web.auth import Account
from handlers.context import Settings
from handlers.problems import names_of_units
from handlers.summary import least_complete
from storage import problems as problem_store
from storage import companies, queries, stats, vocab
from storage.models import Problem


# a unit on the day board: (id, name, kind, street, community, state, fever cases, nil report, company
# id); tuples, not dicts, so a district of 10,000 units costs little and only the page shown becomes dicts
Row = tuple[int, str, str, "str | None", "str | None", str, int, bool, "int | None"]
ATTENTION = {"anomaly": 0, "missing": 1, "late": 2, "reported": 3}


def board(session: Session, settings: Settings, account: Account, day: dt.date, kind: str | None = None,
          street: str | None = None, community: str | None = None) -> dict[str, Any]:
    """The day board with every unit (the API's answer)."""
    summary = board_summary(session, settings, account, day, kind, street, community)
    summary["units"] = unit_dicts(summary.pop("rows"), settings)
    return summary


def board_summary(session: Session, settings: Settings, account: Account, day: dt.date, kind: str | None = None,
                  street: str | None = None, community: str | None = None) -> dict[str, Any]:
    """Totals, the roll-up, the place filters, and the units as rows (`rows`)."""
    kinds = [k for k in settings.kind_names if settings.daily_templates(k) and kind in (None, k)]
    templates = [t for k in kinds for t in settings.daily_templates(k)]
    street = account.street or street  # a restricted account sees only its street (or community)
    warnings = sorted({t.roles.warning for k in kinds for t in settings.templates(k) if t.roles.warning})
    community = account.community or community
    rows: list[Row] = [
        (u, n, k, p, c, "missing" if rid is None else "anomaly" if f else "late" if late else "reported", f or 0,
         bool(nil), firm)
        for u, n, k, p, rid, late, nil, f, c, firm in stats.day_board(session, day=day, templates=templates,
                                                                  warning_keys=warnings, kinds=kinds, street=street,
                                                                  community=community)]
    counts = Counter(r[5] for r in rows)
    totals = {"units": len(rows), "late": counts["late"], "anomaly": counts["anomaly"], "missing": counts["missing"],
              # 已报: every unit that reported (on time, late or with an anomaly)
              "reported": len(rows) - counts["missing"], "on_time": counts["reported"], "fever": sum(r[6] for r in rows)}
    every = [(p, c) for p, c in stats.places(session, kinds=kinds) if sees(account, p, c)]
    by = "community" if (street or community) else "street"
    return {"date": day.isoformat(), "kind": kind, "street": street, "community": community, "totals": totals,
            "rows": rows, "streets": sorted({p for p, _ in every if p}),
            "communities": sorted({c for p, c in every if c and street in (None, p)}),
            "kinds": {k: settings.kind_names[k] for k in kinds}, "by": by, "rollup": rollup(rows, by),
            "companies": company_rollup(session, rows)}


def unit_dicts(rows: list[Row], settings: Settings) -> list[dict[str, Any]]:
    return [{"id": u, "name": n, "kind": k, "kind_name": settings.kind_names[k], "street": p, "community": c,
             "state": state, "fever": f, "nil": nil} for u, n, k, p, c, state, f, nil, _ in rows]


def attention_first(rows: list[Row]) -> list[Row]:
    """Anomalies (most fever first), then the missing, the late, and the rest; by place and name within."""
    return sorted(rows, key=lambda r: (ATTENTION[r[5]], -r[6], r[3] or "", r[4] or "", r[1]))


def in_state(row: Row, state: str) -> bool:
    """The board's filters: 已报 is every unit that reported (on time, late or with an anomaly)."""
    return row[5] != "missing" if state == "reported" else row[5] == state


def rollup(rows: list[Row], by: str) -> list[dict[str, Any]]:
    """Reported / expected per street (or community), the least complete first, naming up to ten missing."""
    groups: dict[str, dict[str, Any]] = {}
    for r in rows:
        name = (r[3] if by == "street" else r[4]) or ("未分街道" if by == "street" else "未分社区")
        g = groups.get(name)
        if g is None:
            g = groups[name] = {"name": name, "units": 0, "reported": 0, "anomaly": 0, "missing": [], "missing_count": 0}
        g["units"] += 1
        if r[5] == "missing":
            g["missing_count"] += 1
            if len(g["missing"]) < 10:
                g["missing"].append(r[1])
        else:
            g["reported"] += 1
            g["anomaly"] += r[5] == "anomaly"
    return sorted(groups.values(), key=lambda g: least_complete(g["name"], g["reported"], g["units"]))


def company_rollup(session: Session, rows: list[Row]) -> list[dict[str, Any]]:
    """华强物业 5/6: reported / managed per property company, the least complete first."""
    firms = {c.id: c.name for c in companies.all_companies(session)}
    groups: dict[str, list[int]] = {}
    for r in rows:
        if r[8] in firms:
            g = groups.setdefault(firms[r[8]], [0, 0])
            g[0], g[1] = g[0] + (r[5] != "missing"), g[1] + 1
    return [{"name": n, "reported": a, "units": b} for n, (a, b) in sorted(groups.items(),
                                                                          key=lambda kv: least_complete(kv[0], *kv[1]))]


def sees(account: Account, street: str | None, community: str | None) -> bool:
    """Whether a unit of this street and community is in the account's scope."""
    if account.community is not None:
        return community == account.community
    return account.street is None or street == account.street


def allowed_unit(session: Session, account: Account, unit_id: int) -> dict[str, Any] | None:
    unit = queries.unit_by_id(session, unit_id=unit_id)
    if unit is None or not sees(account, unit.parent, unit.community):
        return None
    return {"id": unit.id, "name": unit.name, "kind": unit.kind, "street": unit.parent, "aliases": unit.aliases}


def unit_reports(session: Session, settings: Settings, unit_id: int, end: dt.date, days: int) -> list[dict[str, Any]]:
    start = end - dt.timedelta(days=days - 1)
    return [{"date": d.isoformat(), "template": tpl, "revision": rev, "late": late, "values": values}
            for d, tpl, rev, late, values in stats.unit_history(session, unit_id=unit_id, start=start, end=end)]


def problem_dict(p: Problem, names: dict[int, str], today: dt.date) -> dict[str, Any]:
    overdue = p.status == "open" and p.deadline is not None and p.deadline < today
    return {"number": p.id, "unit": names.get(p.unit_id, ""), "unit_id": p.unit_id, "description": p.description,
            "deadline": p.deadline.isoformat() if p.deadline else None, "status": p.status, "overdue": overdue,
            "assignee": p.assignee_name, "created_at": p.created_at.isoformat(),
            "closed_at": p.closed_at.isoformat() if p.closed_at else None}


def problems(session: Session, settings: Settings, account: Account, today: dt.date,
             unit_id: int | None = None) -> list[dict[str, Any]]:
    from sqlmodel import col, select

    query = select(Problem).order_by(col(Problem.status).desc(), col(Problem.created_at))
    rows = list(session.exec(query))
    names = names_of_units(session, settings)
    allowed = None
    if account.street is not None or account.community is not None:
        allowed = {u.unit_id for k in settings.kind_names for u in stats.units(session, kind=k)
                   if sees(account, u.parent, u.community)}
    photos = problem_store.photo_counts(session)
    out = [problem_dict(p, names, today) | {"photos": photos.get(p.id or 0, 0)}
           for p in rows if (allowed is None or p.unit_id in allowed) and (unit_id is None or p.unit_id == unit_id)]
    return out


def photos_of(session: Session, number: int) -> list[str]:
    return [p.path for p in problem_store.photos(session, problem_id=number)]


def revisions(session: Session, unit_id: int, end: dt.date, days: int) -> list[dict[str, Any]]:
    """Earlier versions of the unit's reports (a repost keeps them)."""
    out = []
    start = end - dt.timedelta(days=days - 1)
    for report in queries.reports_on_unit(session, unit_id=unit_id, start=start, end=end):
        assert report.id is not None
        for rev in queries.revisions_of(session, report_id=report.id):
            out.append({"date": report.report_date.isoformat(), "revision": rev.revision, "values": rev.values,
                        "replaced_at": report.updated_at.isoformat()})
    return out


def vocabulary(session: Session, settings: Settings, end: dt.date, days: int = 7) -> dict[str, Any]:
    """Labels taught, and the labels nobody understood each day with counts: what to teach next."""
    names = {lx.template.id: lx.template for lx in settings.parser.lexicons.values()}

    def field_name(template: str, key: str) -> str:
        tpl = names.get(template)
        return tpl.field(key).display if tpl is not None and key in {f.key for f in tpl.fields} else key

    taught = [{"template": a.template, "template_name": names[a.template].name if a.template in names else a.template,
               "alias": a.alias, "field": field_name(a.template, a.field_key), "by": a.taught_by,
               "at": a.created_at.date().isoformat()} for a in vocab.list_aliases(session)]
    unknown = [{"date": d.isoformat(), "template": t, "template_name": names[t].name if t in names else t,
                "label": label, "count": n}
               for d, t, label, n in vocab.unknown_labels(session, start=end - dt.timedelta(days=days - 1), end=end)]
    return {"date": end.isoformat(), "taught": taught, "unknown": unknown}
