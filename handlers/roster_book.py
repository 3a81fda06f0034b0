"""The roster as an Excel workbook a bureau clerk fills in: sheets 单位 and 人员, read row by row with
one message per bad row (sheet and row number), written back in the same shape."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from storage.models import Company, Member, Unit
from storage.roster import CompanyRow, MemberRow, UnitRow

from handlers.privacy import has_personal_number

UNIT_SHEET, MEMBER_SHEET, COMPANY_SHEET, HELP_SHEET = "单位", "人员", "公司", "说明"
UNIT_HEADERS = ("名称", "类别", "街道", "社区", "别名", "报送人", "状态", "物业公司")
COMPANY_HEADERS = ("名称", "联系人", "微信号", "手机")
MEMBER_HEADERS = ("姓名", "微信号", "单位", "角色", "手机")
ROLES = {"报送人": "reporter", "网格员": "grid_worker", "领导": "official"}
ACTIVE = {"": True, "在用": True, "停用": False}
SPLIT = re.compile(r"[、，,;；/\s]+")
PHONE = re.compile(r"^1\d{10}$")
HELP = """填表说明
1. 「单位」表每行一个单位：名称、类别必填；类别填 {kinds}；街道、社区用于分级汇总（区→街道→社区→网格）。
2. 别名：群里常用的简称，多个用顿号分开（如 翠园、翠园小区）。
3. 报送人：该单位报送人的姓名（须在「人员」表里）或微信号，多个用顿号分开。
4. 状态：空或「在用」；「停用」的单位不再提醒、不计入汇总，历史报送保留。
5. 「人员」表每行一人：姓名、微信号必填；单位填「单位」表或系统里已有的单位名称；角色填 报送人、网格员 或 领导。
6. 表中没有的单位和人员保持不变（不会被删除）；停用单位请把状态改为「停用」。
7. 物业公司：管理该小区的物业公司，须在「公司」表或系统里；不填则保持不变。
8. 「公司」表每行一家物业公司：名称必填；联系人的微信号用于私聊发通知和催报。
9. 导入前先预览：wxbot roster import 名单.xlsx --dry-run"""


@dataclass(slots=True)
class Book:
    units: list[UnitRow] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)
    companies: list[CompanyRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(ws: Worksheet, headers: tuple[str, ...], book: Book) -> Iterable[tuple[int, dict[str, str]]]:
    """(row number, {header: text}) for each filled row; a missing column is one error for the sheet."""
    first = [_cell(c.value) for c in next(ws.iter_rows(min_row=1, max_row=1))] if ws.max_row >= 1 else []
    at = {h: first.index(h) for h in headers if h in first}
    missing = [h for h in headers[:2] if h not in at]
    if missing:
        book.errors.append(f"{ws.title}表第1行：缺少列「{'」「'.join(missing)}」（表头应为：{'、'.join(headers)}）")
        return
    for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        values = {h: _cell(row[i]) if i < len(row) else "" for h, i in at.items()}
        if any(values.values()):
            yield number, values


def _unit_row(n: int, v: dict[str, str], kinds: Mapping[str, str], book: Book) -> UnitRow | None:
    where = f"{UNIT_SHEET}表第{n}行"
    kind = {**{name: key for key, name in kinds.items()}, **{k: k for k in kinds}}.get(v.get("类别", ""))
    problems = []
    if not v.get("名称"):
        problems.append("名称没有填")
    elif has_personal_number(v["名称"]):
        problems.append("名称不能是电话或证件号码")
    if kind is None:
        problems.append(f"类别没有填（可填：{'、'.join(kinds.values())}）" if not v.get("类别")
                        else f"类别「{v.get('类别', '')}」不认识（可填：{'、'.join(kinds.values())}）")
    if v.get("状态", "") not in ACTIVE:
        problems.append(f"状态「{v['状态']}」不认识（填 在用 或 停用）")
    if problems:
        book.errors.append(f"{where}：" + "；".join(problems))
        return None
    assert kind is not None
    aliases = tuple(a for a in SPLIT.split(v.get("别名", "")) if a and a != v["名称"])
    return UnitRow(v["名称"], kind, v.get("街道") or None, v.get("社区") or None, aliases, ACTIVE[v.get("状态", "")],
                   v.get("物业公司") or None)


def _company_row(n: int, v: dict[str, str], book: Book) -> CompanyRow | None:
    problems = [] if v.get("名称") else ["名称没有填"]
    phone = re.sub(r"[\s-]", "", v.get("手机", ""))
    if phone and not PHONE.match(phone):
        problems.append(f"手机「{v['手机']}」不是11位手机号")
    if problems:
        book.errors.append(f"{COMPANY_SHEET}表第{n}行：" + "；".join(problems))
        return None
    return CompanyRow(v["名称"], v.get("联系人", ""), v.get("微信号") or None, phone or None)


def _member_row(n: int, v: dict[str, str], book: Book) -> MemberRow | None:
    where = f"{MEMBER_SHEET}表第{n}行"
    problems = []
    if not v.get("姓名"):
        problems.append("姓名没有填")
    if not v.get("微信号"):
        problems.append("微信号没有填（群成员的微信号，如 wxid_abc123）")
    role = ROLES.get(v.get("角色") or "报送人")
    if role is None:
        problems.append(f"角色「{v['角色']}」不认识（可填：{'、'.join(ROLES)}）")
    phone = re.sub(r"[\s-]", "", v.get("手机", ""))
    if phone and not PHONE.match(phone):
        problems.append(f"手机「{v['手机']}」不是11位手机号")
    if problems:
        book.errors.append(f"{where}：" + "；".join(problems))
        return None
    assert role is not None
    return MemberRow(v["微信号"], v["姓名"], v.get("单位") or None, role, phone or None)


def _check(book: Book, unit_lines: dict[str, int], reporters: dict[str, list[tuple[int, str]]],
           member_lines: list[int], existing: Mapping[str, str]) -> None:
    """Across rows: names and aliases used twice, people naming units that exist nowhere, reporters
    named on a unit that the 人员 sheet does not know."""
    owner: dict[str, str] = {}
    for unit in book.units:
        for name in (unit.name, *unit.aliases):
            if name in owner and owner[name] != unit.name:
                book.errors.append(f"{UNIT_SHEET}表第{unit_lines[unit.name]}行：「{name}」已是「{owner[name]}」的名称或别名")
            owner.setdefault(name, unit.name)
    known_units = set(unit_lines) | set(existing)
    named_twice = {n for n in (m.name for m in book.members) if n and sum(1 for m in book.members if m.name == n) > 1}
    for row, member in zip(member_lines, book.members, strict=True):
        if member.unit and member.unit not in known_units:
            book.errors.append(f"{MEMBER_SHEET}表第{row}行：单位「{member.unit}」在「单位」表和系统里都没有")
    for unit_name, named in reporters.items():
        for row, who in named:
            at = next((i for i, m in enumerate(book.members) if who in (m.contact_id, m.name)), None)
            person = book.members[at] if at is not None else None
            if who in named_twice:
                book.errors.append(f"{UNIT_SHEET}表第{row}行：报送人「{who}」在「人员」表里有两人同名，请填微信号")
            elif person is None and not who.startswith("wxid_"):
                book.errors.append(f"{UNIT_SHEET}表第{row}行：报送人「{who}」不在「人员」表里（填姓名或微信号）")
            elif person is None:
                book.members.append(MemberRow(who, "", unit_name))
            elif person.unit is None:
                assert at is not None
                book.members[at] = MemberRow(person.contact_id, person.name, unit_name, person.role, person.phone)
            elif person.unit != unit_name:
                book.errors.append(f"{UNIT_SHEET}表第{row}行：报送人「{who}」在「人员」表里属于「{person.unit}」")


def read_book(path: Path, kinds: Mapping[str, str], existing_units: Mapping[str, str],
              existing_companies: Iterable[str] = ()) -> Book:
    """kinds: key -> Chinese name; existing_units: name -> kind of the units already in the database."""
    book = Book()
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a file that is no workbook
        book.errors.append(f"{path.name} 打不开：{type(exc).__name__}（请用 Excel 另存为 .xlsx）")
        return book
    if UNIT_SHEET not in wb.sheetnames:
        book.errors.append(f"{path.name} 没有「{UNIT_SHEET}」表（wxbot roster template 可生成模板）")
        return book
    unit_lines: dict[str, int] = {}
    reporters: dict[str, list[tuple[int, str]]] = {}
    for n, v in _rows(wb[UNIT_SHEET], UNIT_HEADERS, book):
        row = _unit_row(n, v, kinds, book)
        if row is None:
            continue
        if row.name in unit_lines:
            book.errors.append(f"{UNIT_SHEET}表第{n}行：单位「{row.name}」与第{unit_lines[row.name]}行重复")
            continue
        unit_lines[row.name] = n
        book.units.append(row)
        reporters[row.name] = [(n, w) for w in SPLIT.split(v.get("报送人", "")) if w]
    member_lines: list[int] = []
    if MEMBER_SHEET in wb.sheetnames:
        seen: dict[str, int] = {}
        for n, v in _rows(wb[MEMBER_SHEET], MEMBER_HEADERS, book):
            member = _member_row(n, v, book)
            if member is None:
                continue
            if member.contact_id in seen:
                book.errors.append(f"{MEMBER_SHEET}表第{n}行：微信号「{member.contact_id}」与第{seen[member.contact_id]}行重复")
                continue
            seen[member.contact_id] = n
            book.members.append(member)
            member_lines.append(n)
    if COMPANY_SHEET in wb.sheetnames:
        book.companies = [c for n, v in _rows(wb[COMPANY_SHEET], COMPANY_HEADERS, book)
                          if (c := _company_row(n, v, book)) is not None]
    wb.close()
    _check(book, unit_lines, reporters, member_lines, existing_units)
    firms = {c.name for c in book.companies} | set(existing_companies)
    for unit in book.units:
        if unit.company is not None and unit.company not in firms:
            book.errors.append(f"{UNIT_SHEET}表第{unit_lines[unit.name]}行：物业公司「{unit.company}」在「公司」表和系统里都没有")
    return book


def _sheet(ws: Worksheet, headers: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        ws.append(list(row))
    for i, _ in enumerate(headers):
        ws.column_dimensions[chr(ord("A") + i)].width = 18
    ws.freeze_panes = "A2"


def write_book(path: Path, kinds: Mapping[str, str], units: list[Unit], members: list[Member],
               firms: list[Company] | None = None) -> None:
    """The roster as it stands (or, with no units, the example rows of a template)."""
    firm_names = {c.id: c.name for c in firms or []}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = UNIT_SHEET
    by_unit: dict[int | None, list[Member]] = {}
    for m in members:
        by_unit.setdefault(m.unit_id, []).append(m)
    rows = [(u.name, kinds.get(u.kind, u.kind), u.parent or "", u.community or "", "、".join(u.aliases),
             "、".join(m.name or m.contact_id for m in by_unit.get(u.id, [])), "在用" if u.active else "停用",
             firm_names.get(u.company_id, ""))
            for u in units]
    _sheet(ws, UNIT_HEADERS, rows)
    choice = DataValidation(type="list", formula1='"' + ",".join(kinds.values()) + '"', allow_blank=True)
    ws.add_data_validation(choice)
    choice.add("B2:B5000")
    state = DataValidation(type="list", formula1='"在用,停用"', allow_blank=True)
    ws.add_data_validation(state)
    state.add("G2:G5000")
    names = {u.id: u.name for u in units}
    roles = {v: k for k, v in ROLES.items()}
    people = wb.create_sheet(MEMBER_SHEET)
    _sheet(people, MEMBER_HEADERS, [(m.name, m.contact_id, names.get(m.unit_id, ""), roles.get(m.role, "报送人"),
                                     m.phone or "") for m in members])
    role = DataValidation(type="list", formula1='"' + ",".join(ROLES) + '"', allow_blank=True)
    people.add_data_validation(role)
    role.add("D2:D5000")
    _sheet(wb.create_sheet(COMPANY_SHEET), COMPANY_HEADERS,
           [(c.name, c.contact_name, c.contact_id or "", c.phone or "") for c in firms or []])
    notes = wb.create_sheet(HELP_SHEET)
    for line in HELP.format(kinds="、".join(kinds.values())).splitlines():
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    wb.save(path)


def example_units(kinds: Mapping[str, str]) -> tuple[list[Unit], list[Member], list[Company]]:
    """Two example rows for the template, in the bureau's words."""
    import datetime as dt

    first = next(iter(kinds), "property")
    unit = Unit(id=1, name="翠园小区", kind=first, parent="金山街道", community="翠园社区", aliases=["翠园"],
                company_id=1)
    member = Member(contact_id="wxid_example123", name="王经理", unit_id=1, role="reporter",
                    updated_at=dt.datetime(2020, 1, 1))
    return [unit], [member], [Company(id=1, name="华强物业", contact_name="刘总", contact_id="wxid_example456")]
