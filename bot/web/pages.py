"""Server-rendered pages in Chinese: phone first, no external assets (the stylesheet is
bot/web/static/style.css; long tables become cards on a phone)."""

from __future__ import annotations

import re

from html import escape
from typing import Any

from bot.web.widgets import link, options, pager, search_box, table

STATE_NAMES = {"reported": "已报", "late": "迟报", "anomaly": "异常", "missing": "未报"}


def _who(account: Any) -> str:
    """金山街道 (a street account named after its street) once, 周科长（金山街道） otherwise."""
    where = getattr(account, "community", None) or account.street
    name = account.name or account.username
    return name if not where or where == name else f"{name}（{where}）"


def layout(title: str, body: str, account: Any | None = None, csrf: str = "") -> str:
    nav = ""
    if account is not None:
        links = ('<a href="/">日报看板</a><a href="/problems">整改问题</a><a href="/notices">通知</a>'
                 '<a href="/supplies">物资</a><a href="/workers">返岗人员</a>'
                 + ('<a href="/vocabulary">识别词汇</a>' if getattr(account, "district", False) else "")
                 + ('<a href="/admin/units">管理</a><a href="/status">运行状态</a><a href="/audit">审计日志</a>'
                    if getattr(account, "admin", False) else ""))
        # on a phone the links fold behind 菜单 (a checkbox and its label: no script needed)
        nav = (f'<input type="checkbox" id="menu" class="menu-toggle"><label for="menu" class="menu-button">菜单</label>'
               f'<nav>{links}<span>{escape(_who(account))}</span>'
               f'<form method="post" action="/logout"><input type="hidden" name="csrf" value="{escape(csrf)}">'
               '<button>退出</button></form></nav>')
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(title)}</title>'
            f'<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/style.css"></head><body><header><b>疫情防控报送</b>{nav}</header>'
            f'<main>{body}</main></body></html>')


def login_page(csrf: str, next_url: str, error: str = "") -> str:
    err = f'<p class="overdue">{escape(error)}</p>' if error else ""
    return layout("登录", f"""<h2>登录</h2>{err}<form method="post" action="/login">
<input type="hidden" name="csrf" value="{escape(csrf)}"><input type="hidden" name="next" value="{escape(next_url)}">
<p><label>用户名 <input name="username" autocomplete="username" required></label></p>
<p><label>密码 <input name="password" type="password" autocomplete="current-password" required></label></p>
<button>登录</button></form>""")


def _spans(path: str, query: dict[str, str], span: int) -> str:
    """近7天 / 近30天, keeping the page's other choices."""
    return " ".join(f'<a href="{escape(link(path, query, days=d if d != 7 else None))}">'
                    f'{"<b>" if d == span else ""}近{d}天{"</b>" if d == span else ""}</a>' for d in (7, 30))


FILTER_STATES = {"missing": "未报", "late": "迟报", "anomaly": "异常", "reported": "已报"}


def _tile(u: dict[str, Any], day: str) -> str:
    place = " · ".join(p for p in (u["kind_name"], u["street"], u["community"]) if p)
    fever = f'，体温异常{u["fever"]}人' if u["fever"] else ""
    return (f'<a class="tile {u["state"]}" href="/units/{u["id"]}?date={day}" data-state="{u["state"]}">'
            f'<b>{escape(u["name"])}</b><br><small>{escape(place)}</small><br>{STATE_NAMES[u["state"]]}{fever}</a>')


def _board_filters(data: dict[str, Any], account: Any, query: dict[str, str]) -> str:
    street = "" if account.street else (f'<select name="street" aria-label="街道">'
                                        f'{options({s: s for s in data["streets"]}, data["street"], "全部街道")}</select>')
    community = "" if getattr(account, "community", None) else (
        f'<select name="community" aria-label="社区">'
        f'{options({c: c for c in data["communities"]}, data["community"], "全部社区")}</select>')
    return (f'<form class="filters" method="get" action="/" role="search">'
            f'{search_box(query.get("q", ""), "搜索单位、别名、街道、社区、报送人")}'
            f'<input type="date" name="date" value="{data["date"]}" aria-label="日期">'
            f'<select name="kind" aria-label="类别">{options(data["kinds"], data["kind"], "全部类别")}</select>'
            f'{street}{community}'
            f'<select name="state" aria-label="状态">{options(FILTER_STATES, query.get("state"), "全部状态")}</select>'
            f'<button>查看</button></form>')


