"""A real desk for browser tests: `wxbot demo --keep` fills a data directory, `wxbot user add` makes
an account, `wxbot web` serves it on a free loopback port; Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import CONFIG
from tests.system_deps import CHROMIUM, ensure

# screenshots: where CI asks (WXBOT_TEST_ARTIFACTS), else a temporary directory - never the checkout
ARTIFACTS = Path(os.environ.get("WXBOT_TEST_ARTIFACTS") or Path(tempfile.gettempdir()) / "wxbot-screenshots")
PASSWORD = "correct horse battery"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
BASE = [sys.executable, "-m", "bot", "--config", str(CONFIG)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_demo(data: Path) -> None:
    ensure("chromium", "fonts-wqy-microhei")
    subprocess.run([*BASE, "demo", "--keep", str(data)], check=True, capture_output=True, timeout=180)


def add_user(data: Path, username: str, name: str, *options: str) -> None:
    subprocess.run([*BASE, "--data-dir", str(data), "user", "add", username, "--name", name, *options,
                    "--password-stdin"], input=PASSWORD + "\n", text=True, check=True, capture_output=True)


@contextmanager
def serving(data: Path) -> Iterator[str]:
    """`wxbot web` on the data directory until the block ends; its address."""
    port = free_port()
    server = subprocess.Popen([*BASE, "--data-dir", str(data), "web", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(10)


def launch(p: Any) -> Any:
    return p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)


def log_in(page: Any, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button")
    page.wait_for_url(lambda u: "/login" not in u)
