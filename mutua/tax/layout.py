"""The fixed-width file of the yearly communication, as data: record type, field, position, length, format.

A header record ("0"), one detail record ("1") per person, a trailer record ("9"); every record the same length,
ended by CR LF. docs/tax-communication.md prints this table and says which parts were checked against the
Agenzia delle Entrate's published material and which are mutua's own until the specification is in hand:
the positions and lengths below are mutua's (LAYOUT_VERSION), not the Agenzia's.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

LAYOUT_VERSION = "MUTUA-RSS-1"
RECORD_LENGTH = 250
EOL = "\r\n"


class Format(StrEnum):
    AN = "AN"  # alphanumeric: upper case ASCII, left aligned, padded with spaces
    NU = "NU"  # unsigned integer: right aligned, padded with zeros
    EU = "EU"  # euro amount in cents: unsigned, right aligned, padded with zeros (12,34 € → 000000001234)
    DT = "DT"  # date AAAAMMGG
    CF = "CF"  # codice fiscale: AN, 16 characters


@dataclass(frozen=True)
class Field:
    record: str
    number: int
    name: str
    start: int  # 1-based position of the first character
    length: int
    format: Format
    description: str

    @property
    def end(self) -> int:
        return self.start + self.length - 1


def _fields(record: str, spec: list[tuple[str, int, Format, str]]) -> list[Field]:
    """Lay out `spec` (name, length, format, description) one after the other from position 1."""
    out, start = [], 1
    for number, (name, length, fmt, description) in enumerate(spec, start=1):
        out.append(Field(record, number, name, start, length, fmt, description))
        start += length
    filler = RECORD_LENGTH - start + 1
    out.append(Field(record, len(out) + 1, "filler", start, filler, Format.AN, "spazi"))
    return out


HEADER = _fields(
    "0",
    [
        ("record_type", 1, Format.AN, "tipo record: 0"),
        ("layout", 12, Format.AN, "versione del tracciato (mutua)"),
        ("sender_cf", 16, Format.CF, "codice fiscale dell'ente, cassa o società di mutuo soccorso"),
        ("sender_name", 60, Format.AN, "denominazione"),
        ("fund_type", 1, Format.NU, "tipologia: 1 art. 51 c. 2 lett. a TUIR, 2 art. 10 c. 1 lett. e-ter TUIR"),
        ("year", 4, Format.NU, "anno di riferimento (anno d'imposta)"),
        ("kind", 1, Format.AN, "tipo di invio: O ordinario, S sostitutivo, A annullamento"),
        ("replaced_protocol", 24, Format.AN, "protocollo dell'invio sostituito o annullato"),
        ("created_on", 8, Format.DT, "data di creazione del file"),
        ("version", 3, Format.NU, "versione della comunicazione dell'anno"),
    ],
)

DETAIL = _fields(
    "1",
    [
        ("record_type", 1, Format.AN, "tipo record: 1"),
        ("sequence", 8, Format.NU, "progressivo del record di dettaglio"),
        ("member_cf", 16, Format.CF, "codice fiscale dell'iscritto"),
        ("person_cf", 16, Format.CF, "codice fiscale del soggetto a cui si riferiscono contributi e rimborsi"),
        ("relation", 1, Format.AN, "I iscritto, F familiare"),
        ("treatment", 1, Format.NU, "contributi: 1 deducibili, 2 detraibili, 0 né deducibili né detraibili"),
        ("contributions_same_year", 12, Format.EU, "contributi versati nell'anno, relativi all'anno"),
        ("contributions_earlier_years", 12, Format.EU, "contributi versati nell'anno, relativi ad anni precedenti"),
        ("spent_same_year", 12, Format.EU, "spese dell'anno rimborsate nell'anno: importo della spesa"),
        ("reimbursed_same_year", 12, Format.EU, "spese dell'anno rimborsate nell'anno: importo rimborsato"),
        ("spent_earlier_years", 12, Format.EU, "spese di anni precedenti rimborsate nell'anno: importo della spesa"),
        ("reimbursed_earlier_years", 12, Format.EU, "spese di anni precedenti rimborsate nell'anno: rimborsato"),
    ],
)

TRAILER = _fields(
    "9",
    [
        ("record_type", 1, Format.AN, "tipo record: 9"),
        ("detail_count", 8, Format.NU, "numero dei record di dettaglio"),
        ("contributions_same_year", 15, Format.EU, "totale dei contributi relativi all'anno"),
        ("contributions_earlier_years", 15, Format.EU, "totale dei contributi relativi ad anni precedenti"),
        ("reimbursed_same_year", 15, Format.EU, "totale rimborsato per spese dell'anno"),
        ("reimbursed_earlier_years", 15, Format.EU, "totale rimborsato per spese di anni precedenti"),
    ],
)

RECORDS: dict[str, list[Field]] = {"0": HEADER, "1": DETAIL, "9": TRAILER}


class LayoutError(ValueError):
    """A value does not fit its field (too long, negative, wrong type): the file is not written."""


def ascii_upper(value: str) -> str:
    """Upper-case ASCII: accents dropped (à → A), anything else outside printable ASCII becomes a space."""
    if value.isascii() and value.isprintable():  # codici fiscali and most names: nothing to drop
        return value.upper()
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").upper()
    return "".join(ch if 32 <= ord(ch) < 127 else " " for ch in plain)


def format_value(f: Field, value: object) -> str:
    if f.format in (Format.AN, Format.CF):
        text = ascii_upper(str(value or ""))
        if len(text) > f.length:
            if f.format == Format.CF:
                raise LayoutError(f"{f.record}.{f.name}: {len(text)} caratteri, al massimo {f.length}")
            text = text[: f.length]
        return text.ljust(f.length)
    if f.format == Format.DT:
        if not isinstance(value, dt.date) or value.year < 1000:  # AAAAMMGG: a year of four digits
            raise LayoutError(f"{f.record}.{f.name}: non è una data")
        return f"{value:%Y%m%d}"
    if f.format == Format.EU:
        if not isinstance(value, Decimal):
            raise LayoutError(f"{f.record}.{f.name}: non è un importo")
        number = int((value * 100).to_integral_value())
        if number != value * 100:
            raise LayoutError(f"{f.record}.{f.name}: {value} non è in centesimi")
    else:
        number = int(str(value))
    if number < 0:
        raise LayoutError(f"{f.record}.{f.name}: valore negativo {value}")
    text = str(number)
    if len(text) > f.length:
        raise LayoutError(f"{f.record}.{f.name}: {value} non sta in {f.length} cifre")
    return text.zfill(f.length)


def _reference_record(record_type: str, values: Mapping[str, object]) -> str:
    """One record built field by field with `format_value`: the definition `record` must match (tested)."""
    parts = []
    for f in RECORDS[record_type]:
        if f.name == "record_type":
            parts.append(record_type)
        elif f.name == "filler":
            parts.append(" " * f.length)
        else:
            value = values.get(f.name)
            if value is None and f.format in (Format.NU, Format.EU):
                value = Decimal("0.00") if f.format == Format.EU else 0
            parts.append(format_value(f, value))
    line = "".join(parts)
    assert len(line) == RECORD_LENGTH, (record_type, len(line))
    return line + EOL


# How `record` converts a field, as small integers compared in its loop (cheaper than the Format members).
_AMOUNT, _NUMBER, _DATE, _TEXT, _CODE = range(5)
_KINDS = {Format.EU: _AMOUNT, Format.NU: _NUMBER, Format.DT: _DATE, Format.AN: _TEXT, Format.CF: _CODE}


@dataclass(frozen=True)
class _Plan:
    """A record type compiled once: a printf-style template with the constant parts (record type, filler, end of
    line) written in and each field's width, and the fields to convert (name, kind, length, limit), in order."""

    template: str
    fields: tuple[tuple[str, int, int, int], ...]