def board_page(data: dict[str, Any], account: Any, csrf: str, chart: str = "", span: int = 7,
               query: dict[str, str] | None = None) -> str:
    query = query or {}
    t = data["totals"]
    tiles = "".join(_tile(u, data["date"]) for u in data["units"])
    export = f'/export.xlsx?from={data["date"]}&to={data["date"]}' + (f'&kind={data["kind"]}' if data["kind"] else "")
    notice = f'<p class="notice" id="notice">{escape(data["notice"])}</p>' if data.get("notice") else ""
    paging = pager("/", query, data["page"], data["pages"], data["matched"], data["first"], data["last"], "个单位")
    trend = f'<h3>趋势 {_spans("/", query, span)}</h3>{chart}' if chart else ""
    body = f"""<h2>{escape(data["date"])} 报送情况</h2>{notice}{_board_filters(data, account, query)}
<div class="totals"><div>单位 <b id="t-units">{t["units"]}</b></div><div>已报 <b id="t-reported">{t["reported"]}</b></div>
<div>迟报 <b>{t["late"]}</b></div><div>异常 <b id="t-anomaly">{t["anomaly"]}</b></div><div>未报 <b id="t-missing">{t["missing"]}</b></div>
<div>体温异常 <b>{t["fever"]}</b>人</div><div><a href="{export}" id="download">下载Excel</a></div></div>
{_rollup(data)}{_companies(data)}{trend}
<h3>单位（异常、未报、迟报在前）</h3>{paging}
<div class="grid" id="units">{tiles or '<p>没有符合条件的单位</p>'}</div>{paging if data["pages"] > 1 else ""}"""
    return layout("日报看板", body, account, csrf)


def _rollup(data: dict[str, Any]) -> str:
    """分街道 (or 分社区): reported/expected per part, the least complete first, with who is missing."""
    if len(data["rollup"]) < 2:
        return ""
    level = "街道" if data["by"] == "street" else "社区"
    rows = [[escape(g["name"]), f'{g["reported"]}/{g["units"]}', str(g["anomaly"] or ""),
             escape("、".join(g["missing"]) + (f'等{g["missing_count"]}个' if g["missing_count"] > len(g["missing"]) else ""))]
            for g in data["rollup"]]
    return f'<h3>分{level}</h3>' + table([level, "已报/应报", "异常", "未报"], rows, table_id="rollup")


def _companies(data: dict[str, Any]) -> str:
    """分物业公司: reported / managed per property company, the least complete first."""
    if not data.get("companies"):
        return ""
    rows = [[escape(c["name"]), f'{c["reported"]}/{c["units"]}'] for c in data["companies"]]
    return '<h3>分物业公司</h3>' + table(["物业公司", "已报/管理"], rows, table_id="companies")


