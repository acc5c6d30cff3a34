"""The member's own changes in "Dati anagrafici": domicile, postal address, payment data; new contacts wait for
their codes (mutua.accounts.contacts)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.audit.services import audit_record
from mutua.members.models import Member, MemberChange
from mutua.notifications.emails import email_render
from mutua.notifications.outbox import email_content_queue

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
    new_pending: bool = False  # set by the update: a new e-mail or mobile now waits for its code

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


def member_changes_record(
    *, member: Member, actor: AbstractBaseUser | None, at: Any, changes: dict[str, tuple[str, str]]
) -> None:
    """One dated version per changed field, with who changed it (the history operators read)."""
    MemberChange.objects.bulk_create(
        MemberChange(
            member=member, actor_id=actor.pk if actor else None, changed_at=at, field=name, old_value=old, new_value=new
        )
        for name, (old, new) in changes.items()
    )


def security_notice_to(*, to: str, subject: str, text: str) -> None:
    """A security notice to an address the member proved to own (the old one, when it is what changed)."""
    if not to:
        return
    email = email_render(
        title=subject,
        paragraphs=[
            text,
            _("Se non sei stato tu, cambia subito la password e scrivi a %(infocenter)s.")
            % {"infocenter": settings.MUTUA_INFOCENTER_EMAIL},
        ],
        security=True,
    )
    email_content_queue(to=to, email=email)


def member_personal_data_update(
    *, member: Member, actor: AbstractBaseUser, data: PersonalData, request: HttpRequest | None = None
) -> tuple[Member, PersonalDataChanges]:
    """Store the member's new domicile, postal address and payment data, each change as a dated version.

    A new e-mail or mobile is kept pending: it replaces the verified one only once its code is entered
    (mutua.accounts.contacts, which sends the codes). A new IBAN is announced to the (verified) e-mail in use. The
    caller has checked the step-up when `changes.needs_step_up`. One transaction: on any error nothing is saved.
    """
    with transaction.atomic():
        member = Member.objects.select_for_update(of=("self",)).select_related("user").get(pk=member.pk)
        changes = member_personal_data_changes(member=member, data=data)
        now = timezone.now()
        stored = dict(changes.fields)
        if changes.mobile_removed:
            stored["mobile"] = (_mobile_value(member.mobile), "")
            member.mobile = ""
            member.mobile_verified_at = None
        for name, (_old, new) in changes.fields.items():
            setattr(member, name, new)
        new_pending = (changes.email, changes.mobile) != (member.pending_email, _mobile_value(member.pending_mobile))
        # Typing the verified contact again withdraws a change still waiting for its code.
        member.pending_email = changes.email
        member.pending_mobile = changes.mobile
        # The form has checked the values; this guards the model's own rules on what changes, and only that
        # (an old registry value elsewhere in the row must not block the member's change).
        touched = {*stored, "pending_email", "pending_mobile"}
        member.clean_fields(exclude=[f.name for f in Member._meta.fields if f.name not in touched])
        member.save()
        member_changes_record(member=member, actor=actor, at=now, changes=stored)
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
            security_notice_to(
                to=member.email,
                subject=_("Dati di pagamento modificati"),
                text=_(
                    "i dati per l'accredito dei sussidi della tua area soci sono stati modificati: "
                    "l'IBAN ora termina con %(tail)s, intestato a %(holder)s."
                )
                % {"tail": tail, "holder": member.account_holder},
            )
        if changes.mobile_removed:
            security_notice_to(
                to=member.email,
                subject=_("Cellulare rimosso"),
                text=_("il numero di cellulare è stato rimosso dai tuoi dati anagrafici."),
            )
    return member, dataclasses.replace(changes, new_pending=new_pending and bool(changes.email or changes.mobile))
