"""A registry export read as a stream of rows of text values, with the file's own checks (size, format,
encoding, columns). Rows are never all held in memory: a file of any length is read in constant space.
Each row is then cleaned by mutua.registry.rows (members, family members) or mutua.registry.cleaning."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from django.conf import settings
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
# The people file of earlier versions: members and family members in one file, told apart by `record`.
COLUMNS = ("record", *MEMBER_COLUMNS, *(c for c in BENEFICIARY_COLUMNS if c not in MEMBER_COLUMNS))

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
FORBIDDEN_CHARACTERS = frozenset("<>")
JSON_CHUNK = 1 << 16

FileFormat = Literal["csv", "json"]


class RegistryFileError(Exception):
    """The file as a whole cannot be read (size, format, encoding, columns); `line` where it was noticed."""

    def __init__(self, message: str, *, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class RawRow:
    """One row as read: `line` is the CSV line number (header = 1) or the position of the object in a JSON list."""

    line: int
    values: Mapping[str, str]
    problem: str = ""


class RegistryFile:
    """An open registry file: its header (the column names) and an iterator over its rows, read lazily.

    `position` is how many bytes were read so far, for a progress bar; `size` the file's length.
    """

    def __init__(self, *, path: Path, file_format: FileFormat | None = None, encoding: str = "utf-8-sig") -> None:
        self.path = path
        self.format: FileFormat = file_format or format_from_name(path)
        self.encoding = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise RegistryFileError(_("Codifica sconosciuta: %(encoding)s.") % {"encoding": encoding})
        try:
            self.size = path.stat().st_size
            if path.is_dir():
                raise RegistryFileError(_("%(path)s è una cartella, non un file.") % {"path": path.name})
        except FileNotFoundError:
            raise RegistryFileError(_("Il file %(path)s non esiste.") % {"path": path.name})
        limit = settings.REGISTRY_IMPORT_MAX_MB * 1024 * 1024
        if self.size > limit:
            raise RegistryFileError(
                _("Il file è troppo grande: %(size)d MB, il massimo è %(max)d MB. Dividilo in più file.")
                % {"size": self.size // (1024 * 1024), "max": settings.REGISTRY_IMPORT_MAX_MB}
            )
        with path.open("rb") as head:
            start = head.read(4096)
        if not start.strip(b"\xef\xbb\xbf \t\r\n"):
            raise RegistryFileError(_("Il file è vuoto: manca la riga di intestazione."), line=1)
        self._binary: BinaryIO | None = None
        self.header = self._read_header()

    @property
    def position(self) -> int:
        return self._binary.tell() if self._binary is not None and not self._binary.closed else self.size

    def _open_text(self) -> io.TextIOWrapper:
        self._binary = self.path.open("rb")
        return io.TextIOWrapper(self._binary, encoding=self.encoding, newline="")

    def _read_header(self) -> list[str]:
        if self.format == "json":
            names: list[str] = []
            for row in self.rows():
                names.extend(name for name in row.values if name not in names)
                break
            return names
        with self._open_text() as stream:
            try:
                header_line = stream.readline()
            except UnicodeDecodeError:
                raise self._encoding_error(1)
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        self.delimiter = delimiter
        header = [column_name(name) for name in next(csv.reader([header_line], delimiter=delimiter), [])]
        duplicated = sorted({name for name in header if header.count(name) > 1})
        if duplicated:
            raise RegistryFileError(_("Colonne ripetute: %(names)s.") % {"names": ", ".join(duplicated)}, line=1)
        return header

    def _first_undecodable_line(self) -> int:
        """The text layer reads ahead, so the line of a bad byte is found again by decoding line by line."""
        decoder = codecs.getincrementaldecoder(self.encoding)()
        with self.path.open("rb") as binary:
            for number, raw in enumerate(binary, start=1):
                try:
                    decoder.decode(raw)
                except UnicodeDecodeError:
                    return number
        return 0

    def _encoding_error(self, line: int = 0) -> RegistryFileError:
        line = self._first_undecodable_line() or line
        return RegistryFileError(
            _(
                "Il file non è nella codifica %(encoding)s (riga %(line)d): salvalo in UTF-8 "
                "o indica la codifica con --encoding (ad esempio latin-1 o cp1252)."
            )
            % {"encoding": "UTF-8" if self.encoding == "utf-8-sig" else self.encoding, "line": line},
            line=line,
        )

    def rows(self) -> Iterator[RawRow]:
        """Every row, in file order; lines whose cells are all empty are skipped."""
        with self._open_text() as stream:
            if self.format == "json":
                yield from self._json_rows(stream)
            else:
                yield from self._csv_rows(stream)

    def _csv_rows(self, stream: io.TextIOWrapper) -> Iterator[RawRow]:
        header = self.header
        try:
            stream.readline()
        except UnicodeDecodeError:
            raise self._encoding_error(1)
        reader = csv.reader(stream, delimiter=self.delimiter)
        last_line = 1
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
                elif len(cells) < len(header):
                    problem = _("la riga ha meno campi delle colonne dell'intestazione (%(n)d invece di %(m)d).") % {
                        "n": len(cells),
                        "m": len(header),
                    }
                yield RawRow(line=start, values=dict(zip(header, cells, strict=False)), problem=problem)
        except UnicodeDecodeError:
            raise self._encoding_error()
        except csv.Error as exc:
            raise RegistryFileError(
                _("CSV non leggibile alla riga %(line)d: %(error)s") % {"line": last_line + 1, "error": exc},
                line=last_line + 1,
            )

    def _json_rows(self, stream: io.TextIOWrapper) -> Iterator[RawRow]:
        """A JSON list of objects, decoded one object at a time."""
        try:
            for position, item in enumerate(_json_items(stream), start=1):
                yield _json_row(position, item)
        except UnicodeDecodeError:
            raise self._encoding_error()


def _json_items(stream: io.TextIOWrapper) -> Iterator[object]:
    decoder = json.JSONDecoder()
    buffer = stream.read(JSON_CHUNK)
    line = 1 + buffer[: len(buffer) - len(buffer.lstrip())].count("\n")
    buffer = buffer.lstrip()
    if not buffer.startswith("["):
        raise RegistryFileError(_("Il JSON deve essere una lista di oggetti, uno per riga del registro."), line=line)
    buffer = buffer[1:]
    expect_item = True
    while True:
        stripped = buffer.lstrip()
        line += buffer[: len(buffer) - len(stripped)].count("\n")
        buffer = stripped
        while not buffer:
            more = stream.read(JSON_CHUNK)
            if not more:
                raise RegistryFileError(
                    _("JSON non valido alla riga %(line)d: la lista non è chiusa da ].") % {"line": line}, line=line
                )
            stripped = more.lstrip()
            line += more[: len(more) - len(stripped)].count("\n")
            buffer = stripped
        if buffer[0] == "]":
            return
        if not expect_item:
            if buffer[0] != ",":
                raise RegistryFileError(
                    _("JSON non valido alla riga %(line)d: manca una virgola tra due oggetti.") % {"line": line},
                    line=line,
                )
            buffer = buffer[1:]
            expect_item = True
            continue
        while True:
            try:
                item, end = decoder.raw_decode(buffer)
                break
            except json.JSONDecodeError as exc:
                more = stream.read(JSON_CHUNK)
                if not more:
                    at = line + buffer[: exc.pos].count("\n")
                    raise RegistryFileError(
                        _("JSON non valido alla riga %(line)d: %(error)s") % {"line": at, "error": exc.msg}, line=at
                    )
                buffer += more
        line += buffer[:end].count("\n")
        buffer = buffer[end:]
        expect_item = False
        yield item


def _json_row(position: int, item: object) -> RawRow:
    if not isinstance(item, dict):
        return RawRow(line=position, values={}, problem=_("l'elemento non è un oggetto JSON."))
    values: dict[str, str] = {}
    problem = ""
    for key, value in item.items():
        name = column_name(str(key))
        if value is None:
            values[name] = ""
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            values[name] = str(value)
        else:
            problem = _("il campo %(name)s deve essere un testo o un numero.") % {"name": name}
    return RawRow(line=position, values=values, problem=problem)


def format_from_name(path: Path) -> FileFormat:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise RegistryFileError(_("Formato non riconosciuto dall'estensione del file: usa .csv o .json, oppure --format."))


def column_name(name: str) -> str:
    return name.strip().lower()


def check_columns(names: list[str], *, allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
    """Unknown columns stop the import before any row is read: a misspelt column never drops data silently."""
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise RegistryFileError(
            _("Colonne sconosciute: %(names)s. Le colonne ammesse sono descritte in docs/registry-import.md.")
            % {"names": ", ".join(repr(name) for name in unknown[:10])},
            line=1,
        )
    missing = [name for name in required if name not in names]
    if missing:
        raise RegistryFileError(
            _("Colonne obbligatorie mancanti: %(names)s.") % {"names": ", ".join(missing)},
            line=1,
        )
