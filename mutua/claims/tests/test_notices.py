"""What a member is told when a claim moves: in the portal, by e-mail, by SMS (mutua.claims.notices)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from mutua.accounts.models import User
from mutua.claims.models import Claim, ClaimStatus, Settlement
from mutua.claims.notices import claim_status_notify, claim_url
from mutua.claims.services import InvalidTransition, claim_transition
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory
from mutua.members.models import Member
from mutua.members.tests.factories import MemberFactory
from mutua.notifications.models import Channel, MessageStatus, Notification, NotificationKind, OutboundMessage
from mutua.notifications.selectors import notifications_for_member, unread_count
from mutua.notifications.sms import GSM_BASIC, GSM_EXTENDED, LocmemSmsBackend, sms_length

pytestmark = pytest.mark.django_db

MOBILE = "+393331234567"  # MemberFactory's
# The moves that bring a draft to each status; the last one is the move under test.
PATHS = {
    ClaimStatus.SUBMITTED: [ClaimStatus.SUBMITTED],
    ClaimStatus.IN_REVIEW: [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW],
    ClaimStatus.SUSPENDED: [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SUSPENDED],
    ClaimStatus.SETTLED: [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SETTLED],
    ClaimStatus.PAID: [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SETTLED, ClaimStatus.PAID],
    ClaimStatus.REJECTED: [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.REJECTED],
    ClaimStatus.CANCELLED: [ClaimStatus.SUBMITTED, ClaimStatus.CANCELLED],
}
TITLES = {
    ClaimStatus.SUBMITTED: "Pratica n. {n} trasmessa",
    ClaimStatus.IN_REVIEW: "Pratica n. {n} in lavorazione",
    ClaimStatus.SUSPENDED: "Pratica n. {n} sospesa: documenti da integrare",
    ClaimStatus.SETTLED: "Pratica n. {n} liquidata",
    ClaimStatus.PAID: "Pratica n. {n} pagata",
    ClaimStatus.REJECTED: "Pratica n. {n} respinta",
    ClaimStatus.CANCELLED: "Pratica n. {n} annullata",
}
# What a member's own document notes or a provider's name could reveal: it must never reach a message.
HEALTH_NOTES = "Visita cardiologica per aritmia, referto allegato."
PROVIDER = "Centro Cardiologico Monzino"


def claim_before(status: str, *, member: Member, operator: User | None = None) -> Claim:
    """A claim of `member` one move short of `status`, with a document that was settled if `status` needs it."""
    claim = ClaimFactory(member=member)
    document = ClaimDocumentFactory(claim=claim, notes=HEALTH_NOTES, provider_name=PROVIDER)
    if status in (ClaimStatus.SETTLED, ClaimStatus.PAID):
        Settlement.objects.create(
            document=document,
            amount_requested=Decimal("120.00"),
            amount_admitted=Decimal("120.00"),
            amount_withheld=Decimal("24.00"),
            amount_paid=Decimal("96.00"),
            competence_year=2026,
            payment_year=2026 if status == ClaimStatus.PAID else None,
            paid_on=dt.date(2026, 11, 20) if status == ClaimStatus.PAID else None,
        )
    for step in PATHS[status][:-1]:
        claim = claim_transition(claim=claim, to_status=step, actor=operator)
    return claim


class Sent:
    """What one move wrote: notifications, queued messages, e-mails and SMS delivered."""

    def __init__(self, *, notifications: list[Notification], messages: list[OutboundMessage], mails: list, sms: list):
        self.notifications = notifications
        self.messages = messages
        self.mails = mails
        self.sms = sms

    @property
    def texts(self) -> list[str]:
        return (
            [f"{n.title} {n.body}" for n in self.notifications]
            + [f"{m.subject} {m.body}" for m in self.mails]
            + [s["body"] for s in self.sms]
        )


def capture(mailoutbox: list, action) -> Sent:
    """Run `action` and return only what it sent."""
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_message = OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    mails_before, sms_before = len(mailoutbox), len(LocmemSmsBackend.outbox)
    action()
    return Sent(
        notifications=list(Notification.objects.filter(pk__gt=last_notification).order_by("pk")),
        messages=list(OutboundMessage.objects.filter(pk__gt=last_message).order_by("pk")),
        mails=mailoutbox[mails_before:],
        sms=LocmemSmsBackend.outbox[sms_before:],
    )


def move(claim: Claim, to_status: str, *, actor: User | None = None, note: str = ""):
    return lambda: claim_transition(claim=claim, to_status=to_status, actor=actor, note=note)


# --- notify_claim_status, status by status ------------------------------------------------------------------


@pytest.mark.parametrize("status", list(PATHS))
def test_each_status_notifies_in_the_portal_by_email_and_by_sms(
    member: Member, operator: User, mailoutbox: list, status: str
) -> None:
    claim = claim_before(status, member=member, operator=operator)

    sent = capture(mailoutbox, move(claim, status, actor=operator))

    [notification] = sent.notifications
    assert notification.member == member
    assert notification.kind == NotificationKind.CLAIM_STATUS
    assert notification.title == TITLES[status].format(n=claim.pk)
    assert str(claim.pk) in notification.body
    assert notification.url == f"/pratiche/{claim.pk}/"
    assert notification.read_at is None

    assert sorted(m.channel for m in sent.messages) == [Channel.EMAIL, Channel.SMS]
    assert all(m.status == MessageStatus.SENT for m in sent.messages)  # test settings deliver at once
    [mail] = sent.mails
    assert mail.to == [member.email]
    assert notification.title in mail.subject
    assert f"n. {claim.pk}" in mail.body
    assert "Gentile Mario Rossi" in mail.body
    [sms] = sent.sms
    assert sms["to"] == MOBILE
    assert f"n. {claim.pk}" in sms["body"]
    assert sms_length(sms["body"]) <= 160
    assert set(sms["body"]) <= GSM_BASIC | GSM_EXTENDED  # one other character and the SMS holds only 70


@pytest.mark.parametrize(
    ("email_verified", "mobile_verified", "channels"),
    [
        (True, True, [Channel.EMAIL, Channel.SMS]),
        (True, False, [Channel.EMAIL]),
        (False, True, [Channel.SMS]),
        (False, False, []),
    ],
)
def test_email_and_sms_go_only_to_verified_contacts(
    mailoutbox: list, email_verified: bool, mobile_verified: bool, channels: list[str]
) -> None:
    now = dt.datetime.now(dt.UTC)
    member = MemberFactory(
        email_verified_at=now if email_verified else None, mobile_verified_at=now if mobile_verified else None
    )
    claim = claim_before(ClaimStatus.SUBMITTED, member=member)

    sent = capture(mailoutbox, move(claim, ClaimStatus.SUBMITTED, actor=member.user))

    assert len(sent.notifications) == 1  # the portal always tells
    assert sorted(m.channel for m in sent.messages) == channels
    assert len(sent.mails) == (1 if email_verified else 0)
    assert len(sent.sms) == (1 if mobile_verified else 0)


def test_no_sms_without_a_mobile_even_if_once_verified(mailoutbox: list) -> None:
    member = MemberFactory(mobile="")
    claim = claim_before(ClaimStatus.SUBMITTED, member=member)

    sent = capture(mailoutbox, move(claim, ClaimStatus.SUBMITTED, actor=member.user))

    assert [m.channel for m in sent.messages] == [Channel.EMAIL]


@pytest.mark.parametrize("status", [ClaimStatus.DRAFT, "archived", ""])
def test_draft_and_unknown_statuses_announce_nothing(member: Member, mailoutbox: list, status: str) -> None:
    claim = ClaimFactory(member=member)

    sent = capture(mailoutbox, lambda: claim_status_notify(claim=claim, to_status=status, note="x"))

    assert sent.notifications == sent.messages == sent.mails == sent.sms == []


def test_a_refused_move_announces_nothing(member: Member, operator: User, mailoutbox: list) -> None:
    claim = claim_before(ClaimStatus.IN_REVIEW, member=member, operator=operator)

    def refused() -> None:
        with pytest.raises(InvalidTransition):
            claim_transition(claim=claim, to_status=ClaimStatus.PAID, actor=operator)

    sent = capture(mailoutbox, refused)

    assert sent.notifications == sent.messages == sent.mails == sent.sms == []


# --- The caller's transaction -------------------------------------------------------------------------------

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_a_rolled_back_move_leaves_no_notification_no_message_and_no_task(
    member: Member, operator: User, mailoutbox: list, settings
) -> None:
    """With the production task backend: the task rows roll back with the change, so nothing is ever sent."""
    claim = claim_before(ClaimStatus.REJECTED, member=member, operator=operator)
    settings.TASKS = DATABASE_TASKS
    notifications, messages, tasks = (model.objects.count() for model in (Notification, OutboundMessage, DBTaskResult))

    with pytest.raises(RuntimeError), transaction.atomic():
        claim_transition(claim=claim, to_status=ClaimStatus.REJECTED, actor=operator, note="Fuori termine.")
        assert Notification.objects.count() == notifications + 1
        assert DBTaskResult.objects.count() == tasks + 2
        raise RuntimeError("the operator's request failed after the move")

    assert Notification.objects.count() == notifications
    assert OutboundMessage.objects.count() == messages
    assert DBTaskResult.objects.count() == tasks
    assert all("respinta" not in m.subject for m in mailoutbox)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.IN_REVIEW


def test_a_committed_move_leaves_one_delivery_task_per_message_for_the_worker(
    member: Member, operator: User, mailoutbox: list, settings
) -> None:
    claim = claim_before(ClaimStatus.REJECTED, member=member, operator=operator)
    settings.TASKS = DATABASE_TASKS

    sent = capture(mailoutbox, move(claim, ClaimStatus.REJECTED, actor=operator))

    assert len(sent.notifications) == 1
    assert [m.status for m in sent.messages] == [MessageStatus.QUEUED, MessageStatus.QUEUED]
    queued = {t.args_kwargs["kwargs"]["message_id"] for t in DBTaskResult.objects.all()}
    assert queued == {m.pk for m in sent.messages}
    assert sent.mails == sent.sms == []  # the worker sends them


def test_messages_are_written_in_italian_whatever_the_operators_language(member: Member, operator: User) -> None:
    claim = claim_before(ClaimStatus.IN_REVIEW, member=member, operator=operator)

    with translation.override("en"):
        claim_transition(claim=claim, to_status=ClaimStatus.IN_REVIEW, actor=operator)

    notification = notifications_for_member(member_id=member.pk).first()
    assert notification.title == f"Pratica n. {claim.pk} in lavorazione"
    assert OutboundMessage.objects.filter(subject__contains="in lavorazione").exists()


# --- What the texts say, and what they never say ------------------------------------------------------------


def test_texts_name_the_claim_and_never_the_documents_notes_or_provider(
    member: Member, operator: User, mailoutbox: list
) -> None:
    for status in PATHS:
        claim = claim_before(status, member=member, operator=operator)
        sent = capture(mailoutbox, move(claim, status, actor=operator))
        assert len(sent.texts) == 3, status
        for text in sent.texts:
            assert f"n. {claim.pk}" in text, (status, text)
            for secret in ("aritmia", "cardiolog", "referto", "Monzino"):
                assert secret.lower() not in text.lower(), (status, text)


@pytest.mark.parametrize("operator_language", ["it", "en"])
def test_documents_request_keeps_its_list_in_the_portal_and_sends_the_deadline(
    member: Member, operator: User, mailoutbox: list, operator_language: str
) -> None:
    """Whatever language the operator's back office is in, the member reads Italian and gets the deadline."""
    from mutua.claims.services import claim_suspend_for_documents

    claim = claim_before(ClaimStatus.SUSPENDED, member=member, operator=operator)
    deadline = timezone.localdate() + dt.timedelta(days=20)

    def suspend() -> None:
        with translation.override(operator_language):
            claim_suspend_for_documents(claim=claim, actor=operator, items=["lettera di dimissione"], deadline=deadline)

    sent = capture(mailoutbox, suspend)

    [notification] = sent.notifications
    assert notification.title == f"Pratica n. {claim.pk} sospesa: documenti da integrare"
    assert "Documenti da integrare: lettera di dimissione" in notification.body  # behind the login
    [mail], [sms] = sent.mails, sent.sms
    for outside in (mail.body, sms["body"]):
        assert "dimissione" not in outside  # a document list can reveal a hospital stay
        assert f"entro il {deadline:%d/%m/%Y}" in outside
        assert "documenti" in outside


