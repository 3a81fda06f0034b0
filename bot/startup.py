"""Start-up checks that turn a missing or read-only data directory, an unreadable database, a wrong
database URL or a PostgreSQL that is down into one line for the operator (exit 2), never a traceback."""

from __future__ import annotations

import os
import tempfile

from sqlalchemy import Engine, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from bot.config import Config
from storage.db import make_engine


class StartupError(Exception):
    """One line saying what failed and what to do."""


def data_dir_ready(cfg: Config) -> None:
    """The data directory exists (made 0700 if missing) and this user can write in it."""
    d = cfg.data_dir
    if d.exists() and not d.is_dir():
        raise StartupError(f"the data directory {d} is a file, not a directory: set data_dir in config.yaml "
                           "or pass --data-dir")
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StartupError(f"cannot create the data directory {d} ({exc.strerror}): create it, writable by this "
                           "user, or set data_dir in config.yaml") from None
    try:
        with tempfile.NamedTemporaryFile(dir=d, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise StartupError(f"the data directory {d} is not writable ({exc.strerror}): fix its permissions or "
                           "mount, or set data_dir in config.yaml") from None


def _where(cfg: Config) -> str:
    url = cfg.db_url
    if "@" in url:  # never print a password
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def open_engine(cfg: Config) -> Engine:
    """An engine that has answered one query, or StartupError naming what failed."""
    if cfg.database_url is None:
        data_dir_ready(cfg)
        db = cfg.data_dir / "wxbot.db"
        if db.exists() and not os.access(db, os.R_OK | os.W_OK):
            raise StartupError(f"the database file {db} cannot be read and written by this user: fix its "
                               "permissions (it should be 0600, owned by the bot's user)")
    try:
        engine = make_engine(cfg.db_url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StartupError(f"database_url '{_where(cfg)}' is not a database URL ({exc}); e.g. "
                           "postgresql://wxbot@127.0.0.1:5432/wxbot, or leave it out for SQLite in data_dir") from None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc).splitlines()[0]
        hint = ("is PostgreSQL running and reachable? check database_url" if engine.dialect.name == "postgresql"
                else "is it a wxbot database, and is its directory writable?")
        raise StartupError(f"cannot open the database {_where(cfg)}: {reason}; {hint}") from None
    return engine