def unit_page(unit: dict[str, Any], reports: list[dict[str, Any]], problems: list[dict[str, Any]],
              labels: dict[str, str], account: Any, csrf: str, export: str, chart: str = "", span: int = 7,
              revisions: list[dict[str, Any]] | None = None) -> str:
    keys = [k for k in labels if any(k in r["values"] for r in reports)]
    several = any(r.get("template_name") for r in reports)
    head = ["日期", *(["报表"] if several else []), "版本", *(labels[k] for k in keys)]
    rows = [[r["date"], *([escape(r["template_name"])] if several else []),
             f'{r["revision"]}{"（迟报）" if r["late"] else ""}',
             *(escape(str(r["values"].get(k, ""))) for k in keys)] for r in reversed(reports)]
    revs = "".join(f'<li>{r["date"]} 第{r["revision"]}版：'
                   + escape("，".join(f"{label} {r['values'][k]}" for k, label in labels.items() if k in r["values"]))
                   + "</li>" for r in revisions or []) or "<li>无</li>"
    plist = "".join(f'<li>#{p["number"]} {escape(p["description"])} · {"已销号" if p["status"] == "closed" else "未整改"}'
                    f'{"（逾期）" if p["overdue"] else ""}</li>' for p in problems) or "<li>无</li>"
    place = " · ".join(escape(p) for p in (unit.get("street"), unit.get("community")) if p)
    spans = _spans(f'/units/{unit["id"]}', {"date": unit.get("date", "")}, span)
    body = (f'<h2>{escape(unit["name"])}</h2><p>{place} · <a href="{escape(export)}">下载Excel</a></p>'
            f'<h3>趋势 {spans}</h3>{chart or "<p>这段时间没有报送</p>"}'
            f'<h3>近14天报送</h3>{table(head, rows, table_id="reports", empty="近14天没有报送")}'
            f'<h3>修改记录（被更新前的版本）</h3><ul>{revs}</ul><h3>整改问题</h3><ul>{plist}</ul>')
    return layout(unit["name"], body, account, csrf)


def problems_page(problems: list[dict[str, Any]], account: Any, csrf: str) -> str:
    def photos(p: dict[str, Any]) -> str:
        return " ".join(f'<a href="/problems/{p["number"]}/photos/{i}"><img src="/problems/{p["number"]}/photos/{i}" '
                        f'alt="整改照片{i + 1}" height="48"></a>' for i in range(p["photos"]))

    def state(p: dict[str, Any]) -> str:
        said = "已销号" if p["status"] == "closed" else ("逾期" if p["overdue"] else "未整改")
        return f'<span class="overdue">{said}</span>' if p["overdue"] else said

    rows = [[f'#{p["number"]}', escape(p["unit"]), escape(p["description"]) + photos(p), p["deadline"] or "",
             state(p), escape(p["assignee"])] for p in problems]
    body = (f'<h2>整改问题（未销号 {sum(p["status"] == "open" for p in problems)} 个）</h2>'
            + table(["编号", "单位", "问题", "期限", "状态", "责任人"], rows, table_id="problems"))
    return layout("整改问题", body, account, csrf)


def vocabulary_page(data: dict[str, Any], account: Any, csrf: str) -> str:
    unknown = [[u["date"], escape(u["template_name"]), escape(u["label"]), str(u["count"])] for u in data["unknown"]]
    taught = [[escape(t["template_name"]), escape(t["alias"]), escape(t["field"]), escape(t["by"]), t["at"]]
              for t in data["taught"]]
    body = (f'<h2>识别词汇</h2><p>大家报送时用了、但机器人不认识的写法（近7天，按次数）。管理员在群里发送'
            f'「学习 写法=模板项目」即可教会，例如：学习 今日体温检测=测温人数。</p>'
            f'<h3>未识别的写法</h3>{table(["日期", "模板", "写法", "次数"], unknown, table_id="unknown")}'
            f'<h3>已学会的写法</h3>{table(["模板", "写法", "即", "教的人", "日期"], taught, table_id="taught")}')
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


def audit_page(rows: list[dict[str, Any]], since: str, who: str, account: Any, csrf: str,
               paging: str = "") -> str:
    cells = [[r["at"], escape(r["who"]), escape(r["address"]),
              escape(ACTIONS.get(r["action"], r["action"])) + ("（完整号码）" if r["whole"] else ""),
              escape(r["target"]), escape(_detail(r["detail"]))] for r in rows]
    body = (f'<h2>审计日志</h2><form class="filters" method="get" action="/audit">'
            f'<label>自 <input type="date" name="since" value="{escape(since)}"></label>'
            f'<label>人员 <input name="who" value="{escape(who)}"></label><button>查看</button></form>{paging}'
            + table(["时间", "人员", "地址/群", "操作", "对象", "说明"], cells, table_id="audit") + paging)
    return layout("审计日志", body, account, csrf)