def _plan(record_type: str) -> _Plan:
    template, fields = [], []
    for f in RECORDS[record_type]:
        if f.name == "record_type":
            template.append(record_type.replace("%", "%%"))
        elif f.name == "filler":
            template.append(" " * f.length)
        else:
            if f.format in (Format.NU, Format.EU):
                template.append(f"%0{f.length}d")
            elif f.format == Format.DT:
                template.append("%s")  # AAAAMMGG, formatted by `record`
            else:
                template.append(f"%-{f.length}s")
            fields.append((f.name, _KINDS[f.format], f.length, 10**f.length))
    return _Plan("".join(template) + EOL, tuple(fields))


_PLANS: dict[str, _Plan] = {record_type: _plan(record_type) for record_type in RECORDS}


def record(record_type: str, values: Mapping[str, object]) -> str:
    """One record, `RECORD_LENGTH` characters plus CR LF; a missing field is blank (AN) or zero (numbers).

    The same bytes as `format_value` field by field, with one printf-style formatting per record (some four
    times cheaper than `str.format_map`): a million members' file has a million and a half records."""
    plan = _PLANS[record_type]
    out: list[object] = []
    for name, kind, length, limit in plan.fields:
        value = values.get(name)
        if kind == _AMOUNT:
            if value is None:
                number = 0
            elif isinstance(value, Decimal):
                hundreds = value * 100
                number = int(hundreds)
                if number != hundreds:
                    raise LayoutError(f"{record_type}.{name}: {value} non è in centesimi")
            else:
                raise LayoutError(f"{record_type}.{name}: non è un importo")
        elif kind == _NUMBER:
            number = 0 if value is None else value if type(value) is int else int(str(value))
        elif kind == _DATE:
            if not isinstance(value, dt.date) or value.year < 1000:
                raise LayoutError(f"{record_type}.{name}: non è una data")
            out.append(f"{value:%Y%m%d}")
            continue
        else:
            text = ascii_upper(str(value or ""))
            if len(text) > length:
                if kind == _CODE:
                    raise LayoutError(f"{record_type}.{name}: {len(text)} caratteri, al massimo {length}")
                text = text[:length]
            out.append(text)
            continue
        if number < 0:
            raise LayoutError(f"{record_type}.{name}: valore negativo {value}")
        if number >= limit:
            raise LayoutError(f"{record_type}.{name}: {value} non sta in {length} cifre")
        out.append(number)
    return plan.template % tuple(out)


def parse(line: str) -> dict[str, str]:
    """The fields of one record, as text (trailing spaces of AN fields stripped): for tests and comparisons."""
    line = line.rstrip("\r\n")
    return {
        f.name: line[f.start - 1 : f.end].rstrip() if f.format in (Format.AN, Format.CF) else line[f.start - 1 : f.end]
        for f in RECORDS[line[0]]
        if f.name != "filler"
    }
