"""What every workbook the bot writes shares: a bold header row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.styles import Font


def header(ws: Any, labels: Sequence[object]) -> None:
    """The sheet's first row: its column names, bold."""
    ws.append(list(labels))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
