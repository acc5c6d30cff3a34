"""Bounces: Mailgun's tracking webhook (through django-anymail) marks a member's e-mail undeliverable; the member
sees a banner until they change it, operators see it, notices stop going to it (mutua.members.bounces)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from mutua.accounts.models import User
from mutua.audit.models import AuditEvent
from mutua.claims.models import ClaimStatus
from mutua.claims.services import claim_transition
from mutua.claims.tests.factories import ClaimFactory
from mutua.members.models import Member, MemberChange
from mutua.notifications.models import Channel, OutboundMessage
from mutua.notifications.outbox import message_key

pytestmark = pytest.mark.django_db

SIGNING_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
WEBHOOK = "/webhooks/mailgun/tracking/"


@pytest.fixture(autouse=True)
def mailgun(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def signed(
    event_data: dict, *, key: str = SIGNING_KEY, token: str = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
) -> dict:
    """Mailgun's webhook body: the event and its signature (HMAC-SHA256 of timestamp + token)."""
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": event_data}


def failed_permanent(recipient: str, message_id: str = "20130503182626.18666.16540@sandbox.mailgun.org") -> dict:
    """A hard bounce as Mailgun posts it (event "failed", severity "permanent")."""
    return {
        "id": "G9Bn5sl1TC6nu79C8C0bwg",
        "timestamp": 1521233195.375624,
        "log-level": "error",
        "event": "failed",
        "severity": "permanent",
        "reason": "bounce",
        "recipient": recipient,
        "recipient-domain": recipient.rpartition("@")[2],
        "envelope": {"transport": "smtp", "sender": "noreply@mutua.example", "targets": recipient},
        "flags": {"is-routed": False, "is-authenticated": True, "is-system-test": False, "is-test-mode": False},
        "delivery-status": {
            "tls": True,
            "mx-host": "mx.esempio.it",
            "code": 550,
            "description": "",
            "attempt-no": 1,
            "message": "5.1.1 The email account that you tried to reach does not exist.",
            "certificate-verified": True,
        },
        "message": {
            "headers": {
                "to": recipient,
                "message-id": message_id,
                "from": "Mutua Esempio <noreply@mutua.example>",
                "subject": "Mutua Esempio SMS – Pratica n. 1 trasmessa",
            },
            "attachments": [],
            "size": 111,
        },
        "storage": {"url": "https://se.api.mailgun.net/v3/domains/mutua.example/messages/message_key", "key": "k"},
        "campaigns": [],
        "tags": [],
        "user-variables": {},
    }


def complained(recipient: str) -> dict:
    return {
        "id": "-Agny091SquKnsrW2NEKUA",
        "timestamp": 1521233123.501324,
        "log-level": "warn",
        "event": "complained",
        "envelope": {"sending-ip": "173.193.210.33"},
        "flags": {"is-test-mode": False},
        "recipient": recipient,
        "message": {"headers": {"to": recipient, "message-id": "x@mutua.example", "subject": "Avviso"}},
        "campaigns": [],
        "tags": [],
        "user-variables": {},
    }


def post(client: Client, body: dict):
    return client.post(WEBHOOK, json.dumps(body), content_type="application/json")


def test_a_hard_bounce_marks_the_members_email_and_the_message(client: Client, member: Member) -> None:
    claim_transition(claim=ClaimFactory(member=member), to_status=ClaimStatus.SUBMITTED, actor=member.user)
    email = OutboundMessage.objects.get(channel=Channel.EMAIL)

    response = post(client, signed(failed_permanent(member.email.upper(), message_key(email).strip("<>"))))

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.email_undeliverable and member.email_bounced == member.email
    assert "5.1.1" in member.email_bounce_reason
    [change] = MemberChange.objects.filter(member=member, field="email_bounced")
    assert (change.old_value, change.new_value, change.actor_id) == ("", member.email, None)
    assert AuditEvent.objects.filter(action="member.email_undeliverable", member=member).count() == 1
    email.refresh_from_db()
    assert email.delivery_status == "bounced" and "5.1.1" in email.delivery_error


def test_a_complaint_marks_the_email_too(client: Client, member: Member) -> None:
    assert post(client, signed(complained(member.email))).status_code == 200
    member.refresh_from_db()
    assert member.email_undeliverable and member.email_bounce_reason.startswith("complained")


