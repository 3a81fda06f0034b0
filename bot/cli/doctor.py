"""`wxbot doctor`: one line per thing a working bot needs, ✓ or ✗ with the fix, for a bureau's IT
person on a new machine. Exit 1 when something is ✗ (for scripts)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import AccountSpec, Config

OK, BAD, SKIP, WARN = "✓", "✗", "–", "!"


@dataclass(frozen=True, slots=True)
class Check:
    mark: str
    what: str
    said: str
    fix: str = ""

    def line(self) -> str:
        return f"{self.mark} {self.what}: {self.said}" + (f"\n    → {self.fix}" if self.fix else "")


def check_config(cfg: Config, path: str) -> list[Check]:
    kinds = sum(1 for k in cfg.kinds if cfg.templates_of(k))
    out = [Check(OK, "config", f"{path}: {len(cfg.templates)} templates for {kinds} kinds, {len(cfg.schedules)} schedules")]
    if cfg.migrated_from is not None:
        out.append(Check(WARN, "config version", f"version {cfg.migrated_from}, read as version {cfg.version} with the "
                                                 f"meaning it had: " + "; ".join(cfg.migration_notes),
                         f"wxbot config upgrade --dry-run, then wxbot config upgrade (rewrites {path})"))
    return out


def _no_database(cfg: Config) -> Check | None:
    """Checks change nothing: a data directory or SQLite file that is not there is said, not made."""
    if cfg.database_url is not None and not cfg.database_url.startswith("sqlite"):
        return None
    if not cfg.data_dir.exists():
        return Check(BAD, "database", f"none yet ({cfg.data_dir} does not exist)", "wxbot db upgrade")
    if not (cfg.data_dir / "wxbot.db").exists():
        return Check(BAD, "database", f"none yet in {cfg.data_dir}", "wxbot db upgrade")
    return None


def check_data_dir(cfg: Config) -> Check:
    if cfg.database_url is not None and not cfg.database_url.startswith("sqlite"):
        return Check(SKIP, "data directory", "PostgreSQL holds the data (photos and spool still go to data_dir)")
    d = cfg.data_dir
    if not d.exists():
        return Check(BAD, "data directory", f"{d} does not exist", "wxbot db upgrade (creates it, mode 0700)")
    mode = stat.S_IMODE(d.stat().st_mode)
    if not os.access(d, os.W_OK):
        return Check(BAD, "data directory", f"{d} is not writable by this user", f"chown the directory to this user")
    if mode & 0o077:
        return Check(BAD, "data directory", f"{d} is readable by others (mode {mode:04o}); it holds health data",
                     f"chmod 700 {d}")
    return Check(OK, "data directory", f"{d} (mode {mode:04o})")


def check_database(cfg: Config) -> Check:
    from sqlmodel import Session

    from bot.startup import StartupError, open_engine
    from storage import roster, schema

    if (missing := _no_database(cfg)) is not None:
        return missing
    try:
        engine = open_engine(cfg)
    except StartupError as exc:
        return Check(BAD, "database", str(exc), "wxbot db upgrade")
    try:
        current, head = schema.current_revision(engine), schema.head_revision()
        if current != head:
            return Check(BAD, "database", f"schema {current or 'empty'}, this wxbot needs {head}", "wxbot db upgrade")
        with Session(engine) as s:
            units = [u for u in roster.all_units(s) if u.active]
        if not units:
            return Check(BAD, "database", "no units yet", "wxbot roster import 名单.xlsx (or units: in config.yaml)")
        db = cfg.data_dir / "wxbot.db"
        if cfg.database_url is None and stat.S_IMODE(db.stat().st_mode) & 0o077:
            return Check(BAD, "database", f"{db} is readable by others", f"chmod 600 {db}")
        return Check(OK, "database", f"schema {head}, {len(units)} units")
    finally:
        engine.dispose()


def check_time_zone(cfg: Config) -> Check:
    now = dt.datetime.now(cfg.tz)
    return Check(OK, "time zone", f"{cfg.timezone}, now {now:%Y-%m-%d %H:%M} (schedules and deadlines use it)")


def check_font(cfg: Config) -> Check:
    if Path(cfg.chart_font).exists():
        return Check(OK, "chart font", str(cfg.chart_font))
    return Check(BAD, "chart font", f"{cfg.chart_font} is missing: the weekly summary goes without its chart",
                 "apt-get install fonts-wqy-microhei (or set chart_font to a CJK font)")


def check_gateway(cfg: Config) -> list[Check]:
    """Each account's connection: its secrets set, its server accepting connections."""
    return [_check_account(a) for a in cfg.all_accounts()]


