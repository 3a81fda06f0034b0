"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright, against
`wxbot web` serving a database filled by `wxbot demo`. Screenshots go to $WXBOT_TEST_ARTIFACTS."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import CONFIG
from tests.browser_support import ARTIFACTS, PASSWORD, add_user, launch, make_demo, serving

pytestmark = pytest.mark.browser
XSS = """<img src=x onerror="window.__xss=1">"""


def _plant_script(data: Path) -> None:
    """A unit's name and a problem's text that are HTML with a script, as an attacker would post them."""
    from sqlmodel import Session

    from storage.db import make_engine
    from storage.models import Problem, Unit

    engine = make_engine(f"sqlite:///{data / 'wxbot.db'}")
    with Session(engine) as s:
        unit = Unit(name=XSS, kind="property", parent="金山街道", aliases=[])
        s.add(unit)
        s.flush()
        assert unit.id is not None
        s.add(Problem(unit_id=unit.id, description=f"门口堆物 {XSS}", assigned_by="wxid_admin_zhou",
                      source_message_id="xss-1", created_at=dt.datetime(2020, 2, 26, 9, tzinfo=dt.timezone.utc)))
        s.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def dashboard(data_dir: Path) -> Iterator[str]:
    make_demo(data_dir)
    _plant_script(data_dir)
    add_user(data_dir, "zhou", "周科长")
    with serving(data_dir) as url:
        yield url


def test_log_in_see_the_board_open_a_unit_download_excel(dashboard: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1000, "height": 900}, accept_downloads=True)
        page.goto(dashboard + "/?date=2020-02-26")
        assert "/login" in page.url  # nothing without a login
        page.fill("input[name=username]", "zhou")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button")
        page.wait_for_selector("#t-units")
        assert page.inner_text("#t-units") == "9" and page.inner_text("#t-missing") == "1"  # 8 + the planted one
        assert page.inner_text("#t-anomaly") == "1"  # 阳光花园小区: 体温异常1人
        assert page.locator(".tile.anomaly").inner_text().startswith("阳光花园小区")
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        with page.expect_download() as download:
            page.click("#download")
        saved = tmp_path / "board.xlsx"
        download.value.save_as(saved)
        rows = list(load_workbook(saved)["防控日报"].iter_rows(values_only=True))
        assert [r[1] for r in rows[1:]] == ["翠园小区", "阳光花园小区", "锦绣华庭", "幸福里小区"]
        assert page.evaluate("window.__xss") is None and XSS in page.inner_text(".grid")  # shown, never run
        page.click("text=翠园小区")
        page.wait_for_selector("h2")
        assert page.inner_text("h2") == "翠园小区" and "360" in page.inner_text("table")
        page.screenshot(path=str(ARTIFACTS / "unit.png"), full_page=True)
        mobile = browser.new_page(viewport={"width": 390, "height": 844})
        mobile.context.add_cookies(page.context.cookies())
        mobile.goto(dashboard + "/problems")
        assert "整改问题" in mobile.inner_text("h2")
        assert mobile.evaluate("window.__xss") is None and XSS in mobile.inner_text("table")
        mobile.screenshot(path=str(ARTIFACTS / "problems-phone.png"), full_page=True)
        browser.close()
    print(f"screenshots: {ARTIFACTS}")


def test_the_audit_log_shows_the_browsers_login_views_and_export(dashboard: str, data_dir: Path) -> None:
    """Run after the browser test above (same module, same database)."""
    proc = subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir",
                           str(data_dir), "audit", "--who", "zhou"], capture_output=True, text=True, check=True)
    actions = {line.split("\t")[4].split()[0] for line in proc.stdout.splitlines()}
    assert {"login", "view", "export"} <= actions, proc.stdout
