"""Keeps the connection alive: reconnect with backoff, forever, when the connector says it is lost
(stream ended, silence, refused) or cannot log in. Transport-neutral: it sees the Connector protocol.

Measured failure modes it answers (../shared/wechaty-notes.md): lost heartbeats, an error event that
silently ends the stream, no retry when the gateway is down, on_login not fired after a restart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.connectors.base import BadCredentials, Connector, Watch

log = logging.getLogger("wxbot.supervisor")

__all__ = ["BadCredentials", "Watch", "supervise"]


async def supervise(make: Callable[[], Connector], on_up: Callable[[Connector], Awaitable[None]],
                    w: Watch, *, on_down: Callable[[str], None] = lambda reason: None,
                    stop_after: int | None = None) -> None:
    """Forever (or until stop_after connections, for tests): connect, serve, watch, reconnect."""
    backoff, connections = w.first_backoff, 0
    while stop_after is None or connections < stop_after:
        conn = make()
        try:
            await conn.start()
            await conn.connected(w)
        except BadCredentials:
            await conn.stop()
            raise
        except Exception as exc:  # noqa: BLE001 - every other failure is retried
            log.error("WeChat connection failed: %s; retrying in %.0f s", exc, backoff)
            on_down(str(exc))
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
            reason = await conn.lost(w)
        log.error("WeChat connection lost: %s; reconnecting", reason)
        on_down(reason)
        await conn.stop()
