"""Every outgoing message is persisted first, then sent paced per account, retried with backoff."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from handlers.chat import Action, Say, SendFile
from handlers.privacy import mask
from storage import outbox as store
from storage.db import session_scope

log = logging.getLogger("wxbot.outbox")
MAX_TEXT = 1500


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


def enqueue_actions(session: Session, actions: list[Action], now: dt.datetime,
                    trusted: frozenset[str] = frozenset()) -> int:
    """Persist actions; text is masked unless it goes privately to a trusted contact (an admin)."""
    count = 0
    for action in actions:
        if isinstance(action, Say):
            whole = action.room_id is None and action.to_id in trusted
            text = action.text if whole else mask(action.text)
            for i, piece in enumerate(split_text(text)):
                mentions = action.mention_ids if i == 0 else ()
                store.enqueue(session, now=now, room_id=action.room_id, to_id=action.to_id, text=piece, mention_ids=mentions)
                count += 1
        elif isinstance(action, SendFile):
            store.enqueue(session, now=now, room_id=action.room_id, to_id=action.to_id, file_path=action.path)
            count += 1
    return count


@dataclass
class Pacing:
    min_gap: float = 1.5
    max_gap: float = 3.0
    daily_cap: int = 2000
    max_attempts: int = 6
    backoff_base: float = 5.0
    send_timeout: float = 30.0  # a send over a dead connection must not hold the queue forever


Sender = Callable[[Action], Awaitable[None]]


class Outbox:
    def __init__(self, engine: Engine, clock: SleepingClock, send: Sender, pacing: Pacing | None = None,
                 rng: random.Random | None = None) -> None:
        self.engine, self.clock, self.send = engine, clock, send
        self.pacing = pacing or Pacing()
        self.rng = rng or random.Random()
        self._wake = asyncio.Event()
        self.sent = 0

    def wake(self) -> None:
        self._wake.set()

    def _gap(self) -> float:
        return self.rng.uniform(self.pacing.min_gap, self.pacing.max_gap)

    async def send_one(self) -> bool:
        """Send the next due message; False when nothing is due (or today's cap is reached)."""
        now = self.clock.now()
        with session_scope(self.engine) as s:
            day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
            if store.sent_since(s, since=day_start) >= self.pacing.daily_cap:
                log.warning("daily send cap %d reached; holding the queue", self.pacing.daily_cap)
                return False
            item = store.next_due(s, now=now)
            if item is None or item.id is None:
                return False
            action: Action = (
                SendFile(item.file_path, room_id=item.room_id, to_id=item.to_id) if item.file_path
                else Say(item.text or "", room_id=item.room_id, to_id=item.to_id, mention_ids=tuple(item.mention_ids))
            )
            item_id, attempts = item.id, item.attempts
        try:
            await asyncio.wait_for(self.send(action), self.pacing.send_timeout)
        except Exception as exc:  # noqa: BLE001 - any send failure is retried, never lost
            retry = None
            if attempts + 1 < self.pacing.max_attempts:
                retry = now + dt.timedelta(seconds=self.pacing.backoff_base * 2**attempts)
            log.warning("send of outbox #%d failed (attempt %d): %s", item_id, attempts + 1, exc)
            with session_scope(self.engine) as s:
                store.mark_failed(s, item_id=item_id, error=repr(exc), retry_at=retry)
            return True
        with session_scope(self.engine) as s:
            store.mark_sent(s, item_id=item_id, now=self.clock.now())
        self.sent += 1
        return True

    async def drain(self) -> int:
        """Send everything due now, paced on the clock; returns how many were attempted."""
        n = 0
        while await self.send_one():
            n += 1
            await self.clock.sleep(self._gap())
        return n

    async def run(self) -> None:
        """Forever: send what is due, then wait for new work or the next retry time."""
        while True:
            await self.drain()
            with session_scope(self.engine) as s:
                due = store.next_due_at(s)
            timeout = 30.0 if due is None else max((due - self.clock.now()).total_seconds(), 0.05)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
            except TimeoutError:
                pass
