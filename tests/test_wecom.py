"""WeCom (企业微信) through the real SDK (wecom-aibot-python-sdk) and the local WeCom server on
loopback (bot/connectors/wecom_local.py, frames as document 101463 shows them): the demo's morning,
`wxbot run` with `transport: wecom`, a dropped connection, a wrong secret, a second connection."""

from __future__ import annotations

import asyncio
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from sqlmodel import Session, select

from bot.config import Config
from bot.connectors.wecom_local import LocalWeCom, Sent
from bot.demo_wecom import play_wecom
from storage.db import make_engine
from storage.models import Problem, Report
from tests.conftest import CONFIG

T = TypeVar("T")


def test_the_demo_morning_through_wecom(config: Config, tmp_path: Path) -> None:
    lines = asyncio.run(play_wecom(config, tmp_path))
    said = [ln.text for ln in lines if ln.bot]
    people = [ln.text for ln in lines if not ln.bot and ln.room.startswith("room-")]
    # every group message @-mentions the bot; the prompt says so
    assert all(t.startswith("@防控小助手 ") or t == "[图片]" for t in people)
    assert any("请各小区10:00前报送今日防控日报" in t and "请先@机器人" in t for t in said)
    # receipts are replies threaded to the report, without an @
    assert "（回复 王经理）\n✅ 翠园小区 2月26日防控日报已登记：测温356 体温异常0 已消杀 口罩800" in said
    # in the property group, which has a group robot's webhook key, reminders come through it with a real @;
    # elsewhere they are proactive markdown naming the people (no @ in the 智能机器人's proactive messages)
    assert "（群机器人）@孙物业 ⏰ 幸福里小区今日防控日报还未报送（截止10:00，还有30分钟），请尽快报送" in said
    assert "@刘经理 ⏰ 市一中迁建工程今日工地日报还未报送（截止10:00，还有30分钟），请尽快报送" in said
    # the summary is markdown: its headings bold
    (summary,) = [t for t in said if "防控日报汇总" in t]
    assert summary.startswith("**📊 2月26日防控日报汇总**") and "**【物业小区】已报 4/4（迟报1）**" in summary
    assert any("企业微信群里的图片不会推送给机器人" in t for t in said)
    engine = make_engine(f"sqlite:///{tmp_path / 'wxbot.db'}")
    with Session(engine) as s:
        assert len(s.exec(select(Report)).all()) == 9 and s.exec(select(Problem)).one().status == "closed"
    engine.dispose()


class ServerThread:
    """The local WeCom server on its own event loop, for a `wxbot run` in another process."""

    def __init__(self, bot_id: str, secret: str) -> None:
        self.server = LocalWeCom(bot_id, secret)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.call(self.server.start())

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def sent(self) -> list[Sent]:
        return list(self.server.sent)

    def close(self) -> None:
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def wecom() -> Iterator[ServerThread]:
    srv = ServerThread("wxbot-test-bot", "the-secret")
    yield srv
    srv.close()


def _config(tmp_path: Path, srv: ServerThread) -> Path:
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["data_dir"] = str(tmp_path)
    data["accounts"] = [{"name": "wecom", "transport": "wecom", "ws_url": srv.server.url,
                         "ca_file": str(srv.server.ca_file)}]
    for group, chat in zip(data["groups"], ["wr-property", "wr-construction", "wr-grid", "wr-officials"], strict=True):
        group["room"] = chat
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "db", "upgrade"], check=True,
                   capture_output=True)
    return path


def _run(cfg: Path, secret: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "WECHATY_"))}
    env.update(WECOM_BOT_ID="wxbot-test-bot", WECOM_BOT_SECRET=secret)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(cfg), "run", "--account", "wecom"],
                            env=env, text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stderr is not None
        with proc.stderr:
            for line in proc.stderr:
                lines.put(line)
    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def _until(check: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.1)


