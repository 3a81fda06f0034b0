"""The desk against slow and many clients: a connection that sends no request head in time is closed,
past the connection limit new ones are closed at once, and a normal request is answered meanwhile."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from sqlalchemy import Engine

from bot.clock import SystemClock
from bot.config import Config
from bot.web.app import make_app
from bot.web.server import Limits, serve


async def _get(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return data


async def test_slow_clients_are_cut_and_the_desk_still_answers(config: Config, engine: Engine, tmp_path: Path) -> None:
    cfg = config.model_copy(update={"data_dir": tmp_path})
    limits = Limits(header_timeout=1.0, max_connections=40)
    runner, server = await serve(make_app(cfg, engine, SystemClock(cfg.tz)), "127.0.0.1", 0, limits)
    port = server.sockets[0].getsockname()[1]
    slow = []
    try:
        for _ in range(60):  # more slow clients than the limit, each sending half a request head
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)
        await asyncio.sleep(0.3)
        assert limits.refused >= 20 and limits.active <= 40  # the limit held
        await asyncio.sleep(1.5)  # past the header timeout: every slow one is closed
        assert limits.timed_out >= 1 and limits.active == 0
        answer = await _get(port)
        assert answer.startswith(b"HTTP/1.1") and b"healthz" not in answer[:12]
        closed = 0
        for s in slow:
            s.settimeout(2)
            try:
                closed += s.recv(1) == b""
            except OSError:
                closed += 1
        assert closed == len(slow)
    finally:
        for s in slow:
            s.close()
        server.close()
        await runner.cleanup()
