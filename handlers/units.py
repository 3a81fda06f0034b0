"""Which unit a report names: exact name or alias; a near miss is a question, never a new unit."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from storage.models import Unit

from handlers.context import Context


@dataclass(frozen=True, slots=True)
class Resolved:
    unit: Unit | None
    suggestion: str | None = None


def _key(name: str) -> str:
    return "".join(name.split()).lower()


def group_units(ctx: Context, kind: str) -> list[Unit]:
    """Units of the kind that belong to this group (all of the kind when the group lists none)."""
    units = ctx.units_of(kind)
    if ctx.group is not None and ctx.group.unit_names:
        wanted = set(ctx.group.unit_names)
        units = [u for u in units if u.name in wanted]
    return units


def resolve(ctx: Context, kind: str, name: str) -> Resolved:
    units = ctx.units_of(kind)
    names: dict[str, Unit] = {}
    for unit in units:
        for n in [unit.name, *unit.aliases]:
            names.setdefault(_key(n), unit)
    wanted = _key(name)
    if wanted in names:
        return Resolved(names[wanted])
    close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.6)
    contains = [u for k, u in names.items() if len(wanted) >= 2 and (wanted in k or k in wanted)]
    suggestion = names[close[0]] if close else (contains[0] if contains else None)
    return Resolved(None, suggestion.name if suggestion else None)
