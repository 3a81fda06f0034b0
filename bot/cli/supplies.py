"""`wxbot supplies`: the supplies ledger (物资台账) from Excel, and its balance."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from bot.cli.common import DRY_RUN, checked_engine, fail, refuse_rows
from bot.config import Config

SHEET = "物资"
HEADERS = ("类型", "单位", "物资", "数量", "经手人")
HELP = ("每行一笔：类型填 入库 或 发放；发放须填单位（名称或别名）；物资写 口罩、消毒液、体温枪；数量为整数，"
        "计量单位与日报相同（口罩按个、消毒液按桶、体温枪按把）。先入库后发放，发放不能超过库存。")


def cmd_template(args: argparse.Namespace, cfg: Config) -> int:
    from openpyxl import Workbook

    from handlers.sheets import header

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    header(ws, HEADERS)
    ws.append(["入库", "", "口罩", 5000, "周科长"])
    ws.append(["发放", "翠园小区", "口罩", 200, "周科长"])
    wb.create_sheet("说明").append([HELP])
    wb.save(args.output)
    print(f"已写出 {args.output}（{SHEET}表的两行是例子，导入前请改成实际的）")
    return 0


def cmd_import(args: argparse.Namespace, cfg: Config) -> int:
    """Every row checked first (one line per bad row); then applied in one transaction, in order."""
    from openpyxl import load_workbook
    from sqlmodel import Session

    from bot.app import make_settings
    from bot.clock import SystemClock
    from bot.outbox import Answer, enqueue_actions
    from handlers import supplies
    from handlers.context import Context
    from storage import audit
    from storage import supplies as ledger

    path = Path(args.workbook)
    if not path.exists():
        return fail(f"{path}：文件不存在")
    book = load_workbook(path, read_only=True, data_only=True)
    if SHEET not in book.sheetnames:
        return fail(f"{path.name} 没有「{SHEET}」表（wxbot supplies template 可写出模板）")
    ws = book[SHEET]
    settings, now = make_settings(cfg), dt.datetime.now(cfg.tz)
    with checked_engine(cfg) as engine, Session(engine) as s:
        ctx = Context(SystemClock(cfg.tz), s, settings)
        errors, done, tell = [], [], []
        for n, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            kind, unit_name, item, qty, by = (list(row) + [None] * 5)[:5]
            if not any(v not in (None, "") for v in (kind, unit_name, item, qty)):
                continue
            where = f"{SHEET}表第{n}行"
            pairs, problems = supplies.parse_items(settings, f"{item or ''}{qty if isinstance(qty, int) else ''}")
            if kind not in ("入库", "发放"):
                problems.append(f"类型「{kind or ''}」应为 入库 或 发放")
            if not isinstance(qty, int) or isinstance(qty, bool):
                problems.append(f"数量「{qty if qty is not None else ''}」须是整数")
            if problems or not pairs:
                errors.append(f"{where}：" + "；".join(problems or ["物资没有填"]))
                continue
            source = f"import:{path.name}:{n}:{now.isoformat()}"
            if kind == "入库":
                ledger.record(s, direction="in", items=pairs, source=source, by=str(by or "导入"), now=now)
                done.append(f"入库 {supplies.amounts(settings, pairs)}")
                continue
            unit = supplies.find_unit(ctx, str(unit_name or "").strip())
            if isinstance(unit, str):
                errors.append(f"{where}：{unit}")
                continue
            moves, refused = supplies.issue(ctx, unit, pairs, source=source, by=str(by or "导入"))
            if not moves:
                errors.append(f"{where}：{refused}")
                continue
            done.append(f"发放 {unit.name} {supplies.amounts(settings, pairs)}")
            tell += supplies.tell_unit(ctx, unit, pairs)
        if (bad := refuse_rows(path, errors)) is not None:
            s.rollback()
            return bad
        for line in done:
            print(line)
        if args.dry_run:
            s.rollback()
            print(DRY_RUN)
            return 0
        audit.record(s, who="cli", action="物资导入", now=now, target=path.name, detail=f"{len(done)}笔")
        enqueue_actions(s, tell, now, trusted=settings.admins, answer=Answer(category="relay"))  # the bot tells the groups
        s.commit()
    print(f"已导入 {path.name}：{len(done)} 笔（发放的单位请在群里回复「已领取」确认）")
    return 0


def cmd_balance(args: argparse.Namespace, cfg: Config) -> int:
    from sqlmodel import Session

    from bot.app import make_settings
    from handlers import supplies
    from storage import supplies as ledger

    settings = make_settings(cfg)
    with checked_engine(cfg) as engine, Session(engine) as s:
        balance = ledger.held(s)
        for key, item in supplies.items(settings).items():
            bought, issued = balance.get(key, (0, 0))
            print(f"{item.name}\t入库{bought}{item.measure}\t发放{issued}{item.measure}\t"
                  f"库存{supplies.in_store(balance, key)}{item.measure}")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("supplies", parents=[common], formatter_class=fmt,
                       help="the supplies ledger (物资台账): balance, and purchases and issues from Excel",
                       epilog="examples:\n  wxbot supplies\n  wxbot supplies template -o 物资.xlsx\n"
                              "  wxbot supplies import 物资.xlsx --dry-run")
    p.set_defaults(func=cmd_balance)
    psub = p.add_subparsers(dest="supplies_command", metavar="ACTION")
    t = psub.add_parser("template", parents=[common], help="write a workbook to fill in (物资, 说明)")
    t.add_argument("-o", "--output", default="supplies.xlsx", help="the .xlsx to write")
    t.set_defaults(func=cmd_template)
    i = psub.add_parser("import", parents=[common], help="check a filled workbook and apply it in one transaction")
    i.add_argument("workbook")
    i.add_argument("--dry-run", action="store_true", help="only check and show what would be recorded")
    i.set_defaults(func=cmd_import)
