from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import Engine, text
from sqlmodel import Session

from bot.config import Config, load_config
from handlers.parser import Parser
from storage import schema
from storage.db import make_engine

# nothing of hypothesis's in the checkout (.hypothesis/: examples, cached constants): tests leave nothing behind
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), f"wxbot-hypothesis-{os.getuid()}"))
settings.register_profile("wxbot", database=None)
settings.load_profile("wxbot")

ROOT = Path(__file__).resolve().parent.parent
# the tests' own copy of the config: a bureau editing its config.yaml never breaks the test suite
CONFIG = ROOT / "tests" / "fixtures" / "config.yaml"
TODAY = dt.date(2020, 2, 26)
PG_URL = os.environ.get("WXBOT_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(CONFIG)


@pytest.fixture(scope="session")
def parser(config: Config) -> Parser:
    return Parser(config.templates)


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a SQLite file always; PostgreSQL when WXBOT_TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        if not PG_URL:
            pytest.skip("WXBOT_TEST_DATABASE_URL not set")
        eng = make_engine(PG_URL)
        _reset_postgres(eng)
    schema.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
