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
    table = Table("account", "processes", "logged in", "rooms owned", "backlog", "sent today / cap",
                  "last event", "state")
    for r in rows:
        age = "—" if r.last_event_age is None else f"{r.last_event_age:.0f} s ago"
        table.add_row(r.account, str(r.processes), "yes" if r.logged_in else "no", str(r.rooms_owned),
                      str(r.backlog), f"{r.sent_today} / {r.cap}", age, "up" if r.up else f"DOWN: {r.problem()}")
    Console(width=120).print(table)
    down = [r.account for r in rows if not r.up]
    if down:
        print(f"down: {', '.join(down)}")
    return 1 if down else 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    s = sub.add_parser("status", parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter,
                       help="every WeChat account at a glance (运行状态): processes, login, rooms, backlog, sends",
                       epilog="example:\n  wxbot status   (exit 1 when an account is down: use it from monitoring)")
    s.set_defaults(func=cmd_status)
