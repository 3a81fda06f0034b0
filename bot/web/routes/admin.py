"""Admin pages for district admins: units (add, rename keeping the old name as an alias, place,
retire), members (bind, confirm a self-bind), groups (change kind, unbind). Every change is audited;
every form carries the CSRF token; a change answers with a redirect (POST, then GET)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlmodel import Session

from bot.web import admin_pages, auth
from bot.web.desk import account, desk, html, scrub
from bot.web.listing import Listing, listing
from bot.web.widgets import link, pager
from storage import queries, roster, stats
from storage.models import Group, Member, Unit
from handlers.privacy import has_personal_number

routes = web.RouteTableDef()
PAGE_SIZE = 50
SUGGEST_UP_TO = 3000  # unit names offered while typing a binding; beyond, the page would be too heavy


@dataclass(frozen=True, slots=True)
class Ask:
    """One admin change: the form, the kinds a unit or group may have, and the desk's time."""

    form: dict[str, str]
    unit_kinds: dict[str, str]
    group_kinds: dict[str, str]
    now: dt.datetime


Change = Callable[[Session, Ask], str]


class Refused(ValueError):
    """A change that cannot be made, said in Chinese to the admin."""


def require_admin(request: web.Request) -> auth.Account:
    who = account(request)
    if not who.admin:
        raise web.HTTPForbidden(text="管理页面仅限区级管理员")
    return who


def _int(form: dict[str, str], name: str) -> int:
    try:
        return int(form.get(name, ""))
    except ValueError:
        raise Refused(f"{name} 不是编号") from None


def _get(s: Session, model: type[Any], key: int) -> Any:
    found = s.get(model, key)
    if found is None:
        raise Refused("没有找到，可能已被别人修改，请刷新")
    return found


def _text(form: dict[str, str], name: str, limit: int = 60) -> str:
    return (form.get(name) or "").strip()[:limit]


async def apply_change(request: web.Request, page: str, changes: dict[str, Change]) -> web.Response:
    """Check the token, run the change in one transaction, audit it, and go back with a message."""
    d = desk(request)
    require_admin(request)
    form = {k: str(v) for k, v in (await request.post()).items()}
    await auth.check_csrf(request, form.get("csrf"))
    change = changes.get(form.get("action", ""))
    if change is None:
        raise web.HTTPBadRequest(text="不认识的操作")
    ask = Ask(form, {k: v for k, v in d.settings.kind_names.items() if d.settings.templates(k)}, dict(d.cfg.kinds),
              d.clock.now())

    def work(s: Session) -> str:
        try:
            said = change(s, ask)
        except Refused as exc:
            s.rollback()
            return f"未修改：{exc}"
        s.commit()
        return said

    said = await d.db(work)
    if not said.startswith("未修改"):
        await d.audit(request, "admin", target=page, detail=said)
    raise web.HTTPSeeOther(_back(page, form.get("back", "")) + f"msg={quote(said)}")


def _back(page: str, back: str) -> str:
    """The list the form was on (its search and page), never another site: `back` is only a query string."""
    keep = back if back.startswith(page + "?") and back.isprintable() else page
    return keep + ("&" if "?" in keep else "?")


def _unit_dicts(s: Session) -> list[dict[str, Any]]:
    names = stats.reporters(s)
    return [{"id": i, "name": n, "kind": k, "street": p or "", "community": c or "", "aliases": aliases, "active": active,
             "reporters": names.get(i, [])} for i, n, k, p, c, aliases, active in stats.unit_list(s)]


@routes.get("/admin/units")
async def units_page(request: web.Request) -> web.Response:
    who, d = require_admin(request), desk(request)
    wanted = listing(request, tuple(admin_pages.UNIT_STATES), PAGE_SIZE)
    query = {k: (request.query.get(k) or "").strip()[:60] for k in ("q", "kind", "street", "community", "state")}

    def work(s: Session) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
        units = _unit_dicts(s)
        places = {"streets": sorted({u["street"] for u in units if u["street"]}),
                  "communities": sorted({u["community"] for u in units if u["community"]
                                         and query["street"] in ("", u["street"])})}
        return [u for u in units if _unit_shown(u, query, wanted)], places

    units, places = await d.db(work)
    chunk, page, pages, first, last = wanted.cut(units)
    paging = pager("/admin/units", query, page, pages, len(units), first, last, "个单位")
    return html(admin_pages.units_page(scrub(chunk), dict(d.settings.kind_names), places, who,
                                       await auth.csrf_token(request), request.query.get("msg", "")[:200], query,
                                       paging, _here(request)))


