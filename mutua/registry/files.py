"""The registry export read from CSV or JSON, and each row cleaned into the fields of a Member or a Beneficiary.

Nothing here touches the database: what needs it (regional offices, the member of a beneficiary, codici fiscali
already taken) is checked by `registry_import` in services.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from mutua.core.provinces import provinces
from mutua.members.models import Beneficiary, Member, MemberKind, PostalAddress, Relationship, Sex
from mutua.members.validators import (
    fiscal_code_mismatches,
    normalize_fiscal_code,
    normalize_iban,
    normalize_user_code,
    validate_cap,
    validate_fiscal_code,
    validate_iban,
)

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


@dataclass
class CleanRow:
    """A row's values converted to model field values, or the reasons it cannot be imported."""

    line: int
    record: str
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


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


def clean_row(row: RawRow) -> CleanRow:
    """The row's values as model field values; every problem found is listed, not only the first."""
    record = _value(row.values, "record").lower()
    cleaned = CleanRow(line=row.line, record=record)
    if row.problem:
        cleaned.errors.append(row.problem)
        return cleaned
    if record == MEMBER:
        _clean_member(row.values, cleaned)
    elif record == BENEFICIARY:
        _clean_beneficiary(row.values, cleaned)
    elif not record:
        cleaned.errors.append(_("record: campo obbligatorio (member o beneficiary)."))
    else:
        cleaned.errors.append(_("record: deve essere member o beneficiary."))
    return cleaned


def _clean_member(values: Mapping[str, str], row: CleanRow) -> None:
    _reject_columns(values, row, allowed=MEMBER_COLUMNS)
    data = row.data
    data["code"] = _code(values, "code", row)
    data["kind"] = _choice(values, "kind", row, choices=MemberKind.values, default=MemberKind.ORDINARY)
    data["first_name"] = _text(values, "first_name", row, model=Member, required=True)
    data["last_name"] = _text(values, "last_name", row, model=Member, required=True)
    data["sex"] = _choice(values, "sex", row, choices=Sex.values, upper=True)
    data["birth_date"] = _birth_date(values, "birth_date", row)
    data["fiscal_code"] = _fiscal_code(values, row, birth_date=data["birth_date"], sex=data["sex"])
    data["birth_place"] = _text(values, "birth_place", row, model=Member)
    for prefix in ("residence", "domicile"):
        data.update(_address(values, prefix, row))
    data["postal_address"] = _choice(
        values, "postal_address", row, choices=PostalAddress.values, default=PostalAddress.RESIDENCE
    )
    if data["postal_address"] == PostalAddress.DOMICILE and not data["domicile_street"]:
        row.errors.append(_("postal_address: è domicile, ma l'indirizzo di domicilio è vuoto."))
    data["email"] = _email(values, "email", row)
    data["mobile"] = _mobile(values, "mobile", row)
    data["iban"] = _iban(values, "iban", row)
    data["account_holder"] = _text(values, "account_holder", row, model=Member)
    data["regional_office"] = _text(values, "regional_office", row, max_length=10)


def _clean_beneficiary(values: Mapping[str, str], row: CleanRow) -> None:
    _reject_columns(values, row, allowed=BENEFICIARY_COLUMNS)
    data = row.data
    data["member_code"] = _code(values, "member_code", row)
    data["relationship"] = _choice(values, "relationship", row, choices=Relationship.values)
    data["first_name"] = _text(values, "first_name", row, model=Beneficiary, required=True)
    data["last_name"] = _text(values, "last_name", row, model=Beneficiary, required=True)
    data["birth_date"] = _birth_date(values, "birth_date", row)
    sex = _choice(values, "sex", row, choices=Sex.values, upper=True, required=False)
    data["fiscal_code"] = _fiscal_code(values, row, birth_date=data["birth_date"], sex=sex)


def _value(values: Mapping[str, str], column: str) -> str:
    """The cell with surrounding spaces removed and runs of white space (tabs, new lines) made one space."""
    return " ".join((values.get(column) or "").split())


def _reject_columns(values: Mapping[str, str], row: CleanRow, *, allowed: tuple[str, ...]) -> None:
    for column, value in values.items():
        if column != "record" and column not in allowed and value.strip():
            row.errors.append(
                _("%(column)s: colonna non prevista per una riga %(record)s: lasciala vuota.")
                % {"column": column, "record": row.record}
            )


def _required(column: str, row: CleanRow) -> None:
    row.errors.append(_("%(column)s: campo obbligatorio.") % {"column": column})


def _text(
    values: Mapping[str, str],
    column: str,
    row: CleanRow,
    *,
    model: type[Member] | type[Beneficiary] | None = None,
    max_length: int = 0,
    required: bool = False,
) -> str:
    """Free text (names, addresses): bounded by the model column, without markup or control characters."""
    value = _value(values, column)
    if not value:
        if required:
            _required(column, row)
        return ""
    if model is not None:
        max_length = _max_length(model, column)
    if max_length and len(value) > max_length:
        row.errors.append(
            _("%(column)s: al massimo %(max)d caratteri (ne ha %(n)d).")
            % {"column": column, "max": max_length, "n": len(value)}
        )
        return ""
    if any(c in FORBIDDEN_CHARACTERS or unicodedata.category(c).startswith("C") for c in value):
        row.errors.append(
            _("%(column)s: contiene caratteri non ammessi (< > o caratteri di controllo).") % {"column": column}
        )
        return ""
    return value


