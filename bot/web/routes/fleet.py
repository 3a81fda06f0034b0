"""运行状态 for district admins: the same as `wxbot status`, every account of the fleet."""

from __future__ import annotations

from html import escape

from aiohttp import web

from bot.status import fleet
from bot.web import auth
from bot.web.desk import account, desk, html
from bot.web.pages import layout

routes = web.RouteTableDef()


@routes.get("/status")
async def status_page(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    if not who.admin:
        raise web.HTTPForbidden(text="运行状态页仅限区级管理员查看")
    now = d.clock.now()
    rows = await d.db(lambda s: fleet(s, d.cfg, now))
    cells = "".join(
        f'<tr class="{"" if r.up else "down"}" data-account="{escape(r.account)}"><td>{escape(r.account)}</td>'
        f'<td>{r.processes}</td><td>{"是" if r.logged_in else "否"}</td><td>{r.rooms_owned}</td><td>{r.backlog}</td>'
        f'<td>{r.sent_today} / {r.cap}</td><td>{"—" if r.last_event_age is None else f"{r.last_event_age:.0f} 秒前"}</td>'
        f'<td>{"正常" if r.up else "异常：" + escape(r.problem())}</td></tr>' for r in rows)
    body = ('<h2>运行状态</h2><table id="fleet"><tr><th>微信账号</th><th>进程</th><th>已登录</th><th>负责群数</th>'
            f'<th>待发</th><th>今日已发 / 上限</th><th>最近事件</th><th>状态</th></tr>{cells}</table>'
            '<p>同一群里有两个账号时，负责账号长时间无响应，另一个账号自动接管，恢复后交还。</p>')
    return html(layout("运行状态", body, who, await auth.csrf_token(request)))
