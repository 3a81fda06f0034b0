"""`wxbot demo`: a morning in four groups, played through the real Wechaty object and the in-process
puppet on a fake clock, printed as a transcript. The bot's lines are what the handlers produced."""

from __future__ import annotations

import asyncio
import io
import datetime as dt
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from bot import runtime as rt
from bot.clock import FakeClock
from bot.config import Config
from bot.connectors.wechaty import shared_cache_dir
from bot.connectors.local import BOT_NAME, LocalPuppet
from bot.outbox import Pacing
from sqlalchemy import Engine

ROOMS = {
    "room-property": "金山街道物业小区防控群",
    "room-construction": "在建工地复工报备群",
    "room-grid": "金山街道网格员群",
    "room-officials": "住建局疫情防控领导小组",
}
PEOPLE = {
    "wxid_wang_cuiyuan": "王经理", "wxid_li_yangguang": "李主任", "wxid_zhao_jinxiu": "赵管家",
    "wxid_sun_xingfu": "孙物业", "wxid_chen_binjiang": "陈工", "wxid_liu_yizhong": "刘经理",
    "wxid_zhang_grid": "张网格员", "wxid_huang_grid": "黄网格员", "wxid_admin_zhou": "周科长",
    "wxid_liu_huaqiang": "刘总", "wxid_he_jincheng": "何经理",
}
# ("HH:MM", room, sender, text); sender None means: the scheduler's clock reaches that time; room
# "private" means the sender writes to the bot privately
SCRIPT: list[tuple[str, str | None, str | None, str]] = [
    ("08:30", None, None, "prompts"),
    ("08:40", "room-property", "wxid_wang_cuiyuan", "小区：翠园小区\n测温：356人\n体温异常：无\n消杀：✅\n口罩：800"),
    ("08:43", "room-property", "wxid_li_yangguang",
     "【阳光花园防控日报】2月26日\n1、今日测温人数：２１０人\n2、外来人员登记：十二人\n3、体温异常：1\n4、公共区域已消毒✅\n5、口罩库存300个，消毒液150桶"),
    ("08:45", "room-property", "wxid_zhao_jinxiu", "锦绣华庭 测温98人 消杀：是"),
    ("08:46", "room-property", "wxid_zhao_jinxiu", "收到，马上补"),
    ("08:48", "room-property", "wxid_zhao_jinxiu", "锦绣华庭 测温98人 体温异常0 已消杀"),
    ("08:50", "room-property", "wxid_wang_cuiyuan", "小区：翠园小区\n测温：360人\n体温异常：无\n消杀：✅\n口罩：800"),
    ("08:52", "room-property", "wxid_sun_xingfu", "小区：幸福里\n测温：若干\n体温异常：0\n消杀：是"),
    ("08:55", "room-construction", "wxid_chen_binjiang",
     "项目：滨江壹号\n复工情况：已复工✅\n在岗人数：120人\n外地返岗：30\n核酸检测：120\n体温异常：0"),
    ("08:58", "room-construction", "wxid_chen_binjiang",
     "复工报备\n项目名称：滨江壹号项目\n施工单位：中建某局\n计划复工日期：3月2日\n复工人数：120人\n防控方案：有\n"
     "负责人：张三\n联系电话：13812345678"),
    ("09:00", "room-grid", "wxid_zhang_grid", "网格：翠园网格\n走访户数为35户\n排查人数120\n发现问题2个，已整改1个\n发热0"),
    ("09:02", "room-grid", "wxid_huang_grid", "今天走访了吗？"),
    ("09:14", "room-property", "wxid_admin_zhou", "进度"),
    ("09:30", None, None, "reminders"),
    ("10:00", None, None, "escalation"),
    ("10:20", "room-property", "wxid_sun_xingfu", "小区：幸福里小区\n测温：88人\n体温异常：0\n消杀：是"),
    ("10:25", "room-construction", "wxid_liu_yizhong", "复工日报 市一中迁建工程\n状态：待复工，在岗人数8，发热0"),
    ("11:00", "room-property", "wxid_admin_zhou", "交办：翠园小区 3栋垃圾未清运，限2月28日前整改 @王经理"),
    ("11:05", "room-property", "wxid_wang_cuiyuan", "问题"),
    ("11:30", "room-officials", "wxid_admin_zhou", "通知 全部 请各单位今天17:00前完成公共区域全面消杀，明日日报中报送消杀情况"),
    ("11:34", "room-property", "wxid_wang_cuiyuan", "收到"),
    ("11:36", "room-property", "wxid_li_yangguang", "阳光花园收到，马上落实"),
    ("11:40", "room-construction", "wxid_chen_binjiang", "👌"),
    ("11:45", "room-grid", "wxid_zhang_grid", "收到"),
    ("11:48", "room-officials", "wxid_admin_zhou", "通知 物业公司 请各物业公司本周五前上报所管小区的防疫物资需求"),
    ("11:49", "private", "wxid_liu_huaqiang", "收到"),
    ("11:50", "room-officials", "wxid_admin_zhou", "入库 口罩5000 消毒液150桶 体温枪30"),
    ("11:52", "room-officials", "wxid_admin_zhou", "发放 阳光花园小区 口罩500 消毒液5桶"),
    ("11:58", "room-property", "wxid_li_yangguang", "已领取"),
    ("14:00", None, None, "notice reminder"),
    ("14:10", "room-property", "wxid_zhao_jinxiu", "锦绣华庭收到"),
    ("15:00", None, None, "grid prompt"),
    ("15:20", "room-grid", "wxid_huang_grid", "40，150"),
    ("15:22", "room-grid", "wxid_huang_grid", "3，3，0"),
    ("16:30", "room-property", "wxid_wang_cuiyuan", "整改 #1 已完成，垃圾已清运"),
    ("16:31", "room-property", "wxid_wang_cuiyuan", "[图片]"),
    ("17:00", None, None, "grid reminder"),
    ("18:00", None, None, "daily summary"),
]