def test_documents_request_without_a_deadline_says_so_without_a_date(
    member: Member, operator: User, mailoutbox: list
) -> None:
    claim = claim_before(ClaimStatus.SUSPENDED, member=member, operator=operator)

    sent = capture(
        mailoutbox, move(claim, ClaimStatus.SUSPENDED, actor=operator, note="Copia leggibile della fattura.")
    )

    assert "servono altri documenti" in sent.sms[0]["body"]
    assert "entro" not in sent.sms[0]["body"]


def test_administrative_block_is_told_with_its_reason_on_every_channel(
    member: Member, operator: User, mailoutbox: list
) -> None:
    claim = claim_before(ClaimStatus.SUSPENDED, member=member, operator=operator)
    reason = "Posizione contributiva non regolare: risulta da versare il contributo 2026."
    Claim.objects.filter(pk=claim.pk).update(block_reason=reason)  # the block service sets it before the move

    sent = capture(mailoutbox, move(claim, ClaimStatus.SUSPENDED, actor=operator, note="Blocco amministrativo."))

    [notification] = sent.notifications
    assert notification.title == f"Pratica n. {claim.pk} sospesa: blocco amministrativo"
    for text in (notification.body, sent.mails[0].body, sent.sms[0]["body"]):
        assert reason in text
    assert "documenti" not in sent.sms[0]["body"]


