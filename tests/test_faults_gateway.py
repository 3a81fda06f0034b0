"""Faults against `wxbot run` and a real puppet-service gateway, on SQLite and PostgreSQL:
the gateway killed with a queue, two bot processes sharing one queue, kill -9 at the send boundary."""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from storage import outbox as outbox_store
from storage.db import make_engine
from storage.models import OutboxMessage
from tests import gateway_support as gw
from tests.conftest import PG_URL

pytestmark = [pytest.mark.gateway, pytest.mark.slow]
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
FAST = """
outbox:
  min_gap_seconds: 0.05
  max_gap_seconds: 0.1
  send_timeout_seconds: 2
  max_refusals: 1
"""


def _connection(**values: float) -> dict[str, float]:
    return {"silence_seconds": 6, "max_backoff_seconds": 2, "login_timeout_seconds": 15, **values}


@pytest.fixture(autouse=True)
def _no_process_left() -> Iterator[None]:
    yield
    gw.close_all()


@pytest.fixture(scope="module")
def home() -> Path:
    return gw.install()


def _engine(kind: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_engine(PG_URL if kind == "postgresql" and PG_URL else f"sqlite:///{tmp_path / 'wxbot.db'}")


def _rows(kind: str, tmp_path: Path) -> list[OutboxMessage]:
    engine = _engine(kind, tmp_path)
    with Session(engine) as s:
        rows = list(s.exec(select(OutboxMessage)))
    engine.dispose()
    return rows


@pytest.mark.parametrize("kind", ENGINES)
def test_gateway_killed_with_a_queue_everything_delivered_once_when_it_returns(
        home: Path, tmp_path: Path, kind: str) -> None:
    port = gw.free_port()
    gateway, events = gw.start_gateway(home, port)
    cfg = gw.config_for(tmp_path, extra=FAST + gw.database(kind, tmp_path), **_connection())
    bot, logs = gw.run_bot(cfg, port)
    seen: list[str] = []
    try:
        gw.wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        gw.send(gateway, cmd="sends", mode="hold")  # the gateway hangs: receipts pile up
        for i in range(10):
            gw.post(gateway, f"小区：翠园小区\n测温：{300 + i}\n体温异常：0\n消杀：是")
        time.sleep(6)
        gw.close(gateway)  # ... then dies, for a while
        gw.wait_for(logs, lambda line: "connection" in line and ("lost" in line or "failed" in line), 60, seen)
        time.sleep(15)
        assert {r.status for r in _rows(kind, tmp_path)} <= {"queued", "sending"}  # nothing given up
        gateway, events = gw.start_gateway(home, port)  # it comes back
        sent = gw.sent_events(events, seen, until=lambda out: len(out) >= 10, timeout=90)
        sent += gw.sent_events(events, seen, until=lambda out: False, timeout=5)  # and nothing more
    finally:
        gw.close(bot)
        gw.close(gateway)
    texts = collections.Counter(str(e["text"]) for e in sent)
    assert len(texts) == 10 and set(texts.values()) == {1}, texts
    assert {r.status for r in _rows(kind, tmp_path)} == {"sent"}
    assert all(r.attempts == 0 for r in _rows(kind, tmp_path))  # connection faults are no attempts


@pytest.mark.parametrize("kind", ENGINES)
def test_two_bot_processes_share_one_queue_every_row_sent_once(home: Path, tmp_path: Path, kind: str) -> None:
    """Two `wxbot run` processes, each through its own gateway into the same room, one database:
    sixty queued rows (a summary's worth) and the scheduler's firings, each sent exactly once."""
    cfg = gw.config_for(tmp_path, extra=FAST + gw.database(kind, tmp_path), **_connection())
    engine = _engine(kind, tmp_path)
    now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=25)  # due once both processes are up
    with Session(engine) as s:
        outbox_store.enqueue(s, now=now, rows=[outbox_store.Row(gw.ROOM, text=f"第{i}条通知", category="summary")
                                               for i in range(60)])
        s.commit()
    engine.dispose()
    ports = [gw.free_port(), gw.free_port()]
    gateways = [gw.start_gateway(home, p) for p in ports]
    bots = [gw.run_bot(cfg, p) for p in ports]
    seen: list[str] = []
    sent: list[dict[str, object]] = []
    try:
        for _, logs in bots:
            gw.wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len({e["text"] for e in sent}) < 60:
            for i, (_, events) in enumerate(gateways):
                sent += [{**e, "via": i} for e in gw.drain_sent(events, seen, quiet=0.2)]
        time.sleep(3)  # and nothing more
        for i, (_, events) in enumerate(gateways):
            sent += [{**e, "via": i} for e in gw.drain_sent(events, seen, quiet=0.5)]
    finally:
        for proc, _ in bots:
            gw.close(proc)
        for proc, _ in gateways:
            gw.close(proc)
    texts = collections.Counter(str(e["text"]) for e in sent if "通知" in str(e["text"]))
    assert len(texts) == 60 and set(texts.values()) == {1}, texts.most_common(3)
    assert {e["via"] for e in sent} == {0, 1}  # both processes sent: one queue, shared, never doubled