@dataclass
class Line:
    time: dt.datetime
    room: str
    speaker: str
    text: str
    bot: bool


async def play(cfg: Config, data_dir: Path) -> list[Line]:
    cfg = cfg.model_copy(update={"data_dir": data_dir, "database_url": None})
    engine = rt.open_database(cfg, migrate=True)
    puppet = LocalPuppet()
    for cid, name in PEOPLE.items():
        puppet.add_contact(cid, name)
    for room_id, topic in ROOMS.items():
        puppet.add_room(room_id, topic, list(PEOPLE))
    day = dt.date(2020, 2, 26)
    clock = FakeClock(dt.datetime.combine(day, dt.time(8, 0), cfg.tz))
    runtime = await rt.start(cfg, clock, engine=engine, puppet=puppet, pacing=Pacing(), cache_dir=shared_cache_dir())
    seed_register(engine, day, clock.now())
    await puppet.login()
    await asyncio.wait_for(rt.login(runtime), 10)
    runtime.scheduler.tick()  # nothing due at 08:00: sets the scheduler's starting point
    lines: list[Line] = []
    for hhmm, room, who, text in SCRIPT:
        clock.set(max(clock.now(), dt.datetime.combine(day, dt.time.fromisoformat(hhmm), cfg.tz)))
        before = len(puppet.sent)
        runtime.scheduler.tick()  # as the live loop does: whatever is due by now goes out first
        if who is not None:
            assert room is not None
            where = None if room == "private" else room
            lines.append(Line(clock.now(), where or who, PEOPLE[who], text, bot=False))
            ts = int(clock.now().timestamp() * 1000)
            if text == "[图片]":
                await puppet.post_image(room, who, demo_photo(), name="after.jpg", timestamp_ms=ts)
            else:
                mentions = [cid for cid, name in PEOPLE.items() if f"@{name}" in text]
                await puppet.post(where, who, text, mention_ids=mentions, timestamp_ms=ts)
            for _ in range(5):
                await asyncio.sleep(0)
            await runtime.settle()
        when = clock.now()
        await runtime.outbox.drain()
        for sent in puppet.sent[before:]:
            lines.append(Line(when, sent.conversation_id, BOT_NAME, sent.text or f"[文件] {sent.file_name}", bot=True))
    await runtime.stop()
    engine.dispose()
    return lines


