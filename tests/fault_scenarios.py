"""Fault scenarios that must run in a process of their own, printed as JSON for tests/test_faults.py.

    unshare -m python -m tests.fault_scenarios disk_full DIR

disk_full: the data directory is a 6 MB tmpfs in a private mount namespace (a real ENOSPC, root
or not, nothing outside touched); a report arrives while the disk is full, the disk is freed, the
report is stored and answered."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from bot.config import load_config
from storage import queries, schema
from storage.db import make_engine
from sqlmodel import Session
from tests.conftest import CONFIG, ROOT
from tests.e2e import PROPERTY_ROOM, running_bot

REPORT = "小区：翠园小区\n测温：356\n体温异常：0\n消杀：是"


async def disk_full(folder: Path) -> dict[str, object]:
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(folder)], check=True)
    engine = make_engine(f"sqlite:///{folder / 'wxbot.db'}")
    schema.upgrade(engine)
    filler = folder / "filler"
    async with running_bot(load_config(CONFIG), engine, folder) as bot:
        with open(filler, "wb") as f:  # fill the disk to the last byte
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        await bot.puppet.post(PROPERTY_ROOM, "wxid_wang_cuiyuan", REPORT,
                              timestamp_ms=int(bot.clock.now().timestamp() * 1000))
        await asyncio.sleep(3)
        while_full = {"sent": len(bot.puppet.sent), "held": bot.runtime.intake.backlog,
                      "faults": bot.runtime.intake.faults}
        filler.unlink()  # space comes back
        await bot.settle()
        sent = [m.text or "" for m in bot.puppet.sent]
        with Session(engine) as s:
            stored = len(queries.reports_on(s, report_date=bot.clock.now().date()))
    engine.dispose()
    return {"while_full": while_full, "sent": sent, "stored": stored}


if __name__ == "__main__":
    name, folder = sys.argv[1], Path(sys.argv[2])
    result = asyncio.run({"disk_full": disk_full}[name](folder))
    print("RESULT " + json.dumps(result, ensure_ascii=False))
