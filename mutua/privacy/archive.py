"""What "Scarica i miei dati" puts in the ZIP: every table of the member's data as JSON and CSV, and their own files.

Each table is read through the member (`member=`, or a row that belongs to one of their claims or bookings): nothing
of another member can enter the archive. Family members appear as the member's beneficiaries. Health details the
member wrote or uploaded are theirs and are included; the access log lists who read or changed their data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import uuid
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone

from mutua.audit.models import AuditEvent
from mutua.bookings.models import Booking, BookingAttachment, BookingEvent
from mutua.claims.models import Attachment, Claim, ClaimDocument, ClaimEvent, Settlement
from mutua.documents.models import ScanStatus
from mutua.members.models import Beneficiary, Consent, Member, MemberChange
from mutua.notifications.models import Notification
from mutua.payouts.models import PaymentBatchItem
from mutua.plans.models import Contribution, Enrollment

Row = dict[str, Any]

README = """Copia dei tuoi dati personali – {name}
Preparata il {when} per {member} (matricola {code}).

Cartella dati/: ogni tabella in due formati, JSON (per un programma) e CSV (per un foglio di calcolo, separatore
virgola, codifica UTF-8):
  dati_personali      i tuoi dati anagrafici, i contatti e l'IBAN
  modifiche_dati      le modifiche ai tuoi dati, con data e valore precedente
  familiari           i familiari aventi diritto
  adesioni            le forme di assistenza a cui aderisci
  contributi          i contributi per anno
  pratiche            le pratiche di rimborso e i sussidi
  documenti_pratiche  i documenti di ciascuna pratica
  eventi_pratiche     i cambi di stato delle pratiche
  liquidazioni        gli importi liquidati per documento
  pagamenti           i bonifici che hanno pagato le liquidazioni
  prenotazioni        le prenotazioni in forma diretta
  eventi_prenotazioni i cambi di stato delle prenotazioni
  consensi            le scelte sull'informativa privacy, con la versione
  notifiche           le notifiche dell'area soci
  registro_accessi    chi ha letto o modificato i tuoi dati, e quando

