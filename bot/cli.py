"""The `wxbot` command. Each subcommand loads the config itself; nothing runs at import."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from sqlalchemy import Engine

EXIT_USAGE = 2


def find_config(explicit: str | None) -> Path:
    """--config, then $WXBOT_CONFIG, then ./config.yaml, then the checkout's config.yaml."""
    if explicit:
        return Path(explicit)
    if env := os.environ.get("WXBOT_CONFIG"):
        return Path(env)
    local = Path("config.yaml")
    if local.exists():
        return local
    return Path(__file__).resolve().parent.parent / "config.yaml"


def fail(message: str) -> int:
    print(f"wxbot: {message}", file=sys.stderr)
    return EXIT_USAGE


@contextmanager
def checked_engine(cfg: Config) -> Iterator[Engine]:
    """An engine on an up-to-date schema (main() turns SchemaOutdated and StartupError into one
    message and exit 2)."""
    from bot.startup import open_engine
    from storage import schema

    engine = open_engine(cfg)
    try:
        schema.check_current(engine)
        yield engine
    finally:
        engine.dispose()


def cmd_parse(args: argparse.Namespace, cfg: Config) -> int:
    """Structure alone; with an explicit --config (or $WXBOT_CONFIG) the configured units too."""
    from handlers.parser import Parser, Registry

    if args.kind not in cfg.kinds:
        return fail(f"unknown kind '{args.kind}' (config kinds: {', '.join(cfg.kinds)})")
    today = dt.date.fromisoformat(args.today) if args.today else dt.datetime.now(cfg.tz).date()
    text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    registry = None
    if args.config or os.environ.get("WXBOT_CONFIG"):
        units: dict[str, set[str]] = {}
        for u in cfg.units:
            units.setdefault(u.kind, set()).update([u.name, *u.aliases])
        registry = Registry(units={k: frozenset(v) for k, v in units.items()})
    parser = Parser(cfg.templates, cfg.reading_words(), registry)
    if args.reply_to:
        if args.reply_to not in parser.vocabularies:
            return fail(f"unknown template '{args.reply_to}' for --reply-to")
        if not args.unit:
            return fail("--reply-to needs --unit NAME")
        reply = parser.parse_reply(text, args.reply_to, args.unit, today)
        reports = [reply] if reply else []
    else:
        reports = parser.parse(text, args.kind, today)
    print(json.dumps({"reports": [r.to_json() for r in reports]}, ensure_ascii=False))
    return 0


def cmd_db(args: argparse.Namespace, cfg: Config) -> int:
    from bot.startup import open_engine
    from storage import schema

    engine = open_engine(cfg)
    try:
        if args.db_command == "upgrade":
            schema.upgrade(engine)
            print(f"database at revision {schema.current_revision(engine)}")
        else:
            print(f"database revision: {schema.current_revision(engine)}; code needs: {schema.head_revision()}")
    finally:
        engine.dispose()
    return 0


def cmd_demo(args: argparse.Namespace, cfg: Config) -> int:
    from bot.demo import run_demo

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.ERROR)  # wechaty logs every event at INFO
    return run_demo(cfg, Path(args.keep) if args.keep else None)


def cmd_run(args: argparse.Namespace, cfg: Config) -> int:
    token = os.environ.get("WECHATY_PUPPET_SERVICE_TOKEN")
    endpoint = os.environ.get("WECHATY_PUPPET_SERVICE_ENDPOINT")
    if not token:
        return fail("WECHATY_PUPPET_SERVICE_TOKEN is not set: get a token from a Wechaty puppet service "
                    "provider or your self-hosted gateway (see README, 'Running in WeChat')")
    if not endpoint:
        return fail("WECHATY_PUPPET_SERVICE_ENDPOINT is not set (host:port of the puppet service gateway); "
                    "without it wechaty would ask a discovery service on the internet")
    from bot.live import run_live

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run_live(cfg, token=token, endpoint=endpoint, web=args.web)


def cmd_summary(args: argparse.Namespace, cfg: Config) -> int:
    from sqlmodel import Session

    from bot.app import make_settings
    from handlers.summary import daily_summary

    day = dt.date.fromisoformat(args.date) if args.date else dt.datetime.now(cfg.tz).date()
    if args.kind and args.kind not in cfg.kinds:
        return fail(f"unknown kind '{args.kind}' (config kinds: {', '.join(cfg.kinds)})")
    with checked_engine(cfg) as engine, Session(engine) as session:
        print(daily_summary(session, make_settings(cfg), day, kind=args.kind))
    return 0


