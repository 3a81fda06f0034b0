"""Start-up and file errors are one line and exit 2, for every command that opens the database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CONFIG, ROOT

COMMANDS = [["summary"], ["issues"], ["db", "upgrade"], ["web", "--port", "1"], ["vocab", "list"],
            ["user", "add", "zhou", "--password-stdin"]]


def _config(tmp_path: Path, *, data_dir: str | Path, url: str | None = None) -> Path:
    text = (CONFIG).read_text(encoding="utf-8").replace("data_dir: data", f"data_dir: {data_dir}")
    if url is not None:
        text = text.replace("# database_url: ", f"database_url: {url}  # ")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def _wxbot(cfg: Path, *args: str, wrap: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WECHATY_PUPPET_SERVICE_TOKEN": "t", "WECHATY_PUPPET_SERVICE_ENDPOINT": "127.0.0.1:1"}
    cmd = [sys.executable, "-m", "bot", "--config", str(cfg), *args]
    return subprocess.run([*(wrap or []), *cmd], input="a good password\n", capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def _one_line(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("wxbot: "), proc.stderr
    assert "Traceback" not in proc.stderr and all(w in lines[0] for w in words), lines[0]


@pytest.mark.parametrize("command", COMMANDS + [["run"]], ids=lambda c: " ".join(c))
def test_data_dir_that_is_a_file(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "datafile").write_text("not a directory")
    _one_line(_wxbot(_config(tmp_path, data_dir=tmp_path / "datafile"), *command), "is a file, not a directory")


def test_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    _one_line(_wxbot(_config(tmp_path, data_dir="/proc/wxbot-data"), "summary"), "cannot create the data directory")


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux) for a read-only mount")
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_read_only_data_dir(tmp_path: Path, command: list[str]) -> None:
    """A real read-only mount (root ignores file modes): a private mount namespace, a read-only bind."""
    data = tmp_path / "data"
    data.mkdir()
    cfg = _config(tmp_path, data_dir=data)
    wrap = ["unshare", "-m", "sh", "-c", f'mount --bind "{data}" "{data}" && mount -o remount,bind,ro "{data}" && "$0" "$@"']
    _one_line(_wxbot(cfg, *command, wrap=wrap), "is not writable", "Read-only file system")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_a_file_that_is_no_database(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "wxbot.db").write_bytes(b"these are not the bytes of an SQLite database" * 100)
    _one_line(_wxbot(_config(tmp_path, data_dir=tmp_path / "data"), *command), "cannot open the database",
              "not a database")


def test_wrong_database_url(tmp_path: Path) -> None:
    _one_line(_wxbot(_config(tmp_path, data_dir=tmp_path, url="nosuchdb://x/y"), "summary"), "is not a database URL")


@pytest.mark.parametrize("command", COMMANDS + [["run"]], ids=lambda c: " ".join(c))
def test_postgresql_down_at_start(tmp_path: Path, command: list[str]) -> None:
    cfg = _config(tmp_path, data_dir=tmp_path, url="postgresql://wxbot:secret@127.0.0.1:9/wxbot")
    proc = _wxbot(cfg, *command)
    _one_line(proc, "cannot open the database", "is PostgreSQL running")
    assert "secret" not in proc.stderr  # never the password
