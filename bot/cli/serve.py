"""Commands that run something: run (WeChat), web (the desk), demo, db."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from bot.cli.common import checked_engine, fail
from bot.config import AccountSpec, Config

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def cmd_db(args: argparse.Namespace, cfg: Config) -> int:
    from bot.app import bootstrap
    from bot.clock import SystemClock
    from bot.startup import open_engine
    from storage import queries, schema
    from storage.db import session_scope

    engine = open_engine(cfg)
    try:
        if args.db_command == "upgrade":
            schema.upgrade(engine)
            with session_scope(engine) as session:  # config.yaml's units and roster seed the database
                bootstrap(session, cfg, SystemClock(cfg.tz))
                count = sum(len(queries.units_of_kind(session, kind=k)) for k in cfg.kinds)
            print(f"database at revision {schema.current_revision(engine)}; {count} units")
        else:
            print(f"database revision: {schema.current_revision(engine)}; code needs: {schema.head_revision()}")
    finally:
        engine.dispose()
    return 0


def cmd_demo(args: argparse.Namespace, cfg: Config) -> int:
    from bot.demo import run_demo

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.ERROR)  # wechaty logs every event at INFO
    keep = args.keep or getattr(args, "data_dir", None)  # --data-dir X: the demo's database goes there
    return run_demo(cfg, Path(keep) if keep else None, args.transport)


def cmd_replay(args: argparse.Namespace, cfg: Config) -> int:
    from bot.replay import HistoryError, run_replay

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.ERROR)  # wechaty logs every event at INFO
    try:
        return run_replay(cfg, Path(args.file), Path(args.keep) if args.keep else None)
    except FileNotFoundError:
        return fail(f"no such file: {args.file}")
    except (HistoryError, UnicodeDecodeError) as exc:
        return fail(f"cannot read the history: {exc}")


def cmd_run(args: argparse.Namespace, cfg: Config) -> int:
    try:
        account = cfg.account(args.account)
    except KeyError as exc:
        which = "which account to run: --account" if args.account is None else f"no account '{args.account}' in config.yaml:"
        return fail(f"{which} one of {exc.args[0]} (one process per WeChat account)")
    if account.transport == "wecom":
        return _run_wecom(args, cfg, account)
    token = os.environ.get(account.token_env)
    endpoint = os.environ.get(account.endpoint_env)
    if not token and not endpoint:
        return fail(f"{account.token_env} and {account.endpoint_env} are not set: start a puppet-service gateway "
                    "and give its token and host:port (README, 'Running in WeChat')")
    if not token:
        return fail(f"{account.token_env} is not set: get a token from a Wechaty puppet service "
                    "provider or your self-hosted gateway (see README, 'Running in WeChat')")
    if not endpoint:
        return fail(f"{account.endpoint_env} is not set (host:port of the puppet service gateway); "
                    "without it wechaty would ask a discovery service on the internet")
    from bot.live import run_live

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    return run_live(cfg, token=token, endpoint=endpoint, web=args.web, account=account.name)


def _run_wecom(args: argparse.Namespace, cfg: Config, account: AccountSpec) -> int:
    bot_id, secret = os.environ.get(account.bot_id_env), os.environ.get(account.secret_env)
    if not bot_id or not secret:
        missing = account.bot_id_env if not bot_id else account.secret_env
        return fail(f"{missing} is not set: the WeCom 智能机器人's bot id and secret, from the WeCom admin console "
                    "(see README, 'Running in WeCom')")
    if account.ca_file is not None and not account.ca_file.exists():
        return fail(f"ca_file {account.ca_file} of account '{account.name}' does not exist")
    from bot.live import run_wecom

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    return run_wecom(cfg, account, bot_id=bot_id, secret=secret, web=args.web)


def cmd_web(args: argparse.Namespace, cfg: Config) -> int:
    """The dashboard alone (no WeChat connection in this process)."""
    from bot.clock import SystemClock
    from bot.web.app import make_app
    from bot.web.server import Limits, serve_forever

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    host, port = args.host or cfg.web.host, args.port or cfg.web.port
    limits = Limits(cfg.web.header_timeout_seconds, cfg.web.max_connections)
    with checked_engine(cfg) as engine:
        serve_forever(make_app(cfg, engine, SystemClock(cfg.tz)), host, port, limits)
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    fmt = argparse.RawDescriptionHelpFormatter
    r = sub.add_parser("run", parents=[common], formatter_class=fmt,
                       help="connect to WeChat through a Wechaty puppet service and serve the groups (机器人上线)",
                       description="Needs WECHATY_PUPPET_SERVICE_TOKEN and WECHATY_PUPPET_SERVICE_ENDPOINT "
                                   "(see README, 'Running in WeChat'). Reconnects by itself; stop with Ctrl-C.",
                       epilog="examples:\n  WECHATY_PUPPET_SERVICE_TOKEN=… WECHATY_PUPPET_SERVICE_ENDPOINT=10.0.0.5:8788 "
                              "wxbot run --web\n  wxbot run --account north   (its token and endpoint from the "
                              "variables accounts: names)")
    r.add_argument("--web", action="store_true", help="also serve the officials' desk (网页) in this process")
    r.add_argument("--account", help="the WeChat account to run as (accounts: in config.yaml; one per process)")
    r.set_defaults(func=cmd_run)

    w = sub.add_parser("web", parents=[common], formatter_class=fmt,
                       help="serve the officials' desk (网页看板) and its JSON API",
                       epilog="example:\n  wxbot web --host 127.0.0.1 --port 8080   (put nginx or Caddy in front; "
                              "README, 'The officials' desk')")
    w.add_argument("--host", help="address to listen on (default: web.host in config.yaml, 127.0.0.1)")
    w.add_argument("--port", type=int, help="port to listen on (default: web.port in config.yaml, 8080)")
    w.set_defaults(func=cmd_web)

    m = sub.add_parser("demo", parents=[common], formatter_class=fmt,
                       help="play a day in four groups through the in-process puppet (演示) and print it",
                       epilog="examples:\n  wxbot demo\n  wxbot demo --transport wecom   (the same day in WeCom)\n"
                              "  wxbot demo --keep ~/wxbot-demo   (then: wxbot web --data-dir ~/wxbot-demo)")
    m.add_argument("--keep", metavar="DIR", help="keep the demo's database in DIR (a fresh one each time)")
    m.add_argument("--transport", choices=["wechaty", "wecom"], default="wechaty",
                   help="wecom: the same day through the WeCom connector and a local WeCom server (企业微信)")
    rp = sub.add_parser("replay", parents=[common], formatter_class=fmt,
                        help="play a chat history through the bot (回放) and print what it would have answered",
                        description="Play a group chat history (CSV or JSON lines) through the real bot on a fake "
                                    "clock and a throw-away database; print the transcript and a tally.\n\n"
                                    "Columns (header names, any case): time (ISO time or seconds since 1970), room "
                                    "(the group's topic or id), sender_id and/or sender_name, text. Also accepted: "
                                    "时间 发送时间 群名 会话 发送者 昵称 内容 消息内容, and 留痕/WeChatMsg's StrTime "
                                    "CreateTime NickName Sender StrContent Type (only Type 1, text, is read).",
                        epilog="examples:\n  wxbot replay examples/group-history.csv\n"
                               "  wxbot replay history.jsonl --keep ~/replay   (then: wxbot web --data-dir ~/replay)")
    rp.add_argument("file", help="the chat history, .csv or .jsonl")
    rp.add_argument("--keep", metavar="DIR", help="keep the replay's database in DIR (an empty directory)")
    rp.set_defaults(func=cmd_replay)
    m.set_defaults(func=cmd_demo)

    d = sub.add_parser("db", parents=[common], formatter_class=fmt,
                       help="the database schema (数据库): create or migrate it, or show its revision",
                       epilog="examples:\n  wxbot db upgrade   (on a new machine, and after updating wxbot)\n"
                              "  wxbot db current")
    d.add_argument("db_command", choices=["upgrade", "current"],
                   help="upgrade: create or migrate the schema; current: show the revision")
    d.set_defaults(func=cmd_db)