def test_a_temporary_failure_marks_nothing(client: Client, member: Member) -> None:
    event = {**failed_permanent(member.email), "severity": "temporary", "reason": "generic"}
    assert post(client, signed(event)).status_code == 200
    member.refresh_from_db()
    assert not member.email_undeliverable and not member.email_bounced


def test_a_bounce_for_an_address_of_nobody_changes_nothing(client: Client, member: Member) -> None:
    assert post(client, signed(failed_permanent("sconosciuto@esempio.it"))).status_code == 200
    assert not Member.objects.exclude(email_bounced="").exists()


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda body: signed(body["event-data"], key="key-altro"), id="another key"),
        pytest.param(lambda body: {**body, "signature": {**body["signature"], "signature": "0" * 64}}, id="wrong"),
        pytest.param(lambda body: {"event-data": body["event-data"]}, id="no signature"),
    ],
)
def test_a_report_without_mailguns_signature_is_refused_and_nothing_is_stored(
    client: Client, member: Member, forge
) -> None:
    response = post(client, forge(signed(failed_permanent(member.email))))
    assert response.status_code == 400
    member.refresh_from_db()
    assert not member.email_bounced and not MemberChange.objects.exists()


def test_the_webhook_does_not_exist_without_a_signing_key(client: Client, member: Member, settings) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    assert post(client, signed(failed_permanent(member.email))).status_code == 404


def test_the_member_sees_a_banner_until_they_change_the_address(client: Client, member: Member) -> None:
    post(client, signed(failed_permanent(member.email)))
    client.force_login(member.user)

    page = client.get("/").content.decode()
    assert 'data-testid="email-non-recapitabile"' in page
    assert "Non riusciamo a scriverti per e-mail." in page and member.email in page
    assert 'href="/dati-anagrafici/aggiorna/"' in page

    Member.objects.filter(pk=member.pk).update(email="mario.nuovo@esempio.it")  # a new address, verified
    assert 'data-testid="email-non-recapitabile"' not in client.get("/").content.decode()


def test_another_member_sees_no_banner(client: Client, member: Member, other_member: Member) -> None:
    post(client, signed(failed_permanent(member.email)))
    client.force_login(other_member.user)
    assert 'data-testid="email-non-recapitabile"' not in client.get("/").content.decode()


def test_verifying_the_same_address_with_a_code_clears_it(member: Member) -> None:
    from mutua.accounts.codes import code_issue
    from mutua.accounts.contacts import Target, _targets_apply
    from mutua.accounts.models import CodePurpose

    Member.objects.filter(pk=member.pk).update(email_bounced=member.email)
    member.refresh_from_db()
    code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)
    _targets_apply(
        member=member,
        targets=[
            Target(purpose=CodePurpose.EMAIL, to=member.email, field="email_code", pending=False, shown=member.email)
        ],
        actor=member.user,
        request=None,
    )
    member.refresh_from_db()
    assert not member.email_undeliverable


def test_notices_are_not_emailed_to_an_undeliverable_address(client: Client, member: Member) -> None:
    post(client, signed(failed_permanent(member.email)))

    claim_transition(claim=ClaimFactory(member=member), to_status=ClaimStatus.SUBMITTED, actor=member.user)

    assert list(OutboundMessage.objects.values_list("channel", flat=True)) == [Channel.SMS]


def test_operators_see_it_on_the_members_data(client: Client, member: Member, operator: User) -> None:
    claim = claim_transition(claim=ClaimFactory(member=member), to_status=ClaimStatus.SUBMITTED, actor=member.user)
    post(client, signed(failed_permanent(member.email)))
    client.force_login(operator)

    page = client.get(f"/backoffice/pratiche/{claim.pk}/").content.decode()

    assert 'data-testid="email-non-recapitabile"' in page and "non recapitabile" in page
    assert "Il socio è invitato ad aggiornarla." in page


def test_the_members_list_of_the_back_office_shows_it(client: Client, member: Member, supervisor: User) -> None:
    post(client, signed(failed_permanent(member.email)))
    client.force_login(supervisor)

    page = client.get("/backoffice/soci/", {"q": member.code}).content.decode()

    assert page.count('data-testid="email-non-recapitabile"') == 1