def _drain(lines: queue.Queue[str]) -> list[str]:
    time.sleep(0.2)  # the pump reads what the process wrote last
    out = []
    while not lines.empty():
        out.append(lines.get())
    return out


def test_wxbot_run_over_wecom_answers_recovers_and_stops_when_replaced(wecom: ServerThread, tmp_path: Path) -> None:
    cfg = _config(tmp_path, wecom)
    bot, logs = _run(cfg, "the-secret")
    try:
        _until(lambda: wecom.server.online)
        wecom.call(wecom.server.post("wr-property", "wxid_wang_cuiyuan", "翠园小区 测温320人 体温异常0 已消杀"))
        _until(lambda: any(s.kind == "reply" for s in wecom.sent()))
        (receipt,) = [s for s in wecom.sent() if s.kind == "reply"]
        assert receipt.chat_id == "wr-property" and receipt.to_user == "wxid_wang_cuiyuan"
        assert "✅ 翠园小区" in receipt.text and "已登记：测温320 体温异常0 已消杀" in receipt.text
        wecom.call(wecom.server.drop())  # the network breaks: the supervisor reconnects
        _until(lambda: wecom.server.subscriptions >= 2 and wecom.server.online, 60)
        wecom.call(wecom.server.post("wr-property", "wxid_li_yangguang", "阳光花园 测温210人 体温异常1 已消杀"))
        _until(lambda: len([s for s in wecom.sent() if s.kind == "reply"]) == 2)
        assert "⚠️ 体温异常1人，请按规定上报" in wecom.sent()[-1].text
        second, second_logs = _run(cfg, "the-secret")  # the same bot connects again: the first is replaced
        try:
            assert bot.wait(60) == 2
            _until(lambda: wecom.server.online)
        finally:
            second.terminate()
            second.wait(10)
    finally:
        if bot.poll() is None:
            bot.terminate()
            bot.wait(10)
    seen = "".join(_drain(logs))
    assert "another connection for the same WeCom bot took over" in seen and "Traceback" not in seen
    assert "the-secret" not in seen + "".join(_drain(second_logs))
    engine = make_engine(f"sqlite:///{tmp_path / 'wxbot.db'}")
    with Session(engine) as s:
        assert len(s.exec(select(Report)).all()) == 2
    engine.dispose()


def test_a_wrong_secret_is_a_clear_error(wecom: ServerThread, tmp_path: Path) -> None:
    bot, logs = _run(_config(tmp_path, wecom), "not-the-secret")
    try:
        code = bot.wait(60)
    finally:
        if bot.poll() is None:
            bot.kill()
    seen = "".join(_drain(logs))
    assert code == 2 and "WeCom rejected the bot id or secret (WECOM_BOT_ID, WECOM_BOT_SECRET)" in seen
    assert "not-the-secret" not in seen and "Traceback" not in seen


def test_no_file_outside_the_connector_names_the_sdk() -> None:
    root = Path(__file__).resolve().parent.parent
    allowed = {root / "bot" / "connectors" / "wecom.py", root / "pyproject.toml"}
    offenders = [p for p in [*root.glob("bot/**/*.py"), *root.glob("handlers/**/*.py"), *root.glob("storage/**/*.py")]
                 if p not in allowed and ("import aibot" in p.read_text(encoding="utf-8")
                                          or "from aibot" in p.read_text(encoding="utf-8"))]
    assert not offenders


