"""Incoming messages, handled in order, off the event loop, and never lost to a database fault or a
crash of the bot.

The connector hands each message to `submit`, which appends it to the spool — an append-only log in
the data directory (a few microseconds, no database wait) — and queues it. One worker takes messages
in order and runs App.handle in a thread. When the database fails (locked past its timeout, disk
full, PostgreSQL restarting) the worker retries that message with backoff and the newer ones wait
behind it, in order. The log is emptied whenever every message in it is handled; whatever a crash
left in it is replayed on start (a message stored just before the crash is recognised by its id and
not answered twice). If even the log cannot be written (the disk is full), the message is held in
memory only, and still retried."""

import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.loops import standalone
from bot.workers import Lane
from handlers.chat import Action, Incoming
from storage.db import is_db_fault

log = logging.getLogger("wxbot.intake")
_SURROGATE = re.compile("[\ud800-\udfff]")
BATCH = 20  # messages handed to the worker thread at once when they queue up
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


def fallback_folder(folder: Path) -> Path:
    """Where the spool goes when the data directory cannot be written (read-only, full): outside it,
    one per data directory, read on the next start like the spool itself."""
    tag = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"wxbot-spool-{os.getuid()}-{tag}"


class Spool:
    """Messages received and not yet known to be handled: an append-only JSON-lines file (and, when
    the data directory cannot be written, the same file in a fallback folder)."""

    def __init__(self, folder: Path, limit: int = 200_000, fallback: Path | None = None) -> None:
        self.folder, self.limit = folder, limit
        self.path = folder / "incoming.jsonl"
        self.fallback = (fallback or fallback_folder(folder)) / "incoming.jsonl"
        self.count = sum(1 for _ in self._lines())  # lines since the log was last emptied
        self._file: Any = None
        self._spare: Any = None
        self.problem = ""  # why messages are not where they belong ('' when all is well)

    def _lines(self) -> list[str]:
        out = []
        for path in (self.path, self.fallback):
            try:
                out += [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
            except (FileNotFoundError, PermissionError, NotADirectoryError):
                continue
        return out

    def __len__(self) -> int:
        return self.count

    def append(self, msg: Incoming) -> None:
        """Raises OSError when neither the spool nor its fallback can be written, or the log is full."""
        if self.count >= self.limit:
            raise OSError(f"spool full ({self.limit} messages)")
        line = to_json(msg) + "\n"
        try:
            if self._file is None:
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open, closed in close()
            self._file.write(line)
            self._file.flush()  # in the kernel: a crash of the process loses nothing
            self.problem = ""
        except OSError as exc:
            self._close_main()
            self._spare_write(line, exc)
        self.count += 1

    def _spare_write(self, line: str, cause: OSError) -> None:
        if self._spare is None:
            self.fallback.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._spare = open(self.fallback, "a", encoding="utf-8")  # noqa: SIM115
        self._spare.write(line)
        self._spare.flush()
        if not self.problem:
            log.error("cannot write the spool in %s (%s): messages go to %s until it can be", self.folder,
                      cause, self.fallback.parent)
        self.problem = f"spool not writable ({cause.strerror or cause}): messages kept in {self.fallback.parent}"

    def _close_main(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None

    def replay(self) -> list[Incoming]:
        """What a previous run left, in order (a line cut by a crash is skipped)."""
        out = []
        for line in self._lines():
            try:
                out.append(from_json(line))
            except (ValueError, TypeError, KeyError) as exc:
                log.error("unreadable spooled message skipped (%s): %s", exc, line[:80])
        return sorted(out, key=lambda m: m.time)

    def clear(self) -> None:
        """Every message in the log is handled: empty it (and the fallback)."""
        if self.count == 0:
            return
        for handle, path in ((self._file, self.path), (self._spare, self.fallback)):
            try:
                if handle is not None:
                    handle.truncate(0)
                    handle.seek(0)
                elif path.exists():
                    path.write_text("", encoding="utf-8")
            except OSError:
                continue
        self.count = 0

    def close(self) -> None:
        self._close_main()
        if self._spare is not None:
            self._spare.close()
            self._spare = None


class Intake:
    def __init__(self, handle: Handle, spool: Spool, *, on_handled: Callable[[str], None] = lambda route: None,
                 first_retry: float = 0.5, max_retry: float = 30.0) -> None:
        self.handle, self.spool, self.on_handled = handle, spool, on_handled
        self.lane = Lane("intake")  # a thread of its own: desk pages and logins never hold it up
        self.queue: asyncio.Queue[Incoming] = asyncio.Queue()
        self.first_retry, self.max_retry = first_retry, max_retry
        self.faults = 0
        self.last_route = ""
        self._idle = asyncio.Event()
        self._idle.set()
        self.received = self.handled = 0
        self.held: list[Incoming] = []  # taken from the queue, not yet handled: kept across a restart of run()
        self.pulse = standalone("intake")
        for msg in spool.replay():  # a previous run's messages go first
            self.queue.put_nowait(msg)
            self.received += 1
        if not self.queue.empty():
            self._idle.clear()

    def submit(self, msg: Incoming) -> None:
        """Log the message (never a database wait), then queue it."""
        if _SURROGATE.search(msg.text):  # a lone surrogate cannot be written as UTF-8 (spool, database)
            msg = dataclasses.replace(msg, text=_SURROGATE.sub("\ufffd", msg.text))
        self._idle.clear()
        self.received += 1
        try:
            self.spool.append(msg)
        except OSError as exc:
            self.spool.problem = f"messages held in memory only: {exc}"
            log.error("cannot spool message %s (%s): held in memory only", msg.message_id, exc)
        self.queue.put_nowait(msg)

    @property
    def backlog(self) -> int:
        """Messages received and not yet handled (queued, held for the database, or in the worker)."""
        return self.received - self.handled

    async def idle(self) -> None:
        """Until every submitted message is handled (tests and the demo wait on this)."""
        await self._idle.wait()

    def _handle_some(self, batch: list[Incoming]) -> tuple[int, list[str]]:
        """In the worker thread: handle messages in order until one meets a database fault.
        Returns (how many are done, their routes). Several at a time: fewer thread hand-offs."""
        routes: list[str] = []
        for msg in batch:
            try:
                route, _ = self.handle(msg)
            except Exception as exc:
                if is_db_fault(exc):
                    self.faults += 1
                    log.warning("database fault on message %s (%s): held and retried", msg.message_id,
                                str(exc).splitlines()[0][:200])
                    return len(routes), routes
                log.exception("message %s could not be handled", msg.message_id)
                route = "error"  # not the database's fault: retrying would fail the same way
            routes.append(route)
        return len(routes), routes

    async def run(self) -> None:
        """Forever: handle messages in order; a database fault holds the line and retries.
        Supervised: if it raises, it is started again and goes on with the messages it held."""
        held = self.held
        delay = self.first_retry
        try:
            while True:
                if not held:
                    if self.queue.empty():
                        self.spool.clear()
                        self._idle.set()
                        self.pulse.idle()
                    held.append(await self.queue.get())
                    self._idle.clear()
                self.pulse.busy()
                while len(held) < BATCH and not self.queue.empty():
                    held.append(self.queue.get_nowait())
                done, routes = await self.lane.run(self._handle_some, list(held))
                del held[:done]
                self.handled += done
                if done:
                    self.pulse.progress()
                for route in routes:
                    self.last_route = route
                    self.on_handled(route)
                if held:  # the database failed on held[0]: wait, then try it again
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.max_retry)
                else:
                    delay = self.first_retry
        finally:
            self.spool.close()
            self.lane.close()
