"""`wxbot workers`: the returning workers' register (返岗人员健康档案) from and to Excel."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from bot.cli.common import DRY_RUN, checked_engine, fail, refuse_rows
from bot.config import Config


def cmd_template(args: argparse.Namespace, cfg: Config) -> int:
    from handlers.workers_book import write_book

    write_book(Path(args.output), [], masked=True)
    print(f"已写出 {args.output}：每行一名返岗人员（项目、姓名、返岗日期必填），填好后 wxbot workers import {args.output} --dry-run")
    return 0


def cmd_import(args: argparse.Namespace, cfg: Config) -> int:
    from sqlmodel import Session

    from handlers.workers import site_kinds
    from handlers.workers_book import read_book
    from storage import audit, queries
    from storage import workers as register

    path = Path(args.workbook)
    if not path.exists():
        return fail(f"{path}：文件不存在")
    now = dt.datetime.now(cfg.tz)
    with checked_engine(cfg) as engine, Session(engine) as s:
        units = {u.name: u for k in site_kinds(cfg.templates) for u in queries.units_of_kind(s, kind=k)}
        units |= {a: u for u in list(units.values()) for a in u.aliases}
        book = read_book(path, units)
        if (refused := refuse_rows(path, book.errors)) is not None:
            return refused
        added = sum(register.upsert(s, unit_id=units[site].id or 0, row=row, source=f"import:{path.name}", now=now)
                    for site, row in book.rows)
        print(f"新增 {added} 人，更新 {len(book.rows) - added} 人")
        if args.dry_run:
            s.rollback()
            print(DRY_RUN)
            return 0
        audit.record(s, who="cli", action="返岗档案导入", now=now, target=path.name, detail=f"{len(book.rows)}人")
        s.commit()
    print(f"已导入 {path.name}：{len(book.rows)} 人")
    return 0


def cmd_export(args: argparse.Namespace, cfg: Config) -> int:
    """Masked unless --whole (personal data: a whole export is audited)."""
    from sqlmodel import Session

    from handlers.workers import site_kinds
    from handlers.workers_book import write_book
    from storage import audit, queries
    from storage import workers as register

    now = dt.datetime.now(cfg.tz)
    with checked_engine(cfg) as engine, Session(engine) as s:
        names = {u.id: u.name for k in site_kinds(cfg.templates) for u in queries.units_of_kind(s, kind=k)}
        rows = [(names.get(w.unit_id, ""), w) for w in register.everyone(s)]
        write_book(Path(args.output), rows, masked=not args.whole)
        audit.record(s, who="cli", action="export", now=now, target=args.output, detail="returning workers",
                     whole=args.whole)
        s.commit()
    print(f"已导出 {len(rows)} 人到 {args.output}" + ("（完整号码，已记入审计日志）" if args.whole else "（号码已打码）"))
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("workers", parents=[common], formatter_class=fmt,
                       help="the returning workers' register (返岗人员健康档案) from and to Excel",
                       epilog="examples:\n  wxbot workers template -o 返岗人员.xlsx\n"
                              "  wxbot workers import 返岗人员.xlsx --dry-run\n  wxbot workers export -o 档案.xlsx")
    psub = p.add_subparsers(dest="workers_command", required=True, metavar="ACTION")
    t = psub.add_parser("template", parents=[common], help="write an empty workbook to fill in")
    t.add_argument("-o", "--output", default="workers.xlsx")
    t.set_defaults(func=cmd_template)
    i = psub.add_parser("import", parents=[common], help="check a filled workbook and apply it in one transaction")
    i.add_argument("workbook")
    i.add_argument("--dry-run", action="store_true", help="only check and show what would change")
    i.set_defaults(func=cmd_import)
    e = psub.add_parser("export", parents=[common], help="write the register (numbers masked unless --whole)")
    e.add_argument("-o", "--output", default="workers.xlsx")
    e.add_argument("--whole", action="store_true", help="phone and ID numbers whole (audited)")
    e.set_defaults(func=cmd_export)
