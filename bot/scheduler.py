"""Timed jobs on the injected clock. APScheduler's CronTrigger says *when* (zone, DST); the database
says *whether*: each (job, target, day) is claimed once, so restarts and parallel processes never
double-send, and a missed summary is sent late (补发) within the grace window, once."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from pathlib import Path
from collections.abc import Callable
from dataclasses import dataclass

import chinese_calendar
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import group_info
from bot.config import Config, GroupSpec, ScheduleSpec
from bot.loops import standalone
from bot.outbox import Answer, Pacing, SleepingClock, enqueue_actions
from bot.workers import Lane
from handlers import grid, notices, problems, reminders
from handlers.chat import Action, Say, SendFile
from handlers.export import clear_old_exports
from handlers.charts import png_trend
from handlers.context import Context, GroupInfo, Settings
from handlers.summary import daily_summary, weekly_series, weekly_summary
from storage import audit, firings, queries, retention
from storage.db import is_db_fault, session_scope

log = logging.getLogger("wxbot.scheduler")
ON_TIME = dt.timedelta(seconds=90)  # later than this after its time, a firing counts as late
STEP = 120.0  # wall seconds beyond real seconds between two ticks: the clock was stepped
BEFORE_DEADLINE = ("prompt", "remind")
CATEGORY = {"prompt": "prompt", "grid_prompt": "prompt", "remind": "reminder", "overdue": "reminder",
            "notice_remind": "reminder", "notice_report": "summary",
            "escalate": "escalation", "daily_summary": "summary", "weekly_summary": "summary"}


def is_workday(day: dt.date) -> bool:
    """Chinese public holidays and adjusted workdays; outside the package's years, Mon–Fri."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


@dataclass(frozen=True)
class Job:
    spec: ScheduleSpec
    trigger: CronTrigger


