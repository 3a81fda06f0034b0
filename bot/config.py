"""config.yaml -> validated Config. A mistake is one message naming the key path; never a traceback."""

from __future__ import annotations

import copy
import difflib
import re
from pathlib import Path
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from bot.config_versions import CURRENT, migrate, prompt_times, version_of
from handlers.parser.words import DEFAULT_WORDS, WORD_LISTS, ReadingWords
from handlers.templates import Template

Role = Literal["reporter", "grid_worker", "official"]


class ConfigError(Exception):
    """Raised with a message for the operator; the CLI prints it and exits 2."""


class UnitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    kind: str
    parent: str | None = None  # the street
    community: str | None = None  # the community (a 小区's or a grid's)
    company: str | None = None  # the property company managing it (one of `companies:`)


class CompanySpec(BaseModel):
    """A property company (物业公司) and its contact, who gets notices to companies privately."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    contact: str | None = None  # the contact's WeChat id
    contact_name: str = ""
    phone: str | None = None


class GroupSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    room: str | None = None
    topic: str | None = None
    kind: str
    units: list[str] = Field(default_factory=list)
    # form: the day's prompt carries the blank form; jielong: it is a 接龙 people extend
    prompt_style: Literal["form", "jielong"] = "form"
    # an officials' group of one street (or one community): summaries and escalations for that part only
    street: str | None = None
    community: str | None = None
    owner: str | None = None  # the account that sends here (default: the first of ours seen in the room)
    # WeCom: the environment variable holding this group's robot webhook key (a real @ in reminders)
    webhook_key_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")

    @model_validator(mode="after")
    def _room_or_topic(self) -> GroupSpec:
        if not self.room and not self.topic:
            raise ValueError("a group needs 'room' (chat room id) or 'topic'")
        return self


class RosterEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact: str = Field(min_length=1)
    name: str = ""
    unit: str | None = None
    role: Role = "reporter"


Action = Literal["prompt", "remind", "escalate", "daily_summary", "weekly_summary", "overdue", "grid_prompt",
                 "purge", "notice_remind", "notice_report"]
_HHMM = r"^([01]?\d|2[0-3]):[0-5]\d$"


class ScheduleSpec(BaseModel):
    """One timed job; cron is 'minute hour day month day_of_week' in the configured time zone."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    action: Action
    cron: str
    kind: str | None = None
    group: str | None = None  # only this group (room id or topic) instead of every group of the kind
    text: str | None = None
    workdays_only: bool = False

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a cron expression '{value}' ({exc}); e.g. '30 8 * * *'") from None
        return value


Permission = Literal["see_personal_data", "admin", "notices"]


class WebAccount(BaseModel):
    """A desk account. district sees every unit; street and community accounts see their own units,
    always with personal numbers masked. see_personal_data (district only) shows them whole, and
    every such look is audited; admin opens the audit log and the admin pages."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1)
    name: str = ""
    password_hash: str = Field(pattern=r"^\$argon2", description="made by `wxbot user hash`")
    role: Literal["district", "street", "community"] | None = None  # default: street if street is set
    street: str | None = None  # restricted to this street's units
    community: str | None = None  # restricted to this community's units
    permissions: list[Permission] = Field(default_factory=list)

    @model_validator(mode="after")
    def _scope(self) -> WebAccount:
        role = self.role or ("community" if self.community else "street" if self.street else "district")
        if role == "street" and not self.street:
            raise ValueError("a street account needs 'street'")
        if role == "community" and not self.community:
            raise ValueError("a community account needs 'community'")
        if role != "district" and "see_personal_data" in self.permissions:
            raise ValueError("only a district account may have see_personal_data")
        self.role = role
        return self


class WebSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    accounts: list[WebAccount] = Field(default_factory=list)
    # behind an HTTPS reverse proxy (nginx, Caddy): the session cookie is sent over HTTPS only
    secure_cookies: bool = False
    session_hours: float = Field(default=12.0, gt=0)
    # a connection that sends no whole request head within this many seconds is closed (slow clients)
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    max_connections: int = Field(default=1000, gt=0)  # past this, new connections are closed at once


Transport = Literal["wechaty", "wecom"]


class AccountSpec(BaseModel):
    """One WeChat account the bot runs as (one process each: `wxbot run --account NAME`). Secrets stay
    in the environment: the config names the variables that hold them."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    transport: Transport = "wechaty"
    # wechaty: a puppet service's token and endpoint
    token_env: str = "WECHATY_PUPPET_SERVICE_TOKEN"
    endpoint_env: str = "WECHATY_PUPPET_SERVICE_ENDPOINT"
    # wecom: the 智能机器人's bot id and secret; the server (default WeCom's own) and, for a private
    # deployment, the CA that signed its certificate
    bot_id_env: str = "WECOM_BOT_ID"
    secret_env: str = "WECOM_BOT_SECRET"
    ws_url: str | None = Field(default=None, pattern=r"^wss://")
    webhook_url: str | None = Field(default=None, pattern=r"^https?://")  # default: WeCom's own
    ca_file: Path | None = None
    daily_cap: int | None = Field(default=None, gt=0)  # this account's cap, if not outbox.daily_cap


