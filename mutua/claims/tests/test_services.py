from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from mutua.accounts.models import User
from mutua.audit.models import AuditEvent
from mutua.claims.models import (
    TRANSITIONS,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimStatus,
    DocumentType,
    FileReading,
    ReadingStatus,
)
from mutua.claims.services import InvalidTransition, claim_transition
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory
from mutua.members.models import Member

pytestmark = pytest.mark.django_db

ALLOWED = sorted((src, dst) for src, targets in TRANSITIONS.items() for dst in targets)
REFUSED = sorted((src, dst) for src in ClaimStatus.values for dst in ClaimStatus.values if dst not in TRANSITIONS[src])
# The shortest way from a draft to each status, through allowed moves only.
PATHS = {
    ClaimStatus.DRAFT: [],
    ClaimStatus.SUBMITTED: [ClaimStatus.SUBMITTED],
    ClaimStatus.IN_REVIEW: [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW],
    ClaimStatus.SUSPENDED: [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SUSPENDED],
    ClaimStatus.SETTLED: [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SETTLED],
    ClaimStatus.PAID: [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SETTLED, ClaimStatus.PAID],
    ClaimStatus.REJECTED: [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.REJECTED],
    ClaimStatus.CANCELLED: [ClaimStatus.SUBMITTED, ClaimStatus.CANCELLED],
}


def claim_in(status: str, *, actor: User | None = None) -> Claim:
    claim = ClaimFactory()
    for step in PATHS[status]:
        claim = claim_transition(claim=claim, to_status=step, actor=actor)
    assert claim.status == status
    return claim


# --- The table ----------------------------------------------------------------------------------------


def test_transitions_cover_every_status_and_lead_to_known_ones() -> None:
    assert set(TRANSITIONS) == set(ClaimStatus.values)
    assert all(set(targets) <= set(ClaimStatus.values) for targets in TRANSITIONS.values())


def test_paid_rejected_and_cancelled_are_final() -> None:
    assert not TRANSITIONS[ClaimStatus.PAID]
    assert not TRANSITIONS[ClaimStatus.REJECTED]
    assert not TRANSITIONS[ClaimStatus.CANCELLED]


def test_member_can_cancel_only_while_submitted_and_operators_from_review_or_suspension() -> None:
    cancellable_from = {src for src, targets in TRANSITIONS.items() if ClaimStatus.CANCELLED in targets}
    assert cancellable_from == {ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SUSPENDED}


# --- claim_transition ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_transition_allowed_by_the_table_moves_the_claim_and_writes_an_event(
    operator: User, from_status: str, to_status: str
) -> None:
    claim = claim_in(from_status, actor=operator)
    events_before = claim.events.count()

    moved = claim_transition(claim=claim, to_status=to_status, actor=operator, note="ok")

    moved.refresh_from_db()
    assert moved.status == to_status
    assert claim.events.count() == events_before + 1
    event = claim.events.order_by("-id").first()
    assert (event.from_status, event.to_status, event.actor, event.note) == (from_status, to_status, operator, "ok")


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_transition_outside_the_table_is_refused_and_changes_nothing(
    operator: User, from_status: str, to_status: str
) -> None:
    claim = claim_in(from_status, actor=operator)
    events_before = claim.events.count()

    with pytest.raises(InvalidTransition) as excinfo:
        claim_transition(claim=claim, to_status=to_status, actor=operator)

    claim.refresh_from_db()
    assert claim.status == from_status
    assert claim.events.count() == events_before
    assert excinfo.value.from_status == from_status
    assert excinfo.value.to_status == to_status
    assert str(claim.pk) in excinfo.value.message


def test_unknown_status_is_refused() -> None:
    claim = ClaimFactory()
    with pytest.raises(InvalidTransition):
        claim_transition(claim=claim, to_status="archived", actor=None)


def test_submit_sets_submitted_at_and_records_the_member_as_actor(member: Member) -> None:
    claim = ClaimFactory(member=member)
    assert claim.submitted_at is None

    claim = claim_transition(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=member.user)

    claim.refresh_from_db()
    assert claim.submitted_at is not None
    event = ClaimEvent.objects.get(claim=claim)
    assert (event.actor, event.from_status, event.created_at) == (member.user, ClaimStatus.DRAFT, claim.submitted_at)