def cmd_issues(args: argparse.Namespace, cfg: Config) -> int:
    """Open problems at a terminal (an operator's view: nothing masked)."""
    from sqlmodel import Session

    from storage import problems, queries

    today = dt.datetime.now(cfg.tz).date()
    with checked_engine(cfg) as engine:
        with Session(engine) as session:
            names = {u.id: u.name for k in cfg.kinds for u in queries.units_of_kind(session, kind=k)}
            rows = problems.open_problems(session)
            print(f"open problems: {len(rows)}")
            for p in rows:
                late = f"  OVERDUE {(today - p.deadline).days} d" if p.deadline and p.deadline < today else ""
                deadline = f"  due {p.deadline}" if p.deadline else ""
                print(f"#{p.id}  {names.get(p.unit_id, '?')}  {p.description}{deadline}  "
                      f"assignee {p.assignee_name or p.assignee_id or '-'}  since {p.created_at:%Y-%m-%d}{late}")
    return 0


def cmd_export(args: argparse.Namespace, cfg: Config) -> int:
    """Reports to .xlsx (one sheet per template + a summary sheet) or .csv (one file per template)."""
    from rich.progress import Progress
    from sqlmodel import Session

    from bot.app import make_settings
    from handlers.export import write_csv, write_workbook
    from storage.export import report_rows

    start, end = dt.date.fromisoformat(args.start), dt.date.fromisoformat(args.end)
    if end < start:
        return fail("--to is before --from")
    if args.kind and args.kind not in cfg.kinds:
        return fail(f"unknown kind '{args.kind}' (config kinds: {', '.join(cfg.kinds)})")
    out = Path(args.output)
    with checked_engine(cfg) as engine:
        with Session(engine) as session, Progress(transient=True) as bar:
            total = len(report_rows(session, start=start, end=end, kind=args.kind))
            task = bar.add_task("exporting reports", total=total)
            write = write_csv if out.suffix.lower() == ".csv" else write_workbook
            result = write(session, make_settings(cfg), out, start=start, end=end, kind=args.kind,
                           progress=lambda n: bar.advance(task, n))
        files = result if isinstance(result, list) else [out]
        print(f"{total} reports from {start} to {end} -> " + ", ".join(str(f) for f in files))
    return 0


def cmd_web(args: argparse.Namespace, cfg: Config) -> int:
    """The dashboard alone (no WeChat connection in this process)."""
    from aiohttp import web

    from bot.clock import SystemClock
    from bot.web.app import make_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host, port = args.host or cfg.web.host, args.port or cfg.web.port
    with checked_engine(cfg) as engine:
        web.run_app(make_app(cfg, engine, SystemClock(cfg.tz)), host=host, port=port, print=None)
    return 0


def cmd_user(args: argparse.Namespace, cfg: Config) -> int:
    """Dashboard accounts: `user add NAME [--street S]` stores one; `user hash` prints a hash for config."""
    import getpass

    from bot.web.auth import hash_password

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("密码: ")
    if len(password) < 8:
        return fail("the password needs at least 8 characters")
    if args.user_command == "hash":
        print(hash_password(password))
        return 0
    from sqlmodel import Session, select

    from storage.models import WebUser

    with checked_engine(cfg) as engine:
        with Session(engine) as session:
            user = session.exec(select(WebUser).where(WebUser.username == args.username)).first()
            user = user or WebUser(username=args.username, password_hash="", created_at=dt.datetime.now(dt.timezone.utc))
            user.password_hash, user.name, user.street = hash_password(password), args.name or args.username, args.street
            session.add(user)
            session.commit()
    print(f"account {args.username} saved" + (f" (street {args.street})" if args.street else ""))
    return 0


def cmd_vocab(args: argparse.Namespace, cfg: Config) -> int:
    """Labels admins taught (学习 … / 是): list them, or remove one (every process notices)."""
    from storage import vocab
    from storage.db import session_scope

    with checked_engine(cfg) as engine, session_scope(engine) as session:
        if args.vocab_command == "list":
            rows = vocab.list_aliases(session)
            names = {t.id: t for t in cfg.templates}
            print(f"taught labels: {len(rows)}")
            for a in rows:
                tpl = names.get(a.template)
                field = tpl.field(a.field_key).display if tpl is not None else a.field_key
                print(f"{a.template}\t{a.alias}\t= {field} ({a.field_key})\tby {a.taught_by} on {a.created_at:%Y-%m-%d}")
            return 0
        if not args.alias:
            return fail("vocab remove needs the label, e.g. wxbot vocab remove 今日体温检测")
        removed = vocab.remove(session, alias=args.alias, template=args.template)
    if not removed:
        return fail(f"no taught label '{args.alias}'" + (f" in template {args.template}" if args.template else ""))
    print(f"removed {removed} taught label(s) '{args.alias}'")
    return 0