def _check_account(account: AccountSpec) -> Check:
    what = f"{'WeCom' if account.transport == 'wecom' else 'WeChat gateway'} ({account.name})"
    names = ((account.bot_id_env, account.secret_env) if account.transport == "wecom"
             else (account.endpoint_env, account.token_env))
    values = [os.environ.get(n) for n in names]
    if not any(values):
        return Check(SKIP, what, f"{' and '.join(names)} not set here (only `wxbot run` needs them)")
    missing = [n for n, v in zip(names, values, strict=True) if not v]
    if missing:
        return Check(BAD, what, f"{missing[0]} is not set", f"export {missing[0]}=…")
    if account.transport == "wecom":
        url = urlsplit(account.ws_url or "wss://openws.work.weixin.qq.com")
        host, port = url.hostname or "", url.port or 443
    else:
        host, _, raw = str(values[0]).rpartition(":")
        port = int(raw) if raw.isdigit() else 0
    try:
        with socket.create_connection((host or "127.0.0.1", port), timeout=3):
            pass
    except (OSError, ValueError) as exc:
        return Check(BAD, what, f"{host}:{port} unreachable ({exc})", "is the server running, and the address right?")
    return Check(OK, what, f"{host}:{port} accepts connections")


def check_desk(cfg: Config) -> Check:
    from sqlmodel import Session

    from bot.startup import StartupError, open_engine
    from storage import accounts, schema

    if cfg.web.accounts:
        return Check(OK, "desk accounts", f"{len(cfg.web.accounts)} in config.yaml")
    if _no_database(cfg) is not None:
        return Check(SKIP, "desk accounts", "no database yet")
    try:
        engine = open_engine(cfg)
    except StartupError:
        return Check(SKIP, "desk accounts", "no database yet")
    try:
        if schema.current_revision(engine) != schema.head_revision():
            return Check(SKIP, "desk accounts", "the database needs an upgrade first")
        with Session(engine) as s:
            users = accounts.web_users(s)
    finally:
        engine.dispose()
    if not users:
        return Check(BAD, "desk accounts", "nobody can log in to the desk", "wxbot user add zhou --name 周科长")
    admins = [u for u in users if "admin" in (u.permissions or [])]
    return Check(OK, "desk accounts", f"{len(users)} ({len(admins)} admin)")


def cmd_doctor(args: argparse.Namespace, cfg: Config) -> int:
    checks: list[Callable[[], Check]] = [
        lambda: check_data_dir(cfg), lambda: check_database(cfg), lambda: check_time_zone(cfg),
        lambda: check_font(cfg), lambda: check_desk(cfg),
    ]
    results = check_config(cfg, str(Path(args.config_path).resolve())) + [c() for c in checks] + check_gateway(cfg)
    for r in results:
        print(r.line())
    bad = sum(1 for r in results if r.mark == BAD)
    print("all good" if not bad else f"{bad} to fix")
    return 1 if bad else 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    d = sub.add_parser("doctor", parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter,
                       help="check this machine and config (自检): config, database, permissions, time zone, font, "
                            "gateway",
                       epilog="example:\n  wxbot doctor   (one line per check, ✓ or ✗ with the fix; exit 1 if any ✗)")
    d.set_defaults(func=cmd_doctor)
