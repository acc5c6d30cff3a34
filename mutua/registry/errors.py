"""The error file of a registry import: one line per problem (file, line, column, value, reason in Italian), written
as rows are read so that a million invalid rows cost no memory. A CSV with semicolons and a BOM, as Italian
spreadsheets open it."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.utils.translation import gettext as _

MAX_VALUE = 200
FORMULA_STARTS = frozenset("=+-@\t\r")


@dataclass(frozen=True)
class RowIssue:
    """What went wrong with (or is worth knowing about) one row of one file."""

    source: str
    line: int
    messages: tuple[str, ...]

    def __str__(self) -> str:
        return _("riga %(line)d: %(messages)s") % {"line": self.line, "messages": " ".join(self.messages)}


def split_message(message: str, values: Mapping[str, str]) -> tuple[str, str]:
    """The column a message is about (its text starts with the column's name) and the rest of the message."""
    column, separator, rest = message.partition(": ")
    if separator and (column in values or column.replace("_", "").isalpha() and column.islower()):
        return column, rest
    return "", message


class ErrorFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0
        self._stream: TextIO | None = None
        self._writer: csv.DictWriter[str] | None = None

    def _write_row(self, row: dict[str, str | int]) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._stream = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.DictWriter(
                self._stream, fieldnames=["file", "riga", "campo", "valore", "motivo"], delimiter=";"
            )
            self._writer.writeheader()
        self._writer.writerow(row)
        self.written += 1

    def write(self, issue: RowIssue, *, values: Mapping[str, str]) -> None:
        for message in issue.messages:
            column, reason = split_message(message, values)
            value = (values.get(column) or "")[:MAX_VALUE] if column else ""
            if value[:1] in FORMULA_STARTS:  # a spreadsheet would run it as a formula
                value = "'" + value
            self._write_row(
                {"file": issue.source, "riga": issue.line, "campo": column, "valore": value, "motivo": reason}
            )

    def write_file_error(self, *, source: str, line: int, message: str) -> None:
        self._write_row({"file": source, "riga": line or "", "campo": "", "valore": "", "motivo": message})

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
