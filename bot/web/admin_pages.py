"""HTML of the admin pages (单位, 人员, 群): tables with a small form per change."""

from __future__ import annotations

from html import escape
from typing import Any

from bot.web.pages import layout

TABS = (("/admin/units", "单位"), ("/admin/members", "人员"), ("/admin/groups", "群"), ("/vocabulary", "识别词汇"))


def _form(path: str, csrf: str, action: str, fields: str, button: str, extra: str = "") -> str:
    return (f'<form method="post" action="{path}" class="inline"{extra}><input type="hidden" name="csrf" '
            f'value="{escape(csrf)}"><input type="hidden" name="action" value="{action}">{fields}'
            f'<button>{escape(button)}</button></form>')


def _hidden(name: str, value: object) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(str(value))}">'


def _tabs(current: str, message: str) -> str:
    links = " ".join(f'<a href="{p}"{" class=current" if p == current else ""}>{t}</a>' for p, t in TABS)
    note = f'<p class="notice" id="notice">{escape(message)}</p>' if message else ""
    return f'<h2>管理</h2><p class="tabs">{links}</p>{note}'


def _kinds(kinds: dict[str, str], chosen: str = "") -> str:
    return "".join(f'<option value="{k}"{" selected" if k == chosen else ""}>{escape(v)}</option>'
                   for k, v in kinds.items())


def units_page(units: list[dict[str, Any]], kinds: dict[str, str], account: Any, csrf: str, message: str) -> str:
    path = "/admin/units"
    rows = []
    for u in units:
        uid = _hidden("unit", u["id"])
        rename = _form(path, csrf, "rename", uid + '<input name="name" placeholder="新名称" required size="10">', "改名")
        place = _form(path, csrf, "place", uid + f'<input name="street" value="{escape(u["street"])}" size="6" '
                      f'placeholder="街道"><input name="community" value="{escape(u["community"])}" size="6" '
                      'placeholder="社区">', "保存")
        toggle = _form(path, csrf, "retire" if u["active"] else "activate", uid, "停用" if u["active"] else "启用")
        rows.append(f'<tr class="{"" if u["active"] else "retired"}"><td>{escape(u["name"])}</td>'
                    f'<td>{escape(kinds.get(u["kind"], u["kind"]))}</td><td>{place}</td>'
                    f'<td>{escape("、".join(u["aliases"]))}</td><td>{escape("、".join(u["reporters"]))}</td>'
                    f'<td>{rename}{toggle}</td></tr>')
    add = _form(path, csrf, "add", '<input name="name" placeholder="单位名称" required>'
                f'<select name="kind">{_kinds(kinds)}</select><input name="street" placeholder="街道">'
                '<input name="community" placeholder="社区">', "新增单位")
    body = (_tabs(path, message) + add + '<table id="units"><tr><th>名称</th><th>类别</th><th>街道 / 社区</th>'
            f'<th>别名</th><th>报送人</th><th></th></tr>{"".join(rows)}</table>'
            '<p>改名后旧名称自动成为别名，群里照旧能认出；停用的单位不再提醒、不计入汇总，历史报送保留。'
            '批量修改请用 <code>wxbot roster import</code>。</p>')
    return layout("单位管理", body, account, csrf)


def members_page(members: list[dict[str, Any]], units: list[dict[str, Any]], account: Any, csrf: str,
                 message: str) -> str:
    path = "/admin/members"
    options = '<option value="">（无单位）</option>' + "".join(
        f'<option value="{u["id"]}">{escape(u["name"])}</option>' for u in units if u["active"])
    rows = []
    for m in members:
        mid = _hidden("member", m["id"])
        bind = _form(path, csrf, "bind", mid + f'<select name="unit">{options}</select>', "绑定")
        confirm = "" if m["confirmed"] or not m["unit"] else _form(path, csrf, "confirm", mid, "确认")
        state = "已确认" if m["confirmed"] else ("待确认（我是…）" if m["unit"] else "未绑定")
        rows.append(f'<tr class="{"" if m["confirmed"] else "pending"}"><td>{escape(m["name"])}</td>'
                    f'<td>{escape(m["contact_id"])}</td><td>{escape(m["unit"])}</td><td>{escape(m["role"])}</td>'
                    f'<td>{escape(m["phone"])}</td><td>{state}</td><td>{confirm}{bind}</td></tr>')
    body = (_tabs(path, message) + '<table id="members"><tr><th>姓名</th><th>微信号</th><th>单位</th><th>角色</th>'
            f'<th>手机</th><th>状态</th><th></th></tr>{"".join(rows)}</table>'
            '<p>群里有人发「我是 某单位」后出现在最前面，确认后才按该单位提醒。</p>')
    return layout("人员管理", body, account, csrf)


def groups_page(groups: list[dict[str, Any]], missing: list[str], kinds: dict[str, str], account: Any, csrf: str,
                message: str) -> str:
    path = "/admin/groups"
    rows = []
    for g in groups:
        gid = _hidden("group", g["id"])
        rebind = _form(path, csrf, "kind", gid + f'<select name="kind">{_kinds(kinds, g["kind"])}</select>', "改类别")
        unbind = _form(path, csrf, "unbind", gid, "解绑")
        rows.append(f'<tr><td>{escape(g["topic"])}</td><td>{escape(g["room_id"])}</td>'
                    f'<td>{escape(kinds.get(g["kind"], g["kind"]))}</td><td>{escape(g["by"])}</td>'
                    f'<td>{rebind}{unbind}</td></tr>')
    lost = ("<p>config.yaml 里配置了、但机器人还没进的群：" + escape("、".join(missing)) + "</p>") if missing else ""
    body = (_tabs(path, message) + '<table id="groups"><tr><th>群名</th><th>群 id</th><th>类别</th><th>绑定方式</th>'
            f'<th></th></tr>{"".join(rows)}</table>{lost}'
            '<p>新群：把机器人拉进群，由管理员在群里发「绑定 物业小区」。</p>')
    return layout("群管理", body, account, csrf)