def _unit_shown(u: dict[str, Any], query: dict[str, str], wanted: Listing) -> bool:
    return (query["kind"] in ("", u["kind"]) and query["street"] in ("", u["street"])
            and query["community"] in ("", u["community"])
            and (not query["state"] or u["active"] == (query["state"] == "active"))
            and wanted.matches([u["name"], u["street"], u["community"], *u["aliases"], *u["reporters"]]))


def _here(request: web.Request) -> str:
    """This list's address without the last change's message: where a form on it comes back to."""
    return link(request.path, {k: v for k, v in request.query.items() if k != "msg"})


def _add(s: Session, a: Ask) -> str:
    f = a.form
    name, kind = _text(f, "name"), f.get("kind", "")
    if not name:
        raise Refused("名称没有填")
    if has_personal_number(name):
        raise Refused("名称不能是电话或证件号码")
    if kind not in a.unit_kinds:
        raise Refused("类别不认识")
    if _taken(s, name):
        raise Refused(f"「{name}」已是某单位的名称或别名")
    queries.add_unit(s, name=name, kind=kind, parent=_text(f, "street") or None,
                     community=_text(f, "community") or None)
    return f"已新增单位「{name}」"


def _taken(s: Session, name: str, but: int | None = None) -> bool:
    """Already a unit's name or alias (other than unit `but`'s)."""
    return any(i != but and (name == n or name in aliases) for i, n, _, _, _, aliases, _ in stats.unit_list(s))


def _rename(s: Session, a: Ask) -> str:
    f = a.form
    unit: Unit = _get(s, Unit, _int(f, "unit"))
    name = _text(f, "name")
    if not name or name == unit.name:
        raise Refused("新名称没有填或与原名相同")
    if _taken(s, name, but=unit.id):
        raise Refused(f"「{name}」已是别的单位的名称或别名")
    old = unit.name
    roster.rename_unit(s, unit=unit, name=name)
    return f"「{old}」改名为「{name}」（旧名称保留为别名）"


def _place(s: Session, a: Ask) -> str:
    f = a.form
    unit: Unit = _get(s, Unit, _int(f, "unit"))
    roster.place_unit(s, unit=unit, street=_text(f, "street") or None, community=_text(f, "community") or None)
    return f"「{unit.name}」：街道 {unit.parent or '—'}，社区 {unit.community or '—'}"


def _active(value: bool) -> Change:
    def change(s: Session, a: Ask) -> str:
        unit: Unit = _get(s, Unit, _int(a.form, "unit"))
        roster.set_active(s, unit=unit, active=value)
        return f"已{'启用' if value else '停用'}「{unit.name}」"
    return change


@routes.post("/admin/units")
async def units_change(request: web.Request) -> web.Response:
    return await apply_change(request, "/admin/units", {"add": _add, "rename": _rename, "place": _place,
                                                   "retire": _active(False), "activate": _active(True)})


