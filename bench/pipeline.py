"""Messages through the full in-process path: puppet event -> real wechaty.Wechaty -> Incoming ->
router -> storage -> receipt queued in the outbox (SQLite). Prints throughput and latency.

Run: python -m bench.pipeline
Targets (issue 3): >= 500 messages/s; p99 <= 50 ms at 100 messages/s offered.
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
from bot.config import load_config
from bot.connectors.wechaty import shared_cache_dir
from bot.connectors.local import LocalPuppet
from handlers.chat import Incoming

ROOT = Path(__file__).resolve().parent.parent


async def measure(n: int, rate: float | None) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(ROOT / "config.yaml").model_copy(update={"data_dir": Path(tmp), "database_url": None})
        engine = rt.open_database(cfg, migrate=True)
        puppet = LocalPuppet()
        puppet.add_contact("wxid_wang_cuiyuan", "王经理")
        puppet.add_room("room-property", "金山街道物业小区防控群", ["wxid_wang_cuiyuan"])
        clock = FakeClock(dt.datetime(2020, 2, 26, 8, 40, tzinfo=cfg.tz))
        runtime = await rt.start(cfg, clock, engine=engine, puppet=puppet, cache_dir=shared_cache_dir())
        await puppet.login()
        await rt.login(runtime)
        posted: dict[str, float] = {}
        latencies: list[float] = []
        handle = runtime.on_incoming

        async def timed(msg: Incoming) -> None:
            await handle(msg)
            latencies.append(time.perf_counter() - posted[msg.message_id])

        runtime.on_incoming = timed  # type: ignore[method-assign]
        start = time.perf_counter()
        for i in range(n):
            text = f"小区：翠园小区\n测温：{300 + i % 100}人\n体温异常：0\n消杀：是\n日期：{dt.date(2020, 2, 26) - dt.timedelta(days=i)}"
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
