"""All tables, in one module. Field values live in ReportValue rows (one per field) so that
"sum of field X per day per kind" is a plain GROUP BY on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Unit(SQLModel, table=True):
    """A community, construction project or grid that reports."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    kind: str = Field(index=True)
    parent: str | None = None  # the street
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = "config"  # config | admin | roster
    active: bool = True
    community: str | None = None  # the community it belongs to (a grid's, a 小区's own)
    company_id: int | None = Field(default=None, foreign_key="company.id")  # the property company managing it


class Group(SQLModel, table=True):
    """A chat room bound to a group kind."""

    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(unique=True, index=True)
    topic: str | None = None
    kind: str
    bound_by: str | None = None
    updated_at: dt.datetime


class Member(SQLModel, table=True):
    """A WeChat contact and the unit they report for."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: str = Field(unique=True, index=True)
    name: str = ""
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    role: str = "reporter"  # reporter | grid_worker | official
    confirmed: bool = False
    updated_at: dt.datetime
    phone: str | None = None  # personal data: purged after retention.member_phone_days without an update


class Report(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("unit_id", "template", "report_date", name="uq_report_unit_template_date"),
        Index("ix_report_kind_date", "kind", "report_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    template: str
    kind: str
    unit_id: int = Field(foreign_key="unit.id", index=True)
    report_date: dt.date
    reporter_id: str | None = None
    source_message_id: str = Field(index=True)  # one message may hold several units' reports
    raw_text: str
    status: str = "ok"  # ok | withdrawn
    late: bool = False  # arrived after the kind's deadline (迟报)
    nil: bool = False  # a nil report (无异常): counts as reported
    revision: int = 1
    created_at: dt.datetime
    updated_at: dt.datetime


class ReportValue(SQLModel, table=True):
    """One field of one report: numbers and yes/no in int_value, the rest in text_value."""

    __table_args__ = (Index("ix_reportvalue_key_report", "key", "report_id"),)

    report_id: int = Field(foreign_key="report.id", primary_key=True)
    key: str = Field(primary_key=True)
    int_value: int | None = None
    text_value: str | None = None


class ReportRevision(SQLModel, table=True):
    """An earlier version of a report, kept when a repost replaced it."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    revision: int
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    raw_text: str
    source_message_id: str
    reporter_id: str | None = None
    created_at: dt.datetime


class ProcessedMessage(SQLModel, table=True):
    """A message id seen once; puppets redeliver, and wechaty's own memory is process-wide and wiped."""

    message_id: str = Field(primary_key=True)
    processed_at: dt.datetime


class OutboxMessage(SQLModel, table=True):
    """An outgoing message, persisted before it is sent, claimed by one process, sent once.

    status: queued -> sending (claimed) -> sent; back to queued when the connection fails (no attempt
    counted); failed when the other side refused the message itself too often; dropped by an explicit
    rule (expires_at passed)."""

    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),
                      Index("ix_outbox_account_status_priority", "account", "status", "priority", "due_at"),
                      Index("ix_outbox_created", "created_at"),
                      Index("ix_outbox_sender_created", "for_sender", "created_at"),
                      Index("ix_outbox_room_created", "room_id", "created_at"))

    id: int | None = Field(default=None, primary_key=True)
    room_id: str | None = None
    to_id: str | None = None
    text: str | None = None
    file_path: str | None = None
    mention_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reply_to: str | None = None  # the incoming message it answers (WeCom replies to it)
    status: str = "queued"  # queued | sending | sent | failed | dropped
    attempts: int = 0  # refusals of the message itself (connection faults are not attempts)
    last_error: str | None = None
    due_at: dt.datetime
    created_at: dt.datetime
    sent_at: dt.datetime | None = None
    category: str = "reply"  # summary | escalation | receipt | reply | notice | reminder | prompt
    priority: int = 1  # 0 officials, 1 receipts and replies, 2 reminders and prompts
    expires_at: dt.datetime | None = None  # dropped (and counted) if still unsent then
    account: str = "default"  # the WeChat account that sends it
    for_sender: str | None = None  # whose message it answers (the per-sender budget)
    claimed_by: str | None = None  # the process sending it
    claimed_at: dt.datetime | None = None
    repeats: int = 0  # sends after a crash left it mid-send: at most one


class SendSlot(SQLModel, table=True):
    """One WeChat account's pacing and daily count, shared by every process that sends for it."""

    account: str = Field(primary_key=True)
    next_at: dt.datetime  # no send before this
    day: dt.date
    sent: int = 0


