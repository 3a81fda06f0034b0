"""Excel exports in a process of their own: a district's year is seconds of openpyxl, which in a
thread would hold the interpreter lock and delay the bot's answers. The worker opens its own engine."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import io
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

from sqlmodel import Session

from bot.config import Config

_ENGINES: dict[str, object] = {}


def build_workbook(cfg: Config, db_url: str, start: dt.date, end: dt.date, kind: str | None, masked: bool,
                   street: str | None, community: str | None = None) -> bytes:
    """In the worker process: the workbook as bytes (no temporary file anywhere)."""
    from bot.app import make_settings
    from handlers.export import write_workbook
    from storage.db import make_engine

    engine = _ENGINES.get(db_url) or _ENGINES.setdefault(db_url, make_engine(db_url))
    out = io.BytesIO()
    with Session(engine) as s:  # type: ignore[arg-type]
        write_workbook(s, make_settings(cfg), out, start=start, end=end, kind=kind, masked=masked, street=street,
                       community=community)
    return out.getvalue()


def lower_priority(nice: int = 10) -> None:
    """Exports and password checks yield the CPU to the intake: a report is answered first."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (OSError, AttributeError):
        pass


class Exporter:
    """One worker process, made on the first export and kept."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def workbook(self, cfg: Config, db_url: str, start: dt.date, end: dt.date, *, kind: str | None,
                       masked: bool, street: str | None, community: str | None = None) -> bytes:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=lower_priority)
        work = functools.partial(build_workbook, cfg, db_url, start, end, kind, masked, street, community)
        return await asyncio.get_running_loop().run_in_executor(self._pool, work)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