class OwnershipSpec(BaseModel):
    """Several accounts in one room: one sends; another takes over while it is silent."""

    model_config = ConfigDict(extra="forbid")
    failover_seconds: float = Field(default=300.0, gt=0)
    # the same text from the same sender in the same room within this window is one message
    dedup_seconds: float = Field(default=20.0, gt=0)


class ConnectionSpec(BaseModel):
    """How the supervisor watches the WeChat connection."""

    model_config = ConfigDict(extra="forbid")
    silence_seconds: float = Field(default=180.0, gt=0)
    login_timeout_seconds: float = Field(default=60.0, gt=0)
    max_backoff_seconds: float = Field(default=300.0, gt=0)


class HealthSpec(BaseModel):
    """When a bot process's own loops count as stuck, and when it gives up and lets systemd restart it."""

    model_config = ConfigDict(extra="forbid")
    # a loop holding work (or a due message not sent) this long without progress: /healthz and status red
    stuck_seconds: float = Field(default=300.0, gt=0)
    # a loop failing this long without a moment of progress: the process exits (3) to be started afresh
    exit_after_seconds: float = Field(default=1800.0, gt=0)
    max_backoff_seconds: float = Field(default=30.0, gt=0)  # between restarts of a failed loop


class OutboxSpec(BaseModel):
    """How the bot's WeChat account sends: pacing, the daily cap, what is dropped and when."""

    model_config = ConfigDict(extra="forbid")
    min_gap_seconds: float = Field(default=1.5, ge=0)
    max_gap_seconds: float = Field(default=3.0, ge=0)
    daily_cap: int = Field(default=2000, gt=0)
    # the gateway refused a message itself this often: given up (failed). Connection faults never count.
    max_refusals: int = Field(default=6, gt=0)
    send_timeout_seconds: float = Field(default=30.0, gt=0)
    # an answer not sent within this many hours (the connection was down) is dropped, logged, counted
    receipt_hours: float = Field(default=6.0, gt=0)
    max_pieces: int = Field(default=3, ge=1)  # pieces one incoming message may produce
    per_sender_per_hour: int = Field(default=30, gt=0)
    per_room_per_hour: int = Field(default=300, gt=0)

    @model_validator(mode="after")
    def _gaps(self) -> OutboxSpec:
        if self.max_gap_seconds < self.min_gap_seconds:
            raise ValueError("max_gap_seconds is below min_gap_seconds")
        return self


