"""Messages through the full in-process path: puppet event -> real wechaty.Wechaty -> Incoming ->
router -> storage -> receipt queued in the outbox (SQLite). Prints throughput and latency.

Run: python -m bench.pipeline
Targets (issue 3): >= 500 messages/s; p99 <= 50 ms at 100 messages/s offered. Latency is from the
puppet's event to the receipt queued (stored) by the intake's worker thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot import runtime as rt
from bot.clock import FakeClock
from bot.config import UnitSpec, load_config
from bot.connectors.wechaty import shared_cache_dir
from bot.connectors.local import LocalPuppet
from bot.outbox import Pacing
from handlers.chat import Action, Incoming

ROOT = Path(__file__).resolve().parent.parent
UNITS = 100


async def measure(n: int, rate: float | None) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(ROOT / "config.yaml")
        extra = [UnitSpec(name=f"测试小区{k}", kind="property", parent="金山街道") for k in range(UNITS)]
        cfg = cfg.model_copy(update={"data_dir": Path(tmp), "database_url": None, "units": [*cfg.units, *extra]})
        engine = rt.open_database(cfg, migrate=True)
        puppet = LocalPuppet()
        puppet.add_contact("wxid_wang_cuiyuan", "王经理")
        puppet.add_room("room-property", "金山街道物业小区防控群", ["wxid_wang_cuiyuan"])
        clock = FakeClock(dt.datetime(2020, 2, 26, 8, 40, tzinfo=cfg.tz))
        pacing = Pacing(per_sender_per_hour=10**9, per_room_per_hour=10**9)  # one sender: no flood budget here
        runtime = await rt.start(cfg, clock, engine=engine, puppet=puppet, pacing=pacing, cache_dir=shared_cache_dir())
        await puppet.login()
        await rt.login(runtime)
        posted: dict[str, float] = {}
        latencies: list[float] = []
        handle = runtime.intake.handle

        def timed(msg: Incoming) -> tuple[str, list[Action]]:  # in the intake's worker thread
            result = handle(msg)
            latencies.append(time.perf_counter() - posted[msg.message_id])  # the receipt is queued
            return result

        runtime.intake.handle = timed
        start = time.perf_counter()
        for i in range(n):  # every message a new report: UNITS units x 31 days
            day = dt.date(2020, 2, 26) - dt.timedelta(days=i % 31)
            text = f"小区：测试小区{i // 31 % UNITS}\n测温：{300 + i % 100}人\n体温异常：0\n消杀：是\n日期：{day}"
            mid = f"b{rate}-{i}"  # wechaty de-duplicates ids process-wide
            posted[mid] = time.perf_counter()
            await puppet.post("room-property", "wxid_wang_cuiyuan", text, message_id=mid)
            await asyncio.sleep(0)
            if rate:
                await asyncio.sleep(max(0.0, start + (i + 1) / rate - time.perf_counter()))
        while len(latencies) < n:
            await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - start
        await runtime.stop()
        engine.dispose()
        return n / elapsed, latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


def main() -> None:
    phase = sys.argv[1] if len(sys.argv) > 1 else ""
    if phase == "throughput":
        rate, _ = asyncio.run(measure(2000, None))
        print(f"throughput: {rate:,.0f} messages/s (2,000 reports, each stored and its receipt queued; SQLite)")
    elif phase == "latency":
        _, lat = asyncio.run(measure(1000, 100.0))
        print(f"latency at 100 messages/s offered: p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms")
    else:
        rate, _ = asyncio.run(measure(2000, None))
        print(f"throughput: {rate:,.0f} messages/s (2,000 reports, each stored and its receipt queued; SQLite)")
        _, lat = asyncio.run(measure(1000, 100.0))
        print(f"latency at 100 messages/s offered: p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms")


if __name__ == "__main__":
    main()