def seed_register(engine: Engine, day: dt.date, now: dt.datetime) -> None:
    """滨江壹号项目's returning workers, as `wxbot workers import` would have filed them: 120 back, 118
    tested so far (its report says 核酸120: flagged), two whose 14-day observation ends today."""
    from sqlmodel import Session

    from storage import queries
    from storage import workers as register
    from storage.workers import WorkerRow

    with Session(engine) as s:
        site = next((u for u in queries.units_of_kind(s, kind="construction") if u.name == "滨江壹号项目"), None)
        if site is None or site.id is None:
            return
        for i in range(120):
            back = day - dt.timedelta(days=14 if i < 2 else 1 + i % 10)
            tested = back + dt.timedelta(days=1) if i < 118 else None
            row = WorkerRow(f"施工人员{i + 1:03d}", "", "", "湖南邵阳" if i % 2 else "四川达州", back, tested,
                            "阴性" if tested else "", True)
            register.upsert(s, unit_id=site.id, row=row, source="demo", now=now)
        s.commit()


def demo_photo() -> bytes:
    """A real (tiny) JPEG, so the desk shows a picture where the demo's rectification photo is."""
    from PIL import Image, ImageDraw  # pillow comes with matplotlib (charts)

    img = Image.new("RGB", (160, 120), (196, 214, 180))
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 50, 140, 110), fill=(120, 130, 120))
    draw.rectangle((60, 20, 100, 50), fill=(90, 140, 70))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def print_transcript(lines: list[Line], console: Console) -> None:
    private = {ln.room: f"私聊：{PEOPLE[ln.room]}" for ln in lines if ln.room in PEOPLE}
    for room_id, topic in {**ROOMS, **private}.items():
        console.print(Rule(f"[bold]{topic}[/bold]"))
        for line in (ln for ln in lines if ln.room == room_id):
            who = Text(f"{line.time:%H:%M} {line.speaker}：", style="bold green" if line.bot else "bold cyan")
            body = Text(line.text, style="green" if line.bot else "")
            console.print(who)
            console.print(body, soft_wrap=True)
        console.print()


DEMO_MARK = ".wxbot-demo"
DEMO_FILES = ("wxbot.db", "wxbot.db-wal", "wxbot.db-shm", "web_secret.key", "spool", "photos", "exports", ".wechaty")


def fresh_keep(keep: Path) -> str | None:
    """The demo always plays the same day on an empty database: a directory it made before is
    emptied of its data (accounts made there go too); anything else holding a database is refused."""
    if (keep / "wxbot.db").exists() and not (keep / DEMO_MARK).exists():
        return f"{keep} holds a database the demo did not make: choose an empty directory for --keep"
    keep.mkdir(parents=True, exist_ok=True)
    for name in DEMO_FILES:
        path = keep / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return None


def run_demo(cfg: Config, keep: Path | None = None, transport: str = "wechaty") -> int:
    console = Console()
    if transport == "wecom":
        from bot.demo_wecom import play_wecom

        player = play_wecom
    else:
        player = play
    if keep is not None:
        problem = fresh_keep(keep)
        if problem:
            print(f"wxbot: {problem}", file=sys.stderr)
            return 2
        lines = asyncio.run(player(cfg, keep))
        (keep / DEMO_MARK).write_text("made by `wxbot demo --keep`; a second run starts this directory afresh\n")
    else:
        with tempfile.TemporaryDirectory(prefix="wxbot-demo-") as tmp:
            lines = asyncio.run(player(cfg, Path(tmp)))
    print_transcript(lines, console)
    bot_lines = sum(1 for ln in lines if ln.bot)
    console.print(f"[dim]{len(lines) - bot_lines} messages from people, {bot_lines} from the bot "
                  "(receipts, prompts, reminders, escalation, summary).[/dim]")
    if keep is not None:
        console.print(f"[dim]Database kept in {keep}: wxbot --data-dir {keep} summary --date 2020-02-26[/dim]")
    return 0
