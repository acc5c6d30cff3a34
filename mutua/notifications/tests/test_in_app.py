"""In-app notifications (the bell, "Notifiche") and the SMS text rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mutua.accounts.models import User
from mutua.claims.models import Claim, ClaimStatus, Settlement
from mutua.claims.services import claim_transition
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory
from mutua.members.models import Member
from mutua.notifications.models import Notification, NotificationKind, OutboundMessage
from mutua.notifications.selectors import notifications_for_member, unread_count
from mutua.notifications.services import notification_create, notifications_mark_read
from mutua.notifications.sms import LocmemSmsBackend, sms_fit, sms_length

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


def test_sms_fit_replaces_characters_outside_the_gsm_alphabet() -> None:
    assert sms_fit("L’esito – «È pronto»…  ") == "L'esito - \"E' pronto\"..."
    assert sms_fit("perché è già così") == "perché è già così"
    assert sms_length("€ 1.234,56") == 11
    assert sms_length(sms_fit("€" * 100)) <= 160


# --- notification_create --------------------------------------------------------------------------------


def test_notification_links_only_inside_the_portal(member: Member) -> None:
    notification = notification_create(
        member_id=member.pk, kind=NotificationKind.SECURITY, title="Password modificata", body="", url="/profilo/"
    )
    assert notification.url == "/profilo/"
    for url in ("https://esempio.it/", "//esempio.it/", "javascript:alert(1)", "pratiche/1/"):
        with pytest.raises(ValueError):
            notification_create(member_id=member.pk, kind=NotificationKind.GENERIC, title="x", body="", url=url)


def test_notification_kind_must_be_known(member: Member) -> None:
    with pytest.raises(ValueError):
        notification_create(member_id=member.pk, kind="marketing", title="x", body="", url="")


def test_long_texts_are_cut_to_the_columns(member: Member) -> None:
    notification = notification_create(
        member_id=member.pk, kind=NotificationKind.GENERIC, title="t" * 300, body="b" * 900, url=""
    )
    notification.refresh_from_db()
    assert len(notification.title) == 200 and len(notification.body) == 500


# --- notifications_mark_read ----------------------------------------------------------------------------


def notify(member: Member, title: str) -> Notification:
    return notification_create(member_id=member.pk, kind=NotificationKind.GENERIC, title=title, body="", url="")


def test_mark_read_marks_all_the_members_unread_notifications(member: Member) -> None:
    first, second = notify(member, "uno"), notify(member, "due")

    assert notifications_mark_read(member_id=member.pk) == 2

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is not None
    assert unread_count(member_id=member.pk) == 0
    assert notifications_mark_read(member_id=member.pk) == 0  # already read: the first reading time is kept


def test_mark_read_with_ids_marks_only_those(member: Member) -> None:
    first, second = notify(member, "uno"), notify(member, "due")

    assert notifications_mark_read(member_id=member.pk, ids=[first.pk]) == 1

    assert list(notifications_for_member(member_id=member.pk).filter(read_at=None)) == [second]
    assert unread_count(member_id=member.pk) == 1


def test_mark_read_ignores_another_members_notifications(member: Member, other_member: Member) -> None:
    theirs = notify(other_member, "di Giulia")

    assert notifications_mark_read(member_id=member.pk, ids=[theirs.pk]) == 0
    assert notifications_mark_read(member_id=member.pk) == 0

    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert unread_count(member_id=other_member.pk) == 1


# --- Selectors ------------------------------------------------------------------------------------------


def test_selectors_never_return_another_members_notifications(member: Member, other_member: Member) -> None:
    mine = notify(member, "mia")
    notify(other_member, "di Giulia")
    theirs_claim = claim_before(ClaimStatus.SUBMITTED, member=other_member)
    claim_transition(claim=theirs_claim, to_status=ClaimStatus.SUBMITTED, actor=other_member.user)

    assert list(notifications_for_member(member_id=member.pk)) == [mine]
    assert unread_count(member_id=member.pk) == 1
    assert unread_count(member_id=other_member.pk) == 2


def test_notifications_come_newest_first_in_one_query(member: Member, django_assert_num_queries) -> None:
    old = notify(member, "vecchia")
    Notification.objects.filter(pk=old.pk).update(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    new = notify(member, "nuova")

    with django_assert_num_queries(1):
        assert list(notifications_for_member(member_id=member.pk)) == [new, old]
    with django_assert_num_queries(1):
        assert unread_count(member_id=member.pk) == 2
