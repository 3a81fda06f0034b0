"""Clocks. SystemClock for production; FakeClock lets tests and the demo run a day in seconds."""

from __future__ import annotations

import asyncio
import datetime as dt


class SystemClock:
    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.tz)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """Time moves only when told to (set/advance) or when someone sleeps on it."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start
        self.slept = 0.0

    def now(self) -> dt.datetime:
        return self._now

    def set(self, moment: dt.datetime) -> None:
        self._now = moment

    def advance(self, seconds: float) -> None:
        self._now += dt.timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.slept += max(seconds, 0.0)
        self.advance(max(seconds, 0.0))
        await asyncio.sleep(0)
