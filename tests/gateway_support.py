"""A real Wechaty puppet-service gateway (Node, over PuppetMock) on loopback, and `wxbot run` against it.

The gateway's npm packages are installed from the committed lockfile into a copy outside the
checkout (keyed by the files' hash), so a test run never rewrites a tracked file nor leaves
node_modules in the repository."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import CONFIG, ROOT

SOURCE = ROOT / "tests" / "gateway"
FILES = ("package.json", "package-lock.json", "gateway.mjs")
TOKEN = "insecure_wxbot_test"
ROOM = "property@chatroom"


def install() -> Path:
    """The gateway installed in a cache directory outside the checkout (npm once per lockfile)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the gateway tests (Node 20)")
    digest = hashlib.sha1(b"".join((SOURCE / f).read_bytes() for f in FILES)).hexdigest()[:12]
    home = Path(tempfile.gettempdir()) / f"wxbot-gateway-{os.getuid()}-{digest}"
    if not (home / "node_modules" / "wechaty-puppet-service").exists():
        home.mkdir(parents=True, exist_ok=True)
        for f in FILES:
            shutil.copy2(SOURCE / f, home / f)
        # `npm install` against the copied lockfile (exact versions). Not `npm ci`: this registry never
        # lists @swc/core's other-platform optional packages in the lock, and ci rejects that.
        proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=home, capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.fail("npm install for the test gateway failed:\n" + proc.stderr[-2000:])
    return home


def lines(stream: IO[str]) -> queue.Queue[str]:
    q: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            q.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return q


def wait_for(q: queue.Queue[str], predicate: object, timeout: float, seen: list[str]) -> str:
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


def drain(q: queue.Queue[str], seen: list[str]) -> list[str]:
    while not q.empty():
        seen.append(q.get())
    return seen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# every process a test starts: closed after each test whatever happened, so none is left running
# to be collected by the garbage collector in a later test (a ResourceWarning that fails it)
STARTED: list[subprocess.Popen[str]] = []


def close_all() -> None:
    while STARTED:
        close(STARTED.pop())


def start_gateway(home: Path, port: int, mode: str = "") -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    proc = subprocess.Popen(["node", "gateway.mjs", str(port), TOKEN, *([mode] if mode else [])], cwd=home, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    STARTED.append(proc)
    assert proc.stdout is not None
    events = lines(proc.stdout)
    wait_for(events, lambda line: '"ready"' in line, 60, [])
    return proc, events


def send(proc: subprocess.Popen[str], **cmd: object) -> None:
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(cmd, ensure_ascii=False) + "\n")
    proc.stdin.flush()


def post(proc: subprocess.Popen[str], text: str, sender: str = "wxid_wang_cuiyuan") -> None:
    send(proc, cmd="post", room=ROOM, text=text, **{"from": sender})


def config_for(tmp_path: Path, *, extra: str = "", **connection: float) -> Path:
    """The project's config with the data directory in tmp_path, the schema made, and no scheduled
    jobs: the bot runs on the wall clock, and a prompt or reminder due mid-test (08:30, 09:00 ...
    Shanghai time) would be a message the test never caused."""
    text = (CONFIG).read_text(encoding="utf-8").replace("data_dir: data", f"data_dir: {tmp_path}")
    text = re.sub(r"(?m)^schedules:\n(?:[ #].*\n)+", "schedules: []\n", text)
    assert "schedules: []" in text
    for key, value in connection.items():
        text = text.replace(f"  {key}: ", f"  {key}: {value}  # was ")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text + extra, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot", "--config", str(cfg), "db", "upgrade"], check=True, capture_output=True)
    return cfg


def run_bot(cfg: Path, port: int, token: str = TOKEN, *extra: str,
            env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("WECHATY_")}
    base.update(WECHATY_PUPPET_SERVICE_TOKEN=token, WECHATY_PUPPET_SERVICE_ENDPOINT=f"127.0.0.1:{port}")
    base.update(env or {})
    bot = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(cfg), "run", *extra], env=base, text=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cfg.parent)
    STARTED.append(bot)
    assert bot.stderr is not None
    return bot, lines(bot.stderr)


def close(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):  # a write buffered for a dead process: a broken pipe
                stream.close()
    if proc in STARTED:
        STARTED.remove(proc)


def database(engine_kind: str, tmp_path: Path) -> str:
    """`database_url: …` for config.yaml: SQLite in the data directory, or the test PostgreSQL, emptied."""
    if engine_kind == "sqlite":
        return ""
    from sqlalchemy import text

    from storage.db import make_engine
    from tests.conftest import PG_URL

    if not PG_URL:
        pytest.skip("WXBOT_TEST_DATABASE_URL not set")
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return f"database_url: {PG_URL}\n"


def sent_events(events: queue.Queue[str], seen: list[str], *, until: Callable[[list[dict[str, object]]], bool],
                timeout: float) -> list[dict[str, object]]:
    """The gateway's `sent` events until a condition holds (or the time is up)."""
    out: list[dict[str, object]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not until(out):
        try:
            line = events.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if '"sent"' in line:
            out.append(json.loads(line))
    return out


def drain_sent(events: queue.Queue[str], seen: list[str], quiet: float = 0.3) -> list[dict[str, object]]:
    """Every `sent` event until the gateway has been quiet for `quiet` seconds."""
    out: list[dict[str, object]] = []
    while True:
        try:
            line = events.get(timeout=quiet)
        except queue.Empty:
            return out
        seen.append(line)
        if '"sent"' in line:
            out.append(json.loads(line))
