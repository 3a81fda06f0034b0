"""The roster from Excel: a template to fill in, an import that shows what changes before it
changes it, and an export of the roster as it stands (the database is the roster's home)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from bot.cli.common import DRY_RUN, checked_engine, fail, refuse_rows
from bot.config import Config


def _xlsx(path: str) -> Path | None:
    p = Path(path)
    return p if p.suffix.lower() == ".xlsx" else None


def cmd_template(args: argparse.Namespace, cfg: Config) -> int:
    from handlers.roster_book import example_units, write_book

    out = _xlsx(args.output)
    if out is None:
        return fail(f"-o {args.output}：名单是 Excel 文件，请以 .xlsx 结尾")
    kinds = {k: v for k, v in cfg.kinds.items() if cfg.templates_of(k)}
    write_book(out, kinds, *example_units(kinds))
    print(f"已生成 {out}：请填写「单位」和「人员」表（见「说明」），然后运行 wxbot roster import {out} --dry-run")
    return 0


def cmd_export(args: argparse.Namespace, cfg: Config) -> int:
    from sqlmodel import Session

    from handlers.roster_book import write_book
    from storage import companies, roster

    out = _xlsx(args.output)
    if out is None:
        return fail(f"-o {args.output}：名单是 Excel 文件，请以 .xlsx 结尾")
    with checked_engine(cfg) as engine, Session(engine) as s:
        units, members = roster.all_units(s), roster.all_members(s)
        write_book(out, dict(cfg.kinds), units, members, companies.all_companies(s))
    print(f"已导出 {out}：{len(units)} 个单位，{len(members)} 人")
    return 0


def _print_changes(changes: object) -> None:
    from storage.roster import Changes

    assert isinstance(changes, Changes)
    for title, items in (("新增单位", changes.added_units), ("修改单位", changes.changed_units),
                         ("停用单位", changes.retired_units), ("新增人员", changes.added_members),
                         ("物业公司", changes.companies), ("修改人员", changes.changed_members)):
        if items:
            print(f"{title} {len(items)}:")
            for item in items[:200]:
                print(f"  {item}")
            if len(items) > 200:
                print(f"  …… 另有 {len(items) - 200} 项")
    print(f"未变的行：{changes.unchanged}")


def cmd_import(args: argparse.Namespace, cfg: Config) -> int:
    from sqlmodel import Session

    from handlers.roster_book import read_book
    from storage import audit, companies, roster

    path = Path(args.workbook)
    if not path.exists():
        return fail(f"{path}：文件不存在")
    now = dt.datetime.now(cfg.tz)
    with checked_engine(cfg) as engine, Session(engine) as s:
        existing = {u.name: u.kind for u in roster.all_units(s)}
        book = read_book(path, {k: v for k, v in cfg.kinds.items() if cfg.templates_of(k)}, existing,
                         [c.name for c in companies.all_companies(s)])
        if (refused := refuse_rows(path, book.errors)) is not None:
            return refused
        changes = roster.apply(s, units=book.units, members=book.members, now=now, firms=book.companies)
        _print_changes(changes)
        if args.dry_run:
            s.rollback()
            print(DRY_RUN)
            return 0
        audit.record(s, who="cli", action="名单导入", now=now, target=path.name,
                     detail=f"新增单位{len(changes.added_units)}，修改{len(changes.changed_units)}，"
                            f"停用{len(changes.retired_units)}，新增人员{len(changes.added_members)}")
        s.commit()
    print(f"已导入 {path.name}：{len(book.units)} 个单位，{len(book.members)} 人")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    fmt = argparse.RawDescriptionHelpFormatter
    r = sub.add_parser("roster", parents=[common], formatter_class=fmt,
                       help="the roster (名单) of units and reporters from Excel: template, import, export",
                       description="The database holds the roster (units with street and community, reporters). "
                                   "config.yaml seeds it; after that, import a workbook or use the desk's admin pages.",
                       epilog="examples:\n  wxbot roster template -o 名单.xlsx\n"
                              "  wxbot roster import 名单.xlsx --dry-run   (shows every bad row and what would change)\n"
                              "  wxbot roster import 名单.xlsx\n  wxbot roster export -o 现有名单.xlsx")
    rsub = r.add_subparsers(dest="roster_command", required=True, metavar="ACTION")
    t = rsub.add_parser("template", parents=[common], help="write an empty workbook to fill in (单位, 人员, 说明)")
    t.add_argument("-o", "--output", default="roster.xlsx", help="the .xlsx to write (default roster.xlsx)")
    t.set_defaults(func=cmd_template)
    i = rsub.add_parser("import", parents=[common], help="check a filled workbook and apply it in one transaction")
    i.add_argument("workbook", help="the .xlsx filled in from the template")
    i.add_argument("--dry-run", action="store_true", help="only check and show what would change")
    i.set_defaults(func=cmd_import)
    e = rsub.add_parser("export", parents=[common], help="write the roster as it stands, in the same shape")
    e.add_argument("-o", "--output", default="roster.xlsx", help="the .xlsx to write (default roster.xlsx)")
    e.set_defaults(func=cmd_export)
