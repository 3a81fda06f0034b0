"""Desk accounts' state kept in the database (so several web processes agree): session versions,
failed logins and lockouts per account and per address, and the accounts made by `wxbot user`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.db import dialect_insert
from storage.models import AccountState, AddressThrottle, WebUser

LOCK_AFTER = 10  # failed logins in a row: the account is locked until an admin lifts it
FREE_TRIES = 3  # failures before the delays start
MAX_DELAY = 15 * 60.0


_ACC = AccountState.__table__  # type: ignore[attr-defined]
_ADDR = AddressThrottle.__table__  # type: ignore[attr-defined]


def _ensure(session: Session, table: Any, **row: Any) -> None:
    """The row exists afterwards, whoever made it: parallel requests (threads, web processes) never
    collide on the insert."""
    key = next(iter(row))
    session.connection().execute(dialect_insert(session, table).values(**row).on_conflict_do_nothing(index_elements=[key]))


def state(session: Session, *, username: str) -> AccountState:
    found = session.get(AccountState, username)
    if found is None:
        _ensure(session, _ACC, username=username, session_version=1, failures=0, locked=False)
        found = session.get(AccountState, username, populate_existing=True)
        assert found is not None
    return found


def session_version(session: Session, *, username: str) -> int:
    found = session.get(AccountState, username)
    return found.session_version if found is not None else 1


def end_sessions(session: Session, *, username: str) -> None:
    """Logout, a new password, deletion: every session of the account ends at once."""
    found = state(session, username=username)
    found.session_version += 1
    session.add(found)


def delay(failures: int) -> float:
    """Seconds to wait after `failures` failures in a row: none at first, then doubling."""
    if failures <= FREE_TRIES:
        return 0.0
    return min(2.0 ** (failures - FREE_TRIES), MAX_DELAY)


def wait_needed(session: Session, *, username: str, address: str, now: dt.datetime) -> tuple[float, bool]:
    """(seconds until a login may be tried, whether the account is locked)."""
    acc = session.get(AccountState, username[:200])
    addr = session.get(AddressThrottle, address)
    waits = [0.0]
    if acc is not None and acc.last_failure is not None:
        waits.append(delay(acc.failures) - (now - acc.last_failure).total_seconds())
    if addr is not None:
        waits.append(delay(addr.failures) - (now - addr.last_failure).total_seconds())
    return max(waits), bool(acc is not None and acc.locked)


def failed(session: Session, *, username: str, address: str, now: dt.datetime, known: bool = True) -> None:
    """Counted in the database (failures = failures + 1), so parallel guesses are all counted."""
    conn = session.connection()
    _ensure(session, _ADDR, address=address, failures=0, last_failure=now)
    conn.execute(update(_ADDR).where(_ADDR.c.address == address)
                 .values(failures=_ADDR.c.failures + 1, last_failure=now))
    # an unknown name is counted and locked exactly like a real one: the answers (401, then 429, then
    # locked) never tell which names exist
    _ensure(session, _ACC, username=username[:200], session_version=1, failures=0, locked=False)
    conn.execute(update(_ACC).where(_ACC.c.username == username[:200])
                 .values(failures=_ACC.c.failures + 1, last_failure=now,
                         locked=or_(_ACC.c.locked, _ACC.c.failures + 1 >= LOCK_AFTER)))
    session.expire_all()


def succeeded(session: Session, *, username: str, address: str) -> None:
    acc = state(session, username=username)
    acc.failures, acc.last_failure = 0, None
    session.add(acc)
    addr = session.get(AddressThrottle, address)
    if addr is not None:
        session.delete(addr)


def unlock(session: Session, *, username: str) -> bool:
    found = session.get(AccountState, username)
    if found is None or not (found.locked or found.failures):
        return False
    found.locked, found.failures, found.last_failure = False, 0, None
    session.add(found)
    return True


def web_user(session: Session, *, username: str) -> WebUser | None:
    return session.exec(select(WebUser).where(WebUser.username == username)).first()


def web_users(session: Session) -> list[WebUser]:
    return list(session.exec(select(WebUser).order_by(col(WebUser.username))))


def locked_accounts(session: Session) -> list[AccountState]:
    return list(session.exec(select(AccountState).where(col(AccountState.locked))))
