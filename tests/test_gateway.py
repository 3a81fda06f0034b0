"""`wxbot run` against a real Wechaty puppet-service gateway (Node, over PuppetMock) on loopback."""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from sqlmodel import Session, select

from storage import queries
from storage.models import Report
from storage.db import make_engine
from tests.conftest import ROOT

GATEWAY = ROOT / "tests" / "gateway"
TOKEN = "insecure_wxbot_test"
pytestmark = pytest.mark.gateway


def _lines(stream: IO[str]) -> queue.Queue[str]:
    q: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            q.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return q


def _wait_for(q: queue.Queue[str], predicate: object, timeout: float, seen: list[str]) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = q.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if callable(predicate) and predicate(line):
            return line
    raise AssertionError("timed out; saw:\n" + "\n".join(seen[-40:]))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """The test set-up installs the gateway's npm packages from the lockfile."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the gateway test (Node 20)")
    if not (GATEWAY / "node_modules" / "wechaty-puppet-service").exists():
        # `npm install` against the committed package-lock.json (exact versions). Not `npm ci`: this
        # registry never lists @swc/core's other-platform optional packages in the lock, and ci rejects that.
        proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=GATEWAY, capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.fail("npm install for the test gateway failed:\n" + proc.stderr[-2000:])
    return GATEWAY / "node_modules"


@pytest.fixture
def gateway(node_modules: Path) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str], int]]:
    port = _port()
    proc = subprocess.Popen(["node", "gateway.mjs", str(port), TOKEN], cwd=GATEWAY, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    events = _lines(proc.stdout)
    _wait_for(events, lambda line: '"ready"' in line, 60, [])
    yield proc, events, port
    proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


def _config(tmp_path: Path, **connection: float) -> Path:
    text = (ROOT / "config.yaml").read_text(encoding="utf-8").replace("data_dir: data", f"data_dir: {tmp_path}")
    for key, value in connection.items():
        text = text.replace(f"  {key}: ", f"  {key}: {value}  # was ")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot", "--config", str(cfg), "db", "upgrade"], check=True, capture_output=True)
    return cfg


def _run(cfg: Path, port: int, token: str = TOKEN, *extra: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHATY_")}
    env.update(WECHATY_PUPPET_SERVICE_TOKEN=token, WECHATY_PUPPET_SERVICE_ENDPOINT=f"127.0.0.1:{port}")
    bot = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(cfg), "run", *extra], env=env, text=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cfg.parent)
    assert bot.stderr is not None
    return bot, _lines(bot.stderr)


def _start_gateway(port: int) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    proc = subprocess.Popen(["node", "gateway.mjs", str(port), TOKEN], cwd=GATEWAY, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    events = _lines(proc.stdout)
    _wait_for(events, lambda line: '"ready"' in line, 60, [])
    return proc, events


def _post(proc: subprocess.Popen[str], text: str) -> None:
    assert proc.stdin is not None
    post = {"cmd": "post", "room": "property@chatroom", "from": "wxid_wang_cuiyuan", "text": text}
    proc.stdin.write(json.dumps(post, ensure_ascii=False) + "\n")
    proc.stdin.flush()


def _close(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def test_wrong_token_is_a_clear_error(gateway: tuple[subprocess.Popen[str], queue.Queue[str], int], tmp_path: Path) -> None:
    _, _, port = gateway
    bot, logs = _run(_config(tmp_path), port, token="not-the-token")
    try:
        code = bot.wait(60)
    finally:
        _close(bot)
    seen: list[str] = []
    while not logs.empty():
        seen.append(logs.get())
    assert code == 2
    assert any("rejected the token (WECHATY_PUPPET_SERVICE_TOKEN)" in line for line in seen), seen


def test_supervisor_reconnects_after_the_gateway_comes_back(node_modules: Path, tmp_path: Path) -> None:
    port = _port()
    gw, events = _start_gateway(port)
    bot, logs = _run(_config(tmp_path, silence_seconds=4, max_backoff_seconds=1, login_timeout_seconds=10), port)
    seen: list[str] = []
    try:
        _wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        _close(gw)  # the gateway dies
        _wait_for(logs, lambda line: "WeChat connection lost" in line or "connection failed" in line, 60, seen)
        gw, events = _start_gateway(port)  # ... and comes back on the same address
        _wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        _post(gw, "小区：翠园小区\n测温：356人\n体温异常：无\n消杀：✅")
        sent = json.loads(_wait_for(events, lambda line: '"sent"' in line, 60, seen))
    finally:
        _close(bot)
        _close(gw)
    assert "已登记" in sent["text"] and sent["mentions"] == ["wxid_wang_cuiyuan"]


def test_report_through_the_gateway_is_stored_and_answered(
    gateway: tuple[subprocess.Popen[str], queue.Queue[str], int], tmp_path: Path
) -> None:
    proc, events, port = gateway
    cfg = tmp_path / "config.yaml"
    cfg.write_text((ROOT / "config.yaml").read_text(encoding="utf-8").replace("data_dir: data", f"data_dir: {tmp_path}"),
                   encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot", "--config", str(cfg), "db", "upgrade"], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHATY_")}
    env.update(WECHATY_PUPPET_SERVICE_TOKEN=TOKEN, WECHATY_PUPPET_SERVICE_ENDPOINT=f"127.0.0.1:{port}")
    bot = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(cfg), "run"], env=env, text=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    assert bot.stderr is not None
    logs = _lines(bot.stderr)
    seen: list[str] = []
    try:
        _wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        assert proc.stdin is not None
        post = {"cmd": "post", "room": "property@chatroom", "from": "wxid_wang_cuiyuan",
                "text": "小区：翠园小区\n测温：356人\n体温异常：无\n消杀：✅"}
        proc.stdin.write(json.dumps(post, ensure_ascii=False) + "\n")
        proc.stdin.flush()
        sent = json.loads(_wait_for(events, lambda line: '"sent"' in line, 60, seen))
    finally:
        bot.terminate()
        bot.wait(10)
    time.sleep(0.2)
    while not logs.empty():
        seen.append(logs.get())
    bot.stderr.close()
    assert sent["conversation"] == "property@chatroom"
    assert sent["mentions"] == ["wxid_wang_cuiyuan"]
    assert "@王经理" in sent["text"] and "✅ 翠园小区" in sent["text"] and "已登记" in sent["text"]
    assert any("configured construction group not found" in line for line in seen)
    engine = make_engine(f"sqlite:///{tmp_path / 'wxbot.db'}")
    with Session(engine) as s:
        (unit,) = [u for u in queries.units_of_kind(s, kind="property") if u.name == "翠园小区"]
        (report,) = s.exec(select(Report)).all()
        assert report.unit_id == unit.id and report.reporter_id == "wxid_wang_cuiyuan"
    engine.dispose()


def test_run_web_healthz_reports_the_connection(node_modules: Path, tmp_path: Path) -> None:
    import urllib.request

    port, web_port = _port(), _port()
    gw, _ = _start_gateway(port)
    cfg = _config(tmp_path)
    cfg.write_text(cfg.read_text(encoding="utf-8") + f"\nweb:\n  port: {web_port}\n", encoding="utf-8")
    bot, logs = _run(cfg, port, TOKEN, "--web")
    seen: list[str] = []
    try:
        _wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=5) as resp:
            up = json.loads(resp.read())
        _close(gw)  # the gateway dies: healthz must say so within the watch interval
        _wait_for(logs, lambda line: "WeChat connection lost" in line or "connection failed" in line, 60, seen)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=5)
            down_status = 200
        except urllib.error.HTTPError as exc:
            down_status, down = exc.code, json.loads(exc.read())
            exc.close()
    finally:
        _close(bot)
        _close(gw)
    assert up["ok"] and up["connected"] is True and up["database"] and up["last_event_age_seconds"] is not None
    assert down_status == 503 and down["connected"] is False
