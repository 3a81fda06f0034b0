"""What a handler gets besides the message: a clock, a storage session, and the settings it reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.privacy import mask
from storage import audit, queries
from storage.stats import DISTRICT, Scope
from storage.models import Member, Unit

from handlers.parser import Parser
from handlers.templates import Template


class Clock(Protocol):
    """The one source of "now"; tests and the demo inject a fake one."""

    def now(self) -> dt.datetime: ...


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """The room a message came from, as the deployment sees it."""

    room_id: str
    kind: str
    unit_names: tuple[str, ...] = ()  # empty: every unit of the kind
    prompt_style: str = "form"  # form | jielong (the day's prompt as a 接龙 people extend)
    # an officials' group of one street or community: its summaries and escalations cover that part only
    scope: Scope = DISTRICT


@dataclass(slots=True)
class Settings:
    """The parts of the deployment handlers need (built once from config by bot/)."""

    tz: ZoneInfo
    parser: Parser
    kind_names: dict[str, str]
    admins: frozenset[str] = frozenset()
    officials_kind: str = "officials"
    data_dir: str = "data"
    deadlines: dict[str, dt.time] = field(default_factory=dict)
    supplies: dict[str, dict[str, int]] = field(default_factory=dict)
    reply_window: dt.timedelta = dt.timedelta(hours=3)
    chart_font: str = ""
    prompted_kinds: frozenset[str] = frozenset()  # kinds whose people answer a prompt (grid workers)
    needs_mention: bool = False  # WeCom: the bot hears a group message only when it is @-mentioned
    notice_window: dt.timedelta = dt.timedelta(hours=72)  # a notice's 回执 are collected this long

    def is_late(self, kind: str, moment: dt.datetime, day: dt.date) -> bool:
        """After the kind's deadline on the report's own day (a report for a past day is late too)."""
        deadline = self.deadlines.get(kind)
        if deadline is None:
            return False
        local = moment.astimezone(self.tz)
        return local.date() > day or (local.date() == day and local.time() > deadline)

    def templates(self, kind: str) -> list[Template]:
        return self.parser.templates(kind)

    def daily_templates(self, kind: str) -> list[str]:
        """Templates reported every day (they have a date field); a filing is one-off."""
        return [t.id for t in self.templates(kind) if t.date_field]

    def filing_templates(self, kind: str) -> list[str]:
        return [t.id for t in self.templates(kind) if not t.date_field]


@dataclass(slots=True)
class Context:
    clock: Clock
    session: Session
    settings: Settings
    group: GroupInfo | None = None
    bot_id: str = ""
    notes: list[str] = field(default_factory=list)  # operator log lines from the handler
    # the parser with what the database knows (units, taught labels); the templates' alone if None
    registry_parser: Parser | None = None
    # when the message was sent (its own time stamp): a report held up by a database outage is not late
    received: dt.datetime | None = None
    # the active units by kind, read once per registry change (None: ask the database)
    unit_index: Mapping[str, list[Unit]] | None = None

    # WeChat contact id -> member, read once per registry change (None: ask the database)
    member_index: Mapping[str, Member] | None = None

    def member(self, contact_id: str) -> Member | None:
        if self.member_index is not None:
            return self.member_index.get(contact_id)
        return queries.member_by_contact(self.session, contact_id=contact_id)

    def units_of(self, kind: str) -> list[Unit]:
        if self.unit_index is not None:
            return self.unit_index.get(kind, [])
        return queries.units_of_kind(self.session, kind=kind)

    @property
    def in_officials_group(self) -> bool:
        return self.group is not None and self.group.kind == self.settings.officials_kind

    @property
    def parser(self) -> Parser:
        return self.registry_parser or self.settings.parser

    @property
    def now(self) -> dt.datetime:
        return self.clock.now().astimezone(self.settings.tz)

    @property
    def today(self) -> dt.date:
        return self.now.date()

    @property
    def sent_at(self) -> dt.datetime:
        """The message's own time when plausible (within three days before now), else now."""
        now = self.now
        if self.received is None or not now - dt.timedelta(days=3) <= self.received <= now:
            return now
        return self.received.astimezone(self.settings.tz)

    def is_admin(self, contact_id: str) -> bool:
        return contact_id in self.settings.admins

    def audit(self, who: str, what: str, detail: str = "", where: str = "", whole: bool = False) -> None:
        """An admin command or an export in chat, in the audit log (personal numbers masked)."""
        audit.record(self.session, who=who, role="admin" if self.is_admin(who) else "", address=where,
                     action="chat", target=what, detail=mask(detail), whole=whole, now=self.now)
