"""What the dashboard shows, as plain dicts (the JSON API returns them as they are)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from bot.web.auth import Account
from handlers.context import Settings
from handlers.problems import names_of_units
from storage import problems as problem_store
from storage import queries, stats, vocab
from storage.models import Problem


def _state(row: stats.BoardRow) -> str:
    if not row.reported:
        return "missing"
    if row.warning:
        return "anomaly"
    return "late" if row.late else "reported"


def board(session: Session, settings: Settings, account: Account, day: dt.date, kind: str | None = None,
          street: str | None = None, community: str | None = None) -> dict[str, Any]:
    kinds = [k for k in settings.kind_names if settings.daily_templates(k) and kind in (None, k)]
    templates = [t for k in kinds for t in settings.daily_templates(k)]
    street = account.street or street  # a restricted account sees only its street (or community)
    warnings = sorted({t.roles.warning for k in kinds for t in settings.templates(k) if t.roles.warning})
    community = account.community or community
    rows = stats.day_board(session, day=day, templates=templates, warning_keys=warnings, kinds=kinds, street=street,
                           community=community)
    units = [{"id": r.unit_id, "name": r.name, "kind": r.kind, "kind_name": settings.kind_names[r.kind],
              "street": r.parent, "community": r.community, "state": _state(r), "fever": r.warning or 0, "nil": r.nil} for r in rows]
    totals: dict[str, int] = {"units": len(units)}
    for state in ("late", "anomaly", "missing"):
        totals[state] = sum(1 for u in units if u["state"] == state)
    # reported: every unit that reported (on time, late or with an anomaly), as the board says 已报
    totals["reported"] = totals["units"] - totals["missing"]
    totals["on_time"] = sum(1 for u in units if u["state"] == "reported")
    totals["fever"] = sum(r.warning or 0 for r in rows)
    every = [u for k in kinds for u in stats.units(session, kind=k) if sees(account, u.parent, u.community)]
    streets = sorted({u.parent for u in every if u.parent})
    communities = sorted({u.community for u in every if u.community and street in (None, u.parent)})
    by = "community" if (street or community) else "street"
    return {"date": day.isoformat(), "kind": kind, "street": street, "community": community, "totals": totals,
            "units": units, "streets": streets, "communities": communities,
            "kinds": {k: settings.kind_names[k] for k in kinds}, "by": by, "rollup": rollup(units, by)}


ATTENTION = {"anomaly": 0, "missing": 1, "late": 2, "reported": 3}


def attention_first(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Anomalies (most fever first), then the missing, the late, and the rest; by place and name within."""
    return sorted(units, key=lambda u: (ATTENTION[u["state"]], -u["fever"], u["street"] or "", u["community"] or "",
                                        u["name"]))


def in_state(unit: dict[str, Any], state: str) -> bool:
    """The board's filters: 已报 is every unit that reported (on time, late or with an anomaly)."""
    return unit["state"] != "missing" if state == "reported" else unit["state"] == state


def rollup(units: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Reported / expected per street (or community), the least complete first."""
    groups: dict[str, dict[str, Any]] = {}
    for u in units:
        name = u[by] or ("未分街道" if by == "street" else "未分社区")
        g = groups.setdefault(name, {"name": name, "units": 0, "reported": 0, "anomaly": 0, "missing": []})
        g["units"] += 1
        g["reported"] += u["state"] != "missing"
        g["anomaly"] += u["state"] == "anomaly"
        if u["state"] == "missing":
            g["missing"].append(u["name"])
    return sorted(groups.values(), key=lambda g: (g["reported"] / g["units"], g["reported"] - g["units"], g["name"]))


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
