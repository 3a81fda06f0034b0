"""Every desk page on a phone (390×844) and a desktop (1366×768) in headless Chromium, on the demo's
database and on a district of 275 units: nothing wider than the screen (asserted from the DOM), no
console error, the menu folds on a phone, search and filters change what is shown, and each chart's
points, measured where they are drawn against its axis, equal the API's figures. Screenshots are kept
in $WXBOT_TEST_ARTIFACTS."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlmodel import Session

from bot.app import make_settings
from bot.config import load_config
from storage.db import make_engine
from storage.models import Member, Report, ReportValue, Unit
from tests.browser_support import ARTIFACTS, add_user, launch, log_in, make_demo, serving
from tests.conftest import CONFIG

pytestmark = pytest.mark.browser
DAY = "2020-02-26"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}
STREETS = ("金山街道", "银湖街道", "东阳渡街道", "宝庆街道", "新城街道", "滨江街道")
LONG_NAME = "东阳渡街道宝庆社区第三网格（含宝庆新村一期、二期及周边沿街商铺）"
# every element that sticks out of the screen, unless it is inside a box that scrolls on its own
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth, out = [];
  if (document.documentElement.scrollWidth > width) out.push('page ' + document.documentElement.scrollWidth + 'px');
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || (r.right <= width + 0.5 && r.left >= -0.5)) continue;
    let box = el.parentElement, boxed = false;
    for (; box && box !== document.body; box = box.parentElement)
      if (['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) { boxed = true; break; }
    if (!boxed) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && el.className.baseVal === undefined ? '.' + el.className : '') + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  return out.slice(0, 8);
}"""
# each chart's points as drawn on the screen: the pixel height of a point between its 0 and top grid lines
DRAWN = """() => [...document.querySelectorAll('figure.chart')].map(f => {
  const lines = [...f.querySelectorAll('line.gridline')].map(l => l.getBoundingClientRect().top);
  const top = Math.max(...[...f.querySelectorAll('text.ytick')].map(t => Number(t.textContent)));
  const zero = Math.max(...lines), full = Math.min(...lines);
  return {measure: f.dataset.measure, points: [...f.querySelectorAll('g.pt')].map(g => {
    const c = g.querySelector('circle').getBoundingClientRect();
    return [g.dataset.day, top * (zero - (c.top + c.height / 2)) / (zero - full)];
  })};
})"""


def add_district(db: Path) -> dict[str, Any]:
    """275 units over six streets: 116 communities' property, 36 sites, 115 grids besides the demo's 8;
    a third of them reported on the demo's day, one with a long name, one with an alias and a reporter."""
    engine = make_engine(f"sqlite:///{db}")
    made: list[int] = []
    with Session(engine) as s:
        for i in range(267):
            kind = "property" if i < 116 else "construction" if i < 152 else "grid"
            street = STREETS[i % 6]
            name = LONG_NAME if i == 200 else f"{street[:2]}{'小区' if kind == 'property' else '项目' if kind == 'construction' else '网格'}{i:03d}"
            unit = Unit(name=name, kind=kind, parent=street, community=f"{street[:2]}{i % 4}社区",
                        aliases=["七号院"] if i == 7 else [], source="admin")
            s.add(unit)
            s.flush()
            assert unit.id is not None
            made.append(unit.id)
        s.add(Member(contact_id="wxid_zheng_li", name="郑丽", unit_id=made[7], confirmed=True,
                     updated_at=dt.datetime(2020, 2, 20, tzinfo=dt.timezone.utc)))
        s.commit()
    now = dt.datetime(2020, 2, 26, 1, tzinfo=dt.timezone.utc)
    templates = {"property": "property_daily", "construction": "construction_daily", "grid": "grid_daily"}
    with engine.begin() as conn:
        for i, uid in enumerate(made):
            if i % 3:
                continue
            kind = "property" if i < 116 else "construction" if i < 152 else "grid"
            rid = conn.execute(insert(Report.__table__).values(  # type: ignore[attr-defined]
                template=templates[kind], kind=kind, unit_id=uid, report_date=dt.date(2020, 2, 26), reporter_id=None,
                source_message_id=f"district-{i}", raw_text="", status="ok", late=i % 9 == 3, nil=False,
                revision=1, created_at=now, updated_at=now)).inserted_primary_key[0]
            conn.execute(insert(ReportValue.__table__), [  # type: ignore[attr-defined]
                {"report_id": rid, "key": "fever_cases", "int_value": 1 if i == 30 else 0, "text_value": None}])
    engine.dispose()
    return {"alias_unit": "银湖小区007", "units": 275}


@pytest.fixture(scope="module")
def desks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    demo = tmp_path_factory.mktemp("demo")
    make_demo(demo)
    district = tmp_path_factory.mktemp("district")
    shutil.copytree(demo, district, dirs_exist_ok=True)
    add_district(district / "wxbot.db")
    for data in (demo, district):
        add_user(data, "zhou", "周科长", "--permission", "admin")
    with serving(demo) as demo_url, serving(district) as district_url:
        yield {"demo": demo_url, "district": district_url}


def _pages(url: str) -> list[str]:
    """Every page of the desk, for an admin; the units are the demo's site and first community."""
    return [f"/?date={DAY}", f"/?date={DAY}&state=missing", "/units/5?date=" + DAY, "/units/1?date=" + DAY,
            "/problems", "/notices", "/notices/1", "/supplies", "/workers", "/workers/5", "/vocabulary", "/admin/units", "/admin/members", "/admin/groups", "/admin/users",
            "/audit", "/status"]


