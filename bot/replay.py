"""`wxbot replay FILE`: a bureau tries the bot on its own groups' history before going live.

FILE is a chat history, CSV or JSON lines, one message a row: its time, the room (topic or id), the
sender (id and/or name) and the text. The messages are played in time order through the real bot
(the real Wechaty object, the in-process puppet) on a fake clock and a throw-away database, and the
transcript shows what the bot would have answered; then a tally. Schedules (prompts, reminders,
summaries) are not played: the replay is about reading what people posted.

Header names are matched case-insensitively; the columns of common exports are accepted (留痕/WeChatMsg:
StrTime or CreateTime, NickName (the chat's name), Sender, StrContent, Type — rows whose Type is not 1,
text, are skipped)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.text import Text
from sqlmodel import Session, col, select

from bot import runtime as rt
from bot.clock import FakeClock
from bot.config import Config
from bot.connectors.local import LocalPuppet
from bot.connectors.wechaty import shared_cache_dir
from bot.outbox import Pacing
from storage.models import Report

COLUMNS: dict[str, tuple[str, ...]] = {
    "time": ("time", "datetime", "date", "timestamp", "时间", "发送时间", "消息时间", "strtime", "createtime"),
    "room": ("room", "room_topic", "topic", "room_id", "chatroom", "conversation", "talker", "talkerid", "群", "群名",
             "群聊", "群聊名称", "会话", "会话名称"),
    "sender_id": ("sender_id", "sender", "wxid", "from", "talker_id", "发送者id", "发送人id", "发送者微信号"),
    "sender_name": ("sender_name", "name", "nickname", "remark", "发送者", "发送人", "昵称", "群昵称", "发送者昵称"),
    "text": ("text", "content", "message", "msg", "strcontent", "内容", "消息内容", "消息", "文本"),
}
TEXT_TYPES = ("", "1", "text", "文本")  # a Type column, where there is one: only text is read


class HistoryError(ValueError):
    """The history file cannot be read: one line for the operator."""


@dataclass(frozen=True, slots=True)
class Said:
    time: dt.datetime
    room: str
    sender_id: str
    sender_name: str
    text: str


def _column(header: list[str], key: str) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    return next((lowered[name] for name in COLUMNS[key] if name in lowered), None)


def _time(raw: str, tz: dt.tzinfo) -> dt.datetime:
    raw = raw.strip()
    if raw.isdigit():  # seconds or milliseconds since 1970
        n = int(raw)
        return dt.datetime.fromtimestamp(n / 1000 if n > 10**11 else n, tz)
    when = dt.datetime.fromisoformat(raw.replace("/", "-"))
    return when if when.tzinfo else when.replace(tzinfo=tz)


def _rows(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".jsonl", ".json") or text.lstrip().startswith("{"):
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append({k: "" if v is None else str(v) for k, v in json.loads(line).items()})
                except (ValueError, AttributeError) as exc:
                    raise HistoryError(f"{path.name} line {n}: not a JSON object ({exc})") from None
        return rows
    return list(csv.DictReader(io.StringIO(text)))


def read_history(path: Path, tz: dt.tzinfo) -> list[Said]:
    rows = _rows(path)
    if not rows:
        raise HistoryError(f"{path.name} holds no messages")
    header = list(rows[0])
    cols = {key: _column(header, key) for key in COLUMNS}
    lowered = {h.strip().lower(): h for h in header}
    if {"strcontent", "nickname", "sender"} <= set(lowered):  # 留痕 (WeChatMsg): NickName is the chat's name
        cols.update(room=lowered["nickname"], sender_id=lowered["sender"], sender_name=None)
    for key in ("time", "room", "text"):
        if cols[key] is None:
            raise HistoryError(f"{path.name}: no {key} column (one of: {', '.join(COLUMNS[key][:6])} …)")
    if cols["sender_id"] is None and cols["sender_name"] is None:
        raise HistoryError(f"{path.name}: no sender column (sender_id or sender_name)")
    kind = next((h for h in header if h.strip().lower() in ("type", "类型", "消息类型")), None)
    out = []
    for n, row in enumerate(rows, 2):
        if kind is not None and row.get(kind, "").strip().lower() not in TEXT_TYPES:
            continue
        text = row.get(cols["text"] or "", "")
        if not text.strip():
            continue
        try:
            when = _time(row[cols["time"] or ""], tz)
        except (ValueError, OverflowError, OSError):
            raise HistoryError(f"{path.name} row {n}: time '{row[cols['time'] or '']}' is not a time") from None
        name = row.get(cols["sender_name"] or "", "") or row.get(cols["sender_id"] or "", "")
        sender = row.get(cols["sender_id"] or "", "") or f"replay_{name}"
        out.append(Said(when, row[cols["room"] or ""].strip(), sender.strip(), name.strip(), text))
    return sorted(out, key=lambda s: s.time)


@dataclass
class Played:
    said: Said
    route: str
    answers: list[str]
    stored: int  # reports stored from this message


@dataclass
class Tally:
    messages: int = 0
    reports_by_kind: Counter[str] = field(default_factory=Counter)
    receipts: int = 0  # messages answered with what was stored
    asks: int = 0  # messages answered with what is missing or not found
    other_answers: int = 0  # commands, problems, teaching: answers to what is not a report
    wrong_answers: int = 0  # answered as a report attempt but nothing stored and nothing asked (should be 0)
    silences: int = 0
    outside: int = 0  # in a room that is no configured group

    def lines(self) -> list[str]:
        kinds = "，".join(f"{k} {v}" for k, v in sorted(self.reports_by_kind.items())) or "无"
        return [f"消息 {self.messages} 条：已登记报送 {sum(self.reports_by_kind.values())} 份（{kinds}）",
                f"  回执 {self.receipts}，请补充/核对 {self.asks}，其他回复（命令、交办等）{self.other_answers}，"
                f"非报送却被当作报送回复 {self.wrong_answers}，不回复 {self.silences}"
                + (f"（其中 {self.outside} 条不在已配置的群）" if self.outside else "")]


REPORT_ROUTES = ("report", "jielong", "prompt answer")


def _outcome(p: Played, tally: Tally) -> None:
    tally.messages += 1
    if not p.answers:
        tally.silences += 1
    elif p.stored or (p.route in REPORT_ROUTES and any("✅" in a for a in p.answers)):
        tally.receipts += 1
    elif p.route in REPORT_ROUTES and any(w in a for a in p.answers for w in ("未登记", "❓", "请补充", "未能读取", "没有读出")):
        tally.asks += 1
    elif p.route in REPORT_ROUTES:
        tally.wrong_answers += 1
    else:
        tally.other_answers += 1


async def play(cfg: Config, history: list[Said], data_dir: Path) -> tuple[list[Played], Tally]:
    cfg = cfg.model_copy(update={"data_dir": data_dir, "database_url": None})
    engine = rt.open_database(cfg, migrate=True)
    puppet = LocalPuppet()
    people = {s.sender_id: s.sender_name for s in history}
    for cid, name in people.items():
        puppet.add_contact(cid, name)
    rooms = {topic: f"replay-room-{i}" for i, topic in enumerate(dict.fromkeys(s.room for s in history))}
    for topic, room_id in rooms.items():
        puppet.add_room(room_id, topic, list(people))
    clock = FakeClock(history[0].time - dt.timedelta(minutes=1))
    runtime = await rt.start(cfg, clock, engine=engine, puppet=puppet, pacing=Pacing(daily_cap=10**9),
                             cache_dir=shared_cache_dir())
    routes: list[str] = []
    runtime.intake.on_handled = routes.append
    await puppet.login()
    await asyncio.wait_for(rt.login(runtime), 10)
    played, tally = [], Tally()
    configured = {g.topic for g in cfg.groups} | {g.room for g in cfg.groups}
    try:
        for said in history:
            clock.set(max(clock.now(), said.time))
            before, handled = len(puppet.sent), len(routes)
            message_id = await puppet.post(rooms[said.room], said.sender_id, said.text,
                                           timestamp_ms=int(said.time.timestamp() * 1000))
            for _ in range(5):
                await asyncio.sleep(0)
            await runtime.settle()
            await runtime.outbox.drain()
            with Session(engine) as s:
                stored = len(s.exec(select(Report).where(col(Report.source_message_id).startswith(message_id))).all())
            route = routes[handled] if len(routes) > handled else "none"
            p = Played(said, route, [m.text or f"[文件] {m.file_name}" for m in puppet.sent[before:]], stored)
            played.append(p)
            _outcome(p, tally)
            tally.outside += said.room not in configured
        with Session(engine) as s:
            tally.reports_by_kind.update(r.kind for r in s.exec(select(Report).where(Report.status == "ok")))
    finally:
        await runtime.stop()
        engine.dispose()
    return played, tally


def print_transcript(played: list[Played], tally: Tally, console: Console) -> None:
    room = None
    for p in played:
        if p.said.room != room:
            room = p.said.room
            console.print(Rule(f"[bold]{room}[/bold]"))
        console.print(Text(f"{p.said.time:%m-%d %H:%M} {p.said.sender_name}：", style="bold cyan"))
        console.print(Text(p.said.text), soft_wrap=True)
        for answer in p.answers:
            console.print(Text("  ↳ " + answer.replace("\n", "\n    "), style="green"), soft_wrap=True)
    console.print(Rule("[bold]统计[/bold]"))
    for line in tally.lines():
        console.print(line)


def run_replay(cfg: Config, path: Path, keep: Path | None = None) -> int:
    history = read_history(path, cfg.tz)
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        if (keep / "wxbot.db").exists():
            raise HistoryError(f"{keep} already holds a database: choose an empty directory for --keep")
        played, tally = asyncio.run(play(cfg, history, keep))
    else:
        with tempfile.TemporaryDirectory(prefix="wxbot-replay-") as tmp:
            played, tally = asyncio.run(play(cfg, history, Path(tmp)))
    print_transcript(played, tally, Console())
    return 0
