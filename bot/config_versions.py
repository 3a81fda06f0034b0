"""config.yaml keeps its meaning across releases. It carries `version:`; a file without it is the
earliest shape (1). An older file is migrated on loading, in memory, with the meaning its release
gave it, and `wxbot config upgrade` rewrites the file in today's shape (comments kept, ruamel.yaml).
Every later change of a config's meaning bumps CURRENT and adds its step here.

Version 1 (the releases before `roles:` and `phrases:`): the code itself knew that `fever_cases` is the
warning and `disinfected` the done-rate, that `status: resumed` is work going on, and read 已消杀 or
体温均正常 without being told. Version 2 says all that in config.yaml."""

from __future__ import annotations

import copy
import difflib
import io
import re
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

CURRENT = 2

# what the version-1 code read without a word in config.yaml (field key -> typed value -> phrases)
V1_PHRASES: dict[str, dict[str, list[str]]] = {
    "disinfected": {"是": ["已消杀", "已消毒", "已全面消杀", "公共区域已消杀", "公共区域已消毒", "消杀已完成", "消毒已完成",
                          "已完成消杀"],
                    "否": ["未消杀", "未消毒"]},
    "fever_cases": {"0": ["体温均正常", "体温正常", "体温无异常", "无异常", "均无异常", "无发热", "无发热人员", "未发现发热"]},
}
# the roles the version-1 code gave these field keys
V1_ROLES = (("warning", "fever_cases"), ("done", "disinfected"), ("status", "status"), ("planned_date", "planned_date"))
_HHMM = re.compile(r"(?<!\d)(\d{1,2})[:：](\d{2})(?!\d)")


def version_of(data: MutableMapping[str, Any]) -> int:
    v = data.get("version", 1)
    return v if isinstance(v, int) else 1


def migrate(data: MutableMapping[str, Any]) -> list[str]:
    """Bring a loaded config to CURRENT, in place; one line per change, in Chinese-free operator words."""
    notes: list[str] = []
    if version_of(data) < 2:
        notes += _v1_to_v2(data)
    return notes


def _phrases(field: MutableMapping[str, Any], where: str, notes: list[str]) -> None:
    key = field.get("key")
    if key in V1_PHRASES and not field.get("phrases"):
        field["phrases"] = _like(field, copy.deepcopy(V1_PHRASES[key]))
        notes.append(f"{where}: the phrases release 1 read built in ({', '.join(V1_PHRASES[key])})")


def _like(container: Any, value: dict[str, list[str]]) -> Any:
    """In a round-trip file (ruamel), the lists written in flow style as the file writes its lists."""
    if type(container).__module__.startswith("ruamel"):
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        out = CommentedMap()
        for k, items in value.items():
            seq = CommentedSeq(items)
            seq.fa.set_flow_style()
            out[k] = seq
        return out
    return value


def _v1_to_v2(data: MutableMapping[str, Any]) -> list[str]:
    notes: list[str] = []
    for name, shared in (data.get("shared_fields") or {}).items():
        if isinstance(shared, MutableMapping):
            _phrases(shared, f"shared_fields.{name}", notes)
    for tpl in data.get("templates") or []:
        if not isinstance(tpl, MutableMapping):
            continue
        fields = [f for f in tpl.get("fields") or [] if isinstance(f, MutableMapping)]
        for f in fields:
            _phrases(f, f"templates[{tpl.get('id')}].{f.get('key')}", notes)
        if "roles" not in tpl:
            roles = _v1_roles(fields)
            if roles:
                tpl["roles"] = roles
                notes.append(f"templates[{tpl.get('id')}].roles: " + ", ".join(f"{k} {v}" for k, v in roles.items()))
    return notes


def _v1_roles(fields: list[MutableMapping[str, Any]]) -> dict[str, str]:
    keys = {f.get("key"): f for f in fields}
    roles = {role: key for role, key in V1_ROLES if key in keys}
    status = keys.get("status")
    if status is not None and "resumed" in (status.get("words") or {}):
        roles["resumed"] = "resumed"
    elif "status" in roles:
        del roles["status"]
    return roles


def prompt_times(data: MutableMapping[str, Any]) -> list[str]:
    """Version-1 prompts that name a time other than the deadline (kept as written, said once)."""
    deadlines = data.get("deadlines") or {}
    out = []
    for job in data.get("schedules") or []:
        if not isinstance(job, MutableMapping) or job.get("action") != "prompt" or not job.get("text"):
            continue
        deadline = str(deadlines.get(job.get("kind"), ""))
        for h, m in _HHMM.findall(str(job["text"])):
            if f"{int(h)}:{m}" != deadline.lstrip("0") and f"{int(h):02d}:{m}" != deadline:
                out.append(f"schedules[{job.get('id')}].text says {int(h)}:{m} but deadlines.{job.get('kind')} is "
                           f"{deadline}: kept as written; `wxbot config upgrade` writes {{deadline}}")
    return out


def _deadline_words(data: MutableMapping[str, Any]) -> list[str]:
    """On upgrade: a prompt's literal time becomes {deadline} (the time people are held to)."""
    notes = []
    for job in data.get("schedules") or []:
        if isinstance(job, MutableMapping) and job.get("action") == "prompt" and job.get("text") \
                and "{deadline}" not in str(job["text"]) and _HHMM.search(str(job["text"])):
            job["text"] = _HHMM.sub("{deadline}", str(job["text"]), count=1)
            notes.append(f"schedules[{job.get('id')}].text: the time is now {{deadline}}")
    return notes


def upgrade(path: Path) -> tuple[str, str, list[str]]:
    """(the file as it is, as it would be, what changed) — comments, order and anchors kept."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a line
    yaml.indent(mapping=2, sequence=4, offset=2)
    before = path.read_text(encoding="utf-8")
    data = yaml.load(before)
    if version_of(data) >= CURRENT:
        return before, before, []
    notes = migrate(data) + _deadline_words(data)
    if "version" in data:
        data["version"] = CURRENT
    else:
        data.insert(0, "version", CURRENT, comment="config.yaml's shape: `wxbot config upgrade` moves an older file on")
    out = io.StringIO()
    yaml.dump(data, out)
    return before, out.getvalue(), notes


def diff(before: str, after: str, name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"{name} (now)", tofile=f"{name} (upgraded)"))