class BotProcess(SQLModel, table=True):
    """A running bot process and its heartbeat: a row it left mid-send is recovered once it is dead."""

    name: str = Field(primary_key=True)  # host:pid
    host: str
    pid: int
    account: str = "default"
    started_at: dt.datetime
    beat_at: dt.datetime
    logged_in: bool = False
    last_event_at: dt.datetime | None = None
    problem: str = ""  # a loop dead or stuck, a backlog not moving ('' when healthy)
    login_state: str = ""  # waiting (a QR code to scan), scanned, confirmed, expired, or '' (logged in / n/a)
    qr: str = ""  # the QR code's text while one waits to be scanned


class Attachment(SQLModel, table=True):
    """A photo sent after a report, kept under the data directory."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    path: str
    source_message_id: str = Field(unique=True)
    created_at: dt.datetime


class Firing(SQLModel, table=True):
    """A scheduled send claimed for (job, target, day): at most once, across restarts and processes."""

    __table_args__ = (UniqueConstraint("job", "target", "fire_date", name="uq_firing_job_target_date"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str
    target: str  # a room id, or a kind for jobs that go to every group of it
    fire_date: dt.date
    scheduled_for: dt.datetime
    claimed_at: dt.datetime
    claimed_by: str
    outcome: str  # sent | late_sent (补发) | skipped_holiday | skipped_late | coalesced | nothing_to_send


class Problem(SQLModel, table=True):
    """A problem found on inspection, assigned (交办) to a unit until rectified (整改). Its id is its number."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    description: str
    deadline: dt.date | None = None
    assignee_id: str | None = None
    assignee_name: str = ""
    assigned_by: str
    room_id: str | None = None
    source_message_id: str = Field(unique=True)
    status: str = Field(default="open", index=True)  # open | closed
    created_at: dt.datetime
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    close_note: str | None = None


class ProblemPhoto(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="problem.id", index=True)
    path: str
    source_message_id: str = Field(unique=True)
    created_at: dt.datetime


class Conversation(SQLModel, table=True):
    """A prompt waiting for one person's answer (grid workers); survives restarts, expires."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: str = Field(index=True)
    room_id: str
    unit_id: int = Field(foreign_key="unit.id")
    template: str
    day: dt.date
    expires_at: dt.datetime
    answered: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = "open"  # open | done


class WebUser(SQLModel, table=True):
    """An official's account for the desk. role district sees the district; street and community
    see their own units, always masked; permissions: see_personal_data, admin."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    name: str = ""
    password_hash: str
    street: str | None = None
    created_at: dt.datetime
    role: str = "district"  # district | street | community
    community: str | None = None
    permissions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class AccountState(SQLModel, table=True):
    """Per desk account (from config or the database): the session version (logout, a new password
    or deletion ends every session at once) and failed logins (growing delays, a lockout)."""

    username: str = Field(primary_key=True)
    session_version: int = 1
    failures: int = 0
    last_failure: dt.datetime | None = None
    locked: bool = False  # only an admin lifts it


class AddressThrottle(SQLModel, table=True):
    """Failed logins from one address: growing delays, never a permanent lock."""

    address: str = Field(primary_key=True)
    failures: int = 0
    last_failure: dt.datetime


class AuditEvent(SQLModel, table=True):
    """Who looked at or changed what. Append-only for the application (database triggers refuse
    updates and deletes); kept at least 180 days, never purged by retention."""

    __table_args__ = (Index("ix_audit_at", "at"), Index("ix_audit_who_at", "who", "at"))

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    who: str  # a desk account, a WeChat contact id, or "system"
    role: str = ""
    address: str = ""  # IP address on the desk, the room in chat
    action: str  # login | login_failed | view | api | export | chat | account | purge
    target: str = ""
    detail: str = ""
    whole: bool = False  # personal numbers were shown whole


class PurgeRun(SQLModel, table=True):
    """What one retention run deleted or de-identified."""

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class VocabAlias(SQLModel, table=True):
    """A label an admin taught (学习 今日体温检测=测温人数): read as that field from the next message on."""

    __table_args__ = (UniqueConstraint("template", "alias", name="uq_vocabalias_template_alias"),)

    id: int | None = Field(default=None, primary_key=True)
    template: str
    alias: str
    field_key: str
    taught_by: str
    created_at: dt.datetime


class UnknownLabel(SQLModel, table=True):
    """A label nobody has taught yet, counted per day and template: what admins should teach next."""

    __table_args__ = (UniqueConstraint("day", "template", "label", name="uq_unknownlabel_day_template_label"),)

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date = Field(index=True)
    template: str
    label: str
    count: int = 0
    last_seen: dt.datetime


class PendingGuess(SQLModel, table=True):
    """A label the bot read by a guess and said so («侧温»按测温人数记); an admin's 是 teaches it."""

    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(index=True)
    template: str
    label: str
    field_key: str
    created_at: dt.datetime
    status: str = "open"  # open | taught