class RetentionSpec(BaseModel):
    """Days personal data is kept; see config.yaml and SECURITY.md."""

    model_config = ConfigDict(extra="forbid")
    raw_text_days: int = Field(default=30, ge=1)
    named_values_days: int = Field(default=30, ge=1)
    photos_days: int = Field(default=90, ge=1)
    member_phone_days: int = Field(default=180, ge=1)
    sent_messages_days: int = Field(default=30, ge=1)
    message_ids_days: int = Field(default=30, ge=1)
    returning_workers_days: int = Field(default=30, ge=1)  # after a returning worker's 14-day observation ends


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(default=CURRENT, ge=1, le=CURRENT)  # config.yaml's shape (bot/config_versions.py)
    timezone: str = "Asia/Shanghai"
    data_dir: Path = Path("data")
    database_url: str | None = None
    admins: list[str] = Field(default_factory=list)
    kinds: dict[str, str]
    shared_fields: dict[str, Any] = Field(default_factory=dict)  # YAML anchors only
    templates: list[Template]
    units: list[UnitSpec] = Field(default_factory=list)
    companies: list[CompanySpec] = Field(default_factory=list)
    groups: list[GroupSpec] = Field(default_factory=list)
    roster: list[RosterEntry] = Field(default_factory=list)
    # WeChat accounts (one process each); none listed: one account, "default", over `transport`
    accounts: list[AccountSpec] = Field(default_factory=list)
    transport: Transport = "wechaty"
    ownership: OwnershipSpec = Field(default_factory=OwnershipSpec)
    connection: ConnectionSpec = Field(default_factory=ConnectionSpec)
    health: HealthSpec = Field(default_factory=HealthSpec)
    outbox: OutboxSpec = Field(default_factory=OutboxSpec)
    retention: RetentionSpec = Field(default_factory=RetentionSpec)
    web: WebSpec = Field(default_factory=WebSpec)
    officials_kind: str = "officials"
    # kind -> "HH:MM": reports after it are late (迟报); reminders after it are skipped
    deadlines: dict[str, str] = Field(default_factory=dict)
    # kind -> field -> lowest acceptable stock (口罩, 消毒液, 体温枪)
    supplies: dict[str, dict[str, int]] = Field(default_factory=dict)
    # a summary missed while the bot was down is sent late (补发) within this window
    grace_minutes: int = Field(default=120, ge=0)
    # how long a grid worker's short answer to a prompt is read as that answer
    reply_window_minutes: int = Field(default=180, gt=0)
    # a notice (通知 …) collects 回执 this long; its reminders and rate reports stop then
    notice_window_hours: int = Field(default=72, gt=0, le=24 * 31)
    schedules: list[ScheduleSpec] = Field(default_factory=list)
    # a CJK font for chart PNGs (Debian: apt-get install fonts-wqy-microhei); without it, text only
    chart_font: Path = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    # more words for the parser beyond handlers/parser/words.py (greetings, lead_words, closings, …)
    reading: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("reading")
    @classmethod
    def _known_word_lists(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = [k for k in value if k not in WORD_LISTS]
        if unknown:
            raise ValueError(f"unknown word list {', '.join(unknown)} (known: {', '.join(WORD_LISTS)})")
        return value

    def reading_words(self) -> ReadingWords:
        return DEFAULT_WORDS.extended(self.reading) if self.reading else DEFAULT_WORDS

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. Asia/Shanghai)") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'wxbot.db'}"

    def template(self, template_id: str) -> Template:
        return next(t for t in self.templates if t.id == template_id)

    def templates_of(self, kind: str) -> list[Template]:
        return [t for t in self.templates if t.kind == kind]

    def group_spec(self, room_id: str, topic: str | None) -> GroupSpec | None:
        """The configured group of a room: by room id first, else by topic (one rule, used everywhere)."""
        by_room = next((g for g in self.groups if g.room and g.room == room_id), None)
        if by_room is not None:
            return by_room
        return next((g for g in self.groups if not g.room and g.topic and g.topic == topic), None)

    def all_accounts(self) -> list[AccountSpec]:
        return self.accounts or [AccountSpec(name="default", transport=self.transport)]

    @property
    def needs_mention(self) -> bool:
        """WeCom pushes a group message to the bot only when it @-mentions the bot."""
        return any(a.transport == "wecom" for a in self.all_accounts())

    def account(self, name: str | None) -> AccountSpec:
        """The named account; with one account, that one. KeyError names the choices."""
        found = self.all_accounts()
        if name is None and len(found) == 1:
            return found[0]
        match = next((a for a in found if a.name == name), None)
        if match is None:
            raise KeyError(", ".join(a.name for a in found))
        return match

    # set when an older config.yaml was read (not keys of the file)
    _migrated_from: int | None = PrivateAttr(default=None)
    _migration_notes: list[str] = PrivateAttr(default_factory=list)

    @property
    def migrated_from(self) -> int | None:
        return self._migrated_from

    @property
    def migration_notes(self) -> list[str]:
        return self._migration_notes

    def pins(self) -> dict[str, str]:
        """room id or topic -> the account pinned to send there."""
        out: dict[str, str] = {}
        for g in self.groups:
            if g.owner:
                out.update({k: g.owner for k in (g.room, g.topic) if k})
        return out

    def unit_spec(self, name: str) -> UnitSpec | None:
        return next((u for u in self.units if u.name == name), None)