def _iso_date(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from None
    return value


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="wxbot", description="WeChat work-group bot for check-in reports.")
    ap.add_argument("--config", help="path to config.yaml (default: $WXBOT_CONFIG or ./config.yaml)")
    ap.add_argument("--data-dir", help="use this data directory (and its SQLite database) instead of config's")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="parse a message from stdin and print the reports as JSON")
    p.add_argument("--kind", required=True, help="group kind: property, construction, grid")
    p.add_argument("--today", type=_iso_date, help="the day the message was sent (YYYY-MM-DD)")
    p.add_argument("--reply-to", metavar="TEMPLATE", help="read the text as an answer to TEMPLATE's prompt")
    p.add_argument("--unit", metavar="NAME", help="the unit answering (with --reply-to)")
    p.set_defaults(func=cmd_parse)

    su = sub.add_parser("summary", help="print a day's summary from the database (as sent to officials)")
    su.add_argument("--date", type=_iso_date, help="the day (YYYY-MM-DD, default today)")
    su.add_argument("--kind", help="only this kind of unit")
    su.set_defaults(func=cmd_summary)

    ex = sub.add_parser("export", help="export reports to Excel (.xlsx) or CSV")
    ex.add_argument("--from", dest="start", type=_iso_date, required=True, help="first day (YYYY-MM-DD)")
    ex.add_argument("--to", dest="end", type=_iso_date, required=True, help="last day (YYYY-MM-DD)")
    ex.add_argument("--kind", help="only this kind of unit")
    ex.add_argument("-o", "--output", required=True, help="file.xlsx, or file.csv (one CSV per template)")
    ex.set_defaults(func=cmd_export)

    w = sub.add_parser("web", help="serve the officials' dashboard and JSON API")
    w.add_argument("--host")
    w.add_argument("--port", type=int)
    w.set_defaults(func=cmd_web)

    u = sub.add_parser("user", help="dashboard accounts")
    u.add_argument("user_command", choices=["add", "hash"])
    u.add_argument("username", nargs="?", default="")
    u.add_argument("--name", help="display name")
    u.add_argument("--street", help="restrict the account to this street's units")
    u.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    u.set_defaults(func=cmd_user)

    v = sub.add_parser("vocab", help="labels admins taught the parser (学习 … in chat)")
    v.add_argument("vocab_command", choices=["list", "remove"])
    v.add_argument("alias", nargs="?", default="", help="the taught label to remove")
    v.add_argument("--template", help="only in this template (default: every template)")
    v.set_defaults(func=cmd_vocab)

    iss = sub.add_parser("issues", help="list the open problems assigned on inspection (交办)")
    iss.set_defaults(func=cmd_issues)

    r = sub.add_parser("run", help="connect to WeChat through a Wechaty puppet service and serve the groups")
    r.add_argument("--web", action="store_true", help="also serve the dashboard in this process")
    r.set_defaults(func=cmd_run)

    m = sub.add_parser("demo", help="play a morning in four groups through the in-process puppet")
    m.add_argument("--keep", metavar="DIR", help="keep the demo database in DIR")
    m.set_defaults(func=cmd_demo)

    d = sub.add_parser("db", help="database schema")
    d.add_argument("db_command", choices=["upgrade", "current"])
    d.set_defaults(func=cmd_db)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace, Config], int] = args.func
    try:
        cfg = load_config(find_config(args.config))
    except ConfigError as exc:
        return fail(f"bad config: {exc}")
    if args.data_dir:
        cfg = cfg.model_copy(update={"data_dir": Path(args.data_dir).resolve(), "database_url": None})
    from sqlalchemy.exc import DBAPIError

    from bot.startup import StartupError
    from storage.schema import SchemaOutdated

    try:
        return func(args, cfg)
    except (SchemaOutdated, StartupError) as exc:
        return fail(str(exc))
    except DBAPIError as exc:  # the database failed after start: one line, not a traceback
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc).splitlines()[0]
        return fail(f"database error: {reason}")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
