"""Queries for problems assigned on inspection (交办) and their rectification (整改)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import Problem, ProblemPhoto


def create(session: Session, *, unit_id: int, description: str, deadline: dt.date | None, assignee_id: str | None,
           assignee_name: str, assigned_by: str, room_id: str | None, source_message_id: str,
           now: dt.datetime) -> Problem:
    problem = Problem(unit_id=unit_id, description=description, deadline=deadline, assignee_id=assignee_id,
                      assignee_name=assignee_name, assigned_by=assigned_by, room_id=room_id,
                      source_message_id=source_message_id, created_at=now)
    session.add(problem)
    session.flush()
    return problem


def get(session: Session, *, number: int) -> Problem | None:
    return session.get(Problem, number)


def open_problems(session: Session, *, unit_ids: Iterable[int] | None = None) -> list[Problem]:
    query = select(Problem).where(Problem.status == "open")
    if unit_ids is not None:
        query = query.where(col(Problem.unit_id).in_(list(unit_ids)))
    return list(session.exec(query.order_by(col(Problem.created_at), col(Problem.id))))


def overdue(session: Session, *, today: dt.date, unit_ids: Iterable[int] | None = None) -> list[Problem]:
    return [p for p in open_problems(session, unit_ids=unit_ids) if p.deadline is not None and p.deadline < today]


def close(session: Session, *, problem: Problem, by: str, note: str, now: dt.datetime) -> None:
    problem.status, problem.closed_by, problem.closed_at, problem.close_note = "closed", by, now, note
    session.add(problem)


def reopen(session: Session, *, problem: Problem) -> None:
    problem.status, problem.closed_by, problem.closed_at = "open", None, None
    session.add(problem)


def recently_closed_by(session: Session, *, contact_id: str, since: dt.datetime) -> Problem | None:
    query = (select(Problem).where(Problem.closed_by == contact_id, Problem.status == "closed",
                                   col(Problem.closed_at) >= since).order_by(col(Problem.closed_at).desc()))
    return session.exec(query).first()


def add_photo(session: Session, *, problem_id: int, path: str, source_message_id: str, now: dt.datetime) -> int:
    session.add(ProblemPhoto(problem_id=problem_id, path=path, source_message_id=source_message_id, created_at=now))
    session.flush()
    return len(photos(session, problem_id=problem_id))


def photos(session: Session, *, problem_id: int) -> list[ProblemPhoto]:
    return list(session.exec(select(ProblemPhoto).where(ProblemPhoto.problem_id == problem_id)))


def photo_counts(session: Session) -> dict[int, int]:
    """problem number -> photos attached, in one query."""
    query = select(ProblemPhoto.problem_id, func.count()).group_by(col(ProblemPhoto.problem_id))
    return {pid: int(n) for pid, n in session.exec(query)}