def _cross_check(cfg: Config) -> list[tuple[str, str]]:
    """Problems no single field can see: references between sections."""
    problems: list[tuple[str, str]] = []
    seen_templates: set[str] = set()
    for i, t in enumerate(cfg.templates):
        if t.kind not in cfg.kinds:
            problems.append((f"templates.{i}.kind", f"unknown kind '{t.kind}' (kinds: {', '.join(cfg.kinds)})"))
        if t.id in seen_templates:
            problems.append((f"templates.{i}.id", f"duplicate template id '{t.id}'"))
        seen_templates.add(t.id)
    names: dict[str, str] = {}
    for i, u in enumerate(cfg.units):
        if u.kind not in cfg.kinds:
            problems.append((f"units.{i}.kind", f"unknown kind '{u.kind}'"))
        for name in [u.name, *u.aliases]:
            if name in names and names[name] != u.name:
                problems.append((f"units.{i}", f"name or alias '{name}' is already used by '{names[name]}'"))
            names.setdefault(name, u.name)
    problems += _check_schedules(cfg)
    unit_kind = {u.name: u.kind for u in cfg.units}
    for i, g in enumerate(cfg.groups):
        if g.kind not in cfg.kinds:
            problems.append((f"groups.{i}.kind", f"unknown kind '{g.kind}'"))
        for j, name in enumerate(g.units):
            if name not in unit_kind:
                problems.append((f"groups.{i}.units.{j}", f"unknown unit '{name}'"))
            elif unit_kind[name] != g.kind:
                problems.append((f"groups.{i}.units.{j}", f"unit '{name}' is of kind '{unit_kind[name]}', not '{g.kind}'"))
    companies = {c.name for c in cfg.companies}
    for i, u in enumerate(cfg.units):
        if u.company is not None and u.company not in companies:
            problems.append((f"units.{i}.company", f"unknown company '{u.company}' (companies: {', '.join(companies) or 'none'})"))
    for i, r in enumerate(cfg.roster):
        if r.unit is not None and r.unit not in unit_kind:
            problems.append((f"roster.{i}.unit", f"unknown unit '{r.unit}'"))
    return problems


def _check_schedules(cfg: Config) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for kind, hhmm in cfg.deadlines.items():
        if kind not in cfg.kinds:
            problems.append((f"deadlines.{kind}", f"unknown kind '{kind}'"))
        if not re.match(_HHMM, hhmm):
            problems.append((f"deadlines.{kind}", f"'{hhmm}' is not a time like 10:00"))
    for kind, fields in cfg.supplies.items():
        keys = {f.key for t in cfg.templates_of(kind) for f in t.fields}
        for key in fields:
            if key not in keys:
                problems.append((f"supplies.{kind}.{key}", f"no template of kind '{kind}' has a field '{key}'"))
    seen: set[str] = set()
    for i, job in enumerate(cfg.schedules):
        if job.id in seen:
            problems.append((f"schedules.{i}.id", f"duplicate schedule id '{job.id}'"))
        seen.add(job.id)
        needs_kind = job.action in ("prompt", "remind", "escalate", "grid_prompt")
        if needs_kind and job.kind is None:
            problems.append((f"schedules.{i}.kind", f"action '{job.action}' needs a group kind"))
        if job.kind is not None and job.kind not in cfg.kinds:
            problems.append((f"schedules.{i}.kind", f"unknown kind '{job.kind}'"))
        if cfg.migrated_from is None:  # an older file keeps its prompts as written (said at start)
            problems += [(f"schedules.{i}.text", p) for p in _prompt_times(job, cfg.deadlines)]
        if job.group is not None and not any(job.group in (g.room, g.topic) for g in cfg.groups):
            problems.append((f"schedules.{i}.group", f"'{job.group}' is no configured group's room or topic"))
    names = [a.name for a in cfg.accounts]
    for i, a in enumerate(cfg.accounts):
        if names.count(a.name) > 1:
            problems.append((f"accounts.{i}.name", f"duplicate account name '{a.name}'"))
    for i, g in enumerate(cfg.groups):
        if g.owner is not None and g.owner not in [a.name for a in cfg.all_accounts()]:
            problems.append((f"groups.{i}.owner", f"unknown account '{g.owner}' (accounts: {', '.join(names) or 'default'})"))
    if cfg.officials_kind not in cfg.kinds:
        problems.append(("officials_kind", f"unknown kind '{cfg.officials_kind}'"))
    return problems


