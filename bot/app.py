"""Wiring: config -> settings, database bootstrap, and the path of one message through the bot."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.config import Config
from bot.outbox import Answer, Pacing, enqueue_actions
from bot.router import route
from handlers.chat import Action, Incoming, reply
from handlers.context import Clock, Context, GroupInfo, Settings
from handlers.parser import Parser, Registry
from storage import outbox as outbox_store
from storage import companies, queries, rooms, vocab
from storage.db import is_db_fault, session_scope
from storage.models import Member, Unit
from storage.stats import Scope

log = logging.getLogger("wxbot.app")
SORRY = "⚠️ 这条消息我没处理好，已记录，请稍后重发或联系管理员"


def make_settings(cfg: Config) -> Settings:
    return Settings(
        tz=cfg.tz, parser=Parser(cfg.templates, cfg.reading_words()), kind_names=dict(cfg.kinds),
        admins=frozenset(cfg.admins),
        officials_kind=cfg.officials_kind, data_dir=str(cfg.data_dir),
        deadlines={k: dt.time.fromisoformat(v.zfill(5)) for k, v in cfg.deadlines.items()},
        supplies={k: dict(v) for k, v in cfg.supplies.items()},
        reply_window=dt.timedelta(minutes=cfg.reply_window_minutes),
        prompted_kinds=frozenset(s.kind for s in cfg.schedules if s.action == "grid_prompt" and s.kind),
        chart_font=str(cfg.chart_font), needs_mention=cfg.needs_mention,
        notice_window=dt.timedelta(hours=cfg.notice_window_hours),
    )


def sync_rooms(session: Session, cfg: Config, rooms: list[tuple[str, str]], now: dt.datetime) -> list[str]:
    """Bind the rooms the bot is in to their configured kinds (by id, then topic); returns the
    configured groups not found. A binding made in chat (绑定) is kept."""
    found: set[int] = set()
    for room_id, topic in rooms:
        spec = cfg.group_spec(room_id, topic)
        if spec is None:
            continue
        found.add(id(spec))
        bound = queries.group_by_room(session, room_id=room_id)
        if bound is None or bound.bound_by in (None, "config"):
            queries.bind_group(session, room_id=room_id, topic=topic, kind=spec.kind, by="config", now=now)
    return [g.room or g.topic or "" for g in cfg.groups if id(g) not in found]


def bootstrap(session: Session, cfg: Config, clock: Clock) -> None:
    """Seed the database with config.yaml's units and roster (idempotent). The database is the
    roster's home: what a roster import or an admin changed there is not undone by config.yaml."""
    queries.sync_units(session, units=[
        queries.UnitSeed(u.name, u.kind, u.parent, tuple(u.aliases), u.community) for u in cfg.units
    ])
    seed_companies(session, cfg)
    units = {u.name: u.id for kind in cfg.kinds for u in queries.units_of_kind(session, kind=kind)}
    known = {m.contact_id for m in session.exec(select(Member).where(col(Member.contact_id).in_(
        [e.contact for e in cfg.roster])))}
    for entry in (e for e in cfg.roster if e.contact not in known):
        queries.upsert_member(
            session, contact_id=entry.contact, name=entry.name, unit_id=units.get(entry.unit or ""),
            role=entry.role, confirmed=True, now=clock.now(),
        )


def seed_companies(session: Session, cfg: Config) -> None:
    """config.yaml's property companies, and which of its units each manages (a unit a roster import
    or an admin changed keeps what they set)."""
    made = {c.name: companies.upsert(session, name=c.name, contact_id=c.contact, contact_name=c.contact_name,
                                     phone=c.phone, source="config")[0] for c in cfg.companies}
    named = {u.name: u.company for u in cfg.units if u.company}
    for unit in session.exec(select(Unit).where(col(Unit.name).in_(list(named)))):
        company = made.get(named[unit.name] or "")
        if unit.source == "config" and company is not None and unit.company_id != company.id:
            unit.company_id = company.id
            session.add(unit)


def group_info(cfg: Config, room_id: str, topic: str | None, bound_kind: str | None) -> GroupInfo | None:
    """A room as handlers see it. A binding made in chat (绑定) wins over config for the kind; the
    configured units and prompt style apply while the kinds agree."""
    spec = cfg.group_spec(room_id, topic)
    kind = bound_kind or (spec.kind if spec is not None else None)
    if kind is None:
        return None
    if spec is None or spec.kind != kind:
        return GroupInfo(room_id, kind)
    return GroupInfo(room_id, kind, tuple(spec.units), spec.prompt_style, Scope(spec.street, spec.community))


def resolve_group(session: Session, cfg: Config, room_id: str | None, topic: str,
                  bindings: dict[str, str] | None = None) -> GroupInfo | None:
    """bindings: room id -> kind as the registry last read them (else asked of the database)."""
    if room_id is None:
        return None
    if bindings is not None:
        return group_info(cfg, room_id, topic, bindings.get(room_id))
    bound = queries.group_by_room(session, room_id=room_id)
    return group_info(cfg, room_id, topic, bound.kind if bound is not None else None)


