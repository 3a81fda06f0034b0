"""Commands that read the data: parse, summary, issues, notices, export, vocab."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from bot.cli.common import checked_engine, fail, iso_date, today
from bot.config import Config


def cmd_parse(args: argparse.Namespace, cfg: Config) -> int:
    """Structure alone; with an explicit --config (or $WXBOT_CONFIG) the configured units too."""
    from handlers.parser import Parser, Registry

    if args.kind not in cfg.kinds:
        return fail(f"unknown kind '{args.kind}' (config kinds: {', '.join(cfg.kinds)})")
    day = dt.date.fromisoformat(args.today) if args.today else today(cfg)
    text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    registry = None
    if getattr(args, "config", None) or os.environ.get("WXBOT_CONFIG"):
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
        reply = parser.parse_reply(text, args.reply_to, args.unit, day)
        reports = [reply] if reply else []
    else:
        reports = parser.parse(text, args.kind, day)
    print(json.dumps({"reports": [r.to_json() for r in reports]}, ensure_ascii=False))
    return 0


def cmd_summary(args: argparse.Namespace, cfg: Config) -> int:
    from sqlmodel import Session

    from bot.app import make_settings
    from handlers.summary import daily_summary

    day = dt.date.fromisoformat(args.date) if args.date else today(cfg)
    if args.kind and args.kind not in cfg.kinds:
        return fail(f"unknown kind '{args.kind}' (config kinds: {', '.join(cfg.kinds)})")
    from storage.stats import Scope

    with checked_engine(cfg) as engine, Session(engine) as session:
        print(daily_summary(session, make_settings(cfg), day, kind=args.kind,
                            scope=Scope(args.street, args.community), by=args.by))
    return 0


def cmd_issues(args: argparse.Namespace, cfg: Config) -> int:
    """Open problems at a terminal (an operator's view: nothing masked)."""
    from sqlmodel import Session

    from storage import problems, queries

    day = today(cfg)
    with checked_engine(cfg) as engine, Session(engine) as session:
        names = {u.id: u.name for k in cfg.kinds for u in queries.units_of_kind(session, kind=k)}
        rows = problems.open_problems(session)
        print(f"未整改问题：{len(rows)} 个")
        for p in rows:
            late = f"  逾期{(day - p.deadline).days}天" if p.deadline and p.deadline < day else ""
            deadline = f"  限{p.deadline}前" if p.deadline else ""
            print(f"#{p.id}  {names.get(p.unit_id, '?')}  {p.description}{deadline}  "
                  f"责任人 {p.assignee_name or p.assignee_id or '-'}  交办于 {p.created_at:%Y-%m-%d}{late}")
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
        return fail("--to 早于 --from")
    if args.kind and args.kind not in cfg.kinds:
        return fail(f"unknown kind '{args.kind}' (config kinds: {', '.join(cfg.kinds)})")
    out = Path(args.output)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        return fail(f"-o {out}：文件名须以 .xlsx（Excel）或 .csv 结尾")
    with checked_engine(cfg) as engine:
        with Session(engine) as session, Progress(transient=True) as bar:
            total = len(report_rows(session, start=start, end=end, kind=args.kind))
            task = bar.add_task("导出中", total=total)
            write = write_csv if out.suffix.lower() == ".csv" else write_workbook
            result = write(session, make_settings(cfg), out, start=start, end=end, kind=args.kind,
                           progress=lambda n: bar.advance(task, n))
        files = result if isinstance(result, list) else [out]
    print(f"{total} 份报送（{start} 至 {end}）→ " + "、".join(str(f) for f in files))
    return 0


def cmd_vocab(args: argparse.Namespace, cfg: Config) -> int:
    """Labels admins taught (学习 … / 是): list them, or remove one (every process notices)."""
    from storage import vocab
    from storage.db import session_scope

    with checked_engine(cfg) as engine, session_scope(engine) as session:
        if args.vocab_command == "list":
            rows = vocab.list_aliases(session)
            names = {t.id: t for t in cfg.templates}
            print(f"已学习的标签：{len(rows)} 个")
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


def cmd_notices(args: argparse.Namespace, cfg: Config) -> int:
    """通知 and their 回执: every notice's rate, or one notice unit by unit (masked: a terminal is shared)."""
    from sqlmodel import Session

    from handlers import notices
    from handlers.privacy import mask
    from storage import circulars

    with checked_engine(cfg) as engine, Session(engine) as session:
        if args.number is None:
            found = circulars.recent(session)
            for c in reversed(found):
                print(f"{c.created_at.astimezone(cfg.tz):%Y-%m-%d %H:%M}\t{mask(notices.rate(session, c))}\t"
                      f"{mask(c.text[:40])}")
            if not found:
                print("还没有发过通知")
            return 0
        circular = circulars.get(session, number=args.number)
        if circular is None:
            return fail(f"no notice {args.number} (通知{args.number})")
        acks = {a.unit_id: a for a in circulars.acknowledgements(session, circular_id=args.number)}
        print(mask(f"通知{circular.id}：{circular.text}"))
        for unit in notices.expected_units(session, circular):
            a = acks.get(unit.id or 0)
            said = f"{a.at.astimezone(cfg.tz):%m-%d %H:%M}\t{a.name}\t{a.words}" if a else "未回执"
            print(mask(f"{unit.name}\t{said}"))
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("parse", parents=[common], formatter_class=fmt,
                       help="read a message (报送) from stdin and print the reports as JSON",
                       description="Read one message as the bot would (structure alone; with --config also the "
                                   "configured units) and print {\"reports\": [...]}.",
                       epilog="example:\n  printf '翠园小区 测温320人 体温异常0 已消杀' | wxbot parse --kind property")
    p.add_argument("--kind", required=True, help="group kind (群类型) from config.yaml: property, construction, grid")
    p.add_argument("--today", type=iso_date, help="the day the message was sent (YYYY-MM-DD; default today)")
    p.add_argument("--reply-to", metavar="TEMPLATE", help="read the text as an answer to TEMPLATE's prompt (网格员回复)")
    p.add_argument("--unit", metavar="NAME", help="the unit answering (with --reply-to)")
    p.set_defaults(func=cmd_parse)

    su = sub.add_parser("summary", parents=[common], formatter_class=fmt,
                        help="print a day's summary (汇总) from the database, as the officials get it",
                        epilog="examples:\n  wxbot summary --date 2020-02-26\n  wxbot summary --kind property --by community\n"
                               "  wxbot summary --street 金山街道 --date 2020-02-26")
    su.add_argument("--date", type=iso_date, help="the day (YYYY-MM-DD, default today)")
    su.add_argument("--kind", help="only this kind of unit (物业小区 = property, …)")
    su.add_argument("--street", help="one street's summary (街道), as its officials' group gets it")
    su.add_argument("--community", help="one community's summary (社区)")
    su.add_argument("--by", choices=["street", "community"],
                    help="roll up by this level (分级汇总; default: the level below the one shown)")
    su.set_defaults(func=cmd_summary)

    iss = sub.add_parser("issues", parents=[common], help="list the open problems assigned on inspection (交办)",
                         epilog="example:\n  wxbot issues", formatter_class=fmt)
    iss.set_defaults(func=cmd_issues)

    no = sub.add_parser("notices", parents=[common], formatter_class=fmt,
                        help="notices sent to the groups (通知) and who acknowledged them (回执)",
                        epilog="examples:\n  wxbot notices\n  wxbot notices 7")
    no.add_argument("number", nargs="?", type=int, help="one notice, unit by unit")
    no.set_defaults(func=cmd_notices)

    ex = sub.add_parser("export", parents=[common], formatter_class=fmt,
                        help="export reports (报表) to Excel (.xlsx) or CSV",
                        epilog="examples:\n  wxbot export --from 2020-02-01 --to 2020-02-29 -o 二月报表.xlsx\n"
                               "  wxbot export --from 2020-02-26 --to 2020-02-26 --kind property -o day.csv")
    ex.add_argument("--from", dest="start", type=iso_date, required=True, help="first day (YYYY-MM-DD)")
    ex.add_argument("--to", dest="end", type=iso_date, required=True, help="last day (YYYY-MM-DD)")
    ex.add_argument("--kind", help="only this kind of unit")
    ex.add_argument("-o", "--output", required=True, help="file.xlsx, or file.csv (one CSV per template)")
    ex.set_defaults(func=cmd_export)

    v = sub.add_parser("vocab", parents=[common], formatter_class=fmt,
                       help="labels admins taught the parser (识别词汇; 学习 … in chat)",
                       epilog="examples:\n  wxbot vocab list\n  wxbot vocab remove 今日体温检测")
    v.add_argument("vocab_command", choices=["list", "remove"], nargs="?", default="list",
                   help="list (the default) or remove ALIAS")
    v.add_argument("alias", nargs="?", default="", help="the taught label to remove")
    v.add_argument("--template", help="only in this template (default: every template)")
    v.set_defaults(func=cmd_vocab)