@pytest.mark.parametrize("kind", ENGINES)
def test_kill_9_at_the_send_boundary_repeats_a_message_at_most_once(home: Path, tmp_path: Path, kind: str) -> None:
    """The gateway accepts each send but answers only after 4 s; the bot is killed (-9) every time
    a send is accepted, and started again — until nothing is left. Each receipt arrives at most twice."""
    port = gw.free_port()
    gateway, events = gw.start_gateway(home, port)
    cfg = gw.config_for(tmp_path, extra=FAST + gw.database(kind, tmp_path), **_connection())
    seen: list[str] = []
    sent: list[dict[str, object]] = []
    bot, logs = gw.run_bot(cfg, port)
    kills = 0
    try:
        gw.wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        gw.send(gateway, cmd="sends", mode="hold")  # the three receipts are queued first
        for i in range(3):
            gw.post(gateway, f"小区：翠园小区\n测温：{300 + i}\n体温异常：0\n消杀：是")
        deadline = time.monotonic() + 30
        while len(_rows(kind, tmp_path)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        gw.send(gateway, cmd="sends", mode="delay", delayMs=4000)
        for _ in range(10):
            got = gw.sent_events(events, seen, until=lambda out: len(out) >= 1, timeout=25)
            if not got:
                break  # a whole restart and nothing more was sent: every row is settled
            sent += got
            os.kill(bot.pid, signal.SIGKILL)  # right after the gateway accepted, before it answered
            kills += 1
            gw.close(bot)
            bot, logs = gw.run_bot(cfg, port)
            gw.wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
    finally:
        gw.close(bot)
        gw.close(gateway)
    texts = collections.Counter(str(e["text"]) for e in sent)
    assert len(texts) == 3 and max(texts.values()) <= 2, texts  # at most one repeat per crash, never a loop
    assert kills >= 3
    assert {r.status for r in _rows(kind, tmp_path)} == {"sent"}



def _lock(kind: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Another writer holding the tables the bot must write to take a message in."""
    if kind == "sqlite":
        import sqlite3

        conn = sqlite3.connect(tmp_path / "wxbot.db", isolation_level=None, timeout=1)
        conn.execute("BEGIN EXCLUSIVE")
        return conn
    import psycopg

    conn = psycopg.connect(str(PG_URL).replace("postgresql+psycopg://", "postgresql://"))
    conn.execute("LOCK TABLE processedmessage IN ACCESS EXCLUSIVE MODE")
    return conn


@pytest.mark.parametrize("kind", ENGINES)
def test_kill_9_before_a_message_is_stored_it_is_answered_after_the_restart(
        home: Path, tmp_path: Path, kind: str) -> None:
    """Messages arrive while the database is held, the bot is killed (-9) before it could store them:
    on restart the spool replays them; each is stored and answered once."""
    port = gw.free_port()
    gateway, events = gw.start_gateway(home, port)
    cfg = gw.config_for(tmp_path, extra=FAST + gw.database(kind, tmp_path), **_connection())
    seen: list[str] = []
    bot, logs = gw.run_bot(cfg, port)
    try:
        gw.wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        lock = _lock(kind, tmp_path)
        for i in range(3):
            gw.post(gateway, f"小区：翠园小区\n测温：{300 + i}\n体温异常：0\n消杀：是")
        time.sleep(2)
        spooled = (tmp_path / "spool" / "incoming.jsonl").read_text(encoding="utf-8").splitlines()
        os.kill(bot.pid, signal.SIGKILL)
        gw.close(bot)
        lock.close()
        bot, logs = gw.run_bot(cfg, port)
        sent = gw.sent_events(events, seen, until=lambda out: len(out) >= 3, timeout=90)
        sent += gw.drain_sent(events, seen, quiet=3)
    finally:
        gw.close(bot)
        gw.close(gateway)
    assert len(spooled) == 3  # what the first process had received and not stored
    texts = collections.Counter(str(e["text"]) for e in sent)
    assert len(texts) == 3 and set(texts.values()) == {1}, texts
    assert (tmp_path / "spool" / "incoming.jsonl").read_text() == ""
