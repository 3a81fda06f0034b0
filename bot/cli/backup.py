"""`wxbot backup`: a consistent copy of the database while the bot runs — SQLite's online backup
API, or pg_dump for PostgreSQL — into a directory, keeping the newest N."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.cli.common import fail
from bot.config import Config

PREFIX = "wxbot-"


def _sqlite(cfg: Config, target: Path) -> None:
    source = sqlite3.connect(f"file:{cfg.data_dir / 'wxbot.db'}?mode=ro", uri=True)
    try:
        with sqlite3.connect(target) as copy:
            source.backup(copy)  # pages copied in steps; writers are not blocked for the whole copy
        copy.close()
    finally:
        source.close()


def _postgres(cfg: Config, target: Path) -> str | None:
    dump = shutil.which("pg_dump")
    if dump is None:
        return "pg_dump is not installed (apt-get install postgresql-client)"
    url = make_url(cfg.db_url).set(drivername="postgresql")
    proc = subprocess.run([dump, "--format=custom", "--no-owner", "--file", str(target),
                           url.render_as_string(hide_password=False)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        target.unlink(missing_ok=True)
        return f"pg_dump failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}"
    return None


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (by name: the time stamp sorts)."""
    found = sorted(p for p in folder.iterdir() if p.name.startswith(PREFIX) and p.suffix in (".db", ".dump"))
    gone = found[:-keep] if keep > 0 else []
    for p in gone:
        p.unlink()
    return gone


def cmd_backup(args: argparse.Namespace, cfg: Config) -> int:
    folder = Path(args.to)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(cfg.tz).strftime("%Y%m%d-%H%M%S")
    postgres = cfg.db_url.startswith("postgresql")
    target = folder / f"{PREFIX}{stamp}{'.dump' if postgres else '.db'}"
    if postgres:
        problem = _postgres(cfg, target)
        if problem:
            return fail(problem)
    else:
        if not (cfg.data_dir / "wxbot.db").exists():
            return fail(f"no database at {cfg.data_dir / 'wxbot.db'}: run `wxbot db upgrade` first")
        _sqlite(cfg, target)
    target.chmod(0o600)
    gone = rotate(folder, args.keep)
    print(f"backup {target} ({target.stat().st_size // 1024} KiB); removed {len(gone)} older")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    b = sub.add_parser("backup", parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter,
                       help="back up the database (备份) while the bot runs, keeping the newest N",
                       epilog="examples:\n  wxbot backup --to /var/backups/wxbot --keep 14\n"
                              "  restore SQLite: stop the bot, copy the .db over data/wxbot.db\n"
                              "  restore PostgreSQL: pg_restore --clean -d wxbot wxbot-….dump")
    b.add_argument("--to", required=True, help="the directory for backups")
    b.add_argument("--keep", type=int, default=14, help="how many to keep (default 14)")
    b.set_defaults(func=cmd_backup)
