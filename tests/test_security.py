"""The attacks of issue #9, each through the real bot or the desk's aiohttp test client: numbers that
slipped past the mask, a street account reading whole numbers, sessions that outlived logout and
deletion, unthrottled guessing, an open redirect, missing headers, formulas in exports, 500s on bad
parameters, a world-readable database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import make_settings
from bot.clock import FakeClock
from bot.config import Config, WebAccount
from bot.web import auth as web_auth
from bot.web.app import make_app
from bot.web.auth import hash_password
from handlers.export import write_csv
from handlers.privacy import has_personal_number
from storage import accounts, audit
from storage.models import WebUser
from tests.conftest import CONFIG, ROOT
from tests.e2e import PROPERTY_ROOM, TZ, running_bot

PASSWORD = "correct horse"
NOW = dt.datetime(2020, 2, 26, 17, 0, tzinfo=TZ)
WANG, ZHOU = "wxid_wang_cuiyuan", "wxid_admin_zhou"
PHONE, ID_CARD = "138-1234-5678", "4305 2119 9001 0112 34"
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)"]


async def _fill(config: Config, engine: Engine, tmp_path: Path) -> list[str]:
    """Numbers in every channel the bot echoes, and formulas in a 备注; returns what the bot sent."""
    async with running_bot(config, engine, tmp_path, start=dt.datetime(2020, 2, 26, 9, 0, tzinfo=TZ)) as bot:
        texts = [
            (WANG, f"小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n备注：联系王经理{PHONE}"),
            (WANG, f"小区：翠园小区\n测温：356\n体温异常：0\n消杀：是\n备注：改为身份证{ID_CARD}"),  # 已更新 echo
            (ZHOU, f"交办：翠园小区 3栋漏水，联系 +86 138 1234 5678，限2月28日前整改"),
            (WANG, "问题"),
            (ZHOU, "重开 #1"),
            (WANG, "我是 翠园小区 一三八一二三四五六七八"),
            (ZHOU, f"登记 新建小区{PHONE}"),
            ("wxid_li_yangguang", "小区：阳光花园小区\n测温：210\n体温异常：0\n消杀：是\n备注：" + FORMULAS[0]),
            ("wxid_zhao_jinxiu", "小区：锦绣华庭\n测温：98\n体温异常：0\n消杀：是\n备注：" + FORMULAS[1]),
            (ZHOU, "汇总"),
        ]
        sent: list[str] = []
        for who, text in texts:
            sent += [m.text or "" for m in await bot.post(PROPERTY_ROOM, who, text)]
    return sent


async def test_no_whole_number_in_anything_sent_to_a_group(config: Config, engine: Engine, tmp_path: Path) -> None:
    sent = await _fill(config, engine, tmp_path)
    assert len(sent) >= 9
    leaked = [t for t in sent if has_personal_number(t)]
    assert leaked == []
    assert any("138****5678" in t for t in sent)
    assert any("身份证4305****" in t for t in sent)  # the ID is masked before the echo is cut short:
    assert not any(re.search(r"2119\D{0,2}9001", t) for t in sent)  # never the first half whole


@asynccontextmanager
async def desk(config: Config, engine: Engine, tmp_path: Path, clock: FakeClock | None = None,
               **web: object) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    accts = [WebAccount(username="whole", name="区领导", password_hash=hash_password(PASSWORD),
                        permissions=["see_personal_data", "admin"]),
             WebAccount(username="district", name="区办", password_hash=hash_password(PASSWORD)),
             WebAccount(username="jinshan", name="金山街道", password_hash=hash_password(PASSWORD), street="金山街道")]
    cfg = config.model_copy(update={"data_dir": tmp_path,
                                    "web": config.web.model_copy(update={"accounts": accts, **web})})
    async with TestClient(TestServer(make_app(cfg, engine, clock or FakeClock(NOW)))) as c:
        yield c


async def login(c: TestClient, username: str, password: str = PASSWORD, next_url: str = "/") -> int:  # type: ignore[type-arg]
    page = await (await c.get("/login")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = await c.post("/login", data={"csrf": token, "username": username, "password": password, "next": next_url},
                        allow_redirects=False)
    return resp.status


async def _everything(c: TestClient) -> str:  # type: ignore[type-arg]
    """Every page, API answer and export a desk account can read, as one text."""
    parts = []
    units = await (await c.get("/api/units")).json()
    for path in ["/?date=2020-02-26", "/problems", "/api/problems", "/api/days/2020-02-26",
                 *[f"/units/{u['id']}?date=2020-02-26" for u in units],
                 *[f"/api/units/{u['id']}/reports?date=2020-02-26" for u in units]]:
        parts.append(await (await c.get(path)).text())
    xlsx = await c.get("/export.xlsx?from=2020-02-26&to=2020-02-26")
    for ws in load_workbook(io.BytesIO(await xlsx.read())).worksheets:
        # cells joined by ｜, never by whitespace: 1 1 0 2020… across cells would read as one spaced number
        parts += ["｜".join(str(v) for v in row if v is not None) for row in ws.iter_rows(values_only=True)]
    return "\n".join(parts)


async def test_street_and_plain_district_accounts_see_masked_numbers_everywhere_whole_only_with_permission(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    await _fill(config, engine, tmp_path)
    async with desk(config, engine, tmp_path) as c:
        seen = {}
        for who in ("jinshan", "district", "whole"):
            assert await login(c, who) == 302
            seen[who] = await _everything(c)
    assert not has_personal_number(seen["jinshan"])
    assert "138****5678" in seen["jinshan"]
    assert not has_personal_number(seen["district"])
    assert has_personal_number(seen["whole"])  # allowed, and audited:
    with Session(engine) as s:
        whole = [e for e in audit.events(s, who="whole") if e.whole]
        masked = [e for e in audit.events(s, who="jinshan") if e.action in ("view", "api", "export")]
    assert whole and {e.action for e in whole} >= {"view", "api", "export"}
    assert masked and not any(e.whole for e in masked)


async def test_sessions_end_at_logout_on_a_new_password_and_on_removal(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        s.add(WebUser(username="temp", name="临时", password_hash=hash_password(PASSWORD),
                      created_at=NOW, role="district"))
        s.commit()
    async with desk(config, engine, tmp_path) as c:
        assert await login(c, "district") == 302
        stolen = c.session.cookie_jar.filter_cookies(c.make_url("/"))  # a copy of the cookie, kept
        page = await (await c.get("/")).text()
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert (await c.post("/logout", data={"csrf": token}, allow_redirects=False)).status == 302
        c.session.cookie_jar.update_cookies(stolen)
        assert (await c.get("/api/problems")).status == 401  # the old cookie is dead
        assert await login(c, "temp") == 302
        assert (await c.get("/api/problems")).status == 200
        with Session(engine) as s:  # `wxbot user remove temp` does exactly this
            user = accounts.web_user(s, username="temp")
            s.delete(user)
            accounts.end_sessions(s, username="temp")
            s.commit()
        assert (await c.get("/api/problems")).status == 401


async def test_guessing_passwords_is_slowed_then_locked_until_an_admin_unlocks(
        config: Config, engine: Engine, tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    async with desk(config, engine, tmp_path, clock) as c:
        statuses = []
        for _ in range(12):
            statuses.append(await login(c, "district", "wrong password"))
            clock.advance(600)  # wait out each delay: the count still grows
        assert statuses[:3] == [401, 401, 401] and statuses[-1] == 429
        assert await login(c, "district") == 429  # locked: even the right password
        with Session(engine) as s:
            assert accounts.unlock(s, username="district")
            s.commit()
        assert await login(c, "district") == 302
        fast = [await login(c, "nobody", "guess") for _ in range(6)]  # without waiting: delays by address
    assert fast[:3] == [401, 401, 401] and 429 in fast[3:]


async def test_an_unknown_name_costs_a_real_password_check(
        config: Config, engine: Engine, tmp_path: Path, monkeypatch: object) -> None:
    calls: list[str] = []
    real = web_auth.HASHER

    class Counting:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def verify(self, hash_: str, password: str) -> bool:
            calls.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(web_auth, "HASHER", Counting())  # type: ignore[attr-defined]
    async with desk(config, engine, tmp_path) as c:
        assert await login(c, "nobody-at-all", "guess") == 401
        assert await login(c, "district", "guess") == 401
    assert len(calls) == 2 and all(h.startswith("$argon2") for h in calls)


async def test_next_only_to_this_site_and_security_headers(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with desk(config, engine, tmp_path) as c:
        for evil in ["/\t/evil.example", "//evil.example", "https://evil.example", "/\\evil.example"]:
            page = await (await c.get("/login")).text()
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            resp = await c.post("/login", data={"csrf": token, "username": "district", "password": PASSWORD,
                                                "next": evil}, allow_redirects=False)
            assert resp.status == 302 and resp.headers["Location"] == "/", (evil, resp.headers["Location"])
        for path in ["/login", "/api/problems", "/?date=2020-02-26"]:
            h = (await c.get(path)).headers
            assert "script-src 'self'" in h["Content-Security-Policy"] and "frame-ancestors 'none'" in h[
                "Content-Security-Policy"]
            assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
            assert h["Referrer-Policy"] == "no-referrer" and h["Cache-Control"] == "no-store"


async def test_behind_https_the_session_cookie_is_secure(config: Config, engine: Engine, tmp_path: Path) -> None:
    async with desk(config, engine, tmp_path, secure_cookies=True) as c:
        cookie = (await c.get("/login")).headers.get("Set-Cookie", "")
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie
    async with desk(config, engine, tmp_path) as c:
        assert "Secure" not in (await c.get("/login")).headers.get("Set-Cookie", "")  # plain http on a laptop


async def test_bad_parameters_are_400_never_500(config: Config, engine: Engine, tmp_path: Path) -> None:
    await _fill(config, engine, tmp_path)
    async with desk(config, engine, tmp_path) as c:
        assert await login(c, "district") == 302
        for path in ["/units/abc?date=2020-02-26", "/units/1?date=2020-02-30", "/?date=0001-01-01", "/api/days/2020-13-45",
                     "/api/units/1234567890123456789012345/reports", "/api/units/1/reports?days=abc",
                     "/api/units/1/reports?days=99999", "/export.xlsx?from=2020-02-26&to=2019-01-01",
                     "/problems/1/photos/x", "/?kind=nosuch"]:
            resp = await c.get(path)
            assert resp.status == 400, (path, resp.status)
            assert "Traceback" not in await resp.text()


async def test_formulas_are_written_as_text_in_every_export(config: Config, engine: Engine, tmp_path: Path) -> None:
    await _fill(config, engine, tmp_path)
    async with desk(config, engine, tmp_path) as c:
        assert await login(c, "whole") == 302
        book = load_workbook(io.BytesIO(await (await c.get("/export.xlsx?from=2020-02-26&to=2020-02-26")).read()))
    cells = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    texts = [str(c.value) for c in cells if isinstance(c.value, str)]
    assert "'" + FORMULAS[0] in texts and "'" + FORMULAS[1] in texts
    with Session(engine) as s:
        written = write_csv(s, make_settings(config), tmp_path / "day.csv", start=NOW.date(), end=NOW.date())
    values = [v for f in written for row in csv.reader(f.read_text(encoding="utf-8-sig").splitlines()) for v in row]
    assert "'" + FORMULAS[0] in values and not [v for v in values if v.startswith(("=", "+", "-", "@"))]


def test_the_database_and_data_directory_are_private(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "bot", "--config", str(CONFIG), "--data-dir", str(data),
                    "db", "upgrade"], check=True, capture_output=True)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "wxbot.db").stat().st_mode) == 0o600


async def test_two_web_processes_share_sessions_and_throttles_through_the_database(
        config: Config, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several `wxbot web` behind one proxy: a login made on one is honoured by the other, a logout
    on the other ends it on both, and wrong passwords count wherever they land."""
    monkeypatch.setenv("WXBOT_WEB_SECRET", "3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    async with desk(config, engine, tmp_path / "a") as a, desk(config, engine, tmp_path / "b") as b:
        assert await login(a, "district") == 302
        b.session.cookie_jar.update_cookies(a.session.cookie_jar.filter_cookies(a.make_url("/")))
        assert (await b.get("/api/units")).status == 200  # the other process knows the session
        page = await (await b.get("/?date=2020-02-26")).text()
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert (await b.post("/logout", data={"csrf": token}, allow_redirects=False)).status in (302, 303)
        assert (await a.get("/api/units")).status == 401  # ended everywhere
        for client in (a, b, a, b):
            assert await login(client, "jinshan", "wrong") == 401
        with Session(engine) as s:
            assert web_auth_state(s, "jinshan").failures == 4  # counted across both processes
    assert not (tmp_path / "a" / "web_secret.key").exists()  # the shared key came from the environment


def web_auth_state(s: Session, username: str) -> object:
    from storage import accounts

    return accounts.state(s, username=username)



def test_parallel_guesses_from_one_address_are_all_counted_and_never_an_error(engine: Engine) -> None:
    """Eight web workers recording failures at the same moment for a new address and a known
    account (threads lined up on a barrier): every failure counted, none an IntegrityError (the
    first failures used to race on creating the rows, and counts were read-modify-write)."""
    import datetime as dt_
    import threading

    from storage import accounts
    from storage.models import AddressThrottle

    now = dt_.datetime(2020, 2, 26, 9, 0, tzinfo=dt_.timezone.utc)
    gate, errors = threading.Barrier(8), []

    def guess() -> None:
        with Session(engine) as s:
            s.get(AddressThrottle, "10.0.0.9")  # each worker looks first, as the login route does
            gate.wait()
            try:
                accounts.failed(s, username="district", address="10.0.0.9", now=now, known=True)
                s.commit()
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

    workers = [threading.Thread(target=guess) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    with Session(engine) as s:
        assert s.get(AddressThrottle, "10.0.0.9").failures == 8  # type: ignore[union-attr]
        assert accounts.state(s, username="district").failures == 8