def _prompt_times(job: ScheduleSpec, deadlines: dict[str, str]) -> list[str]:
    """A prompt that names a time other than the kind's deadline tells people the wrong hour."""
    deadline = deadlines.get(job.kind or "")
    if job.action != "prompt" or not job.text or deadline is None or not re.match(_HHMM, deadline):
        return []
    want = tuple(int(x) for x in deadline.split(":"))
    said = [(int(h), int(m)) for h, m in re.findall(r"(\d{1,2})[:：](\d{2})", job.text)]
    return [f"says {h}:{m:02d} but deadlines.{job.kind} is {deadline}: write {{deadline}} in the text instead"
            for h, m in said if (h, m) != want]


def _loc(parts: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in parts) or "(top level)"


_NAMED = re.compile(r"^(schedules|templates|units|groups|roster|accounts|web\.accounts)\.(\d+)\b")


def _named(where: str, data: dict[str, Any]) -> str:
    """schedules.1.action -> schedules[property_remind_0900].action: the item a clerk can find."""
    m = _NAMED.match(where)
    if m is None:
        return where
    items: Any = data
    for part in m.group(1).split("."):
        items = items.get(part) if isinstance(items, dict) else None
    i = int(m.group(2))
    item = items[i] if isinstance(items, list) and i < len(items) else None
    name = next((item[k] for k in ("id", "name", "username", "room", "topic", "contact")
                 if isinstance(item, dict) and isinstance(item.get(k), str)), None)
    return where if name is None else f"{m.group(1)}[{name}]" + where[m.end():]


def _known_keys(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every key any section of config.yaml may have, for 'did you mean'."""
    seen = seen if seen is not None else set()
    seen.add(model)
    keys = set(model.model_fields)
    for f in model.model_fields.values():
        stack: list[Any] = [f.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel) and tp not in seen:
                keys |= _known_keys(tp, seen)
            stack.extend(get_args(tp))
    return keys


def _message(error: Any) -> str:
    msg = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden" and error["loc"]:
        close = difflib.get_close_matches(str(error["loc"][-1]), sorted(_known_keys(Config)), n=1, cutoff=0.75)
        if close:
            msg += f" (did you mean '{close[0]}'?)"
    return msg


def parse_config(data: object, source: str = "config.yaml") -> Config:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings at the top level")
    old = version_of(data)
    notes: list[str] = []
    if old < CURRENT:  # an earlier release's file: read with the meaning it had then
        data = copy.deepcopy(data)
        notes = migrate(data) + prompt_times(data)
        data["version"] = CURRENT
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        lines = [f"{_named(_loc(e['loc']), data)}: {_message(e)}" for e in exc.errors()]
        raise ConfigError(f"{source}: " + "\n  ".join(lines)) from None
    if old < CURRENT:
        cfg._migrated_from, cfg._migration_notes = old, notes
    problems = _cross_check(cfg)
    if problems:
        raise ConfigError(f"{source}: " + "\n  ".join(f"{_named(k, data)}: {p}" for k, p in problems))
    return cfg


def load_config(path: Path) -> Config:
    """Read and validate; relative data_dir is taken from the config file's folder."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path} (pass --config or set WXBOT_CONFIG)") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: {where}{problem}") from None
    cfg = parse_config(data, str(path))
    if not cfg.data_dir.is_absolute():
        cfg.data_dir = (path.parent / cfg.data_dir).resolve()
    return cfg
