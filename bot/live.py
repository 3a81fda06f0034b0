"""`wxbot run`: the bot against a real transport, under the supervisor, with its background tasks."""

from __future__ import annotations

import asyncio
import os
import logging
import sys
from collections.abc import Callable

from aiohttp import web

from bot import runtime as rt
from bot.clock import SystemClock
from bot.config import AccountSpec, Config
from bot.connectors.base import BadCredentials, Connector, Displaced, Watch
from bot.supervisor import supervise
from bot.web.app import make_app
from bot.web.desk import Health
from bot.web import server as desk_server

log = logging.getLogger("wxbot.live")


async def _report_rooms(runtime: rt.Runtime, conn: Connector, cfg: Config) -> None:
    rooms = await conn.rooms()
    log.info("in %d rooms: %s", len(rooms), ", ".join(f"{t} ({i})" for i, t in rooms))
    for name in await runtime.sync_rooms(rooms):
        group = next(g for g in cfg.groups if name in (g.room, g.topic))
        log.warning("configured %s group not found among the bot's rooms: %s", group.kind, name)


def health(runtime: rt.Runtime) -> Health:
    def connected() -> bool:
        return runtime.connection_state()[0]

    return Health(connected, lambda: runtime.connection_state()[1], lambda: runtime.intake.backlog,
                  problems=runtime.problems, loops=runtime.loops.report)


async def _serve_web(cfg: Config, runtime: rt.Runtime, clock: SystemClock) -> tuple[web.AppRunner, asyncio.Server]:
    limits = desk_server.Limits(cfg.web.header_timeout_seconds, cfg.web.max_connections)
    served = await desk_server.serve(make_app(cfg, runtime.engine, clock, health(runtime)), cfg.web.host, cfg.web.port, limits)
    log.info("dashboard on http://%s:%d", cfg.web.host, cfg.web.port)
    return served


async def serve(cfg: Config, runtime: rt.Runtime, watch: Watch, *, with_web: bool = False,
                clock: SystemClock | None = None) -> int:
    runner = await _serve_web(cfg, runtime, clock or SystemClock(cfg.tz)) if with_web else None
    runtime.start_tasks(outbox=True, scheduler=True)

    async def on_up(conn: Connector) -> None:
        runtime.use(conn)
        await _report_rooms(runtime, conn, cfg)
        runtime.up()

    connection = asyncio.create_task(supervise(runtime.new_connector, on_up, watch, on_down=runtime.down),
                                     name="connection")
    fatal = asyncio.create_task(runtime.loops.fatal.wait(), name="fatal")
    try:
        await asyncio.wait([connection, fatal], return_when=asyncio.FIRST_COMPLETED)
        if fatal.done():
            print(f"wxbot: stopping, {runtime.loops.fatal_reason}; systemd starts it again", file=sys.stderr)
            return 3
        await connection  # it only ends by raising
    except BadCredentials as exc:
        account = cfg.account(runtime.app.account)
        secret = os.environ.get(account.secret_env if account.transport == "wecom" else account.token_env, "")
        said = str(exc).replace(secret, "***") if secret else str(exc)  # a gateway may echo the token
        log.error("the service rejected the credentials: %s", said)
        what = (f"WeCom rejected the bot id or secret ({account.bot_id_env}, {account.secret_env})"
                if account.transport == "wecom" else f"the puppet service rejected the token ({account.token_env})")
        print(f"wxbot: {what}: {said}", file=sys.stderr)
        return 2
    except Displaced as exc:
        log.error("stopping: %s", exc)
        print(f"wxbot: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the connection's supervisor itself broke: start afresh
        log.critical("the connection supervisor failed", exc_info=exc)
        print(f"wxbot: stopping, the connection supervisor failed ({type(exc).__name__}: {exc}); "
              "systemd starts it again", file=sys.stderr)
        return 3
    finally:
        for task in (connection, fatal):
            task.cancel()
        if runner is not None:
            runner[1].close()
            await runner[0].cleanup()
        await runtime.stop()
        runtime.engine.dispose()
    return 0


def watch_of(cfg: Config) -> Watch:
    c = cfg.connection
    return Watch(silence=c.silence_seconds, login_timeout=c.login_timeout_seconds, max_backoff=c.max_backoff_seconds)


async def _main(cfg: Config, connector: Callable[[rt.Runtime], Connector], with_web: bool,
                account: str = "default") -> int:
    engine = rt.open_database(cfg, migrate=False)
    clock = SystemClock(cfg.tz)
    runtime = rt.build(cfg, clock, engine=engine, connector=connector, account=account)
    return await serve(cfg, runtime, watch_of(cfg), with_web=with_web, clock=clock)


def run_live(cfg: Config, *, token: str, endpoint: str, web: bool = False, account: str = "default") -> int:
    return asyncio.run(_main(cfg, rt.wechaty_connector(cfg, token=token, endpoint=endpoint), web, account))


def run_wecom(cfg: Config, account: AccountSpec, *, bot_id: str, secret: str, web: bool = False) -> int:
    connector = rt.wecom_connector(cfg, bot_id=bot_id, secret=secret, ws_url=account.ws_url, ca_file=account.ca_file,
                                   webhook_url=account.webhook_url)
    return asyncio.run(_main(cfg, connector, web, account.name))
