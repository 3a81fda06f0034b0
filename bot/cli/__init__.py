"""The `wxbot` command. Each subcommand loads the config itself; nothing runs at import.

Subcommands are assembled here, explicitly, from one module per area."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.cli import accounts, backup, config_cmd, data, doctor, roster, serve, status, supplies, workers
from bot.cli.common import EXIT_USAGE, fail, find_config
from bot.config import Config, ConfigError, load_config

__all__ = ["EXIT_USAGE", "build_parser", "main"]
MODULES = [data, serve, accounts, roster, supplies, workers, doctor, status, backup, config_cmd]

DESCRIPTION = """wxbot — the housing bureau's WeChat group bot: it reads the reports (报送) people post,
answers each one, reminds those who have not reported, and sends the officials their summaries.

Start here (one command each):
  wxbot demo                 a day in four groups, played and printed (nothing to set up)
  wxbot db upgrade           make the database (once, and after each update of wxbot)
  wxbot run                  connect to WeChat (see README, 'Running in WeChat')
  wxbot web                  the officials' desk in a browser

Every command reads config.yaml (--config, or $WXBOT_CONFIG, or ./config.yaml); --config and
--data-dir may come before or after the command's name. A mistake in config.yaml is one line
naming the key, exit 2."""


def _common(top: bool) -> argparse.ArgumentParser:
    """--config and --data-dir, accepted before the command and after it."""
    p = argparse.ArgumentParser(add_help=False)
    default = None if top else argparse.SUPPRESS
    p.add_argument("--config", default=default, help="path to config.yaml (default: $WXBOT_CONFIG or ./config.yaml)")
    p.add_argument("--data-dir", default=default,
                   help="use this data directory (and its SQLite database) instead of config.yaml's data_dir")
    return p


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="wxbot", description=DESCRIPTION, parents=[_common(top=True)],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common(top=False)
    for module in MODULES:
        module.register(sub, common)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `wxbot audit | head -5`: stop quietly when the reader has enough
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    os.umask(0o077)  # the database, spool, photos and exports hold personal data: this user's alone
    func: Callable[[argparse.Namespace, Config], int] = args.func
    args.config_path = find_config(args.config)
    try:
        cfg = load_config(args.config_path)
    except ConfigError as exc:
        return fail(f"bad config: {exc}")
    if cfg.migrated_from is not None and args.command not in ("config", "doctor"):
        print(f"wxbot: {args.config_path} is version {cfg.migrated_from}: read with the meaning it had "
              f"({len(cfg.migration_notes)} changes, see wxbot doctor); `wxbot config upgrade` rewrites it",
              file=sys.stderr)
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
