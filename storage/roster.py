"""The roster's home: units (with street, community, aliases) and members. Written by a roster
import, by admins on the desk and in chat; config.yaml only seeds it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from storage import companies, vocab
from storage.models import Group, Member, Report, Unit


@dataclass(frozen=True, slots=True)
class UnitRow:
    name: str
    kind: str
    street: str | None = None
    community: str | None = None
    aliases: tuple[str, ...] = ()
    active: bool = True
    company: str | None = None  # None: left as it is


@dataclass(frozen=True, slots=True)
class CompanyRow:
    name: str
    contact_name: str = ""
    contact_id: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class MemberRow:
    contact_id: str
    name: str
    unit: str | None
    role: str = "reporter"
    phone: str | None = None


@dataclass(slots=True)
class Changes:
    """What applying a roster does, in words an operator reads before saying yes."""

    added_units: list[str] = field(default_factory=list)
    changed_units: list[str] = field(default_factory=list)
    retired_units: list[str] = field(default_factory=list)
    added_members: list[str] = field(default_factory=list)
    changed_members: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added_units or self.changed_units or self.retired_units or self.added_members
                    or self.changed_members or self.companies)


def all_units(session: Session) -> list[Unit]:
    return list(session.exec(select(Unit).order_by(col(Unit.kind), col(Unit.parent), col(Unit.id))))


def all_members(session: Session) -> list[Member]:
    return list(session.exec(select(Member).order_by(col(Member.unit_id), col(Member.id))))


def _unit_diff(unit: Unit, row: UnitRow, firms: dict[str, int], names: dict[int, str]) -> list[str]:
    said = []
    pairs = [("类别", unit.kind, row.kind), ("街道", unit.parent, row.street), ("社区", unit.community, row.community),
             ("别名", "、".join(unit.aliases), "、".join(row.aliases)), ("状态", unit.active, row.active)]
    if row.company is not None and firms.get(row.company) != unit.company_id:
        pairs.append(("物业公司", names.get(unit.company_id or 0, ""), row.company))
    for label, before, after in pairs:
        if before != after:
            said.append(f"{label} {before or '—'}→{after or '—'}")
    return said


def apply_companies(session: Session, rows: list[CompanyRow], changes: Changes) -> dict[str, int]:
    """Companies by name (added or their contact updated); returns name -> id of every company."""
    for row in rows:
        _, changed = companies.upsert(session, name=row.name, contact_id=row.contact_id,
                                      contact_name=row.contact_name, phone=row.phone, source="roster")
        if changed:
            changes.companies.append(f"{row.name}（联系人 {row.contact_name or '—'}）")
    return {c.name: c.id for c in companies.all_companies(session) if c.id is not None}


def apply_units(session: Session, rows: list[UnitRow], changes: Changes, firms: dict[str, int]) -> dict[str, Unit]:
    existing = {u.name: u for u in all_units(session)}
    names = {i: n for n, i in firms.items()}
    for row in rows:
        unit = existing.get(row.name)
        if unit is None:
            unit = Unit(name=row.name, kind=row.kind, parent=row.street, community=row.community,
                        aliases=list(row.aliases), source="roster", active=row.active,
                        company_id=firms.get(row.company or ""))
            changes.added_units.append(row.name)
        else:
            diff = _unit_diff(unit, row, firms, names)
            if not diff:
                changes.unchanged += 1
                continue
            (changes.retired_units if unit.active and not row.active else changes.changed_units).append(
                f"{row.name}：{'，'.join(diff)}")
            unit.kind, unit.parent, unit.community = row.kind, row.street, row.community
            unit.aliases, unit.active, unit.source = list(row.aliases), row.active, "roster"
            if row.company is not None:
                unit.company_id = firms.get(row.company)
        session.add(unit)
        existing[row.name] = unit
    session.flush()
    return existing


def apply_members(session: Session, rows: list[MemberRow], units: dict[str, Unit], changes: Changes,
                  now: dt.datetime) -> None:
    existing = {m.contact_id: m for m in all_members(session)}
    names = {u.id: n for n, u in units.items()}
    for row in rows:
        unit_id = units[row.unit].id if row.unit else None
        member = existing.get(row.contact_id)
        if member is None:
            member = Member(contact_id=row.contact_id, updated_at=now)
            changes.added_members.append(f"{row.name}（{row.unit or '无单位'}）")
        elif (member.name, member.unit_id, member.role, member.phone or None, member.confirmed) == (
                row.name, unit_id, row.role, row.phone or member.phone or None, True):
            changes.unchanged += 1
            continue
        else:
            changes.changed_members.append(
                f"{row.name}：{names.get(member.unit_id, '无单位')}→{row.unit or '无单位'}"
                if member.unit_id != unit_id else f"{row.name}：资料更新")
        member.name, member.unit_id, member.role, member.confirmed, member.updated_at = (
            row.name, unit_id, row.role, True, now)
        if row.phone:
            member.phone = row.phone
        session.add(member)
    session.flush()


def retire_examples(session: Session, keep: set[str], changes: Changes) -> None:
    """A deployment's first roster replaces the examples config.yaml seeded: a unit that came from
    config, is not in the workbook and was never reported for is retired (a real one that reports
    stays)."""
    reported = set(session.exec(select(Report.unit_id).distinct()))
    for unit in all_units(session):
        if unit.source == "config" and unit.active and unit.name not in keep and unit.id not in reported:
            unit.active = False
            session.add(unit)
            changes.retired_units.append(f"{unit.name}：配置文件里的示例单位，名单里没有，停用")


def apply(session: Session, *, units: list[UnitRow], members: list[MemberRow], now: dt.datetime,
          firms: list[CompanyRow] | None = None) -> Changes:
    """Everything in the caller's one transaction: the caller commits, or rolls back for a dry run."""
    changes = Changes()
    retire_examples(session, {u.name for u in units}, changes)
    known = apply_units(session, units, changes, apply_companies(session, firms or [], changes))
    apply_members(session, members, known, changes, now)
    if changes.any:
        vocab.bump(session)
    return changes


def rename_unit(session: Session, *, unit: Unit, name: str) -> None:
    """The old name stays an alias, so people who still type it are understood."""
    if unit.name not in unit.aliases:
        unit.aliases = [*unit.aliases, unit.name]
    unit.aliases = [a for a in unit.aliases if a != name]
    unit.name, unit.source = name, "admin"
    session.add(unit)
    session.flush()
    vocab.bump(session)


def set_active(session: Session, *, unit: Unit, active: bool) -> None:
    unit.active = active
    session.add(unit)
    session.flush()
    vocab.bump(session)


def place_unit(session: Session, *, unit: Unit, street: str | None, community: str | None) -> None:
    unit.parent, unit.community, unit.source = street, community, "admin"
    session.add(unit)
    session.flush()
    vocab.bump(session)


def bind_member(session: Session, *, member: Member, unit_id: int | None, now: dt.datetime) -> None:
    """Bound by an admin: confirmed at once (a self-bind by 我是 waits for 确认)."""
    member.unit_id, member.confirmed, member.updated_at = unit_id, unit_id is not None, now
    session.add(member)
    session.flush()
    vocab.bump(session)


def all_groups(session: Session) -> list[Group]:
    return list(session.exec(select(Group).order_by(col(Group.kind), col(Group.id))))


def unbind_group(session: Session, *, group: Group) -> None:
    session.delete(group)
    session.flush()
    vocab.bump(session)
