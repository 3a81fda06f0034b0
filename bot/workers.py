"""Worker threads of their own for each kind of work, so one kind cannot starve another: a flood
of password checks or desk pages never delays the answer to a report."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class Busy(Exception):
    """The lane already has as much waiting as it takes: the caller answers 'try again later'."""


class Lane:
    """A small pool of threads for one kind of work (made on first use). `nice` lowers its threads'
    CPU priority (Linux: per thread) so that the intake goes first; `limit` bounds the work waiting."""

    def __init__(self, name: str, threads: int = 1, *, nice: int = 0, limit: int | None = None) -> None:
        self.name, self.threads, self.nice, self.limit = name, threads, nice, limit
        self._pool: ThreadPoolExecutor | None = None
        self.waiting = 0

    def _init_thread(self) -> None:
        if self.nice:
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
            except (OSError, AttributeError):
                pass

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        if self.limit is not None and self.waiting >= self.limit:
            raise Busy(self.name)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix=f"wxbot-{self.name}",
                                            initializer=self._init_thread)
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        self.waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        finally:
            self.waiting -= 1

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


# argon2 is deliberately slow: one check at a time, at a lower priority than the intake, and no more
# than 16 waiting (a flood of guesses gets 429 at once instead of a queue that grows)
PASSWORDS = Lane("passwords", threads=1, nice=10, limit=16)
