"""Property companies (物业公司): keyword-only queries."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import Company


def all_companies(session: Session) -> list[Company]:
    return list(session.exec(select(Company).order_by(col(Company.id))))


def upsert(session: Session, *, name: str, contact_id: str | None, contact_name: str, phone: str | None,
           source: str) -> tuple[Company, bool]:
    """(the company, whether anything changed); a roster's company is not overridden by config."""
    found = session.exec(select(Company).where(Company.name == name)).first()
    if found is not None and source == "config" and found.source != "config":
        return found, False
    company = found or Company(name=name, source=source)
    before = (company.contact_id, company.contact_name, company.phone)
    company.contact_id, company.contact_name, company.source = contact_id, contact_name, source
    company.phone = phone or company.phone
    session.add(company)
    session.flush()
    return company, found is None or before != (company.contact_id, company.contact_name, company.phone)


def by_contact(session: Session, *, contact_id: str) -> list[Company]:
    return list(session.exec(select(Company).where(Company.contact_id == contact_id)))
