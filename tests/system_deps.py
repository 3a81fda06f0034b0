"""System packages some tests need, installed by the test set-up (never assumed): Debian's
chromium for the browser tests and a CJK font for charts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PACKAGES = {"chromium": CHROMIUM, "fonts-wqy-microhei": CJK_FONT}


def ensure(*packages: str) -> None:
    missing = [p for p in packages if not PACKAGES[p].exists()]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.fail(f"needs Debian packages {missing}: run `apt-get install {' '.join(missing)}` as root")
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
    proc = subprocess.run(["apt-get", "install", "-y", "-q", *missing], capture_output=True, text=True,
                          env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if proc.returncode != 0 or not all(PACKAGES[p].exists() for p in missing):
        pytest.fail(f"apt-get install {missing} failed:\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")
