"""The returning workers' register as the Excel workbook a site fills in (返岗人员健康档案): one row per
worker, checked row by row (sheet and row number in every message), written back in the same shape."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from handlers.privacy import mask
from handlers.sheets import header
from storage.models import ReturningWorker
from storage.workers import WorkerRow

SHEET = "返岗人员"
HEADERS = ("项目", "姓名", "身份证号", "手机", "从何地返回", "返岗日期", "核酸日期", "核酸结果", "健康档案", "观察期满")
RESULTS = ("阴性", "阳性", "待出", "")
YES = {"是": True, "已建": True, "已建立": True, "有": True, "否": False, "未建": False, "无": False, "": False}
ID_NUMBER = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
PHONE = re.compile(r"^1\d{10}$")
HELP = ("每行一名返岗人员：项目、姓名、返岗日期必填；日期写 2020-02-26；核酸结果填 阴性、阳性 或 待出；"
        "健康档案填 是 或 否；观察期满不填则为返岗后14天。身份证号、手机属于个人信息，只在本系统内使用，"
        "到期自动清除。导入前先预览：wxbot workers import 文件.xlsx --dry-run")


@dataclass(slots=True)
class Book:
    rows: list[tuple[str, WorkerRow]] = field(default_factory=list)  # (site name, worker)
    errors: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise ValueError(f"「{text}」不是日期（写成 2020-02-26）") from None


def check_row(values: Mapping[str, Any], sites: set[str]) -> tuple[str, WorkerRow | None, list[str]]:
    problems = []
    site, name = _text(values.get("项目")), _text(values.get("姓名"))
    if not site:
        problems.append("项目没有填")
    elif site not in sites:
        problems.append(f"项目「{site}」不是已登记的在建工地")
    if not name:
        problems.append("姓名没有填")
    id_number, phone = _text(values.get("身份证号")).upper(), _text(values.get("手机"))
    if id_number and not ID_NUMBER.match(id_number):
        problems.append("身份证号应为18位（或15位）")
    if phone and not PHONE.match(phone):
        problems.append("手机应为11位数字")
    result, record = _text(values.get("核酸结果")), _text(values.get("健康档案"))
    if result not in RESULTS:
        problems.append(f"核酸结果「{result}」应为 阴性、阳性 或 待出")
    if record not in YES:
        problems.append(f"健康档案「{record}」应为 是 或 否")
    dates: dict[str, dt.date | None] = {}
    for key in ("返岗日期", "核酸日期", "观察期满"):
        try:
            dates[key] = _date(values.get(key))
        except ValueError as exc:
            problems.append(f"{key}{exc}")
    returned = dates.get("返岗日期")
    if returned is None and "返岗日期" not in " ".join(problems):
        problems.append("返岗日期没有填")
    if problems or returned is None:
        return site, None, problems
    return site, WorkerRow(name, id_number, phone, _text(values.get("从何地返回")), returned, dates.get("核酸日期"),
                           result, YES[record], dates.get("观察期满")), []


def read_book(path: Path, sites: Iterable[str]) -> Book:
    book, known = Book(), set(sites)
    wb = load_workbook(path, read_only=True, data_only=True)
    if SHEET not in wb.sheetnames:
        book.errors.append(f"没有「{SHEET}」表（wxbot workers template 可写出模板）")
        return book
    rows = wb[SHEET].iter_rows(values_only=True)
    header = [_text(c) for c in next(rows, ())]
    missing = [h for h in ("项目", "姓名", "返岗日期") if h not in header]
    if missing:
        book.errors.append(f"{SHEET}表第1行：缺少列「{'」「'.join(missing)}」（表头应为：{'、'.join(HEADERS)}）")
        return book
    for n, row in enumerate(rows, start=2):
        values = {h: row[i] for i, h in enumerate(header) if h and i < len(row)}
        if not any(_text(v) for v in values.values()):
            continue
        site, worker, problems = check_row(values, known)
        if worker is None:
            book.errors.append(f"{SHEET}表第{n}行：" + "；".join(problems))
        else:
            book.rows.append((site, worker))
    return book


def write_book(path: Path, workers: Iterable[tuple[str, ReturningWorker]], *, masked: bool) -> None:
    """The register (or an empty template) in the import's shape; personal numbers masked unless whole."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    header(ws, HEADERS)
    for site, w in workers:
        ws.append([site, w.name, mask(w.id_number) if masked else w.id_number, mask(w.phone) if masked else w.phone,
                   w.origin, w.returned_on.isoformat(), w.test_date.isoformat() if w.test_date else "", w.test_result,
                   "是" if w.record_made else "否", w.observation_end.isoformat()])
    wb.create_sheet("说明").append([HELP])
    wb.save(path)
