"""`wxbot run` against a real Wechaty puppet-service gateway (Node, over PuppetMock) on loopback."""

from __future__ import annotations

import json
import re
import os
import queue
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from storage import queries
from storage.models import Report
from storage.db import make_engine
from tests import gateway_support as support

pytestmark = pytest.mark.gateway


@pytest.fixture(autouse=True)
def _no_process_left() -> Iterator[None]:
    yield
    support.close_all()


@pytest.fixture(scope="module")
def node_modules() -> Path:
    return support.install()


@pytest.fixture
def gateway(node_modules: Path) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str], int]]:
    port = support.free_port()
    proc, events = support.start_gateway(node_modules, port)
    yield proc, events, port
    support.close(proc)


_config, _run, _close, _wait_for, _port = (support.config_for, support.run_bot, support.close, support.wait_for,
                                           support.free_port)
_post, _lines = support.post, support.lines


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
    assert not [line for line in seen if "not-the-token" in line]  # a token is never logged


def test_supervisor_reconnects_after_the_gateway_comes_back(node_modules: Path, tmp_path: Path) -> None:
    port = _port()
    gw, events = support.start_gateway(node_modules, port)
    bot, logs = _run(_config(tmp_path, silence_seconds=4, max_backoff_seconds=1, login_timeout_seconds=10), port)
    seen: list[str] = []
    try:
        _wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        _close(gw)  # the gateway dies
        _wait_for(logs, lambda line: "WeChat connection lost" in line or "connection failed" in line, 60, seen)
        gw, events = support.start_gateway(node_modules, port)  # ... and comes back on the same address
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
    cfg.write_text(support.CONFIG.read_text(encoding="utf-8").replace("data_dir: data", f"data_dir: {tmp_path}"),
                   encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot", "--config", str(cfg), "db", "upgrade"], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHATY_")}
    env.update(WECHATY_PUPPET_SERVICE_TOKEN=support.TOKEN, WECHATY_PUPPET_SERVICE_ENDPOINT=f"127.0.0.1:{port}")
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
    # wechaty logs the token on every start ("two tokens from options[adopted]<…>") and a blueprint warning
    assert not [line for line in seen if support.TOKEN in line or "blueprint" in line], seen
    engine = make_engine(f"sqlite:///{tmp_path / 'wxbot.db'}")
    with Session(engine) as s:
        (unit,) = [u for u in queries.units_of_kind(s, kind="property") if u.name == "翠园小区"]
        (report,) = s.exec(select(Report)).all()
        assert report.unit_id == unit.id and report.reporter_id == "wxid_wang_cuiyuan"
    engine.dispose()


def test_run_web_healthz_reports_the_connection(node_modules: Path, tmp_path: Path) -> None:
    import urllib.request

    port, web_port = _port(), _port()
    gw, _ = support.start_gateway(node_modules, port)
    cfg = _config(tmp_path)
    cfg.write_text(cfg.read_text(encoding="utf-8") + f"\nweb:\n  port: {web_port}\n", encoding="utf-8")
    bot, logs = _run(cfg, port, support.TOKEN, "--web")
    seen: list[str] = []
    try:
        _wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        up: dict[str, object] = {}
        for _ in range(50):  # the rooms are listed just before sending is switched on
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=5) as resp:
                    up = json.loads(resp.read())
                break
            except urllib.error.HTTPError as exc:
                exc.close()
                time.sleep(0.2)
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


GROUP_NOTE = """<?xml version="1.0"?>
<msg><appmsg appid="" sdkver="0"><title>防控日报#接龙

例 翠园小区 测温320 体温异常0 已消杀

1. 翠园小区 测温320 体温异常0 已消杀
2. 阳光花园 测温210 体温异常1 已消杀</title><des /><type>53</type><appattach><aeskey></aeskey></appattach>
<extinfo><solitaire_info><![CDATA[<solitaire><tt>0-40</tt><s>.</s><au>wxid_wang_cuiyuan</au><hrt>1</hrt><loss>0</loss><content><s>2</s><i><u>wxid_wang_cuiyuan</u><h>0</h><s>.</s><t>1582679000</t><r>40-24</r></i><i><u>wxid_li_yangguang</u><h>0</h><s>.</s><t>1582679100</t><r>65-24</r></i></content></solitaire>]]></solitaire_info>
</extinfo></appmsg><fromusername>wxid_li_yangguang</fromusername><scene>0</scene></msg>"""


