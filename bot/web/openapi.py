"""The JSON API's description, served at /api/openapi.json."""

from __future__ import annotations

from typing import Any

_DATE = {"name": "date", "in": "path", "required": True, "schema": {"type": "string", "format": "date"}}
_KIND = {"name": "kind", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "group kind: property, construction, grid"}
_UNIT = {"name": "unit_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_AUTH = {"401": {"description": "not logged in"}}


def _get(summary: str, params: list[dict[str, Any]], schema: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": params, "security": [{"session": []}],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
                                  **_AUTH}}}


_UNIT_STATE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string"},
    "kind_name": {"type": "string"}, "street": {"type": ["string", "null"]},
    "state": {"type": "string", "enum": ["reported", "late", "anomaly", "missing"]},
    "fever": {"type": "integer"}, "nil": {"type": "boolean"}}}
_PROBLEM = {"type": "object", "properties": {
    "number": {"type": "integer"}, "unit": {"type": "string"}, "unit_id": {"type": "integer"},
    "description": {"type": "string"}, "deadline": {"type": ["string", "null"], "format": "date"},
    "status": {"type": "string", "enum": ["open", "closed"]}, "overdue": {"type": "boolean"},
    "assignee": {"type": "string"}, "created_at": {"type": "string"}, "closed_at": {"type": ["string", "null"]}}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "wxbot officials' desk API", "version": "1",
             "description": "Log in at /login (a session cookie); a street account sees only its street."},
    "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "wxbot_session"}}},
    "paths": {
        "/api/days/{date}": _get("Every unit's state on a day, with totals", [_DATE, _KIND], {"type": "object", "properties": {
            "date": {"type": "string"}, "totals": {"type": "object"}, "units": {"type": "array", "items": _UNIT_STATE},
            "by": {"type": "string", "enum": ["street", "community"]},
            "rollup": {"type": "array", "items": {"type": "object"}}}}),
        "/api/units": _get("Units visible to this account", [_KIND], {"type": "array", "items": {"type": "object"}}),
        "/api/units/{unit_id}/reports": _get(
            "One unit's reports (newest day last)",
            [_UNIT, {"name": "days", "in": "query", "schema": {"type": "integer", "maximum": 366}},
             {"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}}],
            {"type": "object", "properties": {"unit": {"type": "object"}, "reports": {"type": "array"}}}),
        "/api/problems": _get("Problems assigned (交办) and their state", [], {"type": "array", "items": _PROBLEM}),
        "/api/summary/{date}": _get("The officials' daily summary text", [_DATE, _KIND],
                                    {"type": "object", "properties": {"date": {"type": "string"}, "text": {"type": "string"}}}),
        "/healthz": {"get": {"summary": "Health for a process supervisor (no login)", "responses": {
            "200": {"description": "healthy"}, "503": {"description": "database unreachable or WeChat disconnected"}}}},
    },
}
