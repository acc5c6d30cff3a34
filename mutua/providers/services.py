"""Changes to the provider directory: the import from the mutual's list of affiliated providers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mutua.audit.services import audit_record
from mutua.core.provinces import provinces
from mutua.providers.models import Category, Provider, search_key

# The columns of docs/providers-import.md, in order.
COLUMNS = ("nome", "indirizzo", "comune", "provincia", "latitudine", "longitudine", "categorie", "forma_diretta")
YES = {"si", "sì", "s", "1", "true", "vero", "x", "yes"}
NO = {"no", "n", "0", "false", "falso", ""}
# Italy with its islands and a margin: a point outside is a typo (swapped or missing digits).
LAT_RANGE = (Decimal("35.0"), Decimal("47.5"))
LON_RANGE = (Decimal("6.0"), Decimal("19.0"))


class ProviderFileError(Exception):
    """The file cannot be read at all; the message is for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ProviderRow:
    line: int
    name: str
    address: str
    city: str
    province: str
    latitude: Decimal
    longitude: Decimal
    categories: tuple[str, ...]
    direct_form: bool
    phone: str = ""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def provider_rows_read(*, stream: IO[str]) -> tuple[list[ProviderRow], list[str]]:
    """Parse the CSV (comma or semicolon, header first): the good rows, and one Italian message per bad row."""
    text = stream.read()
    if not text.strip():
        raise ProviderFileError(_("Il file è vuoto."))
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ProviderFileError(
            _("Mancano le colonne: %(cols)s. Vedi docs/providers-import.md.") % {"cols": ", ".join(missing)}
        )
    reader.fieldnames = header
    rows: list[ProviderRow] = []
    errors: list[str] = []
    for raw in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        problems: list[str] = []
        for column in ("nome", "indirizzo", "comune"):
            if not values.get(column):
                problems.append(_("manca «%(col)s»") % {"col": column})
        province = values.get("provincia", "").upper()
        if province not in provinces():
            problems.append(_("provincia «%(p)s» sconosciuta") % {"p": values.get("provincia", "")})
        lat = _coordinate(values.get("latitudine", ""), LAT_RANGE)
        lon = _coordinate(values.get("longitudine", ""), LON_RANGE)
        if lat is None:
            problems.append(_("latitudine «%(v)s» non valida") % {"v": values.get("latitudine", "")})
        if lon is None:
            problems.append(_("longitudine «%(v)s» non valida") % {"v": values.get("longitudine", "")})
        flag = values.get("forma_diretta", "").lower()
        if flag not in YES | NO:
            problems.append(_("forma diretta «%(v)s» non valida (sì o no)") % {"v": values.get("forma_diretta", "")})
        for column, limit in (("nome", 200), ("indirizzo", 200), ("comune", 100), ("telefono", 30)):
            if len(values.get(column, "")) > limit:
                problems.append(_("«%(col)s» supera i %(n)d caratteri") % {"col": column, "n": limit})
        categories = tuple(c.strip() for c in values.get("categorie", "").split("|") if c.strip())
        if problems or lat is None or lon is None:
            errors.append(_("Riga %(line)d: %(problems)s.") % {"line": line, "problems": "; ".join(problems)})
            continue
        rows.append(
            ProviderRow(
                line=line,
                name=values["nome"],
                address=values["indirizzo"],
                city=values["comune"],
                province=province,
                latitude=lat,
                longitude=lon,
                categories=categories,
                direct_form=flag in YES,
                phone=values.get("telefono", ""),
            )
        )
    return rows, errors


def _coordinate(text: str, bounds: tuple[Decimal, Decimal]) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or not bounds[0] <= value <= bounds[1]:
        return None
    return value.quantize(Decimal("0.000001"))


def providers_import(*, rows: Iterable[ProviderRow], errors: Iterable[str] = (), actor: object = None) -> ImportReport:
    """Create or update providers by (name, address, comune, provincia), accents and case ignored; idempotent.

    Categories are matched by name or code and created when new; a provider's categories become exactly the row's.
    """
    report = ImportReport(errors=list(errors))
    with transaction.atomic():
        categories = {search_key(c.name): c for c in Category.objects.all()}
        categories.update({c.slug: c for c in categories.values()})
        for row in rows:
            wanted = []
            for label in row.categories:
                category = categories.get(search_key(label)) or categories.get(slugify(label))
                if category is None:
                    category = Category.objects.create(slug=slugify(label)[:40] or "categoria", name=label[:80])
                    categories[search_key(label)] = categories[category.slug] = category
                wanted.append(category)
            existing = Provider.objects.filter(
                name_search=search_key(row.name),
                province=row.province,
                city__iexact=row.city,
                address__iexact=row.address,
            ).first()
            values = {
                "name": row.name,
                "address": row.address,
                "city": row.city,
                "province": row.province,
                "latitude": row.latitude,
                "longitude": row.longitude,
                "phone": row.phone,
                "direct_form": row.direct_form,
            }
            if existing is None:
                provider = Provider.objects.create(**values)
                provider.categories.set(wanted)
                report.created += 1
                continue
            changed = any(getattr(existing, k) != v for k, v in values.items())
            current = set(existing.categories.values_list("pk", flat=True))
            if changed:
                for k, v in values.items():
                    setattr(existing, k, v)
                existing.save()
            if current != {c.pk for c in wanted}:
                existing.categories.set(wanted)
                changed = True
            if changed:
                report.updated += 1
            else:
                report.unchanged += 1
        audit_record(
            action="providers.import",
            actor=actor,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            errors=len(report.errors),
        )
    return report
