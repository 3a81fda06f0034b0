"""Bot processes and their heartbeats: who is alive, so what a dead one left mid-send is recovered."""

from __future__ import annotations

import datetime as dt
import os
import socket

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import BotProcess

_PROC = BotProcess.__table__  # type: ignore[attr-defined]
HOST = socket.gethostname()


def register(session: Session, *, name: str, account: str, now: dt.datetime) -> None:
    module = sqlite if session.connection().dialect.name == "sqlite" else postgresql
    values = {"name": name, "host": HOST, "pid": os.getpid(), "account": account, "started_at": now, "beat_at": now,
              "logged_in": False, "problem": "",
              "login_state": "", "qr": ""}
    stmt = module.insert(_PROC).values(**values)
    session.connection().execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))


def beat(session: Session, *, name: str, now: dt.datetime, logged_in: bool, last_event_at: dt.datetime | None,
         problem: str = "", login_state: str = "", qr: str = "") -> None:
    session.connection().execute(update(_PROC).where(_PROC.c.name == name)
                                 .values(beat_at=now, logged_in=logged_in, last_event_at=last_event_at,
                                         problem=problem[:500], login_state=login_state, qr=qr[:2000]))


def leave(session: Session, *, name: str) -> None:
    session.connection().execute(delete(_PROC).where(_PROC.c.name == name))


def all_processes(session: Session) -> list[BotProcess]:
    return list(session.exec(select(BotProcess).order_by(col(BotProcess.account), col(BotProcess.name))))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_dead(session: Session, *, name: str, now: dt.datetime, stale: dt.timedelta) -> bool:
    """Dead: it left (no row), its pid is gone on this host, or it has not beaten for `stale`."""
    proc = session.get(BotProcess, name)
    if proc is None:
        return True
    if proc.host == HOST and not _pid_alive(proc.pid):
        return True
    return now - proc.beat_at > stale
