"""`wxbot config upgrade`: an older config.yaml rewritten in today's shape, comments kept, the diff
shown first (bot/config_versions.py holds each version's step)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import fail
from bot.config import Config, ConfigError, load_config


def cmd_upgrade(args: argparse.Namespace, cfg: Config) -> int:
    from bot.config_versions import diff, upgrade

    path = Path(args.config_path)
    before, after, notes = upgrade(path)
    if before == after:
        print(f"{path} is already version {cfg.version}: nothing to change")
        return 0
    print(diff(before, after, path.name), end="")
    for note in notes:
        print(f"  · {note}")
    if args.dry_run:
        print("dry run: the file was not changed (drop --dry-run to write it)")
        return 0
    backup = path.with_name(path.name + ".bak")
    backup.write_text(before, encoding="utf-8")
    path.write_text(after, encoding="utf-8")
    try:
        load_config(path)
    except ConfigError as exc:  # never leave a file behind that does not load
        path.write_text(before, encoding="utf-8")
        return fail(f"the upgraded file did not load ({exc}); {path} is unchanged")
    print(f"{path} rewritten as version {load_config(path).version} (the old one is {backup.name})")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    c = sub.add_parser("config", parents=[common], help="config.yaml itself (配置): upgrade an older file")
    csub = c.add_subparsers(dest="config_command", required=True, metavar="upgrade")
    up = csub.add_parser("upgrade", parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter,
                         help="rewrite an older config.yaml in today's shape, comments kept, diff shown first",
                         epilog="examples:\n  wxbot config upgrade --dry-run   (the diff, nothing written)\n"
                                "  wxbot config upgrade             (writes it; the old file is kept as .bak)")
    up.add_argument("--dry-run", action="store_true", help="show the diff and change nothing")
    up.set_defaults(func=cmd_upgrade)
