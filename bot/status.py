"""The fleet at a glance, from the database alone (heartbeats, room owners, outbox, send slots):
what `wxbot status` prints and the desk's /status page shows, for every configured account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.config import Config
from storage import outbox, processes, rooms
from storage.models import SendSlot

STALE = dt.timedelta(seconds=60)  # no heartbeat for this long: the process is taken for dead


@dataclass(frozen=True, slots=True)
class AccountStatus:
    account: str
    processes: int
    alive: bool
    logged_in: bool
    rooms_owned: int
    backlog: int
    sent_today: int
    cap: int
    last_event_age: float | None  # seconds
    trouble: str = ""  # what a live process says is wrong inside it (a loop dead or stuck)
    login_state: str = ""  # a QR login under way (waiting, scanned, confirmed, expired)
    qr: str = ""

    @property
    def up(self) -> bool:
        return self.alive and self.logged_in and not self.trouble

    def problem(self) -> str:
        if not self.alive:
            return "没有运行中的进程（wxbot run 未启动或已退出）"
        if not self.logged_in:
            if self.login_state in ("waiting", "expired"):
                return "微信未登录：等待扫码（二维码在 wxbot run 的终端和运行状态页）"
            if self.login_state in ("scanned", "confirmed"):
                return "微信未登录：已扫码，等待手机上确认"
            return "微信未登录"
        return self.trouble


def fleet(session: Session, cfg: Config, now: dt.datetime) -> list[AccountStatus]:
    procs = processes.all_processes(session)
    owned = rooms.owned_counts(session)
    slots = {s.account: s for s in session.exec(select(SendSlot))}
    today = now.astimezone(cfg.tz).date()
    out = []
    for account in cfg.all_accounts():
        mine = [p for p in procs if p.account == account.name]
        live = [p for p in mine if now - p.beat_at <= STALE]
        events = [p.last_event_at for p in live if p.last_event_at is not None]
        slot = slots.get(account.name)
        out.append(AccountStatus(
            account=account.name, processes=len(live), alive=bool(live), logged_in=any(p.logged_in for p in live),
            rooms_owned=owned.get(account.name, 0), backlog=outbox.backlog(session, account=account.name),
            sent_today=slot.sent if slot is not None and slot.day == today else 0,
            cap=account.daily_cap or cfg.outbox.daily_cap,
            last_event_age=round((now - max(events)).total_seconds(), 1) if events else None,
            trouble="; ".join(p.problem for p in live if p.problem),
            login_state=next((p.login_state for p in live if p.login_state), ""),
            qr=next((p.qr for p in live if p.qr), "")))
    return out
