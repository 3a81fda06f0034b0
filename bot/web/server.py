"""Serving the desk: aiohttp's app behind two limits aiohttp itself lacks.

- a header timeout: a connection that has not sent a whole request head within `header_timeout`
  seconds is closed (slow clients holding sockets open: slowloris);
- a connection limit: past `max_connections` open connections a new one is closed at once, so the
  process never runs out of file descriptors (the log stays quiet instead of 133 MB of EMFILE).

In production put nginx or Caddy in front as well (README): they buffer slow clients for us."""

from __future__ import annotations

import asyncio
import logging
import resource
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

log = logging.getLogger("wxbot.web")
HEAD_END = b"\r\n\r\n"


@dataclass
class Limits:
    header_timeout: float = 10.0
    max_connections: int = 1000
    active: int = 0
    refused: int = 0
    timed_out: int = 0
    _said: dict[str, float] = field(default_factory=dict)

    def say(self, what: str, message: str) -> None:
        """One log line a minute per kind of trouble, however many connections it hits."""
        now = asyncio.get_running_loop().time()
        if now - self._said.get(what, -120.0) >= 60.0:
            self._said[what] = now
            log.warning(message)


class Guard(asyncio.Protocol):
    """Wraps aiohttp's protocol for one connection: counts it, and times its first request head."""

    def __init__(self, inner: Any, limits: Limits) -> None:
        self.inner, self.limits = inner, limits
        self.counted = False
        self.timer: asyncio.TimerHandle | None = None
        self.tail = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        lim = self.limits
        if lim.active >= lim.max_connections:
            lim.refused += 1
            lim.say("full", f"desk: {lim.max_connections} connections open, refusing new ones ({lim.refused} so far)")
            transport.abort()
            return
        lim.active += 1
        self.counted = True
        self.timer = asyncio.get_running_loop().call_later(lim.header_timeout, self._too_slow)
        self.inner.connection_made(transport)

    def _too_slow(self) -> None:
        self.limits.timed_out += 1
        self.limits.say("slow", f"desk: closed connections that sent no request within {self.limits.header_timeout:.0f} s "
                                f"({self.limits.timed_out} so far)")
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        if self.timer is not None:
            seen = self.tail + data
            if HEAD_END in seen:
                self.timer.cancel()
                self.timer = None
            else:
                self.tail = seen[-3:]
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.counted else None

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.counted:
            self.limits.active -= 1
            self.counted = False
            self.inner.connection_lost(exc)


def raise_file_limit() -> int:
    """The soft limit of open files up to the hard one: room for max_connections and the rest."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft


async def serve(app: web.Application, host: str, port: int, limits: Limits) -> tuple[web.AppRunner, asyncio.Server]:
    """Start the app behind the guard; returns what to close (runner.cleanup(), server.close())."""
    raise_file_limit()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    factory = runner.server
    assert factory is not None
    server = await asyncio.get_running_loop().create_server(lambda: Guard(factory(), limits), host, port,
                                                            backlog=256)
    return runner, server


def serve_forever(app: web.Application, host: str, port: int, limits: Limits) -> None:
    """`wxbot web`: until interrupted."""
    async def main() -> None:
        runner, server = await serve(app, host, port, limits)
        print(f"wxbot: 工作台已启动 http://{host}:{port}/ （按 Ctrl+C 停止）", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            server.close()
            await runner.cleanup()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
