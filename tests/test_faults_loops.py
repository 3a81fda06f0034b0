"""The send loop under the faults that used to stop it for good, with the real `wxbot run` and a real
puppet-service gateway: the database held or unreachable while receipts go out, and a gateway that
errors on every send. Everything queued goes out once the fault ends, and /healthz is red meanwhile."""

from __future__ import annotations

import collections
import json
import queue
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import OutboxMessage
from tests import gateway_support as gw
from tests.conftest import PG_URL
from tests.test_faults import Proxy
from tests.test_faults_gateway import FAST, _connection, _lock
from tests.test_faults_gateway import _no_process_left, home  # noqa: F401  (the same fixtures)

pytestmark = [pytest.mark.gateway, pytest.mark.slow]
Proc = subprocess.Popen[str]
Lines = queue.Queue[str]
HEALTH = "health:\n  stuck_seconds: 4\n  max_backoff_seconds: 2\n"


def _health(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=15) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read())
        exc.close()
        return exc.code, body
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return 0, {"error": str(exc)}


def _reports(n: int) -> list[str]:
    return [f"小区：翠园小区\n测温：{300 + i}\n体温异常：0\n消杀：是" for i in range(n)]


def _start(home: Path, tmp_path: Path, database: str) -> tuple[Proc, Lines, Proc, Lines, int]:
    port, web_port = gw.free_port(), gw.free_port()
    gateway, events = gw.start_gateway(home, port)
    extra = FAST + HEALTH + database + f"web:\n  port: {web_port}\n"
    cfg = gw.config_for(tmp_path, extra=extra, **_connection())
    bot, logs = gw.run_bot(cfg, port, gw.TOKEN, "--web")
    return gateway, events, bot, logs, web_port


def _statuses(url: str) -> set[str]:
    engine = make_engine(url)
    with Session(engine) as s:
        out = {r.status for r in s.exec(select(OutboxMessage))}
    engine.dispose()
    return out


def _held_fault(home: Path, tmp_path: Path, database: str, url: str, fault: Callable[[], Any],
                release: Callable[[Any], object], hold: float) -> None:
    """Receipts are going out (slowly) when the fault begins; it lasts `hold` seconds."""
    gateway, events, bot, logs, web_port = _start(home, tmp_path, database)
    seen: list[str] = []
    reds: list[dict[str, object]] = []
    sent: list[dict[str, object]] = []
    try:
        gw.wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        gw.send(gateway, cmd="sends", mode="delay", delayMs=400)
        for text in _reports(18):
            gw.post(gateway, text)
        sent = gw.sent_events(events, seen, until=lambda out: len(out) >= 2, timeout=60)
        held = fault()
        deadline = time.monotonic() + hold
        while time.monotonic() < deadline:
            status, body = _health(web_port)
            if status == 503:
                reds.append(body)
            sent += gw.drain_sent(events, seen, quiet=0.5)
        release(held)
        sent += gw.sent_events(events, seen, timeout=120,
                               until=lambda out: len({e["text"] for e in sent + out}) >= 18)
        sent += gw.drain_sent(events, seen, quiet=3)
        green: tuple[int, dict[str, object]] = (0, {})
        for _ in range(30):
            green = _health(web_port)
            if green[0] == 200:
                break
            time.sleep(1)
    finally:
        gw.close(bot)
        gw.close(gateway)
    said = gw.drain(logs, [])
    texts = collections.Counter(str(e["text"]) for e in sent)
    assert len(texts) == 18 and set(texts.values()) == {1}, (texts, seen[-30:])
    assert reds, "healthz never turned red during the fault"
    assert green[0] == 200 and green[1]["problems"] == [], green
    assert _statuses(url) == {"sent"}
    assert any("loop failed" in line and "ERROR" in line for line in said), said[-40:]  # said so, with the cause
    assert any(p for body in reds for p in body.get("problems", [])) or any(body.get("database") is False for body in reds)


def test_sqlite_held_by_another_process_every_queued_receipt_goes_out_after(home: Path, tmp_path: Path) -> None:
    """Another process holds the SQLite file for 15 s while receipts are being sent (it used to end
    the send loop: 2 of 18 answered, the rest queued forever, /healthz ok)."""
    _held_fault(home, tmp_path, "", f"sqlite:///{tmp_path / 'wxbot.db'}",
                fault=lambda: _lock("sqlite", tmp_path), release=lambda conn: conn.close(), hold=15)


