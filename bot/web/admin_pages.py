"""HTML of the admin pages (单位, 人员, 群): searchable, paged lists with a small form per change; on
a phone each row is a card. Every form carries the list's filters back (`back`), so a change returns
to the same page of the same search."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from bot.web.pages import layout
from bot.web.widgets import options, search_box, table

TABS = (("/admin/units", "单位"), ("/admin/members", "人员"), ("/admin/groups", "群"), ("/admin/users", "账号"),
        ("/vocabulary", "识别词汇"))
UNIT_STATES = {"active": "在用", "retired": "已停用"}
MEMBER_STATES = {"pending": "待确认", "unbound": "未绑定", "confirmed": "已确认"}


def form(path: str, csrf: str, action: str, fields: str, button: str, back: str = "", css: str = "inline") -> str:
    return (f'<form method="post" action="{path}" class="{css}"><input type="hidden" name="csrf" '
            f'value="{escape(csrf)}"><input type="hidden" name="action" value="{action}">'
            f'{hidden("back", back) if back else ""}{fields}<button>{escape(button)}</button></form>')


def hidden(name: str, value: object) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(str(value))}">'


def tabs(current: str, message: str) -> str:
    links = "".join(f'<a href="{p}"{" class=current" if p == current else ""}>{t}</a>' for p, t in TABS)
    note = f'<p class="notice" id="notice">{escape(message)}</p>' if message else ""
    return f'<h2>管理</h2><p class="tabs">{links}</p>{note}'


def _filters(path: str, fields: str) -> str:
    return f'<form class="filters" method="get" action="{path}" role="search">{fields}<button>查看</button></form>'


def units_page(units: list[dict[str, Any]], kinds: dict[str, str], places: Mapping[str, list[str]], account: Any,
               csrf: str, message: str, query: Mapping[str, str], paging: str, back: str) -> str:
    path = "/admin/units"
    rows, attrs = [], []
    for u in units:
        uid = hidden("unit", u["id"])
        rename = form(path, csrf, "rename", uid + '<input name="name" placeholder="新名称" required aria-label="新名称">',
                       "改名", back)
        place = form(path, csrf, "place", uid + f'<input name="street" value="{escape(u["street"])}" '
                      f'placeholder="街道" aria-label="街道"><input name="community" value="{escape(u["community"])}" '
                      'placeholder="社区" aria-label="社区">', "保存", back)
        toggle = form(path, csrf, "retire" if u["active"] else "activate", uid, "停用" if u["active"] else "启用", back)
        rows.append([escape(u["name"]), escape(kinds.get(u["kind"], u["kind"])), place, escape("、".join(u["aliases"])),
                     escape("、".join(u["reporters"])), rename + toggle])
        attrs.append(f' data-unit="{u["id"]}"' + ("" if u["active"] else ' class="retired"'))
    search = _filters(path, search_box(query.get("q", ""), "搜索名称、别名、街道、社区、报送人")
                      + f'<select name="kind" aria-label="类别">{options(kinds, query.get("kind"), "全部类别")}</select>'
                      + f'<select name="street" aria-label="街道">'
                      f'{options({s: s for s in places["streets"]}, query.get("street"), "全部街道")}</select>'
                      + f'<select name="community" aria-label="社区">'
                      f'{options({c: c for c in places["communities"]}, query.get("community"), "全部社区")}</select>'
                      + f'<select name="state" aria-label="状态">{options(UNIT_STATES, query.get("state"), "全部")}</select>')
    add = form(path, csrf, "add", '<input name="name" placeholder="单位名称" required aria-label="单位名称">'
                f'<select name="kind" aria-label="类别">{options(kinds, None, None)}</select>'
                '<input name="street" placeholder="街道" aria-label="街道">'
                '<input name="community" placeholder="社区" aria-label="社区">', "新增单位", back, css="add")
    body = (tabs(path, message) + search + f'<details class="add"><summary>新增单位</summary>{add}</details>' + paging
            + table(["名称", "类别", "街道 / 社区", "别名", "报送人", ""], rows, table_id="units", row_attrs=attrs,
                    empty="没有符合条件的单位") + paging
            + '<p>改名后旧名称自动成为别名，群里照旧能认出；停用的单位不再提醒、不计入汇总，历史报送保留。'
            '批量修改请用 <code>wxbot roster import</code>。</p>')
    return layout("单位管理", body, account, csrf)


def members_page(members: list[dict[str, Any]], unit_names: list[str], account: Any, csrf: str, message: str,
                 query: Mapping[str, str], paging: str, back: str) -> str:
    """A member is bound by typing the unit's name or alias (a list of thousands of units does not fit a
    select on a phone); the browser suggests names from one shared list."""
    path = "/admin/members"
    rows, attrs = [], []
    for m in members:
        mid = hidden("member", m["id"])
        bind = form(path, csrf, "bind", mid + '<input name="unit_name" list="unit-names" placeholder="单位名称（空为解绑）" '
                     'aria-label="绑定到单位">', "绑定", back)
        confirm = "" if m["confirmed"] or not m["unit"] else form(path, csrf, "confirm", mid, "确认", back)
        state = "已确认" if m["confirmed"] else ("待确认（我是…）" if m["unit"] else "未绑定")
        rows.append([escape(m["name"]), escape(m["contact_id"]), escape(m["unit"]), escape(m["role"]), escape(m["phone"]),
                     state, confirm + bind])
        attrs.append("" if m["confirmed"] else ' class="pending"')
    names = "".join(f'<option value="{escape(n)}">' for n in unit_names)
    search = _filters(path, search_box(query.get("q", ""), "搜索姓名、微信号、单位")
                      + f'<select name="state" aria-label="状态">{options(MEMBER_STATES, query.get("state"), "全部")}</select>')
    body = (tabs(path, message) + search + paging
            + table(["姓名", "微信号", "单位", "角色", "手机", "状态", ""], rows, table_id="members", row_attrs=attrs,
                    empty="没有符合条件的人员") + paging + f'<datalist id="unit-names">{names}</datalist>'
            '<p>群里有人发「我是 某单位」后出现在最前面，确认后才按该单位提醒。</p>')
    return layout("人员管理", body, account, csrf)


def groups_page(groups: list[dict[str, Any]], missing: list[str], kinds: dict[str, str], account: Any, csrf: str,
                message: str) -> str:
    path = "/admin/groups"
    rows = []
    for g in groups:
        gid = hidden("group", g["id"])
        rebind = form(path, csrf, "kind", gid + f'<select name="kind" aria-label="类别">{options(kinds, g["kind"], None)}</select>',
                       "改类别")
        unbind = form(path, csrf, "unbind", gid, "解绑")
        rows.append([escape(g["topic"]), escape(g["room_id"]), escape(kinds.get(g["kind"], g["kind"])), escape(g["by"]),
                     rebind + unbind])
    lost = ("<p>config.yaml 里配置了、但机器人还没进的群：" + escape("、".join(missing)) + "</p>") if missing else ""
    body = (tabs(path, message) + table(["群名", "群 id", "类别", "绑定方式", ""], rows, table_id="groups") + lost
            + '<p>新群：把机器人拉进群，由管理员在群里发「绑定 物业小区」。</p>')
    return layout("群管理", body, account, csrf)
