"""Server-rendered pages in Chinese: small, readable on a phone, no external assets."""

from __future__ import annotations

import re

from html import escape
from typing import Any

STATE_NAMES = {"reported": "已报", "late": "迟报", "anomaly": "异常", "missing": "未报"}
CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f8;color:#222}
header{background:#1f4e8c;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}header form{margin-left:auto}
main{padding:1rem;max-width:1200px;margin:auto}
.totals{display:flex;gap:.5rem;flex-wrap:wrap}.totals div{background:#fff;border-radius:6px;padding:.5rem .8rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.5rem;margin-top:1rem}
.tile{background:#fff;border-radius:6px;padding:.5rem;border-left:6px solid #999;text-decoration:none;color:#222}
.reported{border-color:#2e9d4f}.late{border-color:#e0a800}.anomaly{border-color:#d33}.missing{border-color:#888;opacity:.8}
table{border-collapse:collapse;background:#fff;width:100%}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left}
.overdue{color:#d33;font-weight:bold}svg.chart{max-width:100%;background:#fff}form.filters{display:flex;gap:.5rem;flex-wrap:wrap;margin:.5rem 0}
form.inline{display:inline-flex;gap:.25rem;margin:.1rem .3rem .1rem 0}.notice{background:#fff7d6;padding:.4rem .6rem}
.tabs a{margin-right:1rem}.tabs a.current{font-weight:bold}tr.retired{color:#999}tr.pending{background:#fff7d6}tr.down{background:#fde2e2}
"""


def _who(account: Any) -> str:
    """金山街道 (a street account named after its street) once, 周科长（金山街道） otherwise."""
    where = getattr(account, "community", None) or account.street
    name = account.name or account.username
    return name if not where or where == name else f"{name}（{where}）"


def layout(title: str, body: str, account: Any | None = None, csrf: str = "") -> str:
    nav = ""
    if account is not None:
        nav = (f'<a href="/">日报看板</a><a href="/problems">整改问题</a>'
               + ('<a href="/vocabulary">识别词汇</a>' if getattr(account, "district", False) else "")
               + ('<a href="/admin/units">管理</a><a href="/status">运行状态</a><a href="/audit">审计日志</a>'
                  if getattr(account, "admin", False) else "")
               + f'<span>{escape(_who(account))}</span>'
               f'<form method="post" action="/logout"><input type="hidden" name="csrf" value="{escape(csrf)}">'
               '<button>退出</button></form>')
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="/static/style.css"></head><body><header><b>疫情防控报送</b>{nav}</header>'
            f'<main>{body}</main></body></html>')


def login_page(csrf: str, next_url: str, error: str = "") -> str:
    err = f'<p class="overdue">{escape(error)}</p>' if error else ""
    return layout("登录", f"""<h2>登录</h2>{err}<form method="post" action="/login">
<input type="hidden" name="csrf" value="{escape(csrf)}"><input type="hidden" name="next" value="{escape(next_url)}">
<p><label>用户名 <input name="username" autocomplete="username" required></label></p>
<p><label>密码 <input name="password" type="password" autocomplete="current-password" required></label></p>
<button>登录</button></form>""")


def _spans(base: str, span: int) -> str:
    return " ".join(f'<a href="{base}days={d}">{"<b>" if d == span else ""}近{d}天{"</b>" if d == span else ""}</a>'
                    for d in (7, 30))


def board_page(data: dict[str, Any], account: Any, csrf: str, chart: str = "", span: int = 7) -> str:
    t = data["totals"]
    kinds = "".join(f'<option value="{k}"{" selected" if data["kind"] == k else ""}>{escape(v)}</option>'
                    for k, v in data["kinds"].items())
    streets = "".join(f'<option{" selected" if data["street"] == s else ""}>{escape(s)}</option>' for s in data["streets"])
    street_select = "" if account.street else f'<select name="street"><option value="">全部街道</option>{streets}</select>'
    tiles = "".join(
        f'<a class="tile {u["state"]}" href="/units/{u["id"]}?date={data["date"]}" data-state="{u["state"]}">'
        f'<b>{escape(u["name"])}</b><br><small>{escape(u["kind_name"])} · {escape(u["street"] or "")}</small><br>'
        f'{STATE_NAMES[u["state"]]}{("，体温异常" + str(u["fever"]) + "人") if u["fever"] else ""}</a>'
        for u in data["units"])
    export = f'/export.xlsx?from={data["date"]}&to={data["date"]}' + (f'&kind={data["kind"]}' if data["kind"] else "")
    notice = f'<p class="notice" id="notice">{escape(data["notice"])}</p>' if data.get("notice") else ""
    body = f"""<h2>{escape(data["date"])} 报送情况</h2>{notice}
<form class="filters" method="get" action="/"><input type="date" name="date" value="{data["date"]}">
<select name="kind"><option value="">全部类别</option>{kinds}</select>{street_select}<button>查看</button>
<a href="{export}" id="download">下载Excel</a></form>
<div class="totals"><div>单位 <b id="t-units">{t["units"]}</b></div><div>已报 <b id="t-reported">{t["reported"]}</b></div>
<div>迟报 <b>{t["late"]}</b></div><div>异常 <b id="t-anomaly">{t["anomaly"]}</b></div><div>未报 <b id="t-missing">{t["missing"]}</b></div>
<div>体温异常 <b>{t["fever"]}</b>人</div></div>
{_rollup(data)}
{('<h3>趋势 ' + _spans(f'/?date={data["date"]}&', span) + '</h3>' + chart) if chart else ''}
<div class="grid">{tiles}</div>"""
    return layout("日报看板", body, account, csrf)


def _rollup(data: dict[str, Any]) -> str:
    """分街道 (or 分社区): reported/expected per part, the least complete first, with who is missing."""
    if len(data["rollup"]) < 2:
        return ""
    level = "街道" if data["by"] == "street" else "社区"
    rows = "".join(
        f'<tr><td>{escape(g["name"])}</td><td>{g["reported"]}/{g["units"]}</td><td>{g["anomaly"] or ""}</td>'
        f'<td>{escape("、".join(g["missing"][:10]) + ("等" if len(g["missing"]) > 10 else ""))}</td></tr>'
        for g in data["rollup"])
    return (f'<h3>分{level}</h3><table id="rollup"><tr><th>{level}</th><th>已报/应报</th><th>异常</th><th>未报</th></tr>'
            f'{rows}</table>')


def unit_page(unit: dict[str, Any], reports: list[dict[str, Any]], problems: list[dict[str, Any]],
              labels: dict[str, str], account: Any, csrf: str, export: str, chart: str = "", span: int = 7,
              revisions: list[dict[str, Any]] | None = None) -> str:
    keys = [k for k in labels if any(k in r["values"] for r in reports)]
    head = "".join(f"<th>{escape(labels[k])}</th>" for k in keys)
    rows = "".join(
        f'<tr><td>{r["date"]}</td><td>{r["revision"]}{"（迟报）" if r["late"] else ""}</td>'
        + "".join(f"<td>{escape(str(r['values'].get(k, '')))}</td>" for k in keys) + "</tr>" for r in reversed(reports))
    base = "/units/{}?date={}&".format(unit["id"], unit.get("date", ""))
    revs = "".join(f'<li>{r["date"]} 第{r["revision"]}版：'
                   + escape("，".join(f"{label} {r['values'][k]}" for k, label in labels.items() if k in r["values"]))
                   + "</li>" for r in revisions or []) or "<li>无</li>"
    plist = "".join(f'<li>#{p["number"]} {escape(p["description"])} · {"已销号" if p["status"] == "closed" else "未整改"}'
                    f'{"（逾期）" if p["overdue"] else ""}</li>' for p in problems) or "<li>无</li>"
    body = (f'<h2>{escape(unit["name"])}</h2><p>{escape(unit["street"] or "")} · '
            f'<a href="{escape(export)}">下载Excel</a></p>'
            f'<h3>趋势 {_spans(base, span)}</h3>{chart}'
            f'<table><tr><th>日期</th><th>版本</th>{head}</tr>{rows}</table><h3>修改记录（被更新前的版本）</h3><ul>{revs}</ul>'
            f'<h3>整改问题</h3><ul>{plist}</ul>')
    return layout(unit["name"], body, account, csrf)


def problems_page(problems: list[dict[str, Any]], account: Any, csrf: str) -> str:
    def photos(p: dict[str, Any]) -> str:
        return " ".join(f'<a href="/problems/{p["number"]}/photos/{i}"><img src="/problems/{p["number"]}/photos/{i}" '
                        f'alt="整改照片{i + 1}" height="48"></a>' for i in range(p["photos"]))

    rows = "".join(
        f'<tr><td>#{p["number"]}</td><td>{escape(p["unit"])}</td><td>{escape(p["description"])}{photos(p)}</td>'
        f'<td>{p["deadline"] or ""}</td><td class="{"overdue" if p["overdue"] else ""}">'
        f'{"已销号" if p["status"] == "closed" else ("逾期" if p["overdue"] else "未整改")}</td>'
        f'<td>{escape(p["assignee"])}</td></tr>' for p in problems)
    body = (f'<h2>整改问题（未销号 {sum(p["status"] == "open" for p in problems)} 个）</h2>'
            f'<table><tr><th>编号</th><th>单位</th><th>问题</th><th>期限</th><th>状态</th><th>责任人</th></tr>{rows}</table>')
    return layout("整改问题", body, account, csrf)


def vocabulary_page(data: dict[str, Any], account: Any, csrf: str) -> str:
    unknown = "".join(f'<tr><td>{u["date"]}</td><td>{escape(u["template_name"])}</td><td>{escape(u["label"])}</td>'
                      f'<td>{u["count"]}</td></tr>' for u in data["unknown"]) or '<tr><td colspan="4">无</td></tr>'
    taught = "".join(f'<tr><td>{escape(t["template_name"])}</td><td>{escape(t["alias"])}</td><td>{escape(t["field"])}</td>'
                     f'<td>{escape(t["by"])}</td><td>{t["at"]}</td></tr>' for t in data["taught"]) \
        or '<tr><td colspan="5">无</td></tr>'
    body = (f'<h2>识别词汇</h2><p>大家报送时用了、但机器人不认识的写法（近7天，按次数）。管理员在群里发送'
            f'「学习 写法=模板项目」即可教会，例如：学习 今日体温检测=测温人数。</p>'
            f'<h3>未识别的写法</h3><table id="unknown"><tr><th>日期</th><th>模板</th><th>写法</th><th>次数</th></tr>{unknown}</table>'
            f'<h3>已学会的写法</h3><table id="taught"><tr><th>模板</th><th>写法</th><th>即</th><th>教的人</th><th>日期</th></tr>'
            f'{taught}</table>')
    return layout("识别词汇", body, account, csrf)


ACTIONS = {"login": "登录", "login_failed": "登录失败", "login_refused": "登录被拒", "logout": "退出", "view": "查看",
           "api": "接口读取", "export": "导出", "chat": "群内管理命令", "account": "账号变更", "purge": "到期清除",
           "admin": "管理操作", "roster import": "名单导入"}
# what was looked at (the detail of a view), as the log stores it
DETAILS = {"board": "看板", "problems": "问题清单", "unit page": "单位页", "vocabulary": "识别词汇", "audit log": "审计日志",
           "locked": "已锁定", "members": "人员", "units": "单位", "groups": "群"}
_DETAIL_WORDS = re.compile(r"\b(reports|versions|named values|photos|sent messages|message ids|exports|texts)\b")
_PURGED = {"reports": "报送原文", "texts": "报送原文", "versions": "旧版本", "named values": "姓名电话等", "photos": "照片",
           "sent messages": "已发消息", "message ids": "消息编号", "exports": "导出文件"}


def _detail(text: str) -> str:
    if text in DETAILS:
        return DETAILS[text]
    if text.startswith("wait ") and text.endswith(" s"):
        return f"等待{text[5:-2]}秒"
    return _DETAIL_WORDS.sub(lambda m: _PURGED[m.group(1)], text)


def audit_page(rows: list[dict[str, Any]], since: str, who: str, account: Any, csrf: str) -> str:
    lines = "".join(
        f'<tr><td>{r["at"]}</td><td>{escape(r["who"])}</td><td>{escape(r["address"])}</td>'
        f'<td>{escape(ACTIONS.get(r["action"], r["action"]))}{"（完整号码）" if r["whole"] else ""}</td>'
        f'<td>{escape(r["target"])}</td><td>{escape(_detail(r["detail"]))}</td></tr>' for r in rows) \
        or '<tr><td colspan="6">无</td></tr>'
    body = (f'<h2>审计日志</h2><form class="filters" method="get" action="/audit">'
            f'<label>自 <input type="date" name="since" value="{escape(since)}"></label>'
            f'<label>人员 <input name="who" value="{escape(who)}"></label><button>查看</button></form>'
            f'<table id="audit"><tr><th>时间</th><th>人员</th><th>地址/群</th><th>操作</th><th>对象</th><th>说明</th></tr>'
            f'{lines}</table>')
    return layout("审计日志", body, account, csrf)
