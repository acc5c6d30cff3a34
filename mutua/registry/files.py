"""The registry export read from CSV or JSON into rows of text values, with the file's own checks (format,
encoding, columns). Each row is then cleaned by mutua.registry.rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from django.utils.translation import gettext as _

MEMBER = "member"
BENEFICIARY = "beneficiary"

ADDRESS_PARTS = ("street", "cap", "city", "province")
MEMBER_COLUMNS = (
    "code",
    "kind",
    "fiscal_code",
    "first_name",
    "last_name",
    "sex",
    "birth_date",
    "birth_place",
    *(f"residence_{part}" for part in ADDRESS_PARTS),
    *(f"domicile_{part}" for part in ADDRESS_PARTS),
    "postal_address",
    "email",
    "mobile",
    "iban",
    "account_holder",
    "regional_office",
)
# `sex` is optional for a beneficiary: not stored, only checked against the codice fiscale when given.
BENEFICIARY_COLUMNS = ("member_code", "relationship", "fiscal_code", "first_name", "last_name", "birth_date", "sex")
COLUMNS = ("record", *MEMBER_COLUMNS, *(c for c in BENEFICIARY_COLUMNS if c not in MEMBER_COLUMNS))

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
FORBIDDEN_CHARACTERS = frozenset("<>")

FileFormat = Literal["csv", "json"]


class RegistryFileError(Exception):
    """The file as a whole cannot be read (format, encoding, columns); nothing is imported."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RawRow:
    """One row as read: `line` is the CSV line number (header = 1) or the position of the object in a JSON list."""

    line: int
    values: Mapping[str, str]
    problem: str = ""


def registry_read(*, path: Path, file_format: FileFormat | None = None, encoding: str = "utf-8-sig") -> list[RawRow]:
    """All rows of a registry file; the format comes from the extension unless given."""
    file_format = file_format or _format_from_name(path)
    try:
        with path.open(encoding=encoding, newline="") as stream:
            return read_json(stream) if file_format == "json" else read_csv(stream)
    except FileNotFoundError:
        raise RegistryFileError(_("Il file %(path)s non esiste.") % {"path": path})
    except IsADirectoryError:
        raise RegistryFileError(_("%(path)s è una cartella, non un file.") % {"path": path})
    except UnicodeDecodeError:
        raise RegistryFileError(
            _("Il file non è nella codifica %(encoding)s: indicala con --encoding (ad esempio cp1252).")
            % {"encoding": encoding}
        )
    except LookupError:
        raise RegistryFileError(_("Codifica sconosciuta: %(encoding)s.") % {"encoding": encoding})


def _format_from_name(path: Path) -> FileFormat:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise RegistryFileError(_("Formato non riconosciuto dall'estensione del file: usa .csv o .json, oppure --format."))


def read_csv(stream: TextIO) -> list[RawRow]:
    """Rows of a CSV with a header line; the separator is a comma or, as Italian spreadsheets write it, a semicolon."""
    header_line = stream.readline()
    if not header_line.strip():
        raise RegistryFileError(_("Il file è vuoto: manca la riga di intestazione."))
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [_column_name(name) for name in next(csv.reader([header_line], delimiter=delimiter))]
    _check_columns(header)
    reader = csv.reader(stream, delimiter=delimiter)
    rows: list[RawRow] = []
    last_line = 1  # the header, read outside the reader
    try:
        for cells in reader:
            start, last_line = last_line + 1, 1 + reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            problem = ""
            if any(cell.strip() for cell in cells[len(header) :]):
                problem = _("la riga ha più campi delle colonne dell'intestazione (%(n)d invece di %(m)d).") % {
                    "n": len(cells),
                    "m": len(header),
                }
            rows.append(RawRow(line=start, values=dict(zip(header, cells, strict=False)), problem=problem))
    except csv.Error as exc:
        raise RegistryFileError(
            _("CSV non leggibile alla riga %(line)d: %(error)s") % {"line": last_line + 1, "error": exc}
        )
    return rows


def read_json(stream: TextIO) -> list[RawRow]:
    """A JSON list of objects with the same fields as the CSV columns."""
    try:
        data = json.load(stream)
    except json.JSONDecodeError as exc:
        raise RegistryFileError(
            _("JSON non valido alla riga %(line)d, colonna %(col)d: %(error)s")
            % {"line": exc.lineno, "col": exc.colno, "error": exc.msg}
        )
    if not isinstance(data, list):
        raise RegistryFileError(_("Il JSON deve essere una lista di oggetti, uno per persona."))
    rows: list[RawRow] = []
    seen: set[str] = set()
    for position, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            rows.append(RawRow(line=position, values={}, problem=_("l'elemento non è un oggetto JSON.")))
            continue
        values: dict[str, str] = {}
        problem = ""
        for key, value in item.items():
            name = _column_name(str(key))
            seen.add(name)
            if value is None:
                values[name] = ""
            elif isinstance(value, str | int) and not isinstance(value, bool):
                values[name] = str(value)
            else:
                problem = _("il campo %(name)s deve essere un testo o un numero intero.") % {"name": name}
        rows.append(RawRow(line=position, values=values, problem=problem))
    _check_columns(sorted(seen), require_record=bool(data))
    return rows


def _column_name(name: str) -> str:
    return name.strip().lower()


def _check_columns(names: list[str], *, require_record: bool = True) -> None:
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise RegistryFileError(
            _("Colonne sconosciute: %(names)s. Le colonne ammesse sono descritte in docs/registry-import.md.")
            % {"names": ", ".join(repr(name) for name in unknown[:10])}
        )
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise RegistryFileError(_("Colonne ripetute: %(names)s.") % {"names": ", ".join(duplicated)})
    if require_record and "record" not in names:
        raise RegistryFileError(_("Manca la colonna record (member o beneficiary)."))
