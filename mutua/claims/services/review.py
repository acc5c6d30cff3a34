"""The operators' moves on a sent claim (mutua.backoffice): take it, suspend it for documents or block it, resume,
reject or cancel it; the reminders before a suspension's deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mutua.accounts.models import User
from mutua.audit.services import audit_record
from mutua.claims.models import (
    Claim,
    ClaimEvent,
    ClaimStatus,
    ClaimSuspension,
    SuspensionKind,
)
from mutua.claims.notices import suspension_reminder_notify
from mutua.claims.services.transitions import ClaimError, InvalidTransition, claim_transition
from mutua.core.formatting import format_date


def claim_take(*, claim: Claim, actor: User) -> Claim:
    """ "Prendi in carico": a sent claim goes to "In lavorazione", assigned to the operator who took it.

    A claim already in review with nobody in charge (older data) is assigned without a move. The row is
    locked: of two operators taking the same claim at once, the second finds it already in charge of the
    first and gets InvalidTransition, so the claim has one assignee.
    """
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        if not current.awaits_operator:  # a suspended claim is resumed, never "taken" again
            raise InvalidTransition(claim=current, from_status=current.status, to_status=ClaimStatus.IN_REVIEW)
        if current.status == ClaimStatus.IN_REVIEW:
            _assign(claim=current, actor=actor)
            return current
        locked = claim_transition(claim=current, to_status=ClaimStatus.IN_REVIEW, actor=actor)
        locked.assigned_to = actor
        locked.save(update_fields=["assigned_to", "updated_at"])
    return locked


def _assign(*, claim: Claim, actor: User) -> None:
    """Put `actor` in charge of a claim in review, with an event and an audit row; the caller holds the row lock.

    A claim in review always has an operator in charge: whoever takes one that has nobody, or resumes a
    suspended one (nobody's, a colleague's), answers for it from now on.
    """
    previous = claim.assigned_to_id
    if previous == actor.pk:
        return
    claim.assigned_to = actor
    claim.save(update_fields=["assigned_to", "updated_at"])
    ClaimEvent.objects.create(
        claim=claim, actor=actor, from_status=claim.status, to_status=claim.status, note=_("Presa in carico.")
    )
    audit_record(
        action="claim.assigned",
        actor=actor,
        member=claim.member,
        claim=claim.pk,
        assigned_to=actor.pk,
        previous=previous,
    )


SUSPENSION_MAX_DAYS = 180  # a deadline further away than this is a typing mistake


def claim_suspend_for_documents(*, claim: Claim, actor: User, items: Sequence[str], deadline: dt.date) -> Claim:
    """Suspend a claim in review until the member adds the listed documents, by `deadline` (a future date).

    The member reads the list and the deadline on the claim's page; e-mail and SMS carry only the deadline.
    """
    items = [item.strip() for item in items if item.strip()]
    if not items:
        raise ClaimError(_("Indica almeno un documento da integrare."))
    today = timezone.localdate()
    if deadline <= today:
        raise ClaimError(_("Il termine deve essere una data futura."))
    if deadline > today + dt.timedelta(days=SUSPENSION_MAX_DAYS):
        raise ClaimError(_("Il termine non può superare %(n)d giorni da oggi.") % {"n": SUSPENSION_MAX_DAYS})
    with translation.override(settings.LANGUAGE_CODE):  # the member reads it, whatever the operator's language
        note = _("Documenti da integrare: %(items)s. Termine: %(deadline)s.") % {
            "items": "; ".join(items),
            "deadline": format_date(deadline),
        }
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.IN_REVIEW:
            raise InvalidTransition(claim=locked, from_status=locked.status, to_status=ClaimStatus.SUSPENDED)
        ClaimSuspension.objects.create(
            claim=locked, kind=SuspensionKind.DOCUMENTS, items=items, deadline=deadline, created_by=actor
        )
        return claim_transition(
            claim=locked, to_status=ClaimStatus.SUSPENDED, actor=actor, note=note, deadline=deadline
        )


def claim_block(*, claim: Claim, actor: User, reason: str) -> Claim:
    """Suspend a claim in review for an administrative block; the member reads `reason` (portal, e-mail, SMS).

    The reason is saved before the move, so the member's notification announces a block, not missing documents.
    """
    reason = reason.strip()
    if not reason:
        raise ClaimError(_("Scrivi il motivo del blocco: il socio lo leggerà."))
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.IN_REVIEW:
            raise InvalidTransition(claim=locked, from_status=locked.status, to_status=ClaimStatus.SUSPENDED)
        locked.block_reason = reason
        locked.save(update_fields=["block_reason", "updated_at"])
        ClaimSuspension.objects.create(claim=locked, kind=SuspensionKind.BLOCK, reason=reason, created_by=actor)
        return claim_transition(claim=locked, to_status=ClaimStatus.SUSPENDED, actor=actor, note=reason)


def claim_resume(*, claim: Claim, actor: User, note: str = "") -> Claim:
    """An operator lifts a suspension (a block removed, documents received another way): back to review, in the
    charge of the operator who resumed it."""
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.SUSPENDED:
            raise InvalidTransition(claim=locked, from_status=locked.status, to_status=ClaimStatus.IN_REVIEW)
        resumed = claim_transition(
            claim=locked,
            to_status=ClaimStatus.IN_REVIEW,
            actor=actor,
            note=note.strip() or _resumed_note(),
        )
        _assign(claim=resumed, actor=actor)
        return resumed


def _resumed_note() -> str:
    with translation.override(settings.LANGUAGE_CODE):  # the member reads it on the claim's page
        return _("Ripresa la lavorazione.")


def claim_reject(*, claim: Claim, actor: User, reason: str) -> Claim:
    """ "Respingi": the member reads the reason on the claim's page."""
    reason = reason.strip()
    if not reason:
        raise ClaimError(_("Scrivi il motivo: il socio lo leggerà."))
    return claim_transition(claim=claim, to_status=ClaimStatus.REJECTED, actor=actor, note=reason)


