"""`wxbot vocab list|remove`: what admins taught, from the command line."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session

from storage import schema, vocab
from storage.db import make_engine
from tests.conftest import CONFIG, ROOT


def _wxbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir",
                           str(tmp_path), *args], capture_output=True, text=True, check=False)


def test_list_and_remove_taught_labels(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wxbot.db'}")
    schema.upgrade(engine)
    now = dt.datetime(2020, 2, 26, 9, tzinfo=dt.timezone.utc)
    with Session(engine) as s:
        vocab.teach(s, template="property_daily", alias="门岗查验", field_key="residents_screened", by="wxid_admin_zhou",
                    now=now)
        s.commit()
        before = vocab.stamp(s)
    listed = _wxbot(tmp_path, "vocab", "list")
    assert listed.returncode == 0, listed.stderr
    assert "property_daily\t门岗查验\t= 测温人数 (residents_screened)\tby wxid_admin_zhou on 2020-02-26" in listed.stdout
    removed = _wxbot(tmp_path, "vocab", "remove", "门岗查验")
    assert removed.returncode == 0 and "removed 1" in removed.stdout
    missing = _wxbot(tmp_path, "vocab", "remove", "门岗查验")
    assert missing.returncode == 2 and "no taught label" in missing.stderr
    with Session(engine) as s:
        assert vocab.list_aliases(s) == [] and vocab.stamp(s) > before  # every process re-reads
    engine.dispose()
