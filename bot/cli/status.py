"""`wxbot status`: every account's processes, login, rooms, backlog and sends, for an operator and
for monitoring (exit 1 when an account is down)."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.cli.common import checked_engine
from bot.config import Config


def cmd_status(args: argparse.Namespace, cfg: Config) -> int:
    from rich.console import Console
    from rich.table import Table
    from sqlmodel import Session

    from bot.status import fleet

    now = dt.datetime.now(cfg.tz)
    with checked_engine(cfg) as engine, Session(engine) as s:
        rows = fleet(s, cfg, now)
    table = Table("微信账号", "进程", "已登录", "负责群数", "待发", "今日已发 / 上限", "最近事件", "状态")
    for r in rows:
        age = "—" if r.last_event_age is None else f"{r.last_event_age:.0f} 秒前"
        table.add_row(r.account, str(r.processes), "是" if r.logged_in else "否", str(r.rooms_owned),
                      str(r.backlog), f"{r.sent_today} / {r.cap}", age, "正常" if r.up else f"异常：{r.problem()}")
    Console(width=140).print(table)
    down = [r.account for r in rows if not r.up]
    if down:
        print(f"异常账号：{'、'.join(down)}")
    return 1 if down else 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    s = sub.add_parser("status", parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter,
                       help="every WeChat account at a glance (运行状态): processes, login, rooms, backlog, sends",
                       epilog="example:\n  wxbot status   (exit 1 when an account is down: use it from monitoring)")
    s.set_defaults(func=cmd_status)
