"""The list of handlers, assembled explicitly in one place, each with what it matches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.chat import Action, Incoming
from handlers import grid, jielong, notices, problems, supplies, vocabulary
from handlers.checkin import handle_photo, handle_recall, handle_report
from handlers.commands import handle_command, is_bind
from handlers.context import Context


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    when: Callable[[Incoming, Context], bool]
    handler: Callable[[Incoming, Context], list[Action] | None]


def _in_report_group(msg: Incoming, ctx: Context) -> bool:
    return ctx.group is not None and bool(ctx.settings.templates(ctx.group.kind))


def _prompted(msg: Incoming, ctx: Context) -> bool:
    return ctx.group is not None and ctx.group.kind in ctx.settings.prompted_kinds


ROUTES: list[Route] = [
    Route("recall", lambda m, c: m.kind == "recall", handle_recall),
    Route("problem photo", lambda m, c: m.kind == "image", problems.handle_problem_photo),
    Route("photo", lambda m, c: m.kind == "image" and _in_report_group(m, c), handle_photo),
    Route("assign", lambda m, c: m.kind == "text", problems.handle_assign),
    Route("rectified", lambda m, c: m.kind == "text", problems.handle_close),
    Route("reopen", lambda m, c: m.kind == "text", problems.handle_reopen),
    Route("notice receipt", lambda m, c: m.kind == "text", notices.handle_acknowledgement),
    Route("supplies received", lambda m, c: m.kind == "text" and m.room_id is not None, supplies.handle_received),
    Route("prompt answer", lambda m, c: m.kind == "text" and _prompted(m, c), grid.handle_reply),
    Route("command", lambda m, c: m.kind == "text" and (m.private or c.group is not None or is_bind(m)),
          handle_command),
    Route("teach by yes", lambda m, c: m.kind == "text" and m.room_id is not None, vocabulary.handle_yes),
    Route("jielong", lambda m, c: m.kind == "text" and _in_report_group(m, c) and jielong.looks_like_jielong(m, c),
          jielong.handle_jielong),
    Route("report", lambda m, c: m.kind == "text" and _in_report_group(m, c), handle_report),
]


def route(msg: Incoming, ctx: Context) -> tuple[str, list[Action]]:
    """The first handler that matches and answers (None means: not mine, try the next)."""
    for r in ROUTES:
        if r.when(msg, ctx):
            actions = r.handler(msg, ctx)
            if actions is not None:
                return r.name, actions
    return "none", []
