"""`wxbot backup` while the database is in use, with rotation; `wxbot status` for monitoring."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import CONFIG, PG_URL


def wxbot(data: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("WECHATY_", "WXBOT_"))}
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir", str(data), *args],
                          capture_output=True, text=True, env={**base, **(env or {})}, check=False, timeout=120)


def test_backup_copies_a_database_in_use_and_keeps_the_newest(tmp_path: Path) -> None:
    data, backups = tmp_path / "data", tmp_path / "backups"
    assert wxbot(data, "db", "upgrade").returncode == 0
    writer = sqlite3.connect(data / "wxbot.db")  # another connection mid-transaction, as the running bot
    writer.execute("BEGIN")
    writer.execute("UPDATE unit SET aliases = aliases")
    try:
        for stamp in ("20200101-000000", "20200102-000000", "20200103-000000"):  # older backups
            (backups / f"wxbot-{stamp}.db").parent.mkdir(exist_ok=True)
            (backups / f"wxbot-{stamp}.db").write_bytes(b"old")
        done = wxbot(data, "backup", "--to", str(backups), "--keep", "2")
    finally:
        writer.rollback()
        writer.close()
    assert done.returncode == 0, done.stderr
    kept = sorted(p.name for p in backups.iterdir())
    assert len(kept) == 2 and kept[0] == "wxbot-20200103-000000.db" and "removed 2 older" in done.stdout
    copy = sqlite3.connect(backups / kept[1])
    try:
        assert copy.execute("SELECT count(*) FROM unit").fetchone()[0] == 8  # a whole, readable database
    finally:
        copy.close()
    assert oct((backups / kept[1]).stat().st_mode & 0o777) == "0o600"


def test_backup_of_postgresql_is_a_pg_dump(tmp_path: Path) -> None:
    if not PG_URL:
        import pytest

        pytest.skip("WXBOT_TEST_DATABASE_URL not set")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG.read_text(encoding="utf-8") + f"\ndatabase_url: {PG_URL}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHATY_", "WXBOT_"))}
    run = [sys.executable, "-m", "bot", "--config", str(cfg)]
    subprocess.run([*run, "db", "upgrade"], check=True, capture_output=True, env=env)
    done = subprocess.run([*run, "backup", "--to", str(tmp_path / "b")], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    (dump,) = (tmp_path / "b").glob("wxbot-*.dump")
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format


def test_status_exits_1_when_an_account_is_down(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert wxbot(data, "db", "upgrade").returncode == 0
    status = wxbot(data, "status")
    assert status.returncode == 1 and "异常账号：default" in status.stdout and "没有运行中的进程" in status.stdout


def test_status_exits_1_when_a_live_logged_in_process_has_a_dead_loop(tmp_path: Path) -> None:
    """A process alive and logged in whose send loop keeps failing is not 'up'."""
    import datetime as dt

    from sqlmodel import Session

    from storage import processes
    from storage.db import make_engine

    data = tmp_path / "data"
    assert wxbot(data, "db", "upgrade").returncode == 0
    engine = make_engine(f"sqlite:///{data / 'wxbot.db'}")
    now = dt.datetime.now(dt.timezone.utc)
    with Session(engine) as s:
        processes.register(s, name="host:1:abc", account="default", now=now)
        processes.beat(s, name="host:1:abc", now=now, logged_in=True, last_event_at=now,
                       problem="outbox loop failing for 40 s: OperationalError: database is locked")
        s.commit()
    engine.dispose()
    status = wxbot(data, "status")
    assert status.returncode == 1 and "outbox loop failing" in status.stdout
