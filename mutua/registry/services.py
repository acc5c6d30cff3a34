"""The import of members and beneficiaries from the mutual's core registry: row by row, idempotent, every change
recorded in the member's history."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from mutua.accounts.models import Role, User
from mutua.audit.services import audit_record
from mutua.members.models import Beneficiary, Member, RegionalOffice
from mutua.registry.files import BENEFICIARY, MEMBER, RawRow
from mutua.registry.rows import CleanRow, clean_row

logger = logging.getLogger(__name__)

# Contact and payment data the member may also have given in the portal: an empty cell in the registry
# means "the registry does not know", never "erase it".
KEPT_WHEN_EMPTY = ("email", "mobile", "iban", "account_holder")
# Contacts the member proved to own in the portal: the registry never replaces them.
VERIFIED_CONTACTS = {"email": "email_verified_at", "mobile": "mobile_verified_at"}
BENEFICIARY_FIELDS = ("relationship", "first_name", "last_name", "birth_date")

SaveResult = tuple[str, list[str]]  # ("created" | "updated" | "unchanged", notes for the report)


@dataclass
class RecordCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass(frozen=True)
class RowIssue:
    """What went wrong with (or is worth knowing about) one row; `line` as in RawRow."""

    line: int
    messages: tuple[str, ...]

    def __str__(self) -> str:
        return _("riga %(line)d: %(messages)s") % {"line": self.line, "messages": " ".join(self.messages)}


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    members: RecordCounts = field(default_factory=RecordCounts)
    beneficiaries: RecordCounts = field(default_factory=RecordCounts)
    errors: list[RowIssue] = field(default_factory=list)
    notes: list[RowIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def audit_data(self) -> dict[str, Any]:
        """Counts only: no codes, names or line contents go to the audit log."""
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "members": self.members.as_dict(),
            "beneficiaries": self.beneficiaries.as_dict(),
            "errors": len(self.errors),
            "notes": len(self.notes),
        }


class RowError(Exception):
    """A row that passed the file checks but cannot be saved against what the database holds."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = messages


def registry_import(
    *, rows: Iterable[RawRow], source: str, actor: User | None = None, dry_run: bool = False
) -> ImportReport:
    """Create or update members and beneficiaries from registry rows; a bad row is reported and skipped.

    Idempotent: members are matched by code, beneficiaries by member and codice fiscale, and a row equal to
    what is stored changes nothing. Each row is saved in its own transaction; nothing is ever deleted.
    With `dry_run` the whole run, audit event included, is rolled back.
    """
    report = ImportReport(source=source, dry_run=dry_run)
    if dry_run:
        with transaction.atomic():
            _import_rows(rows=rows, report=report, actor=actor)
            transaction.set_rollback(True)
    else:
        _import_rows(rows=rows, report=report, actor=actor)
    report.errors.sort(key=lambda issue: issue.line)
    report.notes.sort(key=lambda issue: issue.line)
    return report


def _import_rows(*, rows: Iterable[RawRow], report: ImportReport, actor: User | None) -> None:
    """Members first, so that a beneficiary may come before its member in the file."""
    cleaned = [clean_row(row) for row in rows]
    offices = {office.code: office for office in RegionalOffice.objects.all()}
    member_lines: dict[str, int] = {}  # code → line of its first row in this file
    failed_codes: dict[str, int] = {}  # code → line of a member row that was not imported

    def save_member(row: CleanRow) -> SaveResult:
        return _member_save(row=row, offices=offices)

    def save_beneficiary(row: CleanRow) -> SaveResult:
        return _beneficiary_save(row=row, failed_codes=failed_codes)

    for row in cleaned:
        if row.record != MEMBER:
            continue
        code = row.data.get("code", "")
        if code in member_lines:
            row.errors.append(_("code: matricola già presente alla riga %(line)d.") % {"line": member_lines[code]})
        elif code:
            member_lines[code] = row.line
        if not _run(row=row, report=report, counts=report.members, save=save_member) and code:
            failed_codes.setdefault(code, row.line)
    beneficiary_lines: dict[tuple[str, str], int] = {}
    for row in cleaned:
        if row.record == MEMBER:
            continue
        if row.record == BENEFICIARY and row.valid:
            key = (row.data["member_code"], row.data["fiscal_code"])
            if key in beneficiary_lines:
                row.errors.append(
                    _("fiscal_code: familiare già presente alla riga %(line)d.") % {"line": beneficiary_lines[key]}
                )
            beneficiary_lines.setdefault(key, row.line)
        _run(row=row, report=report, counts=report.beneficiaries, save=save_beneficiary)
    audit_record(action="registry.import", actor=actor, **report.audit_data())


def _run(*, row: CleanRow, report: ImportReport, counts: RecordCounts, save: Callable[[CleanRow], SaveResult]) -> bool:
    """Save one row in its own savepoint; a failure leaves nothing of the row behind."""
    if not row.valid:
        report.errors.append(RowIssue(row.line, tuple(row.errors)))
        return False
    try:
        with transaction.atomic():
            outcome, notes = save(row)
    except RowError as exc:
        report.errors.append(RowIssue(row.line, exc.messages))
        return False
    except ValidationError as exc:
        report.errors.append(RowIssue(row.line, tuple(_validation_messages(exc))))
        return False
    except DatabaseError as exc:
        # The database's message may quote personal data: log only what kind of failure it was.
        logger.warning("registry row %d rejected by the database: %s", row.line, type(exc).__name__)
        report.errors.append(RowIssue(row.line, (_("il database ha rifiutato la riga: nessuna modifica salvata."),)))
        return False
    counts.add(outcome)
    if notes:
        report.notes.append(RowIssue(row.line, tuple(notes)))
    return True