@dataclass
class App:
    cfg: Config
    engine: Engine
    clock: Clock
    settings: Settings
    bot_id: str = ""
    pacing: Pacing = field(default_factory=Pacing)
    account: str = "default"
    _parser: Parser | None = None
    _units: dict[str, list[Unit]] = field(default_factory=dict)
    _bindings: dict[str, str] = field(default_factory=dict)
    _members: dict[str, Member] = field(default_factory=dict)
    _stamp: int | None = None

    def member_name(self, contact_id: str) -> str:
        """A reporter's name as the registry knows it (WeCom frames carry only user ids)."""
        member = self._members.get(contact_id)
        return member.name if member is not None and member.name else contact_id

    def parser_for(self, session: Session) -> Parser:
        """The parser with the units and taught labels in the database, rebuilt when they change
        (here or in another process: the registry stamp says so)."""
        stamp = vocab.stamp(session)
        if self._parser is None or stamp != self._stamp:
            registry = Registry(units=vocab.unit_names(session), taught=vocab.aliases(session))
            self._parser, self._stamp = self.settings.parser.with_registry(registry), stamp
            self._units, self._members = self._load_units()
            self._bindings = queries.group_kinds(session)
        return self._parser

    def _load_units(self) -> tuple[dict[str, list[Unit]], dict[str, Member]]:
        """Every active unit by kind and every member, detached (read in a session of their own, kept
        until the next change of the registry)."""
        with Session(self.engine, expire_on_commit=False) as s:
            units = list(s.exec(select(Unit).where(col(Unit.active)).order_by(col(Unit.id))))
            members = {m.contact_id: m for m in queries.all_members(s)}
        out: dict[str, list[Unit]] = {}
        for u in units:
            out.setdefault(u.kind, []).append(u)
        return out, members

    def handle(self, msg: Incoming) -> tuple[str, list[Action]]:
        """Store and answer one message exactly once; the answer is queued in the same transaction.

        Runs in the intake's worker thread. A database fault propagates (the intake spools the
        message and retries); a fault of a handler becomes a polite answer, never a traceback."""
        if msg.sender_id == self.bot_id:
            return "self", []
        now = self.clock.now()
        with session_scope(self.engine) as session:
            if not outbox_store.first_sight(session, message_id=msg.message_id, now=now):
                return "duplicate", []
            if not self._first_content(session, msg, now):
                return "duplicate (another of our accounts)", []
            parser = self.parser_for(session)
            group = resolve_group(session, self.cfg, msg.room_id, msg.room_topic, self._bindings)
            ctx = Context(self.clock, session, self.settings, group, self.bot_id, registry_parser=parser,
                          received=msg.time, unit_index=self._units, member_index=self._members)
            try:
                with session.begin_nested():
                    name, actions = route(msg, ctx)
            except Exception as exc:
                if is_db_fault(exc):
                    raise
                log.exception("handler failed on message %s", msg.message_id)
                name, actions = "error", [reply(msg, SORRY)]
            answer = Answer(category=RECEIPTS.get(name, "reply"), for_sender=msg.sender_id, room_id=msg.room_id,
                            expires_at=now + dt.timedelta(hours=self.pacing.receipt_hours))
            here = [a for a in actions if answers(a, msg)]
            enqueue_actions(session, here, now, trusted=self.settings.admins, answer=answer, pacing=self.pacing,
                            account=self.account)
            # what the handler sends elsewhere (a notice to its groups, the officials told) is no answer:
            # neither held to the answer's budget nor dropped when an answer would be
            if elsewhere := [a for a in actions if not answers(a, msg)]:
                enqueue_actions(session, elsewhere, now, trusted=self.settings.admins, answer=Answer(category="relay"),
                                pacing=self.pacing, account=self.account)
        return name, actions


    def _first_content(self, session: Session, msg: Incoming, now: dt.datetime) -> bool:
        """With several accounts the same message reaches two of them under two ids."""
        if len(self.cfg.accounts) < 2 or msg.room_id is None or not msg.text:
            return True
        window = dt.timedelta(seconds=self.cfg.ownership.dedup_seconds)
        return rooms.first_content(session, room_id=msg.room_id, sender_id=msg.sender_id, body=msg.text,
                                   at=msg.time or now, window=window)


RECEIPTS = {"report": "receipt", "jielong": "receipt", "prompt answer": "receipt", "photo": "receipt"}


def answers(action: Action, msg: Incoming) -> bool:
    """An action said where the message came from (its room, or privately to its sender)."""
    if msg.room_id is not None:
        return action.room_id == msg.room_id
    return action.room_id is None and action.to_id == msg.sender_id
