"""Incoming messages, handled in order, off the event loop, and never lost to a database fault.

The connector hands each message to `submit` (it never waits on the database). One worker takes
them in order and runs App.handle in a thread. When the database fails (locked past its timeout,
disk full, PostgreSQL restarting), the message goes to a spool — one file per message in the data
directory, written atomically — and so does every message after it, until the oldest spooled one
goes through; then the spool drains in order. A spool left by a crash is replayed on start. If even
the spool cannot be written (the disk is full), messages wait in memory (bounded) and are retried."""

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

    def files(self) -> list[Path]:
        if not self.folder.exists():
            return []
        return sorted(p for p in self.folder.iterdir() if p.suffix == ".json")

    def __len__(self) -> int:
        return len(self.files())

    def add(self, msg: Incoming) -> None:
        """Atomically, durably (fsync); raises OSError when the disk is full or the limit reached."""
        if len(self) >= self.limit:
            raise OSError(f"spool full ({self.limit} messages)")
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{next(self._seq):015d}-{hashlib.sha1(msg.message_id.encode()).hexdigest()[:10]}.json"
        tmp = self.folder / (name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(to_json(msg))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.folder / name)

    def oldest(self) -> tuple[Path, Incoming] | None:
        for path in self.files():
            try:
                return path, from_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, TypeError) as exc:
                log.error("unreadable spooled message %s (%s): set aside", path.name, exc)
                path.rename(path.with_suffix(".bad"))
        return None


class Intake:
    def __init__(self, handle: Handle, spool: Spool, *, on_handled: Callable[[str], None] = lambda route: None,
                 first_retry: float = 0.5, max_retry: float = 30.0, memory_limit: int = 10_000) -> None:
        self.handle, self.spool, self.on_handled = handle, spool, on_handled
        self.queue: asyncio.Queue[Incoming] = asyncio.Queue()
        self.memory: collections.deque[Incoming] = collections.deque(maxlen=memory_limit)
        self.first_retry, self.max_retry = first_retry, max_retry
        self.faults = 0
        self.last_route = ""
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, msg: Incoming) -> None:
        self._idle.clear()
        self.queue.put_nowait(msg)

    @property
    def backlog(self) -> int:
        """Messages received and not yet handled (queued, spooled, or held in memory)."""
        return self.queue.qsize() + len(self.spool) + len(self.memory)

    async def idle(self) -> None:
        """Until every submitted message is handled (tests and the demo wait on this)."""
        await self._idle.wait()

    async def _try(self, msg: Incoming) -> bool:
        try:
            self.last_route, _ = await asyncio.to_thread(self.handle, msg)
        except Exception as exc:
            if not is_db_fault(exc):
                raise
            self.faults += 1
            log.warning("database fault on message %s (%s): held and retried", msg.message_id,
                        str(exc).splitlines()[0][:200])
            return False
        self.on_handled(self.last_route)
        return True

    async def _hold(self, msg: Incoming) -> None:
        try:
            await asyncio.to_thread(self.spool.add, msg)
        except OSError as exc:
            log.error("cannot spool message %s (%s): held in memory", msg.message_id, exc)
            self.memory.append(msg)

    def _pending(self) -> bool:
        return bool(self.memory) or len(self.spool) > 0

    async def _recover(self) -> None:
        """Retry the oldest held message with backoff until the database takes it, then drain."""
        delay = self.first_retry
        while self._pending():
            while not self.queue.empty():  # newer messages queue behind the held ones
                await self._hold(self.queue.get_nowait())
            if self.memory:
                ok = await self._try(self.memory[0])
                if ok:
                    self.memory.popleft()
            else:
                found = await asyncio.to_thread(self.spool.oldest)
                if found is None:
                    continue
                path, msg = found
                ok = await self._try(msg)
                if ok:
                    path.unlink(missing_ok=True)
            if ok:
                delay = self.first_retry
            else:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry)

    async def run(self) -> None:
        """Forever: replay what a previous run spooled, then handle messages in order."""
        while True:
            if self._pending():
                await self._recover()
                continue
            if self.queue.empty():
                self._idle.set()
            msg = await self.queue.get()
            self._idle.clear()
            try:
                if not await self._try(msg):
                    await self._hold(msg)
            except Exception:
                log.exception("message %s could not be handled", msg.message_id)
