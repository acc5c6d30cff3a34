"""Operations on members and beneficiaries: the import from the mutual's core registry, the member's own changes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.models import Role, User
from mutua.audit.services import audit_record
from mutua.members.models import Beneficiary, Member, MemberChange, RegionalOffice
from mutua.members.registry import BENEFICIARY, MEMBER, CleanRow, RawRow, clean_row
from mutua.notifications.services import email_queue

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


# --- Dati anagrafici: the member's own changes ---------------------------------------------------------------

# What the member may change in "Aggiorna i dati anagrafici", stored at once (contacts go through verification).
ADDRESS_FIELDS = (
    "domicile_street",
    "domicile_number",
    "domicile_cap",
    "domicile_city",
    "domicile_province",
    "postal_address",
)
PAYMENT_FIELDS = ("payment_method", "iban", "account_holder")


@dataclass(frozen=True)
class PersonalData:
    """The "Aggiorna i dati anagrafici" form, cleaned: empty domicile fields mean "same as the residence";
    an empty `iban` means "keep the current one"; `mobile` in E.164 or empty."""

    domicile_street: str
    domicile_number: str
    domicile_cap: str
    domicile_city: str
    domicile_province: str
    postal_address: str
    email: str
    mobile: str
    payment_method: str
    iban: str
    account_holder: str


@dataclass(frozen=True)
class PersonalDataChanges:
    """What a PersonalData would change: stored fields, contacts to verify, a mobile to remove."""

    fields: dict[str, tuple[str, str]]  # name → (old, new), stored at once
    email: str  # a new e-mail to verify, or ""
    mobile: str  # a new mobile to verify, or ""
    mobile_removed: bool

    @property
    def payment(self) -> bool:
        return any(name in PAYMENT_FIELDS for name in self.fields)

    @property
    def needs_step_up(self) -> bool:
        """Changes that move money or identity: payment data, e-mail, mobile.

        The step-up they ask for: docs/architecture.md, Security and privacy.
        """
        return self.payment or bool(self.email or self.mobile or self.mobile_removed)

    @property
    def any(self) -> bool:
        return bool(self.fields or self.email or self.mobile or self.mobile_removed)


def _mobile_value(value: Any) -> str:
    return value.as_e164 if value else ""


def member_personal_data_changes(*, member: Member, data: PersonalData) -> PersonalDataChanges:
    """Compare the form with what is stored: an e-mail equal but for case, or the IBAN left empty, is no change."""
    fields: dict[str, tuple[str, str]] = {}
    for name in ADDRESS_FIELDS + PAYMENT_FIELDS:
        new = getattr(data, name)
        old = getattr(member, name)
        if name == "iban" and not new:
            continue
        if new != old:
            fields[name] = (old, new)
    email = data.email if data.email.lower() != member.email.lower() else ""
    current_mobile = _mobile_value(member.mobile)
    mobile = data.mobile if data.mobile and data.mobile != current_mobile else ""
    return PersonalDataChanges(
        fields=fields, email=email, mobile=mobile, mobile_removed=bool(current_mobile and not data.mobile)
    )


def _changes_record(*, member: Member, actor: User | None, at: Any, changes: dict[str, tuple[str, str]]) -> None:
    MemberChange.objects.bulk_create(
        MemberChange(member=member, actor=actor, changed_at=at, field=name, old_value=old, new_value=new)
        for name, (old, new) in changes.items()
    )


def _notice_to(*, to: str, subject: str, text: str) -> None:
    """A security notice to an address the member proved to own (the old one, when it is what changed)."""
    if not to:
        return
    email_queue(
        to=to,
        subject=f"{settings.MUTUA_NAME} – {subject}",
        body=_(
            "Gentile socio/a,\n\n%(text)s\n"
            "Se non sei stato tu, cambia subito la password e scrivi a %(infocenter)s.\n\n%(name)s"
        )
        % {"text": text, "infocenter": settings.MUTUA_INFOCENTER_EMAIL, "name": settings.MUTUA_NAME},
    )


def member_personal_data_update(
    *, member: Member, actor: User, data: PersonalData, request: HttpRequest | None = None
) -> tuple[Member, PersonalDataChanges]:
    """Store the member's new domicile, postal address and payment data, each change as a dated version.

    A new e-mail or mobile is kept pending and a code is sent to it: it replaces the verified one only
    through member_contacts_verify. A new IBAN is announced to the (verified) e-mail in use. The caller has
    checked the step-up when `changes.needs_step_up`. One transaction: on any error nothing is saved.
    """
    from mutua.accounts.services import CodeError

    with transaction.atomic():
        member = Member.objects.select_for_update(of=("self",)).select_related("user").get(pk=member.pk)
        changes = member_personal_data_changes(member=member, data=data)
        now = timezone.now()
        stored = dict(changes.fields)
        if changes.mobile_removed:
            stored["mobile"] = (_mobile_value(member.mobile), "")
            member.mobile = ""  # type: ignore[assignment]
            member.mobile_verified_at = None
        for name, (_old, new) in changes.fields.items():
            setattr(member, name, new)
        new_pending = (changes.email, changes.mobile) != (member.pending_email, _mobile_value(member.pending_mobile))
        # Typing the verified contact again withdraws a change still waiting for its code.
        member.pending_email = changes.email
        member.pending_mobile = changes.mobile  # type: ignore[assignment]
        # The form has checked the values; this guards the model's own rules on what changes, and only that
        # (an old registry value elsewhere in the row must not block the member's change).
        touched = {*stored, "pending_email", "pending_mobile"}
        member.clean_fields(exclude=[f.name for f in Member._meta.fields if f.name not in touched])
        member.save()
        _changes_record(member=member, actor=actor, at=now, changes=stored)
        if stored:
            # Names only: the values (an IBAN above all) stay in MemberChange, which operators read.
            audit_record(
                action="member.personal_data_changed", actor=actor, member=member, request=request, fields=list(stored)
            )
        if new_pending and (changes.email or changes.mobile):
            audit_record(
                action="contacts.change_requested",
                actor=actor,
                member=member,
                request=request,
                channels=[c for c, new in (("email", changes.email), ("mobile", changes.mobile)) if new],
            )
        if changes.payment:
            tail = member.iban[-4:] if member.iban else ""
            _notice_to(
                to=member.email,
                subject=_("Dati di pagamento modificati"),
                text=_(
                    "i dati per l'accredito dei sussidi della tua area soci sono stati modificati: "
                    "l'IBAN ora termina con %(tail)s, intestato a %(holder)s."
                )
                % {"tail": tail, "holder": member.account_holder},
            )
        if changes.mobile_removed:
            _notice_to(
                to=member.email,
                subject=_("Cellulare rimosso"),
                text=_("il numero di cellulare è stato rimosso dai tuoi dati anagrafici."),
            )
        if new_pending and (changes.email or changes.mobile):
            # A code that went out less than a minute ago stays valid: the verification page offers a new one.
            with contextlib.suppress(CodeError):
                member_contacts_send_codes(member=member)
    return member, changes


def member_contacts_send_codes(*, member: Member) -> None:
    """Send a code to the pending e-mail and/or mobile; only the last code sent for each is valid.

    Raises accounts.services.CodeError when a code was sent less than CODE_RESEND_SECONDS ago.
    """
    from mutua.accounts.models import CodePurpose
    from mutua.accounts.services import CodeError, code_issue, code_resend_wait

    assert member.user is not None
    targets = [
        (purpose, target)
        for purpose, target in (
            (CodePurpose.EMAIL, member.pending_email),
            (CodePurpose.MOBILE, _mobile_value(member.pending_mobile)),
        )
        if target
    ]
    wait = max((code_resend_wait(user=member.user, purpose=purpose) for purpose, _t in targets), default=0)
    if wait:
        raise CodeError(
            _("Abbiamo appena inviato i codici. Potrai richiederne di nuovi tra %(n)d secondi.") % {"n": wait},
            retry_after=wait,
        )
    with transaction.atomic():
        for purpose, target in targets:
            code_issue(user=member.user, purpose=purpose, target=target)


def member_contacts_verify(
    *, member: Member, actor: User, email_code: str, sms_code: str, request: HttpRequest | None = None
) -> Member:
    """The pending e-mail and/or mobile replace the verified ones when every code is right; one wrong code
    changes nothing. The old e-mail is told, so that an intruder cannot move the contacts silently."""
    from mutua.accounts.models import CodePurpose, VerificationCode
    from mutua.accounts.services import CodeError, ContactCodesError, code_verify

    user = member.user
    assert user is not None
    errors: list[CodeError] = []
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        verified: list[VerificationCode] = []
        for purpose, code, field_name, target in (
            (CodePurpose.EMAIL, email_code, "email_code", member.pending_email),
            (CodePurpose.MOBILE, sms_code, "sms_code", _mobile_value(member.pending_mobile)),
        ):
            if not target:
                continue
            try:
                record = code_verify(user=user, purpose=purpose, code=code, field=field_name, consume=False)
            except CodeError as exc:
                errors.append(exc)
                continue
            if record.target != target:  # the pending contact changed after this code was sent
                errors.append(CodeError(_("Il recapito è cambiato: richiedi un nuovo codice."), field=field_name))
                continue
            verified.append(record)
        if not errors and verified:
            now = timezone.now()
            VerificationCode.objects.filter(pk__in=[r.pk for r in verified]).update(used_at=now)
            old_email = member.email
            changes: dict[str, tuple[str, str]] = {}
            if member.pending_email:
                changes["email"] = (member.email, member.pending_email)
                member.email, member.email_verified_at, member.pending_email = member.pending_email, now, ""
            if member.pending_mobile:
                changes["mobile"] = (_mobile_value(member.mobile), _mobile_value(member.pending_mobile))
                member.mobile, member.mobile_verified_at = member.pending_mobile, now
                member.pending_mobile = ""  # type: ignore[assignment]
            member.save()
            _changes_record(member=member, actor=actor, at=now, changes=changes)
            audit_record(action="contacts.changed", actor=actor, member=member, request=request, fields=list(changes))
            what = (
                _("l'email e il cellulare della tua area soci sono stati cambiati.")
                if len(changes) == 2
                else _("l'email della tua area soci è stata cambiata: da ora ti scriveremo al nuovo indirizzo.")
                if "email" in changes
                else _("il numero di cellulare della tua area soci è stato cambiato.")
            )
            _notice_to(to=old_email, subject=_("Contatti modificati"), text=what)
    if errors:
        raise ContactCodesError(errors)
    return member


def member_contacts_cancel(*, member: Member, actor: User, request: HttpRequest | None = None) -> Member:
    """Withdraw a change of e-mail or mobile still waiting for its code; the verified contacts stay."""
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if not member.has_pending_contacts:
            return member
        member.pending_email = ""
        member.pending_mobile = ""  # type: ignore[assignment]
        member.save(update_fields=["pending_email", "pending_mobile", "updated_at"])
        audit_record(action="contacts.change_cancelled", actor=actor, member=member, request=request)
    return member