async def test_files_go_up_in_chunks_and_answers_thread_to_their_message(tmp_path: Path) -> None:
    """导出 as a file (three chunks of 512 KB), and a reply only to a message we received."""
    from bot.connectors.base import Watch
    from bot.connectors.wecom import WeComConnector
    from handlers.chat import Incoming, Say, SendFile

    server = LocalWeCom("bot-x", "s")
    await server.start()
    heard: list[Incoming] = []

    async def on_incoming(msg: Incoming) -> None:
        heard.append(msg)

    conn = WeComConnector(on_incoming, bot_id="bot-x", secret="s", data_dir=tmp_path, ws_url=server.url,
                          ca_file=server.ca_file, names={"wxid_sun": "孙物业"}.get)  # type: ignore[arg-type]
    try:
        await conn.start()
        await conn.connected(Watch(login_timeout=10))
        book = tmp_path / "2月26日报表.xlsx"
        book.write_bytes(os.urandom(1_200_000))
        await conn.send(SendFile(str(book), room_id="wr-officials"))
        await server.post("wr-property", "wxid_sun", "导出", msgid="m-1")
        await asyncio.sleep(0.3)
        assert heard[0].text == "导出" and heard[0].message_id == "m-1" and heard[0].room_id == "wr-property"
        await conn.send(Say("收到", room_id="wr-property", mention_ids=("wxid_sun",), reply_to="m-1"))
        await conn.send(Say("请尽快报送", room_id="wr-property", mention_ids=("wxid_sun",), reply_to="m-unknown"))
    finally:
        await conn.stop()
        await server.stop()
    file, reply, reminder = server.sent
    assert file.kind == "file" and file.file_name == "2月26日报表.xlsx" and file.file_bytes == book.read_bytes()
    assert reply.kind == "reply" and reply.to_user == "wxid_sun" and reply.text == "收到"
    assert reminder.kind == "markdown" and reminder.text == "@孙物业 请尽快报送"


async def test_a_groups_robot_webhook_carries_a_real_at_paced_to_its_limit(tmp_path: Path) -> None:
    """A reminder to a group with a robot key arrives as `text` with its mentioned_list; a robot takes
    only so many a minute (here 3 a second), so the connector waits its turn and WeCom's 45009 is never
    hit; a reply still threads to its message; an unknown key is refused; a 45009 is a connection fault."""
    from bot.connectors.base import NotConnected, SendRefused, Watch
    from bot.connectors.wecom import WeComConnector
    from handlers.chat import Incoming, Say

    server = LocalWeCom("bot-w", "s", webhooks={"key-property": "wr-property"}, webhook_limit=(3, 1.0))
    await server.start()

    async def on_incoming(msg: Incoming) -> None:
        return None

    conn = WeComConnector(on_incoming, bot_id="bot-w", secret="s", data_dir=tmp_path, ws_url=server.url,
                          ca_file=server.ca_file, webhooks={"wr-property": "key-property", "wr-grid": "no-such-key"},
                          webhook_url=server.webhook_url, webhook_limit=(3, 1.0))
    try:
        await conn.start()
        await conn.connected(Watch(login_timeout=10))
        started = time.monotonic()
        for i in range(7):
            await conn.send(Say(f"⏰ 提醒{i}", room_id="wr-property", mention_ids=("wxid_sun", "wxid_zhao")))
        took = time.monotonic() - started
        with pytest.raises(SendRefused, match="93000"):
            await conn.send(Say("⏰ 提醒", room_id="wr-grid", mention_ids=("wxid_zhang",)))
        await conn.send(Say("📊 汇总", room_id="wr-officials"))  # no key: markdown as before
        server.webhook_limit = (1, 60.0)  # WeCom counts differently from us: its 45009 holds the message
        with pytest.raises(NotConnected, match="45009"):
            await conn.send(Say("⏰ 又一条", room_id="wr-property", mention_ids=("wxid_sun",)))
    finally:
        await conn.stop()
        await server.stop()
    hooks = [s for s in server.sent if s.kind == "webhook"]
    assert [s.text for s in hooks] == [f"⏰ 提醒{i}" for i in range(7)]
    assert all(s.chat_id == "wr-property" and s.mentioned == ("wxid_sun", "wxid_zhao") for s in hooks)
    assert took >= 2.0 and server.rate_limited == 1  # paced: 3 a second, never refused until the limit changed
    assert [s.kind for s in server.sent if s.kind != "webhook"] == ["markdown"]
