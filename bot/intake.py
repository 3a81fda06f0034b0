"""Incoming messages, handled in order, off the event loop, and never lost to a database fault or a
crash of the bot.

The connector hands each message to `submit`, which writes it to the spool — one small file per
message in the data directory, written atomically — before anything else (no database wait: a file
write). One worker takes messages in order and runs App.handle in a thread; the file is removed once
the message is stored and answered. When the database fails (locked past its timeout, disk full,
PostgreSQL restarting) the worker retries the oldest spooled message with backoff, newer ones wait
behind it, and then the spool drains in order. Files a crash left behind are replayed on start (a
message stored just before the crash is recognised by its id and not answered twice). If even the
spool cannot be written (the disk is full), messages wait in memory (bounded) and are retried."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from handlers.chat import Action, Incoming
from storage.db import is_db_fault

log = logging.getLogger("wxbot.intake")
Handle = Callable[[Incoming], tuple[str, list[Action]]]


def to_json(msg: Incoming) -> str:
    data = dataclasses.asdict(msg)
    data["time"] = msg.time.isoformat()
    return json.dumps(data, ensure_ascii=False)


def from_json(text: str) -> Incoming:
    data: dict[str, Any] = json.loads(text)
    data["time"] = dt.datetime.fromisoformat(data["time"])
    data["mention_ids"] = tuple(data.get("mention_ids") or ())
    data["entry_authors"] = tuple(data.get("entry_authors") or ())
    return Incoming(**data)


class Spool:
    """Messages waiting for the database: a directory of files, oldest first, bounded."""

    def __init__(self, folder: Path, limit: int = 20_000) -> None:
        self.folder, self.limit = folder, limit
        self._seq = itertools.count(int(dt.datetime.now().timestamp() * 1000))
        self._made = False
        self.count = len(self.files())  # kept, not listed: the spool is written on every message

    def files(self) -> list[Path]:
        if not self.folder.exists():
            return []
        return sorted(p for p in self.folder.iterdir() if p.suffix == ".json")

    def __len__(self) -> int:
        return self.count

    def add(self, msg: Incoming, *, durable: bool = False) -> Path:
        """Atomically (a crash leaves the whole file or none); fsync'd when durable. Raises OSError
        when the disk is full or the spool holds `limit` messages."""
        if self.count >= self.limit:
            raise OSError(f"spool full ({self.limit} messages)")
        if not self._made:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._made = True
        name = f"{next(self._seq):015d}-{hashlib.sha1(msg.message_id.encode()).hexdigest()[:10]}.json"
        tmp = self.folder / (name + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(to_json(msg))
                if durable:
                    f.flush()
                    os.fsync(f.fileno())
            os.replace(tmp, self.folder / name)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        self.count += 1
        return self.folder / name

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self.count = max(self.count - 1, 0)

    def oldest(self) -> tuple[Path, Incoming] | None:
        for path in self.files():
            try:
                return path, from_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, TypeError) as exc:
                log.error("unreadable spooled message %s (%s): set aside", path.name, exc)
                path.rename(path.with_suffix(".bad"))
                self.count = max(self.count - 1, 0)
        return None


class Intake:
    def __init__(self, handle: Handle, spool: Spool, *, on_handled: Callable[[str], None] = lambda route: None,
                 first_retry: float = 0.5, max_retry: float = 30.0, memory_limit: int = 10_000) -> None:
        self.handle, self.spool, self.on_handled = handle, spool, on_handled
        self.queue: asyncio.Queue[tuple[Path | None, Incoming]] = asyncio.Queue()
        self.memory: collections.deque[Incoming] = collections.deque(maxlen=memory_limit)
        self.first_retry, self.max_retry = first_retry, max_retry
        self.faults = 0
        self.last_route = ""
        self._idle = asyncio.Event()
        self._idle.set()
        self._recovering = spool.count > 0  # a previous run left messages: they go first

    def submit(self, msg: Incoming) -> None:
        """Spool the message (a small file write, never a database wait), then queue it."""
        self._idle.clear()
        try:
            path: Path | None = self.spool.add(msg)
        except OSError as exc:
            log.error("cannot spool message %s (%s): held in memory", msg.message_id, exc)
            path = None
        self.queue.put_nowait((path, msg))

    @property
    def backlog(self) -> int:
        """Messages received and not yet handled (spooled, or held in memory)."""
        return self.spool.count + len(self.memory)

    async def idle(self) -> None:
        """Until every submitted message is handled (tests and the demo wait on this)."""
        await self._idle.wait()

    async def _try(self, msg: Incoming) -> bool:
        try:
            self.last_route, _ = await asyncio.to_thread(self.handle, msg)
        except Exception as exc:
            if not is_db_fault(exc):
                log.exception("message %s could not be handled", msg.message_id)
                return True  # not the database's fault: retrying would fail the same way
            self.faults += 1
            log.warning("database fault on message %s (%s): held and retried", msg.message_id,
                        str(exc).splitlines()[0][:200])
            return False
        self.on_handled(self.last_route)
        return True

    async def _recover(self) -> None:
        """Retry the oldest held message with backoff until the database takes it, then the rest."""
        delay = self.first_retry
        while True:
            while not self.queue.empty():  # newer messages are in the spool (or go to memory): behind
                path, msg = self.queue.get_nowait()
                if path is None:
                    self.memory.append(msg)
            if self.spool.count:
                found = await asyncio.to_thread(self.spool.oldest)
                if found is None:
                    self.spool.count = 0
                    continue
                path, msg = found
                ok = await self._try(msg)
                if ok:
                    self.spool.remove(path)
            elif self.memory:
                ok = await self._try(self.memory[0])
                if ok:
                    self.memory.popleft()
            else:
                return
            if ok:
                delay = self.first_retry
            else:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry)

    async def run(self) -> None:
        """Forever: replay what a previous run left, then handle messages in order."""
        while True:
            if self._recovering:
                await self._recover()
                self._recovering = False
            if self.queue.empty():
                self._idle.set()
            path, msg = await self.queue.get()
            self._idle.clear()
            if await self._try(msg):
                if path is not None:
                    self.spool.remove(path)
            else:
                if path is None:
                    self.memory.append(msg)
                self._recovering = True