def test_a_group_note_reaches_python_as_unspecified_and_is_read_with_its_authors(
        gateway: tuple[subprocess.Popen[str], queue.Queue[str], int], tmp_path: Path) -> None:
    """Measured: the TypeScript GroupNote (type 10) arrives in python-wechaty as MESSAGE_TYPE_UNSPECIFIED
    with its XML as text; a Post (type 16) used to raise IndexError inside wechaty."""
    proc, events, port = gateway
    bot, logs = _run(_config(tmp_path), port)
    seen: list[str] = []
    try:
        _wait_for(logs, lambda line: "in 1 rooms" in line, 90, seen)
        assert proc.stdin is not None
        for cmd in ({"cmd": "typed", "type": 16, "room": "property@chatroom", "from": "wxid_wang_cuiyuan",
                     "text": "a moment"},
                    {"cmd": "typed", "type": 10, "room": "property@chatroom", "from": "wxid_li_yangguang",
                     "text": GROUP_NOTE}):
            proc.stdin.write(json.dumps(cmd, ensure_ascii=False) + "\n")
            proc.stdin.flush()
        sent = json.loads(_wait_for(events, lambda line: '"sent"' in line, 60, seen))
        time.sleep(0.5)
        while not logs.empty():
            seen.append(logs.get())
    finally:
        _close(bot)
    assert "接龙已登记" in sent["text"] and "翠园小区、阳光花园小区" in sent["text"], sent
    assert not any("IndexError" in line or "Traceback" in line for line in seen), seen[-20:]
    assert any("not read (no text we know)" in line for line in seen)  # the Post: logged, not lost silently
    engine = make_engine(f"sqlite:///{tmp_path / 'wxbot.db'}")
    with Session(engine) as s:
        by = {r.reporter_id for r in s.exec(select(Report)).all()}
    engine.dispose()
    # the entries' authors in the XML are only the poster's client's word (issue #19, finding 7): both
    # entries are stored as the poster's reports, never as someone else's
    assert by == {"wxid_li_yangguang"}


def test_a_real_account_logs_in_by_qr_code_shown_in_the_terminal_and_on_the_desk(
        node_modules: Path, tmp_path: Path) -> None:
    """The gateway's puppet asks for a QR scan (as a real account's first start): the bot prints the QR
    code, keeps waiting past login_timeout, the desk's 运行状态 page shows it with the state, and the
    login goes through once the phone confirms."""
    import asyncio

    from aiohttp.test_utils import TestClient, TestServer

    from bot.clock import SystemClock
    from bot.config import load_config
    from bot.web.app import make_app
    from bot.web.auth import hash_password
    from storage.db import make_engine

    port = _port()
    gw, events = support.start_gateway(node_modules, port, mode="scan")
    cfg_path = _config(tmp_path)
    text = cfg_path.read_text(encoding="utf-8").replace("  login_timeout_seconds: ", "  login_timeout_seconds: 3  # was ")
    account = f"web:\n  accounts:\n    - {{username: admin, password_hash: '{hash_password('pw-admin-1')}', permissions: [admin]}}\n"
    cfg_path.write_text(text + "\n" + account, encoding="utf-8")
    bot, logs = _run(cfg_path, port, support.TOKEN)
    seen: list[str] = []

    async def desk_status() -> tuple[str, int]:
        cfg = load_config(cfg_path)
        engine = make_engine(f"sqlite:///{tmp_path / 'wxbot.db'}")
        async with TestClient(TestServer(make_app(cfg, engine, SystemClock(cfg.tz)))) as c:
            page = await (await c.get("/login")).text()
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            await c.post("/login", data={"csrf": token, "username": "admin", "password": "pw-admin-1"})
            status = await (await c.get("/status")).text()
            qr = await c.get("/status/qr/default.svg")
            body = await qr.read()
        engine.dispose()
        return status, qr.status if b"<svg" in body else -1

    def wait_state(word: str) -> str:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            page, _ = asyncio.run(desk_status())
            if word in page:
                return page
            time.sleep(1)
        raise AssertionError(f"{word} never shown")

    try:
        _wait_for(logs, lambda line: "请用机器人的微信扫描下面的二维码登录" in line, 60, seen)
        _wait_for(logs, lambda line: "scan the QR code above" in line, 30, seen)
        time.sleep(8)  # past login_timeout (3 s): still waiting, no reconnect
        assert bot.poll() is None and not any("connection failed" in line for line in support.drain(logs, seen))
        waiting = wait_state("等待扫码")
        _, svg = asyncio.run(desk_status())
        support.send(gw, cmd="scanned")
        wait_state("已扫码")
        support.send(gw, cmd="login")
        _wait_for(logs, lambda line: "已登录微信" in line, 60, seen)
        after = wait_state("正常")
    finally:
        _close(bot)
        _close(gw)
    assert "<svg" not in waiting and 'src="/status/qr/default.svg"' in waiting and svg == 200
    assert "http-equiv=\"refresh\"" in waiting and "登录二维码" not in after
    terminal = "\n".join(seen)
    assert "█" in terminal or "▀" in terminal or "▄" in terminal  # the QR code itself, drawn in the terminal