@routes.get("/admin/members")
async def members_page(request: web.Request) -> web.Response:
    who, d = require_admin(request), desk(request)
    wanted = listing(request, tuple(admin_pages.MEMBER_STATES), PAGE_SIZE)
    query = {"q": wanted.q, "state": wanted.state}

    def work(s: Session) -> tuple[list[dict[str, Any]], list[str]]:
        everyone = roster.all_members(s)
        units = stats.unit_list(s)
        names = {u[0]: u[1] for u in units}
        members = sorted(everyone, key=lambda m: (m.confirmed, m.unit_id is None, m.id or 0))
        rows: list[dict[str, Any]] = [{"id": m.id, "name": m.name, "contact_id": m.contact_id, "unit": names.get(m.unit_id or 0, ""),
                 "role": {"reporter": "报送人", "grid_worker": "网格员", "official": "领导"}.get(m.role, m.role),
                 "phone": m.phone or "", "confirmed": m.confirmed,
                 "state": "confirmed" if m.confirmed else ("pending" if m.unit_id else "unbound")} for m in members]
        shown = [m for m in rows if wanted.state in ("", m["state"])
                 and wanted.matches([str(m[k]) for k in ("name", "contact_id", "unit", "role")])]
        return shown, sorted(u[1] for u in units if u[6]) if len(units) <= SUGGEST_UP_TO else []

    members, unit_names = await d.db(work)
    chunk, page, pages, first, last = wanted.cut(members)
    if not who.whole:
        chunk = scrub(chunk)
    await d.audit(request, "view", target="/admin/members", detail="members", whole=who.whole)
    paging = pager("/admin/members", query, page, pages, len(members), first, last, "人")
    return html(admin_pages.members_page(chunk, unit_names, who, await auth.csrf_token(request),
                                         request.query.get("msg", "")[:200], query, paging, _here(request)))


def _bind(s: Session, a: Ask) -> str:
    f = a.form
    member: Member = _get(s, Member, _int(f, "member"))
    unit: Unit | None = _get(s, Unit, _int(f, "unit")) if f.get("unit") else _unit_named(s, _text(f, "unit_name"))
    roster.bind_member(s, member=member, unit_id=unit.id if unit else None, now=a.now)
    return f"「{member.name or member.contact_id}」" + (f"绑定到「{unit.name}」" if unit else "已解除单位绑定")


def _unit_named(s: Session, name: str) -> Unit | None:
    """The active unit of this name or alias; none for an empty name (unbind)."""
    if not name:
        return None
    found = [i for i, n, _, _, _, aliases, active in stats.unit_list(s) if active and (n == name or name in aliases)]
    if not found:
        raise Refused(f"没有名称或别名为「{name}」的在用单位")
    unit: Unit = _get(s, Unit, found[0])
    return unit


def _confirm(s: Session, a: Ask) -> str:
    member: Member = _get(s, Member, _int(a.form, "member"))
    if member.unit_id is None:
        raise Refused("此人还没有单位，请先绑定")
    queries.confirm_member(s, member=member, now=a.now)
    return f"已确认「{member.name or member.contact_id}」为报送人"


@routes.post("/admin/members")
async def members_change(request: web.Request) -> web.Response:
    return await apply_change(request, "/admin/members", {"bind": _bind, "confirm": _confirm})


@routes.get("/admin/groups")
async def groups_page(request: web.Request) -> web.Response:
    who, d = require_admin(request), desk(request)

    def work(s: Session) -> list[dict[str, Any]]:
        return [{"id": g.id, "room_id": g.room_id, "topic": g.topic or "", "kind": g.kind,
                 "by": "配置文件" if g.bound_by in (None, "config") else f"群里绑定（{g.bound_by}）"}
                for g in roster.all_groups(s)]

    groups = await d.db(work)
    topics = {g["topic"] for g in groups} | {g["room_id"] for g in groups}
    missing = [g.topic or g.room or "" for g in d.cfg.groups if not ({g.topic, g.room} & topics)]
    return html(admin_pages.groups_page(groups, missing, dict(d.cfg.kinds), who, await auth.csrf_token(request),
                                        request.query.get("msg", "")[:200]))


def _kind(s: Session, a: Ask) -> str:
    group: Group = _get(s, Group, _int(a.form, "group"))
    kind = a.form.get("kind", "")
    if kind not in a.group_kinds:
        raise Refused("类别不认识")
    queries.bind_group(s, room_id=group.room_id, topic=group.topic, kind=kind, by="admin", now=a.now)
    return f"「{group.topic or group.room_id}」改为{a.group_kinds[kind]}群"


def _unbind(s: Session, a: Ask) -> str:
    group: Group = _get(s, Group, _int(a.form, "group"))
    roster.unbind_group(s, group=group)
    return f"已解绑「{group.topic or group.room_id}」（机器人不再在此群提醒、回执）"


@routes.post("/admin/groups")
async def groups_change(request: web.Request) -> web.Response:
    return await apply_change(request, "/admin/groups", {"kind": _kind, "unbind": _unbind})
