"""Desk accounts (user), the audit log (audit) and retention (purge)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys

from bot.cli.common import checked_engine, fail, iso_date
from bot.config import Config

PERMISSIONS = ("see_personal_data", "admin", "notices")
PURGED = {"report_texts": "报送原文（清空）", "earlier_versions": "报送的旧版本",
          "personal_values": "含个人信息的填报项（负责人、电话、备注）", "report_photos": "报送照片",
          "problem_photos": "整改照片", "member_phones": "报送人手机号（清空）",
          "sent_messages": "机器人发出的消息", "message_ids": "已见消息编号"}


def _password(args: argparse.Namespace) -> str | None:
    """From stdin (--password-stdin) or asked twice at a terminal; None (and a message) if unusable."""
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            print("wxbot: --password-stdin but nothing came on stdin (echo 'the password' | wxbot user …)",
                  file=sys.stderr)
            return None
        password = line.rstrip("\n")
    else:
        if not sys.stdin.isatty():
            print("wxbot: no terminal to ask the password on: use --password-stdin", file=sys.stderr)
            return None
        password = getpass.getpass("密码 (password): ")
        if getpass.getpass("再输一次 (again): ") != password:
            print("wxbot: the two passwords differ", file=sys.stderr)
            return None
    if len(password) < 8:
        print("wxbot: the password needs at least 8 characters", file=sys.stderr)
        return None
    return password


def _scope_problem(args: argparse.Namespace, streets: list[str], communities: list[str]) -> str | None:
    if args.street and args.street not in streets:
        return f"no street '{args.street}' among the units (streets: {', '.join(streets) or 'none'})"
    if args.community and args.community not in communities:
        return f"no community '{args.community}' among the units (communities: {', '.join(communities) or 'none'})"
    if "see_personal_data" in (args.permission or []) and (args.street or args.community):
        return "only a district account (no --street, no --community) may see personal data"
    return None


def cmd_user(args: argparse.Namespace, cfg: Config) -> int:
    """Desk accounts: add, passwd, remove, list, unlock; hash (for web.accounts in config.yaml)."""
    from sqlmodel import Session

    from bot.web.auth import hash_password
    from storage import accounts, audit, queries
    from storage.models import WebUser

    if args.user_command == "hash":
        password = _password(args)
        if password is None:
            return 2
        print(hash_password(password))
        return 0
    if args.user_command not in ("list",) and not args.username:
        return fail(f"user {args.user_command} needs the account's name, e.g. wxbot user {args.user_command} zhou")
    now = dt.datetime.now(dt.timezone.utc)
    with checked_engine(cfg) as engine, Session(engine) as s:
        user = accounts.web_user(s, username=args.username) if args.username else None
        if args.user_command == "list":
            for u in accounts.web_users(s):
                st = accounts.state(s, username=u.username)
                print(f"{u.username}\t{u.name}\t{u.role}\t{u.community or u.street or '全区'}\t"
                      f"{','.join(u.permissions or []) or '-'}\t{'LOCKED' if st.locked else ''}")
            for a in cfg.web.accounts:
                print(f"{a.username}\t{a.name}\t{a.role}\t{a.community or a.street or '全区'}\t"
                      f"{','.join(a.permissions) or '-'}\t(config.yaml)")
            s.rollback()
            return 0
        if args.user_command == "unlock":
            if not accounts.unlock(s, username=args.username):
                return fail(f"account '{args.username}' is not locked")
            audit.record(s, who="cli", action="account", target=args.username, detail="unlocked", now=now)
            s.commit()
            print(f"account {args.username} unlocked")
            return 0
        if args.user_command == "remove":
            if user is None:
                return fail(f"no account '{args.username}' made by wxbot user (accounts in config.yaml are "
                            "removed there)")
            s.delete(user)
            accounts.end_sessions(s, username=args.username)
            audit.record(s, who="cli", action="account", target=args.username, detail="removed", now=now)
            s.commit()
            print(f"account {args.username} removed; its sessions have ended")
            return 0
        if args.user_command == "add" and user is not None:
            return fail(f"account '{args.username}' exists: use `wxbot user passwd {args.username}` for a new "
                        "password, or `wxbot user remove` first")
        if args.user_command == "passwd" and user is None:
            return fail(f"no account '{args.username}': add it with `wxbot user add {args.username} --name …`")
        if args.user_command == "add" and not args.name:
            return fail("user add needs --name (the person's name as shown on the desk, e.g. --name 周科长)")
        units = [u for k in cfg.kinds for u in queries.units_of_kind(s, kind=k)]
        streets = sorted({u.parent for u in units if u.parent})
        communities = sorted({u.community for u in units if u.community})
        if (problem := _scope_problem(args, streets, communities)) is not None:
            return fail(problem)
        password = _password(args)
        if password is None:
            return 2
        if user is None:
            role = "community" if args.community else "street" if args.street else "district"
            user = WebUser(username=args.username, name=args.name, password_hash="", created_at=now, role=role,
                           street=args.street, community=args.community, permissions=list(args.permission or []))
        user.password_hash = hash_password(password)
        s.add(user)
        accounts.end_sessions(s, username=args.username)  # a new password ends the old sessions
        audit.record(s, who="cli", action="account", target=args.username,
                     detail=f"{args.user_command} {user.role} {user.community or user.street or ''} "
                            f"{','.join(user.permissions or [])}".strip(), now=now)
        s.commit()
        print(f"account {args.username} ({user.name}, {user.role} {user.community or user.street or '全区'}) saved")
    return 0


def cmd_audit(args: argparse.Namespace, cfg: Config) -> int:
    """Who looked at or changed what, newest first."""
    from sqlmodel import Session

    from storage import audit

    since = dt.datetime.combine(dt.date.fromisoformat(args.since), dt.time(0), cfg.tz) if args.since else None
    with checked_engine(cfg) as engine, Session(engine) as s:
        rows = audit.events(s, since=since, who=args.who, action=args.action, limit=args.limit)
    for e in rows:
        flag = " WHOLE" if e.whole else ""
        print(f"{e.at.astimezone(cfg.tz):%Y-%m-%d %H:%M:%S}\t{e.who}\t{e.role or '-'}\t{e.address or '-'}\t"
              f"{e.action}{flag}\t{e.target}\t{e.detail}")
    return 0


def cmd_purge(args: argparse.Namespace, cfg: Config) -> int:
    """What retention deletes; with --dry-run only what it would."""
    from bot.scheduler import limits_of, personal_keys
    from storage import audit, retention
    from storage.db import session_scope

    now = dt.datetime.now(dt.timezone.utc)
    with checked_engine(cfg) as engine, session_scope(engine) as s:
        counts = retention.purge(s, now=now, limits=limits_of(cfg), personal_keys=personal_keys(cfg),
                                 dry_run=args.dry_run)
        if not args.dry_run:
            audit.record(s, who="cli", action="purge", now=now,
                         detail=", ".join(f"{k} {v}" for k, v in counts.items() if v))
    r = cfg.retention
    days = {"report_texts": r.raw_text_days, "earlier_versions": r.raw_text_days,
            "personal_values": r.named_values_days, "report_photos": r.photos_days, "problem_photos": r.photos_days,
            "member_phones": r.member_phone_days, "sent_messages": r.sent_messages_days,
            "message_ids": r.message_ids_days}
    print(("试运行，将清除：" if args.dry_run else "已清除："))
    for key, n in counts.items():
        print(f"  {n:>8}  {PURGED[key]}（超过 {days[key]} 天）")
    print("保留：报送本身和其中的数字（汇总用），以及审计日志")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    fmt = argparse.RawDescriptionHelpFormatter
    u = sub.add_parser("user", parents=[common], formatter_class=fmt,
                       help="desk accounts (网页账号): add, passwd, remove, list, unlock, hash",
                       description="Accounts for the officials' desk. A district account sees every unit; a "
                                   "street (--street) or community (--community) account sees only its units, "
                                   "with phone and ID numbers always masked. Only a district account with "
                                   "--permission see_personal_data sees them whole (each look audited).",
                       epilog="examples:\n  wxbot user add zhou --name 周科长 --permission admin\n"
                              "  echo 'a long password' | wxbot user add jinshan --name 金山街道 --street 金山街道 "
                              "--password-stdin\n  wxbot user passwd zhou\n  wxbot user unlock zhou\n"
                              "  wxbot user hash   (a hash for web.accounts in config.yaml)")
    u.add_argument("user_command", choices=["add", "passwd", "remove", "list", "unlock", "hash"])
    u.add_argument("username", nargs="?", default="", help="the login name")
    u.add_argument("--name", help="the person's or office's name shown on the desk (needed by add)")
    u.add_argument("--street", help="a street account: only this street's units (a unit's parent in the roster)")
    u.add_argument("--community", help="a community account: only this community's units")
    u.add_argument("--permission", action="append", choices=PERMISSIONS,
                   help="see_personal_data (district only), admin (audit log, admin pages) or notices (send 通知 "
                        "from the desk); may repeat")
    u.add_argument("--password-stdin", action="store_true", help="read the password from stdin (for scripts)")
    u.set_defaults(func=cmd_user)

    a = sub.add_parser("audit", parents=[common], formatter_class=fmt,
                       help="the audit log (审计日志): logins, views, exports, admin commands",
                       epilog="examples:\n  wxbot audit --since 2026-11-01\n  wxbot audit --who zhou --action export")
    a.add_argument("--since", type=iso_date, help="from this day (YYYY-MM-DD)")
    a.add_argument("--who", help="only this account or WeChat id")
    a.add_argument("--action", help="only this action: login, login_failed, view, api, export, chat, account, purge")
    a.add_argument("--limit", type=int, default=1000, help="at most this many lines (default 1000)")
    a.set_defaults(func=cmd_audit)

    p = sub.add_parser("purge", parents=[common], formatter_class=fmt,
                       help="delete personal data past its retention (保存期限), as the daily job does",
                       epilog="examples:\n  wxbot purge --dry-run   (what the settings in config.yaml would delete)\n"
                              "  wxbot purge")
    p.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    p.set_defaults(func=cmd_purge)
