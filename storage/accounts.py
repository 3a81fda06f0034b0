"""Desk accounts' state kept in the database (so several web processes agree): session versions,
failed logins and lockouts per account and per address, and the accounts made by `wxbot user`."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from storage.models import AccountState, AddressThrottle, WebUser

LOCK_AFTER = 10  # failed logins in a row: the account is locked until an admin lifts it
FREE_TRIES = 3  # failures before the delays start
MAX_DELAY = 15 * 60.0


def state(session: Session, *, username: str) -> AccountState:
    found = session.get(AccountState, username)
    if found is None:
        found = AccountState(username=username)
        session.add(found)
        session.flush()
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
    acc = session.get(AccountState, username)
    addr = session.get(AddressThrottle, address)
    waits = [0.0]
    if acc is not None and acc.last_failure is not None:
        waits.append(delay(acc.failures) - (now - acc.last_failure).total_seconds())
    if addr is not None:
        waits.append(delay(addr.failures) - (now - addr.last_failure).total_seconds())
    return max(waits), bool(acc is not None and acc.locked)


def failed(session: Session, *, username: str, address: str, now: dt.datetime, known: bool) -> None:
    addr = session.get(AddressThrottle, address) or AddressThrottle(address=address, last_failure=now)
    addr.failures, addr.last_failure = addr.failures + 1, now
    session.add(addr)
    if known:  # an unknown name has no account to lock (and no row to fill)
        acc = state(session, username=username)
        acc.failures, acc.last_failure = acc.failures + 1, now
        acc.locked = acc.locked or acc.failures >= LOCK_AFTER
        session.add(acc)


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
