"""账号 for district admins: every desk account (config.yaml's and `wxbot user`'s) with its scope,
permissions and whether repeated wrong passwords locked it; a locked account is unlocked here (audited).
Accounts are added and removed with `wxbot user` (a password never passes through a page)."""

from __future__ import annotations

from html import escape
from typing import Any

from aiohttp import web
from sqlmodel import Session

from bot.web import admin_pages, auth
from bot.web.desk import desk, html
from bot.web.pages import layout
from bot.web.routes.admin import Ask, Refused, apply_change, require_admin
from bot.web.widgets import table
from storage import accounts

routes = web.RouteTableDef()
PERMISSIONS = {"admin": "管理", "see_personal_data": "查看完整号码", "notices": "发通知"}
ROLES = {"district": "全区", "street": "街道", "community": "社区"}


@routes.get("/admin/users")
async def users_page(request: web.Request) -> web.Response:
    who, d = require_admin(request), desk(request)

    def work(s: Session) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = [{"username": a.username, "name": a.name or a.username, "role": a.role or "district",
                 "scope": a.community or a.street or "全区", "permissions": list(a.permissions), "source": "config.yaml"}
                for a in d.cfg.web.accounts]
        rows += [{"username": u.username, "name": u.name, "role": u.role, "scope": u.community or u.street or "全区",
                  "permissions": list(u.permissions or []), "source": "wxbot user"} for u in accounts.web_users(s)]
        for r in rows:
            r["locked"] = accounts.state(s, username=r["username"]).locked
        s.rollback()  # reading a state may make its row: nothing to keep
        return rows

    rows = await d.db(work)
    csrf = await auth.csrf_token(request)
    cells = [[escape(r["username"]), escape(r["name"]), f'{ROLES.get(r["role"], r["role"])} · {escape(r["scope"])}',
              escape("、".join(PERMISSIONS.get(p, p) for p in r["permissions"]) or "—"), escape(r["source"]),
              ('已锁定 ' + admin_pages.form("/admin/users", csrf, "unlock", admin_pages.hidden("username", r["username"]),
                                           "解锁")) if r["locked"] else "正常"] for r in rows]
    body = (admin_pages.tabs("/admin/users", request.query.get("msg", "")[:200])
            + table(["用户名", "姓名", "范围", "权限", "来源", "状态"], cells, table_id="users",
                    row_attrs=[' class="down"' if r["locked"] else "" for r in rows])
            + '<p>新增、删除账号和改密码请在服务器上用 <code>wxbot user add / remove / passwd</code>；'
            '连续输错密码 10 次的账号被锁定，由管理员在此解锁。</p>')
    return html(layout("账号管理", body, who, csrf))


def _unlock(s: Session, a: Ask) -> str:
    name = (a.form.get("username") or "")[:100]
    if not accounts.unlock(s, username=name):
        raise Refused(f"账号「{name}」没有被锁定")
    return f"已解锁账号「{name}」"


@routes.post("/admin/users")
async def users_change(request: web.Request) -> web.Response:
    return await apply_change(request, "/admin/users", {"unlock": _unlock})