def _validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{name}: {message}" for name, messages in exc.message_dict.items() for message in messages]
    return list(exc.messages)


def _member_save(*, row: CleanRow, offices: dict[str, RegionalOffice]) -> SaveResult:
    """Create or update the member with the row's code; a new member gets a user without a usable password."""
    fields = dict(row.data)
    code = fields["code"]
    office_code = fields.pop("regional_office")
    office = None
    if office_code:
        office = offices.get(office_code)
        if office is None:
            raise RowError(_("regional_office: nessuna sede regionale con codice %(code)s.") % {"code": office_code})
    taken_by = Member.objects.filter(fiscal_code=fields["fiscal_code"]).exclude(code=code).values_list("code").first()
    if taken_by:
        raise RowError(_("fiscal_code: già registrato per il socio con matricola %(code)s.") % {"code": taken_by[0]})
    member = Member.objects.select_for_update().filter(code=code).first()
    if member is None:
        return "created", _member_create(fields=fields, office=office)
    return _member_update(member=member, fields=fields, office=office)


def _member_create(*, fields: dict[str, Any], office: RegionalOffice | None) -> list[str]:
    code = fields["code"]
    if User.objects.filter(username=code).exists():
        raise RowError(
            _("code: esiste già un utente %(code)s non collegato a un socio: va verificato a mano.") % {"code": code}
        )
    member = Member(**fields, regional_office=office)
    member.full_clean(exclude=["user"], validate_unique=False)
    member.user = _user_create(username=code)
    member.save()
    return []


def _user_create(*, username: str) -> User:
    """The member signs in for the first time with the derived first-access password, never with this one."""
    user = User(username=username, role=Role.MEMBER, first_access_completed_at=None)
    user.set_unusable_password()
    user.save()
    return user


def _member_update(*, member: Member, fields: dict[str, Any], office: RegionalOffice | None) -> SaveResult:
    notes: list[str] = []
    changed: list[str] = []
    for name, value in fields.items():
        if name in KEPT_WHEN_EMPTY and not value:
            continue
        current = getattr(member, name)
        if name == "mobile":
            current = current.as_e164 if current else ""
        if name in VERIFIED_CONTACTS and current.lower() == value.lower():
            continue
        if current == value:
            continue
        if name in VERIFIED_CONTACTS and getattr(member, VERIFIED_CONTACTS[name]) is not None:
            notes.append(_verified_contact_note(name))
            continue
        setattr(member, name, value)
        changed.append(name)
    if member.regional_office_id != (office.pk if office else None):
        member.regional_office = office
        changed.append("regional_office")
    if member.user_id is None:
        if User.objects.filter(username=member.code).exists():
            raise RowError(
                _("code: esiste già un utente %(code)s non collegato a un socio: va verificato a mano.")
                % {"code": member.code}
            )
        member.user = _user_create(username=member.code)
        changed.append("user")
    if not changed:
        return "unchanged", notes
    member.full_clean(exclude=["user"], validate_unique=False)
    member.save(update_fields=[*changed, "updated_at"])
    return "updated", notes


def _verified_contact_note(name: str) -> str:
    if name == "email":
        return _("email: il socio l'ha verificata nel portale; resta quella, il valore del registro è ignorato.")
    return _("mobile: il socio l'ha verificato nel portale; resta quello, il valore del registro è ignorato.")


def _beneficiary_save(*, row: CleanRow, failed_codes: dict[str, int]) -> SaveResult:
    """Create or update the beneficiary with the row's codice fiscale under the row's member."""
    fields = dict(row.data)
    member_code = fields.pop("member_code")
    member = Member.objects.filter(code=member_code).only("pk", "fiscal_code").first()
    if member is None and member_code in failed_codes:
        raise RowError(
            _("member_code: il socio è alla riga %(line)d, che non è stata importata.")
            % {"line": failed_codes[member_code]}
        )
    if member is None:
        raise RowError(
            _("member_code: nessun socio con matricola %(code)s, né nel file né già importato.") % {"code": member_code}
        )
    if member.fiscal_code == fields["fiscal_code"]:
        raise RowError(_("fiscal_code: è il codice fiscale del socio, non di un familiare."))
    beneficiary = (
        Beneficiary.objects.select_for_update().filter(member=member, fiscal_code=fields["fiscal_code"]).first()
    )
    if beneficiary is None:
        beneficiary = Beneficiary(member=member, **fields)
        beneficiary.full_clean(exclude=["member"], validate_unique=False, validate_constraints=False)
        beneficiary.save()
        return "created", []
    changed = [name for name in BENEFICIARY_FIELDS if getattr(beneficiary, name) != fields[name]]
    if not changed:
        return "unchanged", []
    for name in changed:
        setattr(beneficiary, name, fields[name])
    beneficiary.full_clean(exclude=["member"], validate_unique=False, validate_constraints=False)
    beneficiary.save(update_fields=[*changed, "updated_at"])
    return "updated", []
