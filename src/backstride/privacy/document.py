"""The export's data as JSON and CSV: one document with every table, one CSV per table.

Both read :data:`tables.TABLES`. CSV cells hold lists and objects as JSON text, and text that
a spreadsheet would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from backstride.accounts.models import User

from .tables import TABLES, Row, Table

FORMAT = "backstride-account-export"
VERSION = 2


def header() -> dict[str, Any]:
    """The first keys of ``data.json``: what the file is and when it was made."""
    return {"format": FORMAT, "version": VERSION, "exported_at": timezone.now().isoformat()}


def export_everything(user: User) -> dict[str, Any]:
    """One JSON-ready document with all of this person's data: a key per table."""
    document = header()
    for t in TABLES:
        document[t.name] = list(t.rows(user))
    return document


def columns(t: Table, rows: list[Row]) -> list[str]:
    """The CSV header: the keys of the rows, or the model's columns when there are none."""
    if rows:
        return list(rows[0])
    if t.model is not None:
        return [f.name for f in t.fields()]
    return []


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """One CSV cell: JSON for lists and objects, true/false, empty for None, text guarded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(names: list[str], rows: Iterable[Row]) -> str:
    """A whole CSV file (header and rows) as text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: cell(row.get(k)) for k in names})
    return buffer.getvalue()
