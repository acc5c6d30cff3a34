"""Every change of a claim's status goes through `claim_transition`, along one edge of TRANSITIONS; the errors
the claims' services raise."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.models import User
from mutua.audit.services import audit_record
from mutua.claims.models import (
    TRANSITIONS,
    Claim,
    ClaimEvent,
    ClaimStatus,
    ClaimSuspension,
    FileReading,
)
from mutua.claims.notices import claim_status_notify


class ClaimError(Exception):
    """A member action on a claim that cannot be done; the message is for the member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(Exception):
    """The claim cannot move from its current status to the one asked; the message is for people."""

    def __init__(self, *, claim: Claim, from_status: str, to_status: str) -> None:
        self.claim = claim
        self.from_status = from_status
        self.to_status = to_status
        self.message = _("La pratica %(id)s è %(from)s: non può passare allo stato %(to)s.") % {
            "id": claim.pk,
            "from": ClaimStatus(from_status).label.lower(),
            "to": ClaimStatus(to_status).label.lower() if to_status in ClaimStatus.values else to_status,
        }
        super().__init__(self.message)


def claim_transition(
    *,
    claim: Claim,
    to_status: str,
    actor: User | None,
    note: str = "",
    at: dt.datetime | None = None,
    deadline: dt.date | None = None,
) -> Claim:
    """Move the claim along one edge of TRANSITIONS and record who did it; `actor` None is the system.

    The row is locked, so two operators acting at once cannot both move it. `at` replays a move that
    happened in the past (registry import, demo data); it defaults to now. `deadline` is the date the member
    must act by (a suspension for documents), told to them in every channel.
    """
    when = at or timezone.now()
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        from_status = locked.status
        if to_status not in TRANSITIONS.get(from_status, frozenset()):
            raise InvalidTransition(claim=locked, from_status=from_status, to_status=to_status)
        locked.status = to_status
        fields = ["status", "updated_at"]
        if to_status == ClaimStatus.SUBMITTED:
            locked.submitted_at = when
            fields.append("submitted_at")
        if from_status == ClaimStatus.SUSPENDED:  # leaving "Sospesa" ends the suspension and any block
            ClaimSuspension.objects.filter(claim=locked, ended_at=None).update(ended_at=when)
            if locked.block_reason:
                locked.block_reason = ""
                fields.append("block_reason")
        locked.save(update_fields=fields)
        if not TRANSITIONS[to_status]:
            # A closed claim (paid, rejected, cancelled) needs the text read from its files no more: it goes (issue
            # 20, privacy). The proposals stay: the duplicate check of later claims compares their provider and number.
            FileReading.objects.filter(claim=locked).exclude(text="").update(text="")
        ClaimEvent.objects.create(
            claim=locked, actor=actor, from_status=from_status, to_status=to_status, note=note, created_at=when
        )
        audit_record(
            action="claim.status",
            actor=actor,
            member=claim.member,  # a claim never changes member: the caller's copy saves a query
            claim=locked.pk,
            from_status=from_status,
            to_status=to_status,
        )
        if at is None:  # a replayed past move (demo, registry import) must not message the member today
            claim_status_notify(claim=locked, to_status=to_status, note=note, deadline=deadline)
    return locked
