"""Soak: 100 messages/s for ten minutes through the in-process Wechaty path, the desk read every
second, eight clients hammering the login with wrong passwords for half a minute, and a district
one-year export in the middle. Prints throughput, message -> receipt queued
latency (p50/p99/max), event-loop lag (p99/max), RSS at start and end, and the counts that must
add up: messages in = answered + silent, receipts queued = receipts sent.

Run: python -m bench.soak [--seconds 600] [--rate 100] [--every 60] [--tracemalloc 15]
     (a benchmark: prints, asserts nothing; RSS is printed every --every seconds)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from sqlmodel import Session, func, select

from bot import runtime as rt
from bot.clock import SystemClock
from bot.config import UnitSpec, WebAccount, load_config
from bot.connectors.local import LocalPuppet
from bot.connectors.wechaty import shared_cache_dir
from bot.outbox import Pacing
from bot.web.app import make_app
from bot.web.auth import hash_password
from handlers.chat import Action, Incoming
from storage.models import OutboxMessage, Report

ROOT = Path(__file__).resolve().parent.parent
UNITS = 300
ROOM = "room-property"


def trim(puppet: LocalPuppet, keep: int = 1000) -> None:
    """Forget all but the newest payloads the puppet served, and what it recorded as sent (the
    counts come from the database)."""
    for mid in list(puppet.messages)[:-keep]:
        del puppet.messages[mid]
    puppet.sent.clear()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def message(i: int, today: dt.date) -> tuple[str, str]:
    """(sender, text): mostly reports (new, or a correction), some chit-chat, some near-reports."""
    unit = i % UNITS
    sender = f"wxid_soak_{unit}"
    match i % 10:
        case 7:
            return sender, "收到，马上报"
        case 8:
            return sender, f"测温{300 + i % 50}"
        case _:
            day = today - dt.timedelta(days=(i // UNITS) % 30)
            return sender, f"小区：测试小区{unit}\n测温：{300 + i % 97}人\n体温异常：0\n消杀：是\n日期：{day}"


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values[0] if values else 0.0)


async def soak(seconds: float, rate: float, every: float = 60.0, trace: int = 0) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(ROOT / "config.yaml")
        extra = [UnitSpec(name=f"测试小区{k}", kind="property", parent="金山街道") for k in range(UNITS)]
        account = WebAccount(username="soak", password_hash=hash_password("soak-password"))
        cfg = cfg.model_copy(update={"data_dir": Path(tmp), "database_url": None, "units": [*cfg.units, *extra],
                                     "web": cfg.web.model_copy(update={"accounts": [account]})})
        engine = rt.open_database(cfg, migrate=True)
        puppet = LocalPuppet()
        senders = [f"wxid_soak_{k}" for k in range(UNITS)]
        for s in senders:
            puppet.add_contact(s, s)
        puppet.add_room(ROOM, "金山街道物业小区防控群", senders)
        clock = SystemClock(cfg.tz)
        pacing = Pacing(min_gap=0.0, max_gap=0.001, daily_cap=10**9, per_sender_per_hour=10**9,
                        per_room_per_hour=10**9)
        runtime = await rt.start(cfg, clock, engine=engine, puppet=puppet, pacing=pacing, cache_dir=shared_cache_dir())
        await puppet.login()
        await rt.login(runtime)
        runtime.tasks.append(asyncio.create_task(runtime.outbox.run()))
        posted: dict[str, float] = {}
        latencies: list[float] = []
        routes: dict[str, int] = {}
        handle = runtime.intake.handle

        def timed(msg: Incoming) -> tuple[str, list[Action]]:
            route, actions = handle(msg)
            latencies.append(time.perf_counter() - posted.pop(msg.message_id, time.perf_counter()))
            key = "answered" if actions else "silent"
            routes[key] = routes.get(key, 0) + 1
            return route, actions

        runtime.intake.handle = timed
        lags: list[float] = []
        stop = asyncio.Event()

        samples: list[tuple[float, float]] = []

        async def sampler() -> None:  # RSS every `every` seconds: the curve, not two points
            t0 = time.perf_counter()
            while not stop.is_set():
                samples.append((time.perf_counter() - t0, rss_mb()))
                print(f"  {samples[-1][0] / 60:5.1f} min  RSS {samples[-1][1]:6.0f} MB", flush=True)
                try:
                    await asyncio.wait_for(stop.wait(), every)
                except TimeoutError:
                    pass

        async def ticker() -> None:
            while not stop.is_set():
                t0 = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append(time.perf_counter() - t0 - 0.01)

        async def fetch(session: aiohttp.ClientSession, method: str, path: str, **kw: object) -> bytes:
            """A request whose response is read and let go (aiohttp's TestClient keeps every response
            until it closes: 27 MB in four minutes that are the bench's, not the bot's)."""
            async with session.request(method, f"{base}{path}", **kw) as resp:  # type: ignore[arg-type]
                return await resp.read()

        async def desk(c: aiohttp.ClientSession) -> int:
            n = 0
            while not stop.is_set():
                await fetch(c, "GET", f"/?date={clock.now().date()}")
                await fetch(c, "GET", f"/api/days/{clock.now().date()}")
                n += 2
                await asyncio.sleep(1)
            return n

        rss_start = rss_mb()
        server = TestServer(make_app(cfg, engine, clock))
        await server.start_server()
        base = str(server.make_url("")).rstrip("/")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as c:
            page = (await fetch(c, "GET", "/login")).decode()
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            await fetch(c, "POST", "/login", data={"csrf": token, "username": "soak", "password": "soak-password"})
            tick = asyncio.create_task(ticker())
            sampling = asyncio.create_task(sampler())
            if trace:
                tracemalloc.start(1)
                first_snapshot: list[tracemalloc.Snapshot] = []
            reader = asyncio.create_task(desk(c))
            export_s: list[float] = []

            async def export() -> None:
                await asyncio.sleep(seconds / 2)
                t0 = time.perf_counter()
                today = clock.now().date()
                await fetch(c, "GET", f"/export.xlsx?from={today - dt.timedelta(days=365)}&to={today}")
                export_s.append(time.perf_counter() - t0)

            exporting = asyncio.create_task(export())
            logins = [0]

            async def hammer() -> None:  # eight clients trying wrong passwords for half a minute
                await asyncio.sleep(seconds / 3)
                async def one() -> None:
                    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
                        end = time.perf_counter() + min(30.0, seconds / 3)
                        while time.perf_counter() < end:
                            page = (await fetch(other, "GET", "/login")).decode()
                            tok = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
                            await fetch(other, "POST", "/login",
                                        data={"csrf": tok, "username": "soak", "password": "wrong"})
                            logins[0] += 1
                await asyncio.gather(*(one() for _ in range(8)))

            hammering = asyncio.create_task(hammer())
            start, n = time.perf_counter(), 0
            today = clock.now().date()
            while time.perf_counter() - start < seconds:
                sender, text = message(n, today)
                mid = f"soak-{start}-{n}"
                posted[mid] = time.perf_counter()
                await puppet.post(ROOM, sender, text, message_id=mid)
                n += 1
                if n % 1000 == 0:  # the in-process puppet stands in for the gateway (another process in
                    trim(puppet)   # production): what it keeps is not the bot's memory
                if trace and not first_snapshot and time.perf_counter() - start > 120:
                    first_snapshot.append(tracemalloc.take_snapshot())
                await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            elapsed = time.perf_counter() - start
            await exporting
            await hammering
            await runtime.settle()
            while True:  # every receipt out
                with Session(engine) as s:
                    waiting = s.exec(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.status.in_(["queued", "sending"]))).one()  # type: ignore[attr-defined]
                if not waiting:
                    break
                await asyncio.sleep(0.2)
            stop.set()
            reads = await reader
            await tick
            await sampling
            if trace and first_snapshot:
                growth = tracemalloc.take_snapshot().compare_to(first_snapshot[0], "lineno")
                print("tracemalloc: growth since minute 2 (Python allocations)")
                for stat in growth[:trace]:
                    print(f"  {stat}")
                tracemalloc.stop()
        with Session(engine) as s:
            queued = s.exec(select(func.count()).select_from(OutboxMessage)).one()
            sent = s.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")).one()
            reports = s.exec(select(func.count()).select_from(Report)).one()
        rss_end = rss_mb()
        await server.close()
        await runtime.stop()
        engine.dispose()
    ms = [x * 1000 for x in latencies]
    lag = [x * 1000 for x in lags]
    print(f"soak: {n} messages in {elapsed:.0f} s = {n / elapsed:.1f} messages/s offered {rate:g}/s "
          f"(reports, corrections, near-reports, chit-chat), desk read {reads} times, "
          f"a one-year district export in {export_s[0]:.1f} s, {logins[0]} wrong logins from 8 clients")
    print(f"message -> receipt queued: p50 {pct(ms, 50):.1f} ms, p99 {pct(ms, 99):.1f} ms, max {max(ms):.0f} ms")
    print(f"event-loop lag: p99 {pct(lag, 99):.1f} ms, max {max(lag):.0f} ms")
    print(f"RSS: {rss_start:.0f} MB at start, {rss_end:.0f} MB at the end; samples: "
          + ", ".join(f"{m / 60:.0f}:{r:.0f}" for m, r in samples))
    late = [r for m, r in samples if m >= 120]
    if len(late) >= 2:
        print(f"RSS after warm-up (2 min on): {min(late):.0f}–{max(late):.0f} MB, spread {100 * (max(late) - min(late)) / min(late):.0f}%")
    print(f"counts: messages in {n} = answered {routes.get('answered', 0)} + silent {routes.get('silent', 0)}; "
          f"reports stored {reports}; receipts queued {queued} = sent {sent}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--rate", type=float, default=100.0, help="messages a second (a district's busiest: 20)")
    ap.add_argument("--every", type=float, default=60.0, help="seconds between RSS samples")
    ap.add_argument("--tracemalloc", type=int, default=0, metavar="N",
                    help="print the N lines whose Python allocations grew most after minute 2")
    args = ap.parse_args()
    asyncio.run(soak(args.seconds, args.rate, args.every, args.tracemalloc))


if __name__ == "__main__":
    main()
