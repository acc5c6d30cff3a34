"""The operators' moves on a claim: take, suspend (documents or block), resume, reject, cancel, reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mutua.accounts.models import Role, User
from mutua.audit.models import AuditEvent
from mutua.audit.selectors import event_description
from mutua.claims import services
from mutua.claims.models import Claim, ClaimEvent, ClaimStatus, ClaimSuspension, SuspensionKind
from mutua.claims.selectors import claim_duplicates
from mutua.claims.services import DocumentData
from mutua.claims.tests import samples
from mutua.core.testing import days_ago, needs_row_locks, race
from mutua.members.models import Member
from mutua.members.tests.factories import MemberFactory, UserFactory
from mutua.notifications.models import Notification, OutboundMessage
from mutua.notifications.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db


def data(**overrides: object) -> DocumentData:
    values: dict[str, object] = {
        "doc_type": "fattura",
        "number": "12/2026",
        "issue_date": days_ago(30),
        "amount": Decimal("80.00"),
        "provider_province": "MI",
        "provider_name": "Studio medico Rossi",
        "beneficiary": None,
        "notes": "",
    }
    values.update(overrides)
    return DocumentData(**values)  # type: ignore[arg-type]


def sent_claim(member: Member, *, upload=None, **document: object) -> Claim:
    """A claim the member composed and sent, as the portal does it."""
    draft = services.draft_start(member=member, actor=member.user)
    services.document_add(claim=draft, actor=member.user, data=data(**document), files=[upload or samples.pdf_upload()])
    return services.claim_submit(member=member, token=draft.token, actor=member.user).claim


def taken(member: Member, operator: User) -> Claim:
    return services.claim_take(claim=sent_claim(member), actor=operator)


def in_days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


# --- Prendi in carico -------------------------------------------------------------------------------------


def test_take_moves_a_sent_claim_to_review_and_assigns_it(member, operator):
    claim = services.claim_take(claim=sent_claim(member), actor=operator)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.assigned_to == operator
    event = claim.events.last()
    assert event.actor == operator and event.to_status == ClaimStatus.IN_REVIEW
    assert AuditEvent.objects.filter(action="claim.status", actor=operator, member=member).exists()
    assert Notification.objects.filter(member=member, title=f"Pratica n. {claim.pk} in lavorazione").exists()


def test_taking_a_suspended_claim_does_not_lift_its_block(member, operator, supervisor):
    """A stale "Prendi in carico" page, posted after a colleague blocked the claim, must not undo the block."""
    blocked = services.claim_block(claim=taken(member, operator), actor=operator, reason="Contributi non versati.")
    with pytest.raises(services.InvalidTransition):
        services.claim_take(claim=blocked, actor=supervisor)
    blocked.refresh_from_db()
    assert blocked.status == ClaimStatus.SUSPENDED and blocked.block_reason == "Contributi non versati."
    assert blocked.assigned_to == operator


def unassigned_in_review(member: Member) -> Claim:
    """A claim in review with nobody in charge, as older data and the registry import can hold."""
    return services.claim_transition(claim=sent_claim(member), to_status=ClaimStatus.IN_REVIEW, actor=None)


def test_resuming_a_claim_nobody_had_taken_puts_the_resuming_operator_in_charge(member, operator, supervisor):
    claim = services.claim_block(claim=unassigned_in_review(member), actor=supervisor, reason="Verifica contributi.")
    assert claim.assigned_to is None

    services.claim_resume(claim=claim, actor=operator, note="Contributo versato.")

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.assigned_to == operator
    resumed, assigned = list(claim.events.all())[-2:]
    assert (resumed.to_status, resumed.note, resumed.actor) == (ClaimStatus.IN_REVIEW, "Contributo versato.", operator)
    assert (assigned.from_status, assigned.to_status, assigned.note, assigned.actor) == (
        ClaimStatus.IN_REVIEW,
        ClaimStatus.IN_REVIEW,
        "Presa in carico.",
        operator,
    )
    audit = AuditEvent.objects.get(action="claim.assigned")
    assert (audit.actor, audit.member, audit.data) == (
        operator,
        member,
        {"claim": claim.pk, "assigned_to": operator.pk, "previous": None},
    )
    assert event_description(audit) == "Presa in carico di una pratica"  # as the supervisors' search shows it


def test_resuming_a_colleague_s_claim_passes_it_to_the_resuming_operator(member, operator, supervisor):
    claim = services.claim_block(claim=taken(member, supervisor), actor=supervisor, reason="Verifica contributi.")
    services.claim_resume(claim=claim, actor=operator)
    claim.refresh_from_db()
    assert claim.assigned_to == operator
    assert AuditEvent.objects.get(action="claim.assigned").data["previous"] == supervisor.pk


def test_resuming_one_s_own_claim_records_no_new_assignment(member, operator):
    claim = services.claim_block(claim=taken(member, operator), actor=operator, reason="Verifica contributi.")
    services.claim_resume(claim=claim, actor=operator)
    claim.refresh_from_db()
    assert claim.assigned_to == operator and claim.events.last().note == "Ripresa la lavorazione."
    assert not AuditEvent.objects.filter(action="claim.assigned").exists()


def test_a_claim_in_review_with_nobody_in_charge_can_be_taken(member, operator):
    claim = unassigned_in_review(member)
    notifications = Notification.objects.filter(member=member).count()

    services.claim_take(claim=claim, actor=operator)

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.assigned_to == operator
    event = claim.events.last()
    assert (event.from_status, event.to_status, event.note, event.actor) == (
        ClaimStatus.IN_REVIEW,
        ClaimStatus.IN_REVIEW,
        "Presa in carico.",
        operator,
    )
    assert AuditEvent.objects.filter(action="claim.assigned", actor=operator, member=member).exists()
    assert Notification.objects.filter(member=member).count() == notifications  # nothing new for the member


def test_resume_only_lifts_a_suspension(member, operator):
    with pytest.raises(services.InvalidTransition):
        services.claim_resume(claim=sent_claim(member), actor=operator)
    assert Claim.objects.get().status == ClaimStatus.SUBMITTED


def test_a_claim_already_taken_cannot_be_taken_again(member, operator, supervisor):
    claim = taken(member, operator)
    with pytest.raises(services.InvalidTransition):
        services.claim_take(claim=claim, actor=supervisor)
    claim.refresh_from_db()
    assert claim.assigned_to == operator
    assert claim.events.filter(to_status=ClaimStatus.IN_REVIEW).count() == 1


@pytest.mark.django_db(transaction=True)
@needs_row_locks
def test_two_operators_taking_the_same_claim_at_once_yield_one_assignment(member, operator, supervisor):
    claim = sent_claim(member)
    outcome = race(
        lambda user: services.claim_take(claim=claim, actor=user),
        [operator, supervisor],
        refusal=services.InvalidTransition,
    )
    assert len(outcome.done) == 1 and len(outcome.refused) == 1
    claim.refresh_from_db()
    assert claim.assigned_to == outcome.done[0]
    assert ClaimEvent.objects.filter(claim=claim, to_status=ClaimStatus.IN_REVIEW).count() == 1


# --- Sospendi: documenti da integrare ----------------------------------------------------------------------


def test_suspend_for_documents_records_the_checklist_and_deadline_and_tells_the_member(member, operator):
    claim = taken(member, operator)
    mail.outbox.clear()
    deadline = in_days(20)
    services.claim_suspend_for_documents(
        claim=claim, actor=operator, items=["Fattura", "  Prescrizione medica  ", ""], deadline=deadline
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUSPENDED and claim.block_reason == ""
    suspension = ClaimSuspension.objects.get(claim=claim)
    assert suspension.kind == SuspensionKind.DOCUMENTS and suspension.items == ["Fattura", "Prescrizione medica"]
    assert suspension.deadline == deadline and suspension.created_by == operator and suspension.ended_at is None
    event = claim.events.last()
    assert event.actor == operator and "Prescrizione medica" in event.note and f"{deadline:%d/%m/%Y}" in event.note
    note = Notification.objects.filter(member=member).first()
    assert note.title == f"Pratica n. {claim.pk} sospesa: documenti da integrare"
    assert "Prescrizione medica" in note.body  # behind the login
    # E-mail and SMS leave the portal: the deadline, never the list.
    assert f"{deadline:%d/%m/%Y}" in mail.outbox[-1].body and "Prescrizione" not in mail.outbox[-1].body
    assert f"{deadline:%d/%m/%Y}" in LocmemSmsBackend.outbox[-1]["body"]


@pytest.mark.parametrize(
    ("items", "days", "message"),
    [
        ([], 10, "Indica almeno un documento da integrare."),
        (["  "], 10, "Indica almeno un documento da integrare."),
        (["Fattura"], 0, "Il termine deve essere una data futura."),
        (["Fattura"], -3, "Il termine deve essere una data futura."),
        (["Fattura"], 181, "Il termine non può superare 180 giorni da oggi."),
    ],
)
def test_suspend_needs_a_document_and_a_sensible_deadline(member, operator, items, days, message):
    claim = taken(member, operator)
    with pytest.raises(services.ClaimError) as exc:
        services.claim_suspend_for_documents(claim=claim, actor=operator, items=items, deadline=in_days(days))
    assert exc.value.message == message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and not ClaimSuspension.objects.exists()


def test_only_a_claim_in_review_can_be_suspended(member, operator):
    claim = sent_claim(member)
    with pytest.raises(services.InvalidTransition):
        services.claim_suspend_for_documents(claim=claim, actor=operator, items=["Fattura"], deadline=in_days(5))
    assert not ClaimSuspension.objects.exists()


def test_member_adding_documents_brings_the_claim_back_to_review_and_ends_the_suspension(member, operator):
    claim = taken(member, operator)
    services.claim_suspend_for_documents(claim=claim, actor=operator, items=["Ricevuta"], deadline=in_days(10))
    services.claim_add_documents(claim=claim, actor=member.user, data=data(number="13"), files=[samples.pdf_upload()])
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.assigned_to == operator
    assert ClaimSuspension.objects.get(claim=claim).ended_at is not None
    # A later suspension is a new one, with its own reminder.
    services.claim_suspend_for_documents(claim=claim, actor=operator, items=["Altro"], deadline=in_days(10))
    assert ClaimSuspension.objects.filter(claim=claim, ended_at=None).count() == 1
    assert ClaimSuspension.objects.filter(claim=claim).count() == 2


# --- Blocco amministrativo ----------------------------------------------------------------------------------


def test_block_tells_the_member_the_reason_everywhere(member, operator):
    claim = taken(member, operator)
    mail.outbox.clear()
    services.claim_block(claim=claim, actor=operator, reason="Regolarizza il contributo 2026 presso la tua sede.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUSPENDED
    assert claim.block_reason == "Regolarizza il contributo 2026 presso la tua sede."
    assert ClaimSuspension.objects.get(claim=claim).kind == SuspensionKind.BLOCK
    note = Notification.objects.filter(member=member).first()
    assert note.title == f"Pratica n. {claim.pk} sospesa: blocco amministrativo"
    assert "Regolarizza il contributo 2026" in mail.outbox[-1].body


def test_a_blocked_claim_does_not_take_documents_and_resuming_lifts_the_block(member, operator):
    claim = taken(member, operator)
    services.claim_block(claim=claim, actor=operator, reason="Contributo da regolarizzare.")
    with pytest.raises(services.ClaimError):
        services.claim_add_documents(
            claim=claim, actor=member.user, data=data(number="9"), files=[samples.pdf_upload()]
        )
    assert claim.documents.count() == 1
    services.claim_resume(claim=claim, actor=operator, note="Contributo versato.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.block_reason == ""
    assert ClaimSuspension.objects.get(claim=claim).ended_at is not None
    assert claim.events.last().note == "Contributo versato."


def test_block_needs_a_reason(member, operator):
    claim = taken(member, operator)
    with pytest.raises(services.ClaimError):
        services.claim_block(claim=claim, actor=operator, reason="   ")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.block_reason == ""


# --- Respingi, annulla --------------------------------------------------------------------------------------


def test_reject_with_a_reason_is_final_and_told_to_the_member(member, operator):
    claim = taken(member, operator)
    services.claim_reject(claim=claim, actor=operator, reason="Spesa non coperta dal piano.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert claim.events.last().note == "Spesa non coperta dal piano." and claim.events.last().actor == operator
    note = Notification.objects.filter(member=member).first()
    assert note.body == f"La pratica n. {claim.pk} è stata respinta. Motivo: Spesa non coperta dal piano."
    with pytest.raises(services.InvalidTransition):
        services.claim_resume(claim=claim, actor=operator)


def test_reject_and_cancel_need_a_reason(member, operator):
    claim = taken(member, operator)
    with pytest.raises(services.ClaimError):
        services.claim_reject(claim=claim, actor=operator, reason="")
    with pytest.raises(services.ClaimError):
        services.claim_cancel_by_operator(claim=claim, actor=operator, reason=" ")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW


def test_operator_cancels_a_duplicate_even_before_taking_it(member, operator):
    claim = sent_claim(member)
    services.claim_cancel_by_operator(claim=claim, actor=operator, reason="Pratica duplicata della n. 1.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CANCELLED
    assert AuditEvent.objects.filter(action="claim.status", actor=operator, data__to_status="cancelled").exists()


def test_cancelling_a_suspended_claim_ends_its_suspension(member, operator):
    claim = taken(member, operator)
    services.claim_suspend_for_documents(claim=claim, actor=operator, items=["Fattura"], deadline=in_days(10))
    services.claim_cancel_by_operator(claim=claim, actor=operator, reason="Errore di invio.")
    assert ClaimSuspension.objects.get(claim=claim).ended_at is not None


# --- Promemoria prima del termine ---------------------------------------------------------------------------


def test_reminder_goes_out_once_per_suspension_days_before_the_deadline(member, operator):
    claim = taken(member, operator)
    services.claim_suspend_for_documents(claim=claim, actor=operator, items=["Fattura"], deadline=in_days(3))
    far = taken(MemberFactory(), operator)
    services.claim_suspend_for_documents(claim=far, actor=operator, items=["Fattura"], deadline=in_days(20))
    OutboundMessage.objects.all().delete()
    assert services.suspension_reminders_send(days_before=3) == 1
    assert services.suspension_reminders_send(days_before=3) == 0  # idempotent
    call_command("send_suspension_reminders")  # the setting's 3 days: nobody new
    assert ClaimSuspension.objects.get(claim=claim).reminded_at is not None
    assert ClaimSuspension.objects.get(claim=far).reminded_at is None
    channels = sorted(OutboundMessage.objects.values_list("channel", "to"))
    assert channels == [("email", member.email), ("sms", member.mobile.as_e164)]
    email = OutboundMessage.objects.get(channel="email")
    assert f"{in_days(3):%d/%m/%Y}" in email.subject and "Fattura" not in email.body
    assert Notification.objects.filter(member=member, title__startswith="Promemoria").count() == 1
    assert AuditEvent.objects.filter(action="claim.suspension_reminder", member=member).count() == 1


def test_no_reminder_for_blocks_past_deadlines_or_claims_back_in_review(member, operator):
    blocked = taken(member, operator)
    services.claim_block(claim=blocked, actor=operator, reason="Contributo da regolarizzare.")
    answered = taken(MemberFactory(), operator)
    services.claim_suspend_for_documents(claim=answered, actor=operator, items=["Fattura"], deadline=in_days(2))
    services.claim_resume(claim=answered, actor=operator)
    late = taken(MemberFactory(), operator)
    services.claim_suspend_for_documents(claim=late, actor=operator, items=["Fattura"], deadline=in_days(2))
    assert services.suspension_reminders_send(days_before=3, today=in_days(5)) == 0  # deadline passed
    assert services.suspension_reminders_send(days_before=3) == 1  # only `late`
    assert ClaimSuspension.objects.get(claim=late).reminded_at is not None


def test_reminder_command_uses_the_setting(member, operator, settings):
    settings.SUSPENSION_REMINDER_DAYS = 10
    claim = taken(member, operator)
    services.claim_suspend_for_documents(claim=claim, actor=operator, items=["Fattura"], deadline=in_days(8))
    call_command("send_suspension_reminders")
    assert ClaimSuspension.objects.get(claim=claim).reminded_at is not None


# --- Possibili duplicati -----------------------------------------------------------------------------------


def test_same_file_in_another_claim_is_a_likely_duplicate(member, operator):
    first = sent_claim(member, number="1", upload=samples.jpeg_upload())
    services.claim_cancel_by_operator(claim=first, actor=operator, reason="Prova.")
    second = sent_claim(member, number="2", upload=samples.jpeg_upload("altro-nome.jpg"))  # same bytes
    warnings = claim_duplicates(claim=second)
    assert [(w.document.claim_id, w.other.claim_id, w.same_file) for w in warnings] == [(second.pk, first.pk, True)]


def test_same_number_date_amount_and_provider_is_a_likely_duplicate(member, operator):
    first = sent_claim(member, upload=samples.jpeg_upload())
    services.claim_cancel_by_operator(claim=first, actor=operator, reason="Prova.")
    second = sent_claim(member, upload=samples.pdf_upload(), provider_name="studio medico  ROSSI")
    warnings = claim_duplicates(claim=second)
    assert [(w.other.claim_id, w.same_file) for w in warnings] == [(first.pk, False)]


def test_other_members_documents_and_drafts_are_not_duplicates(member, operator):
    other = MemberFactory()
    sent_claim(other, upload=samples.jpeg_upload())  # same file and same data, another member
    claim = sent_claim(member, upload=samples.jpeg_upload())
    draft = services.draft_start(member=member, actor=member.user)
    services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.jpeg_upload()])
    assert claim_duplicates(claim=claim) == []


def test_the_operator_sees_the_same_invoice_sent_by_another_member(member, operator):
    spouse = MemberFactory()  # e.g. a spouse who is a member too, sending the same invoice
    theirs = sent_claim(spouse, number="7", upload=samples.jpeg_upload())
    copied = sent_claim(member, number="8", upload=samples.jpeg_upload("fattura.jpg"))  # same bytes, another number
    claim = sent_claim(member, number="7", upload=samples.pdf_upload())  # same number, date, amount, provider
    assert claim.pk == copied.pk  # the second submission joined the open claim (the guide's rule)
    assert claim_duplicates(claim=claim) == []  # what the member is told: nothing about another member's claims
    found = claim_duplicates(claim=claim, every_member=True)
    assert sorted((w.document.number, w.other.claim_id, w.same_file, w.other_member) for w in found) == [
        ("7", theirs.pk, False, True),
        ("8", theirs.pk, True, True),
    ]


def test_regional_operator_role_exists_with_an_office(db):
    from mutua.members.models import RegionalOffice

    office = RegionalOffice.objects.create(
        code="LOM", name="Sede Lombardia", region="Lombardia", address="Via Roma 1", phone="02 1", email="a@b.it"
    )
    user = UserFactory(username="regionale", role=Role.REGIONAL_OPERATOR, regional_office=office)
    assert list(office.operators.all()) == [user]
