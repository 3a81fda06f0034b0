"""运行状态 for district admins: the same as `wxbot status`, every account of the fleet."""

from __future__ import annotations

from html import escape

from aiohttp import web

from bot.connectors.base import LOGIN_STATES
from bot.status import AccountStatus, fleet
from bot.web import auth
from bot.web.desk import account, desk, html
from bot.web.pages import layout
from bot.web.widgets import table

routes = web.RouteTableDef()


@routes.get("/status")
async def status_page(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    if not who.admin:
        raise web.HTTPForbidden(text="运行状态页仅限区级管理员查看")
    now = d.clock.now()
    rows = await d.db(lambda s: fleet(s, d.cfg, now))
    cells = [[escape(r.account), str(r.processes), "是" if r.logged_in else "否", str(r.rooms_owned), str(r.backlog),
              f"{r.sent_today} / {r.cap}", "—" if r.last_event_age is None else f"{r.last_event_age:.0f} 秒前",
              "正常" if r.up else "异常：" + escape(r.problem())] for r in rows]
    attrs = [f' class="{"" if r.up else "down"}" data-account="{escape(r.account)}"' for r in rows]
    grid = table(["微信账号", "进程", "已登录", "负责群数", "待发", "今日已发 / 上限", "最近事件", "状态"], cells,
                 table_id="fleet", row_attrs=attrs)
    body = ('<h2>运行状态</h2>' + grid
            + "".join(_login_box(r) for r in rows if r.login_state and not r.logged_in)
            + '<p>同一群里有两个账号时，负责账号长时间无响应，另一个账号自动接管，恢复后交还。</p>')
    page = layout("运行状态", body, who, await auth.csrf_token(request))
    if any(r.login_state and not r.logged_in for r in rows):  # a QR code on screen: look again every 5 s
        page = page.replace("<head>", '<head><meta http-equiv="refresh" content="5">', 1)
    return html(page)


def _login_box(r: AccountStatus) -> str:
    said = LOGIN_STATES.get(r.login_state, r.login_state)
    image = (f'<img id="qr-{escape(r.account)}" class="qr" alt="登录二维码" src="/status/qr/{escape(r.account)}.svg">'
             if r.qr else "")
    return (f'<section class="login" data-account="{escape(r.account)}" data-state="{escape(r.login_state)}">'
            f'<h3>{escape(r.account)}：{escape(said)}</h3>{image}'
            '<p>用机器人的微信扫码登录；扫码后在手机上确认。登录后此处自动消失。</p></section>')


@routes.get("/status/qr/{account}.svg")
async def login_qr(request: web.Request) -> web.Response:
    d, who = desk(request), account(request)
    if not who.admin:
        raise web.HTTPForbidden(text="运行状态页仅限区级管理员查看")
    name = request.match_info["account"]
    now = d.clock.now()
    rows = await d.db(lambda s: fleet(s, d.cfg, now))
    code = next((r.qr for r in rows if r.account == name and r.qr), "")
    if not code:
        raise web.HTTPNotFound(text="这个账号现在没有待扫的二维码")
    await d.audit(request, "view", target=f"login QR {name}")
    return web.Response(body=qr_svg(code), content_type="image/svg+xml")


def qr_svg(code: str) -> bytes:
    import io

    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(code, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(out)
    return out.getvalue()