def test_later_moves_keep_the_submission_time(operator: User) -> None:
    claim = claim_in(ClaimStatus.SUBMITTED)
    submitted_at = Claim.objects.get(pk=claim.pk).submitted_at

    claim_transition(claim=claim, to_status=ClaimStatus.IN_REVIEW, actor=operator)

    assert Claim.objects.get(pk=claim.pk).submitted_at == submitted_at


def test_transition_reads_the_current_status_not_a_stale_copy(operator: User) -> None:
    claim = claim_in(ClaimStatus.SUBMITTED)
    stale = Claim.objects.get(pk=claim.pk)
    claim_transition(claim=claim, to_status=ClaimStatus.CANCELLED, actor=operator)

    with pytest.raises(InvalidTransition):
        claim_transition(claim=stale, to_status=ClaimStatus.IN_REVIEW, actor=operator)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.CANCELLED


def test_transition_can_replay_a_past_move() -> None:
    claim = ClaimFactory()
    when = dt.datetime(2025, 3, 4, 10, 30, tzinfo=dt.UTC)

    claim = claim_transition(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=None, at=when)

    assert Claim.objects.get(pk=claim.pk).submitted_at == when
    assert ClaimEvent.objects.get(claim=claim).created_at == when


def test_transition_is_audited_without_health_details(operator: User) -> None:
    claim = claim_in(ClaimStatus.SUBMITTED)

    claim_transition(claim=claim, to_status=ClaimStatus.IN_REVIEW, actor=operator, note="referto illeggibile")

    audit = AuditEvent.objects.filter(action="claim.status").order_by("-id").first()
    assert audit.actor == operator
    assert audit.member == claim.member
    assert audit.data == {"claim": claim.pk, "from_status": "submitted", "to_status": "in_review"}


def read_file_of(claim: Claim) -> FileReading:
    return FileReading.objects.create(
        claim=claim,
        content_type="image/jpeg",
        sha256="a" * 64,
        status=ReadingStatus.DONE,
        method="ocr",
        text="Fattura n. 45/2026\nTotale documento 150,00",
        proposals={"number": {"value": "45/2026", "page": 1, "box": [0.1, 0.1, 0.3, 0.12]}},
    )


@pytest.mark.parametrize("final", [ClaimStatus.PAID, ClaimStatus.REJECTED, ClaimStatus.CANCELLED])
def test_a_closed_claim_keeps_no_text_read_from_its_files_but_keeps_the_proposals(operator: User, final: str) -> None:
    claim = claim_in(PATHS[final][-2], actor=operator)  # the status right before the final one
    reading = read_file_of(claim)

    claim_transition(claim=claim, to_status=final, actor=operator)

    reading.refresh_from_db()
    assert reading.text == ""  # privacy: the text goes once the claim needs it no more (issue 20)
    assert reading.proposals["number"]["value"] == "45/2026"  # the duplicate check of later claims still uses them


@pytest.mark.parametrize("open_status", [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SUSPENDED,
                                         ClaimStatus.SETTLED])  # fmt: skip
def test_a_claim_still_open_keeps_the_text_for_the_operator(operator: User, open_status: str) -> None:
    claim = claim_in(PATHS[open_status][-2] if len(PATHS[open_status]) > 1 else ClaimStatus.DRAFT, actor=operator)
    reading = read_file_of(claim)

    claim_transition(claim=claim, to_status=open_status, actor=operator)

    reading.refresh_from_db()
    assert "Totale documento 150,00" in reading.text


# --- Invariants kept by the database --------------------------------------------------------------------


def test_database_refuses_an_unknown_status() -> None:
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(status="archived")


def test_invoice_without_amount_is_refused_but_a_certificate_needs_none() -> None:
    ClaimDocumentFactory(doc_type=DocumentType.CERTIFICATO_OSPEDALIERO, amount=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimDocumentFactory(doc_type=DocumentType.FATTURA, amount=None)
    assert ClaimDocument.objects.count() == 1


def test_negative_amount_is_refused() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimDocumentFactory(amount=Decimal("-1.00"))