class Scheduler:
    def __init__(self, cfg: Config, engine: Engine, clock: SleepingClock, settings: Settings,
                 on_enqueued: Callable[[], None] = lambda: None, name: str | None = None,
                 pacing: Pacing | None = None, account: str = "default") -> None:
        self.cfg, self.engine, self.clock, self.settings = cfg, engine, clock, settings
        self.on_enqueued = on_enqueued
        self.pacing, self.account = pacing or Pacing(), account
        self.lane = Lane("scheduler")
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.jobs = [Job(s, CronTrigger.from_crontab(s.cron, timezone=cfg.tz)) for s in cfg.schedules]
        self.grace = dt.timedelta(minutes=cfg.grace_minutes)
        self.checked_until: dt.datetime | None = None
        self.pulse = standalone("scheduler")
        self._elapsed: float | None = None  # the clock's elapsed() at the last tick
        self.stepped_after: dt.datetime | None = None  # firings after this were skipped over by a clock step

    def fire_times(self, job: Job, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
        times: list[dt.datetime] = []
        prev: dt.datetime | None = None
        moment = after + dt.timedelta(microseconds=1)
        while True:
            nxt = job.trigger.get_next_fire_time(prev, moment)
            if nxt is None or nxt > until:
                return times
            times.append(nxt)
            prev, moment = nxt, nxt + dt.timedelta(microseconds=1)

    def next_fire(self, now: dt.datetime) -> dt.datetime | None:
        times = [t for j in self.jobs if (t := j.trigger.get_next_fire_time(None, now)) is not None]
        return min(times) if times else None

    def tick(self, now: dt.datetime | None = None) -> list[str]:
        """Fire everything due since the last tick (on the first tick: within the grace window).
        A tick that fails leaves the window open: the next tick tries again (claims keep it once)."""
        now = now or self.clock.now()
        self._notice_step(now)
        after = self.checked_until or (now - max(self.grace, ON_TIME))
        due = sorted(((t, j) for j in self.jobs for t in self.fire_times(j, after, now)), key=lambda p: p[0])
        latest = {(j.spec.action, j.spec.kind): (t, j.spec.id) for t, j in due}
        outcomes = []
        for t, j in due:
            # several due at once (after downtime): only the latest of an action for a kind is sent
            superseded = latest[(j.spec.action, j.spec.kind)] != (t, j.spec.id)
            outcomes += self._fire(j, t, now, coalesced=superseded)
        self.checked_until = now
        return outcomes

    def _notice_step(self, now: dt.datetime) -> None:
        """The wall clock jumped ahead (more wall time than real time since the last tick): what it
        jumped over was not downtime, so a summary in it is sent late rather than skipped."""
        elapsed = getattr(self.clock, "elapsed", None)
        real = elapsed() if callable(elapsed) else None
        if real is not None and self._elapsed is not None and self.checked_until is not None:
            wall = (now - self.checked_until).total_seconds()
            if wall - (real - self._elapsed) > STEP:
                self.stepped_after = self.checked_until
                log.warning("the clock stepped ahead %.0f s: firings in between are sent late", wall - real + self._elapsed)
        self._elapsed = real

    def _targets(self, session: Session, spec: ScheduleSpec) -> list[tuple[str, GroupInfo]]:
        if spec.action == "overdue" or (spec.action == "notice_remind" and not spec.kind):  # every reporting group
            kinds = [k for k in self.cfg.kinds if self.settings.templates(k)]
        elif spec.action == "notice_remind":
            kinds = [spec.kind or ""]
        elif spec.action in ("prompt", "remind", "grid_prompt"):
            kinds = [spec.kind or ""]
        else:
            kinds = [self.cfg.officials_kind]
        out = []
        only = self._group_of(spec)
        for g in (g for k in kinds for g in queries.groups_of_kind(session, kind=k)):
            if spec.group is not None and self.cfg.group_spec(g.room_id, g.topic) is not only:
                continue
            info = group_info(self.cfg, g.room_id, g.topic, g.kind)
            if info is not None:
                out.append((g.room_id, info))
        return out

    def _group_of(self, spec: ScheduleSpec) -> GroupSpec | None:
        """The configured group a schedule names (by room id or topic): rooms are then matched to it
        by the one rule, Config.group_spec, as everywhere else."""
        return next((g for g in self.cfg.groups if spec.group in (g.room, g.topic)), None)

    def _skip_reason(self, spec: ScheduleSpec, when: dt.datetime, now: dt.datetime) -> str | None:
        day = when.astimezone(self.cfg.tz).date()
        if spec.workdays_only and not is_workday(day):
            return "skipped_holiday"
        if now - when <= ON_TIME:
            return None
        if spec.action in BEFORE_DEADLINE and spec.kind and self.settings.is_late(spec.kind, now, day):
            return "skipped_late"  # a reminder after the deadline helps nobody
        if now - when > self.grace and not (self.stepped_after is not None and when > self.stepped_after):
            return "skipped_late"
        return None

    def _fire(self, job: Job, when: dt.datetime, now: dt.datetime, coalesced: bool = False) -> list[str]:
        """Claim the firing first — nothing is computed or changed for it (a grid worker's open
        reply conversation, say) unless this process holds the claim — then build and queue it."""
        spec, day = job.spec, when.astimezone(self.cfg.tz).date()
        if spec.action == "purge":
            return self._purge(spec, when, day, now)
        outcomes = []
        with session_scope(self.engine) as session:
            targets = self._targets(session, spec)
        for target, group in targets:
            with session_scope(self.engine) as session:
                skip = "coalesced" if coalesced else self._skip_reason(spec, when, now)
                late = now - when > ON_TIME
                if not firings.claim(session, job=spec.id, target=target, fire_date=day, scheduled_for=when,
                                     now=now, by=self.name, outcome=skip or "claimed"):
                    continue  # another run or process has it
                actions = [] if skip else self._actions(session, spec, group, day, now, late)
                outcome = skip or ("nothing_to_send" if not actions else "late_sent" if late else "sent")
                firings.settle(session, job=spec.id, target=target, fire_date=day, outcome=outcome)
                answer = Answer(category=CATEGORY.get(spec.action, "reminder"), expires_at=self._expiry(spec, day))
                enqueue_actions(session, actions, now, trusted=self.settings.admins, answer=answer,
                                pacing=self.pacing, account=self.account)
            outcomes.append(f"{spec.id}@{target}:{outcome}")
            log.info("%s for %s on %s: %s", spec.id, target, day, outcome)
        if outcomes:
            self.on_enqueued()
        return outcomes

    def _purge(self, spec: ScheduleSpec, when: dt.datetime, day: dt.date, now: dt.datetime) -> list[str]:
        """Retention: once a day, by one process (the firing is claimed like any other)."""
        with session_scope(self.engine) as session:
            if not firings.claim(session, job=spec.id, target="system", fire_date=day, scheduled_for=when, now=now,
                                 by=self.name, outcome="purged"):
                return []
            counts = retention.purge(session, now=now, limits=limits_of(self.cfg), personal_keys=personal_keys(self.cfg),
                                     dry_run=False)
            counts["exports"] = clear_old_exports(Path(self.cfg.data_dir) / "exports", now)
            audit.record(session, who="system", action="purge", now=now,
                         detail=", ".join(f"{k} {v}" for k, v in counts.items() if v))
        log.info("retention purge: %s", counts)
        return [f"{spec.id}@system:purged"]

    def _expiry(self, spec: ScheduleSpec, day: dt.date) -> dt.datetime | None:
        """A prompt or reminder not sent by its kind's deadline helps nobody: it is dropped then."""
        deadline = self.settings.deadlines.get(spec.kind or "") if spec.action in BEFORE_DEADLINE else None
        if deadline is None:
            return None
        return dt.datetime.combine(day, deadline, self.cfg.tz)

    def _actions(self, session: Session, spec: ScheduleSpec, group: GroupInfo, day: dt.date, now: dt.datetime,
                 late: bool) -> list[Action]:
        ctx = Context(_FixedClock(now), session, self.settings, group)
        room = group.room_id
        match spec.action:
            case "prompt":
                return reminders.prompt(ctx, spec.kind or "", group, spec.text)
            case "remind":
                return reminders.remind(ctx, spec.kind or "", room, group.unit_names)
            case "escalate":
                return reminders.escalate(ctx, spec.kind or "", room, group.scope)
            case "grid_prompt":
                return grid.grid_prompt(ctx, spec.kind or "", room, group.unit_names)
            case "overdue":
                return problems.overdue_reminder(ctx, room)
            case "notice_remind":
                return notices.remind(ctx, group)
            case "notice_report":
                return notices.report(ctx, room)
            case "daily_summary":
                return [Say(daily_summary(session, self.settings, day, late=late, scope=group.scope), room_id=room)]
            case "weekly_summary":
                return [Say(weekly_summary(session, self.settings, day, late=late), room_id=room),
                        *self._weekly_chart(session, day, room)]
        raise AssertionError(spec.action)  # pragma: no cover

    def _weekly_chart(self, session: Session, day: dt.date, room: str) -> list[Action]:
        """The week's trend as a PNG with Chinese labels; skipped (logged) without a CJK font."""
        font = Path(self.settings.chart_font)
        if not font.exists():
            log.warning("no CJK font at %s (chart_font): weekly chart skipped, text sent", font)
            return []
        dates, series = weekly_series(session, self.settings, day)
        png = png_trend(f"{dates[0].month}月{dates[0].day}日至{day.month}月{day.day}日 报送趋势", dates, series, font)
        path = _weekly_chart_path(self.settings.data_dir, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        return [SendFile(str(path), room_id=room)]

    async def run(self) -> None:
        """Forever: tick (in a worker thread: the database never holds the event loop), then sleep
        on the clock until the next fire time (at most a minute). A tick that fails (the database
        is down) is tried again at the next one: nothing claimed, nothing lost within the grace."""
        while True:
            now = self.clock.now()
            self.pulse.busy()
            try:
                await self.lane.run(self.tick, now)
            except Exception as exc:
                if not is_db_fault(exc):
                    log.exception("scheduler tick failed")
                else:
                    log.warning("scheduler tick failed on the database: %s", str(exc).splitlines()[0][:200])
            else:
                self.pulse.idle()  # a tick that keeps failing leaves it busy: stuck after a while
            nxt = self.next_fire(now)
            wait = 60.0 if nxt is None else min(max((nxt - now).total_seconds(), 0.5), 60.0)
            await self.clock.sleep(wait)


def _weekly_chart_path(data_dir: str, day: dt.date) -> Path:
    return Path(data_dir) / "charts" / f"weekly_{day.isoformat()}.png"


class _FixedClock:
    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def now(self) -> dt.datetime:
        return self.moment


def limits_of(cfg: Config) -> retention.Limits:
    r = cfg.retention
    return retention.Limits(r.raw_text_days, r.named_values_days, r.photos_days, r.member_phone_days,
                            r.sent_messages_days, r.message_ids_days, r.returning_workers_days)


def personal_keys(cfg: Config) -> list[str]:
    return [f.key for t in cfg.templates for f in t.fields if f.personal]