def test_a_long_block_reason_is_cut_to_one_sms(member: Member, operator: User, mailoutbox: list) -> None:
    claim = claim_before(ClaimStatus.SUSPENDED, member=member, operator=operator)
    reason = "Posizione contributiva non regolare – risulta da versare il contributo 2026. " * 4
    Claim.objects.filter(pk=claim.pk).update(block_reason=reason)

    sent = capture(mailoutbox, move(claim, ClaimStatus.SUSPENDED, actor=operator))

    body = sent.sms[0]["body"]
    assert sms_length(body) <= 160 and body.endswith("...")
    assert "–" not in body  # the en dash is outside the GSM alphabet
    assert len(sent.notifications[0].body) <= 500


def test_rejection_reason_is_in_the_portal_and_not_outside(member: Member, operator: User, mailoutbox: list) -> None:
    claim = claim_before(ClaimStatus.REJECTED, member=member, operator=operator)
    reason = "Prestazione non prevista dalla forma di assistenza."

    sent = capture(mailoutbox, move(claim, ClaimStatus.REJECTED, actor=operator, note=reason))

    assert sent.notifications[0].body == f"La pratica n. {claim.pk} è stata respinta. Motivo: {reason}"
    assert reason not in sent.mails[0].body and "motivo" in sent.mails[0].body
    assert reason not in sent.sms[0]["body"] and "motivo" in sent.sms[0]["body"]