def claim_cancel_by_operator(*, claim: Claim, actor: User, reason: str) -> Claim:
    """The office cancels a claim (a duplicate, a claim sent by mistake), with the reason the member reads."""
    reason = reason.strip()
    if not reason:
        raise ClaimError(_("Scrivi il motivo: il socio lo leggerà."))
    return claim_transition(claim=claim, to_status=ClaimStatus.CANCELLED, actor=actor, note=reason)


def suspension_reminders_send(*, days_before: int, today: dt.date | None = None) -> int:
    """Remind members whose documents are due within `days_before` days; one reminder per suspension, ever.

    Each suspension row is locked and stamped in the transaction that queues its messages, so two runs at
    once, or a run repeated the same day, remind nobody twice. Returns how many were reminded.
    """
    today = today or timezone.localdate()
    due = ClaimSuspension.objects.filter(
        kind=SuspensionKind.DOCUMENTS,
        ended_at=None,
        reminded_at=None,
        claim__status=ClaimStatus.SUSPENDED,
        deadline__gte=today,
        deadline__lte=today + dt.timedelta(days=days_before),
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        with transaction.atomic():
            suspension = (
                ClaimSuspension.objects.select_for_update()
                .select_related("claim__member")
                .filter(pk=pk, reminded_at=None, ended_at=None)
                .first()
            )
            if suspension is None or suspension.deadline is None:
                continue
            member_id = suspension.claim.member_id
            suspension_reminder_notify(member_id=member_id, claim_id=suspension.claim_id, deadline=suspension.deadline)
            suspension.reminded_at = timezone.now()
            suspension.save(update_fields=["reminded_at"])
            audit_record(
                action="claim.suspension_reminder",
                actor=None,
                member=suspension.claim.member,
                claim=suspension.claim_id,
            )
            count += 1
    return count
