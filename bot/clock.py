"""Clocks. SystemClock for production; FakeClock lets tests and the demo run a day in seconds."""

from __future__ import annotations

import asyncio
import datetime as dt
import time


class SystemClock:
    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.tz)

    def elapsed(self) -> float:
        """Seconds that really passed (the wall clock may be stepped by NTP; this never is)."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """Time moves only when told to (set/advance) or when someone sleeps on it."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start
        self._elapsed = 0.0
        self.slept = 0.0

    def now(self) -> dt.datetime:
        return self._now

    def elapsed(self) -> float:
        return self._elapsed

    def set(self, moment: dt.datetime) -> None:
        self._elapsed += max((moment - self._now).total_seconds(), 0.0)
        self._now = moment

    def advance(self, seconds: float) -> None:
        self._now += dt.timedelta(seconds=seconds)
        self._elapsed += max(seconds, 0.0)

    def step(self, seconds: float) -> None:
        """The wall clock is stepped (NTP, an operator) while no time passes."""
        self._now += dt.timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.slept += max(seconds, 0.0)
        self.advance(max(seconds, 0.0))
        await asyncio.sleep(0)