def _max_length(model: type[Member] | type[Beneficiary], column: str) -> int:
    return int(getattr(model._meta.get_field(column), "max_length", 0) or 0)


def _choice(
    values: Mapping[str, str],
    column: str,
    row: CleanRow,
    *,
    choices: list[str],
    default: str = "",
    upper: bool = False,
    required: bool = True,
) -> str:
    value = _value(values, column)
    value = value.upper() if upper else value.lower()
    if not value:
        if not default and required:
            _required(column, row)
        return default
    if value not in choices:
        row.errors.append(
            _("%(column)s: valore non ammesso: usa %(choices)s.") % {"column": column, "choices": ", ".join(choices)}
        )
        return default
    return value


def _code(values: Mapping[str, str], column: str, row: CleanRow) -> str:
    value = _value(values, column)
    if not value:
        _required(column, row)
        return ""
    try:
        return normalize_user_code(value)
    except ValidationError as exc:
        row.errors.append(f"{column}: {exc.messages[0]}")
        return ""


def _birth_date(values: Mapping[str, str], column: str, row: CleanRow) -> dt.date | None:
    value = _value(values, column)
    if not value:
        _required(column, row)
        return None
    for date_format in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, date_format).date()
        except ValueError:
            continue
        if not EARLIEST_BIRTH_DATE <= parsed <= dt.date.today():
            row.errors.append(_("%(column)s: data di nascita fuori dall'intervallo ammesso.") % {"column": column})
            return None
        return parsed
    row.errors.append(_("%(column)s: data non valida: usa AAAA-MM-GG o GG/MM/AAAA.") % {"column": column})
    return None


def _fiscal_code(values: Mapping[str, str], row: CleanRow, *, birth_date: dt.date | None, sex: str) -> str:
    """A valid codice fiscale that agrees with the birth date and sex given in the same row."""
    value = normalize_fiscal_code(values.get("fiscal_code") or "")
    if not value:
        _required("fiscal_code", row)
        return ""
    try:
        validate_fiscal_code(value)
    except ValidationError as exc:
        row.errors.append(f"fiscal_code: {exc.messages[0]}")
        return ""
    problems = fiscal_code_mismatches(value, birth_date=birth_date, sex=sex or None)
    if "cf" in problems:
        row.errors.append(_("fiscal_code: il comune o lo Stato di nascita codificato non è riconosciuto."))
    if "birth_date" in problems:
        row.errors.append(_("fiscal_code: non corrisponde alla data di nascita indicata."))
    if "sex" in problems:
        row.errors.append(_("fiscal_code: non corrisponde al sesso indicato."))
    return value


def _address(values: Mapping[str, str], prefix: str, row: CleanRow) -> dict[str, str]:
    """Residence or domicile: all four parts or none."""
    columns = {part: f"{prefix}_{part}" for part in ADDRESS_PARTS}
    address = {
        columns["street"]: _text(values, columns["street"], row, model=Member),
        columns["city"]: _text(values, columns["city"], row, model=Member),
        columns["cap"]: _value(values, columns["cap"]),
        columns["province"]: _value(values, columns["province"]).upper(),
    }
    given = {column for column in columns.values() if _value(values, column)}
    if not given:
        return address
    for column in columns.values():
        if column not in given:
            row.errors.append(_("%(column)s: campo obbligatorio quando l'indirizzo è indicato.") % {"column": column})
    cap = address[columns["cap"]]
    if cap:
        try:
            validate_cap(cap)
        except ValidationError as exc:
            row.errors.append(f"{columns['cap']}: {exc.messages[0]}")
    province = address[columns["province"]]
    if province and province not in provinces():
        row.errors.append(
            _("%(column)s: sigla di provincia sconosciuta (due lettere, ad esempio MI o RM).")
            % {"column": columns["province"]}
        )
    return address


def _email(values: Mapping[str, str], column: str, row: CleanRow) -> str:
    value = _value(values, column)
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        row.errors.append(_("%(column)s: indirizzo email non valido.") % {"column": column})
        return ""
    max_length = _max_length(Member, column)
    if len(value) > max_length:
        row.errors.append(
            _("%(column)s: al massimo %(max)d caratteri (ne ha %(n)d).")
            % {"column": column, "max": max_length, "n": len(value)}
        )
        return ""
    return value


def _mobile(values: Mapping[str, str], column: str, row: CleanRow) -> str:
    """An Italian mobile number (or a foreign one with its prefix), stored as E.164."""
    value = _value(values, column)
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "IT")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        row.errors.append(_("%(column)s: numero di telefono non valido.") % {"column": column})
        return ""
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        row.errors.append(_("%(column)s: il numero non è un cellulare.") % {"column": column})
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _iban(values: Mapping[str, str], column: str, row: CleanRow) -> str:
    value = normalize_iban(values.get(column) or "")
    if not value:
        return ""
    try:
        validate_iban(value)
    except ValidationError as exc:
        row.errors.append(f"{column}: {exc.messages[0]}")
        return ""
    return value