def test_settlement_and_payment_carry_the_amount_and_the_value_date(
    member: Member, operator: User, mailoutbox: list
) -> None:
    settled = claim_before(ClaimStatus.SETTLED, member=member, operator=operator)
    sent = capture(mailoutbox, move(settled, ClaimStatus.SETTLED, actor=operator))
    for text in sent.texts:
        assert "€ 96,00" in text

    paid = capture(mailoutbox, move(settled, ClaimStatus.PAID))
    [notification] = paid.notifications
    assert notification.title == f"Pratica n. {settled.pk} pagata"
    assert "€ 96,00" in notification.body  # the claim_before settlement has no date: a later payment batch sets it
    Settlement.objects.filter(document__claim=settled).update(paid_on=dt.date(2026, 11, 20), payment_year=2026)
    again = capture(mailoutbox, lambda: claim_status_notify(claim=settled, to_status=ClaimStatus.PAID))
    assert "valuta 20/11/2026" in again.sms[0]["body"]


def test_claim_url_is_the_portal_claim_page() -> None:
    assert claim_url(42) == "/pratiche/42/"


# --- claim_transition -----------------------------------------------------------------------------------


def test_submitted_claim_taken_in_review_notifies_its_member_once(
    member: Member, operator: User, mailoutbox: list
) -> None:
    claim = ClaimFactory(member=member)
    claim_transition(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=member.user)

    sent = capture(mailoutbox, move(claim, ClaimStatus.IN_REVIEW, actor=operator))

    [notification] = sent.notifications
    assert notification.member == member
    assert notification.title == f"Pratica n. {claim.pk} in lavorazione"
    assert notifications_for_member(member_id=member.pk).filter(title__contains="in lavorazione").count() == 1
    assert [m.to for m in sent.mails] == [[member.email]]
    assert [s["to"] for s in sent.sms] == [MOBILE]
    assert unread_count(member_id=member.pk) == 2  # trasmessa, in lavorazione
