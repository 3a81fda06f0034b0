"""Every outgoing message is persisted first, claimed by one process, sent paced per account, and
never given up on because the connection failed.

- A connection fault (not logged in, gateway gone, timeout) puts the row back: no attempt counted;
  sending pauses until the connector is logged in again. Only a refusal of the message itself
  (SendRefused) is an attempt, and only `max_refusals` of them make it `failed`.
- A row is dropped only by an explicit rule — its `expires_at` (receipts older than
  `receipt_hours`, reminders past their deadline) — logged and counted.
- Rows are claimed before sending (storage/outbox.py): several processes never send one twice, and
  pacing and the daily cap hold per account across them. A crash mid-send repeats a message at most
  once: the row is marked `sending` before the send; a dead process's `sending` rows are sent once
  more, then taken as delivered.
- Output budget: at most `max_pieces` pieces per incoming message, `per_sender_per_hour` and
  `per_room_per_hour` answers; the daily cap keeps room for officials first, receipts next.
- Database work runs in a worker thread: a locked SQLite never freezes the event loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from bot.connectors.base import NotConnected, SendRefused
from bot.loops import standalone
from bot.workers import Lane
from handlers.chat import Action, Say, SendFile
from handlers.privacy import mask
from storage import outbox as store
from storage import processes, vocab
from storage.db import session_scope
from storage.processes import HOST

log = logging.getLogger("wxbot.outbox")
MAX_TEXT = 1500
CUT = "…（内容过长，后面的略去）"


class SleepingClock(Protocol):
    def now(self) -> dt.datetime: ...

    async def sleep(self, seconds: float) -> None: ...


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line boundaries (a giant line is cut hard)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


@dataclass
class Pacing:
    """How one WeChat account sends (config `outbox:`)."""

    min_gap: float = 1.5
    max_gap: float = 3.0
    daily_cap: int = 2000
    max_refusals: int = 6  # the gateway refused the message itself this often: failed
    backoff_base: float = 5.0
    send_timeout: float = 30.0  # a send over a dead connection must not hold the queue forever
    max_pause: float = 60.0  # longest wait between tries while the connection fails
    receipt_hours: float = 6.0  # an answer older than this helps nobody: dropped (counted)
    max_pieces: int = 3  # pieces one incoming message may produce
    per_sender_per_hour: int = 30
    per_room_per_hour: int = 300
    # share of the daily cap each priority may use: officials' summaries, receipts, reminders
    cap_shares: tuple[float, float, float] = (1.0, 0.9, 0.7)
    stale_after: float = 90.0  # a process silent this long is dead (its rows mid-send are recovered)

    def allowed(self, sent_today: int) -> list[int]:
        return [p for p, share in enumerate(self.cap_shares) if sent_today < int(self.daily_cap * share)]


@dataclass
class Answer:
    """Where queued actions come from, for the budget and the drop rule."""

    category: str = "reply"
    for_sender: str | None = None
    room_id: str | None = None
    expires_at: dt.datetime | None = None
    notices: list[str] = field(default_factory=list)  # what the budget cut, to tell once


def _pieces(actions: list[Action], pacing: Pacing, trusted: frozenset[str], limited: bool) -> list[tuple[Action, str]]:
    """(action, text piece) in order, masked, at most max_pieces when limited (one incoming message)."""
    out: list[tuple[Action, str]] = []
    for action in actions:
        if isinstance(action, SendFile):
            out.append((action, ""))
            continue
        whole = action.room_id is None and action.to_id in trusted
        out += [(action, piece) for piece in split_text(action.text if whole else mask(action.text))]
    if limited and len(out) > pacing.max_pieces:
        last_action, last = out[pacing.max_pieces - 1]
        out = out[: pacing.max_pieces - 1] + [(last_action, last[: MAX_TEXT - len(CUT)] + CUT)]
    return out


def enqueue_actions(session: Session, actions: list[Action], now: dt.datetime,
                    trusted: frozenset[str] = frozenset(), *, answer: Answer | None = None,
                    pacing: Pacing | None = None, account: str = "default") -> int:
    """Persist actions. Text is masked unless it goes privately to a trusted contact (an admin).
    An answer to an incoming message is held to the output budget."""
    pacing = pacing or Pacing()
    answer = answer or Answer()
    if answer.for_sender is not None and _over_budget(session, now, pacing, answer):
        return 0
    rows = []
    previous: Action | None = None
    for action, piece in _pieces(actions, pacing, trusted, answer.for_sender is not None):
        if isinstance(action, SendFile):
            rows.append(store.Row(action.room_id, action.to_id, file_path=action.path, category=answer.category,
                                  expires_at=answer.expires_at, for_sender=answer.for_sender))
        else:  # the @-mentions go with the first piece of each text
            rows.append(store.Row(action.room_id, action.to_id, text=piece, category=answer.category,
                                  mention_ids=action.mention_ids if action is not previous else (),
                                  expires_at=answer.expires_at, for_sender=answer.for_sender,
                                  reply_to=action.reply_to if action is not previous else None))
        previous = action
    return store.enqueue(session, now=now, rows=rows, account=account)


def _over_budget(session: Session, now: dt.datetime, pacing: Pacing, answer: Answer) -> bool:
    """One person (or one room) flooding the bot gets no more answers this hour; told once a day."""
    by_sender, by_room = store.answered_since(session, since=now - dt.timedelta(hours=1), room_id=answer.room_id,
                                              for_sender=answer.for_sender, sender_cap=pacing.per_sender_per_hour,
                                              room_cap=pacing.per_room_per_hour)
    sender = by_sender >= pacing.per_sender_per_hour
    room = answer.room_id is not None and by_room >= pacing.per_room_per_hour
    if not (sender or room):
        return False
    scope = answer.room_id or answer.for_sender or ""
    key = f"budget:{'sender:' + (answer.for_sender or '') if sender else 'room'}"
    if vocab.say_once(session, room_id=scope, day=now.date(), key=key, now=now):
        text = ("⚠️ 您这一小时发的消息较多，报送照常登记，但接下来一小时不再逐条回复" if sender
                else "⚠️ 本群这一小时消息较多，报送照常登记，但暂不逐条回复")
        where = {"room_id": answer.room_id} if answer.room_id else {"to_id": answer.for_sender}
        mention = (answer.for_sender,) if sender and answer.room_id and answer.for_sender else ()
        store.enqueue(session, now=now, rows=[store.Row(where.get("room_id"), where.get("to_id"), text=text,
                                                        mention_ids=mention, category="notice")])
    log.warning("output budget reached for %s: answer not queued", answer.for_sender if sender else answer.room_id)
    return True


Sender = Callable[[Action], Awaitable[None]]


def process_name() -> str:
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Outbox:
    def __init__(self, engine: Engine, clock: SleepingClock, send: Sender, pacing: Pacing | None = None,
                 rng: random.Random | None = None, *, account: str = "default", name: str | None = None,
                 tz: dt.tzinfo | None = None) -> None:
        self.engine, self.clock, self.send = engine, clock, send
        self.pacing = pacing or Pacing()
        self.rng = rng or random.Random()
        self.account, self.me = account, name or process_name()
        self.tz = tz or dt.timezone.utc
        self._wake = asyncio.Event()
        self.ready = asyncio.Event()  # logged in: the runtime sets and clears it
        self.sent = self.dropped = self.failed = self.faults = 0
        self._pause = 0.0
        self._hold_until: dt.datetime | None = None
        self._swept: dt.datetime | None = None  # when expired rows were last dropped
        self._last_gap = self.pacing.min_gap
        self.lane = Lane("outbox")
        self.pulse = standalone("outbox")  # the runtime gives it its supervised loop's pulse
        self.last_sent_at: float | None = None  # time.monotonic() of the last delivered send
        # a send whose outcome could not be written (the database failed just then): written first
        # when the loop is started again, so a delivered message is never sent twice
        self._unfinished: tuple[store.Claimed, Exception | None, dt.datetime] | None = None

    def wake(self) -> None:
        self._wake.set()

    def resume(self) -> None:
        """A (new) connection is up: send at once, forgetting the pause the old one earned."""
        self._pause, self._hold_until = 0.0, None
        self.ready.set()
        self._wake.set()

    def _gap(self) -> float:
        return self.rng.uniform(self.pacing.min_gap, self.pacing.max_gap)

    def _today(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.tz).date()

    # --- database work, off the event loop ---------------------------------------------------------
    def _claim(self, now: dt.datetime) -> store.Claimed | None:
        if self._swept is None or now - self._swept > dt.timedelta(seconds=30):
            self._swept = now
            with session_scope(self.engine) as s:
                store.ensure_slot(s, account=self.account, now=now)
                dropped = store.drop_expired(s, account=self.account, now=now)
            if dropped:
                self.dropped += dropped
                log.warning("dropped %d queued message(s) past their expiry (receipts too old, reminders late)",
                            dropped)
        self._last_gap = self._gap()
        with session_scope(self.engine) as s:
            return store.claim(s, account=self.account, me=self.me, now=now, day=self._today(now),
                               gap=self._last_gap, allowed=self.pacing.allowed)

    def recover(self) -> tuple[int, int]:
        """Rows a dead process left mid-send: sent once more, or (a second crash) taken as sent."""
        now = self.clock.now()
        stale = dt.timedelta(seconds=self.pacing.stale_after)
        with session_scope(self.engine) as s:
            def dead(name: str) -> bool:
                return name != self.me and processes.is_dead(s, name=name, now=now, stale=stale)
            again, done = store.recover(s, account=self.account, dead=dead)
        if again or done:
            log.warning("recovered %d message(s) left mid-send by a dead process (%d sent once more, %d taken as sent)",
                        again + done, again, done)
        return again, done

    def _finish(self, item: store.Claimed, outcome: Exception | None, now: dt.datetime) -> None:
        with session_scope(self.engine) as s:
            if outcome is None:
                store.mark_sent(s, item_id=item.id, me=self.me, now=now)
            elif isinstance(outcome, SendRefused):
                retry = None
                if item.attempts + 1 < self.pacing.max_refusals:
                    retry = now + dt.timedelta(seconds=self.pacing.backoff_base * 2 ** item.attempts)
                store.refused(s, item_id=item.id, me=self.me, error=repr(outcome), retry_at=retry)
            else:  # due again after the pause: a row only this one fails on lets the others go first
                store.release(s, item_id=item.id, me=self.me, account=self.account, day=self._today(now),
                              error=repr(outcome), now=now, due_at=now + dt.timedelta(seconds=self._pause))

    def _next_wakeup(self) -> tuple[float, bool]:
        """(seconds until something may be sent, whether the send slot is what we wait for)."""
        with session_scope(self.engine) as s:
            due = store.next_due_at(s, account=self.account)
            slot = store.slot_free_at(s, account=self.account)
        if due is None:
            return 30.0, False
        when = max(due, slot) if slot is not None else due
        return max((when - self.clock.now()).total_seconds(), 0.01), slot is not None and slot > due

    # --- sending ----------------------------------------------------------------------------------
    async def send_one(self) -> bool:
        """Send the next due message; False when nothing can go now (nothing due, the slot not free,
        the day's cap, or no connection)."""
        now = self.clock.now()
        if not self.ready.is_set() or (self._hold_until is not None and now < self._hold_until):
            return False
        item = await self.lane.run(self._claim, now)
        if item is None:
            return False
        action: Action = (
            SendFile(item.file_path, room_id=item.room_id, to_id=item.to_id) if item.file_path
            else Say(item.text or "", room_id=item.room_id, to_id=item.to_id, mention_ids=tuple(item.mention_ids),
                     reply_to=item.reply_to))
        outcome: Exception | None = None
        try:
            await asyncio.wait_for(self.send(action), self.pacing.send_timeout)
        except SendRefused as exc:
            outcome = exc
            log.warning("outbox #%d refused by the gateway (attempt %d): %s", item.id, item.attempts + 1, exc)
            if item.attempts + 1 >= self.pacing.max_refusals:
                self.failed += 1
        except Exception as exc:  # noqa: BLE001 - a connection fault: the message waits, no attempt
            outcome = exc if isinstance(exc, NotConnected) else NotConnected(f"{type(exc).__name__}: {exc}")
            self.faults += 1
            self._pause = min(max(self._pause * 2, 1.0), self.pacing.max_pause)
            self._hold_until = self.clock.now() + dt.timedelta(seconds=self._pause)
            log.warning("outbox #%d not sent, the connection failed (%s); waiting %.0f s", item.id, exc, self._pause)
        self._unfinished = (item, outcome, self.clock.now())
        await self.lane.run(self._finish, *self._unfinished)
        self._unfinished = None
        if outcome is None:
            self.sent += 1
            self.last_sent_at = time.monotonic()
            self._pause, self._hold_until = 0.0, None
        self.pulse.progress()
        return outcome is None or isinstance(outcome, SendRefused)

    async def drain(self) -> int:
        """Send everything that can go now, paced on the clock; returns how many were sent or refused."""
        n = 0
        while await self.send_one():
            n += 1
            await self.clock.sleep(self._last_gap)  # the gap the send slot was taken with
        return n

    async def run(self) -> None:
        """Forever: wait for a connection, send what is due, then wait for new work or the next time.
        Supervised (bot/loops.py): after a failure it starts here again."""
        if self._unfinished is not None:
            await self.lane.run(self._finish, *self._unfinished)
            self._unfinished = None
        await self.lane.run(self.recover)
        while True:
            if not self.ready.is_set():
                self.pulse.idle()
                await self.ready.wait()
            self.pulse.busy()
            sent = await self.drain()
            timeout, slot_busy = await self.lane.run(self._next_wakeup)
            self.pulse.idle()
            if self._hold_until is not None:
                timeout = max((self._hold_until - self.clock.now()).total_seconds(), 0.05)
            elif slot_busy:  # another process holds the account's slot: take turns as it frees
                timeout += self.rng.uniform(0, self.pacing.min_gap / 2)
            elif not sent:
                timeout = max(timeout, 1.0)  # due but capped for the day: look again, gently
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=min(timeout, 30.0))
            except TimeoutError:
                pass
