"""Printing for ``m2m``: one JSON value for scripts, aligned plain text for people."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import OutputWrapper

NOT_SHOWN_AGAIN = "Store it now: it will not be shown again."


def iso(moment: datetime | None) -> str | None:
    """Absolute UTC time in ISO 8601, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat() if moment else None


def write_json(out: OutputWrapper, value: Any) -> None:
    """Exactly one line: scripts read it with one ``readline`` or ``jq``."""
    out.write(json.dumps(value, ensure_ascii=False))


def write_created(out: OutputWrapper, options: dict, record: dict[str, Any], sentence: str, secret: str) -> None:
    """The record as one JSON object with --json; else the sentence, the secret and a warning."""
    if options["json"]:
        write_json(out, record)
        return
    out.write(sentence)
    out.write(secret)
    out.write(NOT_SHOWN_AGAIN)


def write_listing(out: OutputWrapper, options: dict, rows: list[dict[str, Any]], columns: list[str]) -> None:
    if options["json"]:
        write_json(out, rows)
    else:
        write_table(out, rows, columns)


def write_table(out: OutputWrapper, rows: list[dict[str, Any]], columns: list[str]) -> None:
    header = [column.upper().replace("_", " ") for column in columns]
    cells = [[_cell(row[column]) for column in columns] for row in rows]
    widths = [max(map(len, column)) for column in zip(header, *cells, strict=True)]
    for line in [header, *cells]:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    if value is None or value == []:
        return "-"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)
