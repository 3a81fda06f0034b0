"""Every long-running task of a bot process, supervised: a loop that raises is logged as ERROR with
its cause and started again with backoff; one that has failed without a moment of progress for
`exit_after` seconds ends the process (exit 3, so systemd starts a fresh one). What each loop last
did is kept for /healthz, the heartbeat and `wxbot status`: a dead or stuck loop turns them red.

A loop says `progress()` when it moved, `busy()` when it holds work it must finish (a message to
store, a row to send) and `idle()` while it waits for work: waiting is never "stuck", holding work
without progress for `stuck_after` seconds is."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from storage.db import is_db_fault

log = logging.getLogger("wxbot.loops")
Monotonic = Callable[[], float]


@dataclass
class LoopState:
    name: str
    last_progress: float
    busy_since: float | None = None
    failing_since: float | None = None  # set while the loop is down after an exception
    restarts: int = 0
    last_error: str = ""

    def problem(self, now: float, stuck_after: float) -> str:
        """'' when healthy; otherwise what an operator needs to know, in one line."""
        if self.failing_since is not None:
            return f"{self.name} loop failing for {now - self.failing_since:.0f} s: {self.last_error}"
        if self.busy_since is not None and now - max(self.busy_since, self.last_progress) > stuck_after:
            return f"{self.name} loop stuck for {now - max(self.busy_since, self.last_progress):.0f} s"
        return ""


@dataclass
class Loops:
    stuck_after: float = 300.0
    exit_after: float = 1800.0
    first_backoff: float = 1.0
    max_backoff: float = 30.0
    monotonic: Monotonic = time.monotonic
    states: dict[str, LoopState] = field(default_factory=dict)
    fatal: asyncio.Event = field(default_factory=asyncio.Event)
    fatal_reason: str = ""

    def state(self, name: str) -> LoopState:
        if name not in self.states:
            self.states[name] = LoopState(name, self.monotonic())
        return self.states[name]

    def progress(self, name: str) -> None:
        st = self.state(name)
        st.last_progress, st.failing_since = self.monotonic(), None

    def busy(self, name: str) -> None:
        st = self.state(name)
        if st.busy_since is None:
            st.busy_since = self.monotonic()

    def idle(self, name: str) -> None:
        st = self.state(name)
        st.busy_since, st.failing_since = None, None
        st.last_progress = self.monotonic()

    def pulse(self, name: str) -> Pulse:
        self.state(name)
        return Pulse(self, name)

    def problems(self) -> list[str]:
        now = self.monotonic()
        return [p for st in self.states.values() if (p := st.problem(now, self.stuck_after))]

    def report(self) -> dict[str, dict[str, object]]:
        """Per loop, for /healthz."""
        now = self.monotonic()
        return {st.name: {"ok": not st.problem(now, self.stuck_after), "problem": st.problem(now, self.stuck_after),
                          "last_progress_seconds_ago": round(now - st.last_progress, 1),
                          "restarts": st.restarts, "last_error": st.last_error} for st in self.states.values()}

    async def supervise(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        """Run `body` forever: restarted with backoff after any exception, or the process is ended."""
        st, backoff = self.state(name), self.first_backoff
        while True:
            try:
                await body()
                raise RuntimeError("the loop returned")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the point: log the cause and go on
                now = self.monotonic()
                if st.failing_since is None or st.last_progress > st.failing_since:
                    backoff = self.first_backoff  # it had moved since the last failure
                    st.failing_since = now
                st.restarts += 1
                st.last_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
                log.error("%s loop failed (%s); restarting in %.1f s", name, st.last_error, backoff,
                          exc_info=not is_db_fault(exc))
                if now - st.failing_since >= self.exit_after:
                    self.fatal_reason = f"the {name} loop has failed for {now - st.failing_since:.0f} s: {st.last_error}"
                    log.critical("%s; ending the process so that it is started afresh", self.fatal_reason)
                    self.fatal.set()
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)


@dataclass(frozen=True)
class Pulse:
    """One loop's handle on its state: what the loop itself calls."""

    loops: Loops
    name: str

    def progress(self) -> None:
        self.loops.progress(self.name)

    def busy(self) -> None:
        self.loops.busy(self.name)

    def idle(self) -> None:
        self.loops.idle(self.name)


def standalone(name: str) -> Pulse:
    """For a loop run without a runtime (benches, unit tests)."""
    return Loops().pulse(name)