@pytest.mark.postgres
def test_postgresql_unreachable_forty_seconds_every_queued_receipt_goes_out_after(
        home: Path, tmp_path: Path) -> None:
    """PostgreSQL cut (a proxy in front of it) for 40 s while receipts are being sent."""
    from sqlalchemy.engine import make_url

    if not PG_URL:
        pytest.skip("WXBOT_TEST_DATABASE_URL not set")
    gw.database("postgresql", tmp_path)  # emptied
    url = make_url(PG_URL)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    via = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        _held_fault(home, tmp_path, f"database_url: {via}\n", PG_URL, fault=proxy.cut,
                    release=lambda _: proxy.start(), hold=40)
    finally:
        proxy.close()


def test_a_gateway_erroring_on_every_send_loses_no_receipt(home: Path, tmp_path: Path) -> None:
    """The gateway's puppet throws on every send (gRPC UNKNOWN) for 20 s: a connection fault, not a
    refusal — no attempt counted, nothing failed; fixed, every receipt goes out once."""
    gateway, events, bot, logs, web_port = _start(home, tmp_path, "")
    seen: list[str] = []
    try:
        gw.wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        gw.send(gateway, cmd="sends", mode="error")
        for text in _reports(10):
            gw.post(gateway, text)
        time.sleep(20)
        during = _statuses(f"sqlite:///{tmp_path / 'wxbot.db'}")
        gw.send(gateway, cmd="sends", mode="ok")
        sent = gw.sent_events(events, seen, until=lambda out: len(out) >= 10, timeout=120)
        sent += gw.drain_sent(events, seen, quiet=3)
    finally:
        gw.close(bot)
        gw.close(gateway)
    assert "failed" not in during
    texts = collections.Counter(str(e["text"]) for e in sent)
    assert len(texts) == 10 and set(texts.values()) == {1}, texts
    assert _statuses(f"sqlite:///{tmp_path / 'wxbot.db'}") == {"sent"}


def test_a_huge_jielong_and_a_megabyte_update_stall_no_receipt(home: Path, tmp_path: Path) -> None:
    """A 10,000-entry 接龙 and a 1 MB update full of phone numbers arrive while receipts are going out:
    every receipt still goes out (they used to end the send loop: 8 of 26 never sent)."""
    gateway, events, bot, logs, web_port = _start(home, tmp_path, "")
    seen: list[str] = []
    sent: list[dict[str, object]] = []
    try:
        gw.wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        gw.send(gateway, cmd="sends", mode="delay", delayMs=300)
        reports = _reports(12)
        for text in reports[:6]:
            gw.post(gateway, text)
        chain = "#接龙\n2月26日小区日报\n" + "\n".join(f"{i}. 第{i}号楼 测温{i % 500} 体温异常0 已消杀"
                                                   for i in range(1, 10_001))
        gw.post(gateway, chain)
        numbers = "".join(f"1{38 + i % 10}{i:08d}，" for i in range(80_000))
        gw.post(gateway, f"小区：翠园小区\n测温：320\n体温异常：0\n消杀：是\n备注：{numbers}")
        for text in reports[6:]:
            gw.post(gateway, text)
        sent = gw.sent_events(events, seen, timeout=180,
                              until=lambda out: len({e["text"] for e in out if "✅ 翠园小区" in str(e["text"])}) >= 13)
        status, body = _health(web_port)
    finally:
        gw.close(bot)
        gw.close(gateway)
    receipts = {str(e["text"]) for e in sent if "✅ 翠园小区" in str(e["text"])}
    assert len(receipts) >= 13, sorted(receipts)  # the twelve reports and the update, each answered
    assert any("测温 310→311" in t for t in receipts)  # the last report, after both big messages
    assert any("接龙" in str(e["text"]) or "第1号楼" in str(e["text"]) for e in sent)  # the chain answered too
    assert not any("138" in str(e["text"]) and "****" not in str(e["text"]) for e in sent)
    assert status == 200, body
