"""What every `wxbot` command shares: finding the config, one-line failures, a checked engine."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.config import Config

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
    example = Path(__file__).resolve().parent.parent.parent / "config.yaml"
    print(f"wxbot: no config.yaml here and no --config or $WXBOT_CONFIG: using the example at {example}",
          file=sys.stderr)
    return example


def fail(message: str) -> int:
    print(f"wxbot: {message}", file=sys.stderr)
    return EXIT_USAGE


DRY_RUN = "试运行：没有改动任何内容（去掉 --dry-run 再运行即导入）"


def refuse_rows(path: Path, errors: list[str]) -> int | None:
    """A workbook's bad rows, one line each, and the exit code when there are any (nothing imported)."""
    for line in errors:
        print(line)
    return fail(f"{path.name} 有 {len(errors)} 处要改，未导入任何内容") if errors else None


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


def iso_date(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from None
    return value


def today(cfg: Config) -> dt.date:
    return dt.datetime.now(cfg.tz).date()