Cartella documenti/: i file che hai caricato, per pratica e per prenotazione, con il loro nome originale.
I file trattenuti dall'antivirus non sono inclusi.
"""


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)  # a phone number


def _rows(queryset: Iterable[Any]) -> list[Row]:
    """Rows of a values() queryset, ready for JSON and CSV."""
    return [{key: _value(value) for key, value in row.items()} for row in queryset]


def member_tables(member: Member) -> dict[str, list[Row]]:
    """Every table of the archive, each a list of rows, all read through `member`."""
    claims = Claim.objects.filter(member=member)
    bookings = Booking.objects.filter(member=member)
    personal = Member.objects.filter(pk=member.pk).values(
        "code", "kind", "fiscal_code", "first_name", "last_name", "sex", "birth_date", "birth_place",
        "residence_street", "residence_cap", "residence_city", "residence_province",
        "domicile_street", "domicile_number", "domicile_cap", "domicile_city", "domicile_province",
        "postal_address", "email", "email_verified_at", "mobile", "mobile_verified_at",
        "payment_method", "iban", "account_holder", "regional_office__name",
    )  # fmt: skip
    return {
        "dati_personali": _rows(personal),
        "modifiche_dati": _rows(
            MemberChange.objects.filter(member=member).order_by("changed_at").values(
                "changed_at", "field", "old_value", "new_value"
            )
        ),
        "familiari": _rows(
            Beneficiary.objects.filter(member=member).order_by("pk").values(
                "relationship", "first_name", "last_name", "fiscal_code", "birth_date"
            )
        ),
        "adesioni": _rows(
            Enrollment.objects.filter(member=member).order_by("start_date").values(
                "id", "plan__code", "plan__name", "start_date", "end_date"
            )
        ),
        "contributi": _rows(
            Contribution.objects.filter(member=member).order_by("year", "pk").values(
                "year", "period", "enrollment__plan__name", "amount_due", "amount_paid", "family_part", "paid_on",
                "method",
            )
        ),
        "pratiche": _rows(
            claims.order_by("pk").values(
                "id", "kind", "status", "region", "created_at", "submitted_at", "block_reason", "updated_at"
            )
        ),
        "documenti_pratiche": _rows(
            ClaimDocument.objects.filter(claim__in=claims).order_by("claim_id", "pk").values(
                "claim_id", "id", "doc_type", "number", "issue_date", "amount", "provider_name", "provider_province",
                "beneficiary__first_name", "beneficiary__last_name", "notes", "school_type", "grade",
                "grade_honours",
            )
        ),
        "eventi_pratiche": _rows(
            ClaimEvent.objects.filter(claim__in=claims).order_by("claim_id", "created_at", "pk").values(
                "claim_id", "created_at", "from_status", "to_status", "note"
            )
        ),
        "liquidazioni": _rows(
            Settlement.objects.filter(document__claim__in=claims).order_by("document__claim_id", "pk").values(
                "document__claim_id", "document_id", "amount_requested", "amount_admitted", "amount_withheld",
                "amount_paid", "reason", "competence_year", "payment_year", "paid_on",
            )
        ),
        "pagamenti": _rows(
            PaymentBatchItem.objects.filter(settlement__document__claim__in=claims).order_by("pk").values(
                "settlement__document__claim_id", "settlement__document_id", "settlement__amount_paid", "iban",
                "account_holder", "batch__execution_date", "batch__status", "batch__confirmed_at",
            )
        ),
        "prenotazioni": _rows(
            bookings.order_by("pk").values(
                "id", "status", "beneficiary__first_name", "beneficiary__last_name", "email", "phone",
                "appointment_date", "appointment_time", "provider__name", "visit_type", "description", "diagnosis",
                "notes", "submitted_at", "authorization_code", "valid_from", "valid_until", "member_share",
                "created_at",
            )
        ),
        "eventi_prenotazioni": _rows(
            BookingEvent.objects.filter(booking__in=bookings).order_by("booking_id", "created_at", "pk").values(
                "booking_id", "created_at", "from_status", "to_status", "note"
            )
        ),
        "consensi": _rows(
            Consent.objects.filter(member=member).order_by("created_at", "pk").values(
                "created_at", "purpose", "given", "notice__version", "notice_sha256", "channel", "ip_address"
            )
        ),
        "notifiche": _rows(
            Notification.objects.filter(member=member).order_by("created_at", "pk").values(
                "created_at", "kind", "title", "body", "url", "read_at"
            )
        ),
        "registro_accessi": _rows(
            AuditEvent.objects.filter(member=member).order_by("created_at", "pk").values(
                "created_at", "action", "actor__username", "actor__role", "ip_address", "data"
            )
        ),
    }  # fmt: skip


def _csv(rows: list[Row]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for k, v in row.items()}
            )
    return out.getvalue()


def _files(member: Member) -> Iterable[tuple[str, Any]]:
    """(path in the archive, FieldFile) of every file the member uploaded that the scan did not quarantine."""
    for a in (
        Attachment.objects.filter(document__claim__member=member)
        .exclude(scan_status=ScanStatus.INFECTED)
        .order_by("document__claim_id", "pk")
    ):
        yield f"documenti/pratica-{a.document.claim_id}/{a.pk}-{a.original_name}", a.file
    for b in (
        BookingAttachment.objects.filter(booking__member=member)
        .exclude(scan_status=ScanStatus.INFECTED)
        .order_by("booking_id", "pk")
    ):
        yield f"documenti/prenotazione-{b.booking_id}/{b.pk}-{b.original_name}", b.file


def archive_write(member: Member, target: IO[bytes], *, mutual_name: str) -> None:
    """Write the member's archive into `target` (a binary file open for writing)."""
    now = timezone.localtime()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "LEGGIMI.txt",
            README.format(name=mutual_name, when=f"{now:%d/%m/%Y %H:%M}", member=member.full_name, code=member.code),
        )
        for name, rows in member_tables(member).items():
            zf.writestr(f"dati/{name}.json", json.dumps(rows, ensure_ascii=False, indent=2))
            zf.writestr(f"dati/{name}.csv", _csv(rows))
        for path, field in _files(member):
            try:
                with field.open("rb") as source, zf.open(path, "w") as dest:
                    shutil.copyfileobj(source, dest, 1024 * 1024)
            except FileNotFoundError:
                zf.writestr(path + ".mancante.txt", "File non più presente nell'archivio della mutua.\n")
