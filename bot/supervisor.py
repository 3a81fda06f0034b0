"""Keeps the WeChat connection alive: reconnect with backoff, forever, when the event stream ends,
when no event has come for too long, or when the gateway refuses the connection.

Measured failure modes it answers (../shared/wechaty-notes.md): lost heartbeats, an error event that
silently ends the stream, no retry when the gateway is down, on_login not fired after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.connectors.wechaty import WechatyConnector

log = logging.getLogger("wxbot.supervisor")


class BadToken(Exception):
    """The gateway rejected the token: retrying will not help."""


@dataclass
class Watch:
    silence: float = 180.0  # no event (heartbeat, dong, message) for this long -> reconnect
    login_timeout: float = 60.0
    first_backoff: float = 1.0
    max_backoff: float = 300.0
    poll: float = 1.0


def _is_auth_error(exc: BaseException | None) -> bool:
    status = getattr(exc, "status", None)
    return status is not None and getattr(status, "name", "") == "UNAUTHENTICATED"


def describe(exc: BaseException | None) -> str:
    if exc is None:
        return "the event stream ended"
    if isinstance(exc, ConnectionRefusedError | OSError):
        return f"the gateway refused the connection ({exc})"
    message = getattr(exc, "message", None) or str(exc)
    return f"the event stream failed: {type(exc).__name__}: {message}"


async def watch(conn: WechatyConnector, w: Watch) -> str:
    """Return why the connection is considered lost; ding the gateway when it goes quiet."""
    dinged = False
    while True:
        await asyncio.sleep(w.poll)
        if conn.streaming and conn.stream is not None and conn.stream.done():
            return describe(conn.stream.exception() if not conn.stream.cancelled() else None)
        quiet = time.monotonic() - conn.last_event
        if quiet > w.silence:
            return f"no event from the gateway for {quiet:.0f} s"
        if quiet > w.silence / 2 and not dinged:
            dinged = True
            try:
                await conn.ding()
            except Exception as exc:  # noqa: BLE001 - a failed ding is itself a sign of trouble
                return describe(exc)
        elif quiet <= w.silence / 2:
            dinged = False


async def connect(conn: WechatyConnector, w: Watch) -> None:
    """Start and wait for login; raise BadToken for a rejected token, else the cause."""
    await conn.start()
    login = asyncio.ensure_future(conn.logged_in.wait())
    waiters: set[asyncio.Future[object]] = {login}  # type: ignore[arg-type]
    if conn.streaming and conn.stream is not None:
        waiters.add(conn.stream)  # type: ignore[arg-type]
    done, _ = await asyncio.wait(waiters, timeout=w.login_timeout, return_when=asyncio.FIRST_COMPLETED)
    if login in done:
        return
    login.cancel()
    if conn.stream is not None and conn.stream.done() and not conn.stream.cancelled():
        exc = conn.stream.exception()
        if _is_auth_error(exc):
            raise BadToken(getattr(exc, "message", None) or str(exc))
        raise ConnectionError(describe(exc))
    raise TimeoutError(f"no login within {w.login_timeout:.0f} s")


async def supervise(make: Callable[[], WechatyConnector], on_up: Callable[[WechatyConnector], Awaitable[None]],
                    w: Watch, *, stop_after: int | None = None) -> None:
    """Forever (or until stop_after connections, for tests): connect, serve, watch, reconnect."""
    backoff, connections = w.first_backoff, 0
    while stop_after is None or connections < stop_after:
        conn = make()
        try:
            await connect(conn, w)
        except BadToken:
            await conn.stop()
            raise
        except Exception as exc:  # noqa: BLE001 - every other failure is retried
            log.error("WeChat connection failed: %s; retrying in %.0f s", exc, backoff)
            await conn.stop()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, w.max_backoff)
            continue
        connections += 1
        backoff = w.first_backoff
        try:  # a call to a gateway that just died can hang forever: grpclib has no default timeout
            await asyncio.wait_for(on_up(conn), w.login_timeout)
        except Exception as exc:  # noqa: BLE001
            reason = f"setting up after login failed: {exc!r}"
        else:
            reason = await watch(conn, w)
        log.error("WeChat connection lost: %s; reconnecting", reason)
        await conn.stop()
