from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, inspect
from sqlmodel import Session

from storage import queries, schema
from storage.db import make_engine
from storage.models import Report

NOW = dt.datetime(2020, 2, 26, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
DAY = dt.date(2020, 2, 26)
SEEDS = [
    queries.UnitSeed("翠园小区", "property", "金山街道", ("翠园",)),
    queries.UnitSeed("阳光花园小区", "property", "金山街道"),
    queries.UnitSeed("滨江壹号项目", "construction", "金山街道"),
]


def _units(session: Session) -> dict[str, int]:
    queries.sync_units(session, units=SEEDS)
    session.commit()
    return {u.name: u.id for u in queries.units_of_kind(session, kind="property")}  # type: ignore[misc]


def _save(session: Session, unit_id: int, msg: str, values: dict[str, int | str | None], day: dt.date = DAY) -> queries.Saved:
    saved = queries.save_report(
        session, unit_id=unit_id, template="property_daily", kind="property", report_date=day, values=values,
        raw_text=f"raw {msg}", source_message_id=msg, reporter_id="wxid_wang", now=NOW,
    )
    session.commit()
    return saved


def test_sync_units_is_idempotent_and_updates(session: Session) -> None:
    assert queries.sync_units(session, units=SEEDS) == 3
    assert queries.sync_units(session, units=SEEDS) == 0
    changed = [queries.UnitSeed("翠园小区", "property", "银湖街道", ("翠园", "翠园苑"))]
    queries.sync_units(session, units=changed)
    session.commit()
    unit = next(u for u in queries.units_of_kind(session, kind="property") if u.name == "翠园小区")
    assert unit.parent == "银湖街道" and unit.aliases == ["翠园", "翠园苑"]


def test_new_report_then_repost_keeps_the_earlier_version(session: Session) -> None:
    ids = _units(session)
    first = _save(session, ids["翠园小区"], "m1", {"community": "翠园小区", "residents_screened": 356, "fever_cases": 0, "disinfected": 1})
    assert first.created and first.revision == 1
    second = _save(session, ids["翠园小区"], "m2", {"community": "翠园小区", "residents_screened": 360, "fever_cases": 2, "disinfected": 1})
    assert not second.created and second.report_id == first.report_id and second.revision == 2
    assert second.changes == {"residents_screened": (356, 360), "fever_cases": (0, 2)}
    assert queries.report_values(session, report_id=first.report_id)["residents_screened"] == 360
    (old,) = queries.revisions_of(session, report_id=first.report_id)
    assert old.values["residents_screened"] == 356 and old.source_message_id == "m1" and old.revision == 1
    report = session.get(Report, first.report_id)
    assert report is not None and report.source_message_id == "m2"
    assert report.created_at == NOW  # aware in, aware out, same instant


def test_one_message_may_hold_several_units_reports(session: Session) -> None:
    """An admin reporting for two units, or a 接龙: one message id, one report per unit."""
    ids = _units(session)
    _save(session, ids["翠园小区"], "two-units", {"fever_cases": 0})
    _save(session, ids["阳光花园小区"], "two-units", {"fever_cases": 1})
    found = queries.reports_by_message(session, source_message_id="two-units")
    assert sorted(r.unit_id for r in found) == sorted([ids["翠园小区"], ids["阳光花园小区"]])


def test_sum_of_a_field_per_day_is_one_query(session: Session) -> None:
    ids = _units(session)
    yesterday = DAY - dt.timedelta(days=1)
    _save(session, ids["翠园小区"], "a", {"residents_screened": 356}, DAY)
    _save(session, ids["阳光花园小区"], "b", {"residents_screened": 200}, DAY)
    _save(session, ids["翠园小区"], "c", {"residents_screened": 100}, yesterday)
    withdrawn = _save(session, ids["阳光花园小区"], "d", {"residents_screened": 999}, yesterday)
    queries.set_report_status(session, report_id=withdrawn.report_id, status="withdrawn", now=NOW)
    session.commit()
    totals = queries.sum_field_by_day(session, kind="property", key="residents_screened", start=yesterday, end=DAY)
    assert totals == {yesterday: 100, DAY: 556}


def test_members_and_groups(session: Session) -> None:
    ids = _units(session)
    queries.upsert_member(session, contact_id="wxid_wang", name="王经理", unit_id=ids["翠园小区"], role="reporter", confirmed=True, now=NOW)
    queries.upsert_member(session, contact_id="wxid_new", name="新人", unit_id=ids["翠园小区"], role="reporter", confirmed=False, now=NOW)
    queries.bind_group(session, room_id="r1", topic="物业群", kind="property", by="wxid_admin", now=NOW)
    session.commit()
    assert [m.contact_id for m in queries.members_of_units(session, unit_ids=[ids["翠园小区"]])] == ["wxid_wang"]
    group = queries.group_by_room(session, room_id="r1")
    assert group is not None and group.kind == "property"


def test_schema_check_refuses_an_outdated_database(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")  # noqa: S608
    with pytest.raises(schema.SchemaOutdated, match="wxbot db upgrade"):
        schema.check_current(engine)
    schema.upgrade(engine)
    schema.check_current(engine)
    engine.dispose()


def test_migrations_create_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {"unit", "group", "member", "report", "reportvalue", "reportrevision", "alembic_version"} <= tables


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    engine.dispose()