def _watch(page: Any, errors: list[str]) -> None:
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))


def _slug(path: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in path.strip("/").split("?")[0]) or "board"


@pytest.mark.parametrize("where", ["demo", "district"])
@pytest.mark.parametrize("screen", list(VIEWPORTS))
def test_every_page_fits_the_screen_without_console_errors(desks: dict[str, str], where: str, screen: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    url, errors, overflow = desks[where], [], {}
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport=VIEWPORTS[screen])
        _watch(page, errors)
        page.goto(url + "/login")
        overflow["/login"] = page.evaluate(OVERFLOW)
        page.screenshot(path=str(ARTIFACTS / f"{where}-{screen}-login.png"), full_page=True)
        log_in(page, url, "zhou")
        for path in _pages(url):
            response = page.goto(url + path)
            assert response is not None and response.status == 200, path
            overflow[path] = page.evaluate(OVERFLOW)
            page.screenshot(path=str(ARTIFACTS / f"{where}-{screen}-{_slug(path)}-{len(overflow)}.png"), full_page=True)
        browser.close()
    assert {k: v for k, v in overflow.items() if v} == {}
    assert errors == []


def test_on_a_phone_the_menu_folds_and_opens(desks: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport=VIEWPORTS["phone"])
        log_in(page, desks["demo"], "zhou")
        page.goto(desks["demo"] + f"/?date={DAY}")
        assert not page.is_visible("header nav a[href='/problems']") and page.is_visible("text=菜单")
        page.click("text=菜单")
        page.click("header nav a[href='/problems']")
        page.wait_for_url("**/problems")
        wide = browser.new_page(viewport=VIEWPORTS["desktop"])
        wide.context.add_cookies(page.context.cookies())
        wide.goto(desks["demo"] + "/problems")
        assert wide.is_visible("header nav a[href='/']") and not wide.is_visible("text=菜单")
        browser.close()


def test_search_and_filters_change_what_the_board_shows(desks: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    url = desks["district"]
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport=VIEWPORTS["phone"])
        log_in(page, url, "zhou")
        page.goto(url + f"/?date={DAY}")
        assert page.inner_text("#t-units") == "275" and page.locator(".tile").count() == 60
        page.fill("input[name=q]", "七号院")  # an alias
        page.press("input[name=q]", "Enter")
        page.wait_for_url("**q=*")
        assert [t.split("\n")[0] for t in page.locator(".tile").all_inner_texts()] == ["银湖小区007"]
        page.fill("input[name=q]", "郑丽")  # its reporter
        page.press("input[name=q]", "Enter")
        page.wait_for_url("**q=%E9%83%91*")
        assert page.locator(".tile").count() == 1
        page.fill("input[name=q]", "")
        page.select_option("select[name=state]", "missing")
        page.click("form.filters button")
        page.wait_for_url("**state=missing*")
        missing = int(page.inner_text("#t-missing"))
        assert f"共 {missing} 个单位" in page.inner_text(".pager")
        states = set(page.eval_on_selector_all(".tile", "els => els.map(e => e.dataset.state)"))
        assert states == {"missing"}
        page.click("a[rel=next]")  # the next page keeps the filter
        page.wait_for_url("**page=2*")
        assert "state=missing" in page.url and {"missing"} == set(
            page.eval_on_selector_all(".tile", "els => els.map(e => e.dataset.state)"))
        page.select_option("select[name=street]", "新城街道")
        page.click("form.filters button")
        page.wait_for_url("**street=*")
        places = page.eval_on_selector_all(".tile small", "els => els.map(e => e.textContent)")
        assert places and all("新城街道" in p for p in places)
        page.screenshot(path=str(ARTIFACTS / "district-phone-filtered.png"), full_page=True)
        browser.close()


def test_each_charts_drawn_points_equal_the_api(desks: dict[str, str]) -> None:
    """The demo's site filed 复工报备 and its 工地日报 on the same day: each chart is of its own template."""
    from playwright.sync_api import sync_playwright

    settings = make_settings(load_config(CONFIG))
    names = {(t.name, f.brief): (t.id, f.key) for k in settings.kind_names for t in settings.templates(k)
             for f in t.fields}
    url = desks["demo"]
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport=VIEWPORTS["phone"])
        log_in(page, url, "zhou")
        page.goto(url + f"/units/5?date={DAY}")
        charts = page.evaluate(DRAWN)
        page.locator("g.pt").first.focus()  # a tap shows the value
        assert page.locator("g.pt text").first.is_visible()
        api = json.loads(page.goto(url + f"/api/units/5/reports?date={DAY}&days=7").text())  # type: ignore[union-attr]
        browser.close()
    figures = {(r["template"], key, r["date"]): value for r in api["reports"] for key, value in r["values"].items()}
    assert {c["measure"] for c in charts} >= {"工地日报·在岗", "复工报备·复工人数"}
    for chart in charts:
        template_name, brief = chart["measure"].split("·")
        template, key = names[(template_name, brief)]
        for day, value in chart["points"]:
            assert round(value) == figures[(template, key, day)], (chart["measure"], day)
    assert any(day == DAY and round(v) == 120 for c in charts if c["measure"] == "工地日报·在岗" for day, v in c["points"])