class RegistryStamp(SQLModel, table=True):
    """Bumped whenever units or taught labels change: every process rebuilds its parser on the next
    message (a taught label works at once on every instance sharing the database)."""

    name: str = Field(primary_key=True)
    version: int = 0


class Notice(SQLModel, table=True):
    """Something the bot says once per room and day (a 接龙 entry it could not read, a budget
    warning): recorded so it is not said again."""

    __table_args__ = (UniqueConstraint("room_id", "day", "key", name="uq_notice_room_day_key"),)

    id: int | None = Field(default=None, primary_key=True)
    room_id: str
    day: dt.date
    key: str
    created_at: dt.datetime


class RoomPresence(SQLModel, table=True):
    """Which of our WeChat accounts sit in which room (each process records its account's rooms)."""

    room_id: str = Field(primary_key=True)
    account: str = Field(primary_key=True)
    seen_at: dt.datetime


class RoomOwner(SQLModel, table=True):
    """The one account that sends to a room: pinned in config, else the first seen (home); another
    account present takes over while the home account is silent, and gives it back."""

    room_id: str = Field(primary_key=True)
    account: str
    home: str
    pinned: bool = False
    since: dt.datetime


class OwnershipChange(SQLModel, table=True):
    """A failover or a give-back, kept for the operator."""

    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(index=True)
    from_account: str
    to_account: str
    reason: str
    at: dt.datetime


class SeenContent(SQLModel, table=True):
    """A message reaching two of our accounts arrives under two ids: room + sender + text digest +
    time say it is the same message."""

    __table_args__ = (Index("ix_seencontent_key", "room_id", "sender_id", "digest", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    room_id: str
    sender_id: str
    digest: str
    at: dt.datetime


class Circular(SQLModel, table=True):
    """A notice passed down to the groups of some kinds (通知N: its id is its number), acknowledged
    (回执) unit by unit until `until`."""

    id: int | None = Field(default=None, primary_key=True)
    text: str
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sent_by: str  # a WeChat contact id, or desk:<username>
    sent_by_name: str = ""
    origin_room: str | None = None  # the room it was given in (None: privately or on the desk)
    source_message_id: str = Field(unique=True)
    created_at: dt.datetime
    until: dt.datetime = Field(index=True)
    completed_at: dt.datetime | None = None  # when the last unit acknowledged (told once)


class Acknowledgement(SQLModel, table=True):
    """A unit's (or, for a notice to the companies, a company's) 回执 of a notice: the first who
    acknowledged for it, and when."""

    __table_args__ = (UniqueConstraint("circular_id", "unit_id", name="uq_ack_circular_unit"),
                      UniqueConstraint("circular_id", "company_id", name="uq_ack_circular_company"))

    id: int | None = Field(default=None, primary_key=True)
    circular_id: int = Field(foreign_key="circular.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    company_id: int | None = Field(default=None, foreign_key="company.id")  # a notice to the companies
    contact_id: str
    name: str = ""
    words: str = ""  # what they wrote (收到, 已阅, a quote)
    at: dt.datetime


class SupplyMove(SQLModel, table=True):
    """A line of the bureau's supplies ledger: bought into its store (入库, `in`) or issued to a unit
    (发放, `out`), in whole numbers of the field's measure word; an issue is confirmed by the unit."""

    id: int | None = Field(default=None, primary_key=True)
    direction: str  # in | out
    item: str  # the report field it is counted in (masks, disinfectant_barrels, thermometers)
    quantity: int
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    by: str = ""  # who bought or issued it (a name)
    source: str = Field(index=True)  # the message (or desk request, or import row) that made it
    at: dt.datetime
    confirmed_at: dt.datetime | None = None
    confirmed_by: str | None = None  # a member's name, or 日报 (the unit's next report showed the stock)


class ReturningWorker(SQLModel, table=True):
    """One worker back on a site (返岗人员健康档案): personal data, masked everywhere but for the allowed
    role, purged `retention.returning_workers_days` after the observation ends."""

    __table_args__ = (UniqueConstraint("unit_id", "name", "id_number", name="uq_worker_site_name_id"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    name: str
    id_number: str = ""
    phone: str = ""
    origin: str = ""  # where from (籍贯 / 来自)
    returned_on: dt.date = Field(index=True)
    test_date: dt.date | None = None
    test_result: str = ""  # 阴性 | 阳性 | 待出 | ""
    record_made: bool = False  # 健康档案已建立
    observation_end: dt.date = Field(index=True)
    source: str = ""
    updated_at: dt.datetime


class Company(SQLModel, table=True):
    """A property company (物业公司) managing several communities; its contact gets the notices sent
    to companies and the names of its communities still missing at the deadline."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    contact_id: str | None = None  # the contact's WeChat id (messaged privately)
    contact_name: str = ""
    phone: str | None = None  # personal data, masked like every phone number
    source: str = "config"  # config | roster
