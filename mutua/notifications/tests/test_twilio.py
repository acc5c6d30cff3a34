"""SMS through Twilio's Messages API and its signed delivery reports (mutua.notifications.twilio, .deliveries,
.webhooks), against a local fake of Twilio on real sockets speaking its formats."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client
from django.utils import timezone

from mutua.accounts.models import User
from mutua.claims.models import ClaimStatus
from mutua.claims.services import claim_transition
from mutua.claims.tests.factories import ClaimFactory
from mutua.members.models import Member
from mutua.notifications.models import MessageStatus, OutboundMessage
from mutua.notifications.outbox import message_deliver, sms_queue
from mutua.notifications.tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, INVALID_NUMBER, FakeTwilio, sign
from mutua.notifications.twilio import twilio_signature

PUBLIC = "https://soci.mutua.example"
WEBHOOK = "/webhooks/twilio/sms/"
MOBILE = "+393331234567"


@pytest.fixture
def twilio(settings):
    with FakeTwilio() as fake:
        settings.SMS_BACKEND = "mutua.notifications.twilio.TwilioSmsBackend"
        settings.TWILIO_API_URL = fake.url
        settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
        settings.MUTUA_PUBLIC_URL = PUBLIC
        yield fake


def report(client: Client, params: dict[str, str], *, signature: str | None = None, path: str = WEBHOOK):
    signature = sign(PUBLIC + path, params) if signature is None else signature
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def sent_sms(fake: FakeTwilio) -> OutboundMessage:
    message = sms_queue(to=MOBILE, body="Mutua Esempio SMS: la pratica n. 7 è in lavorazione.")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    return message


def test_the_signature_matches_twilios_published_example() -> None:
    # https://www.twilio.com/docs/usage/security#validating-requests: the documented URL, parameters, token, result.
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature(url=url, params=params, auth_token="12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


# --- Sending ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_sms_is_created_on_twilio_with_its_status_callback_and_its_sid_kept(twilio: FakeTwilio, settings) -> None:
    message = sent_sms(twilio)

    [fields] = twilio.requests
    assert fields == {
        "To": MOBILE,
        "Body": "Mutua Esempio SMS: la pratica n. 7 è in lavorazione.",
        "From": settings.SMS_SENDER,
        "StatusCallback": PUBLIC + WEBHOOK,
    }
    assert twilio.auth == [twilio.auth[0]] and twilio.auth[0].startswith("Basic ")
    assert message.provider_id.startswith("SM") and len(message.provider_id) == 34
    assert message.delivery_status == ""


@pytest.mark.django_db
def test_a_messaging_service_replaces_the_sender(twilio: FakeTwilio, settings) -> None:
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    sent_sms(twilio)
    assert twilio.requests[0]["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in twilio.requests[0]


@pytest.mark.django_db
def test_a_number_twilio_refuses_fails_at_once_with_its_error(twilio: FakeTwilio) -> None:
    message = sms_queue(to=INVALID_NUMBER, body="Codice 123456")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert "21211" in message.last_error and "not a valid phone number" in message.last_error


@pytest.mark.parametrize("answer", [500, 401])
@pytest.mark.django_db
def test_a_twilio_outage_or_bad_credentials_are_retried(twilio: FakeTwilio, answer: int) -> None:
    twilio.answer_status = answer
    message = sms_queue(to=MOBILE, body="Codice 123456")
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 1 and str(answer) in message.last_error
    assert message.next_attempt_at == timezone.now() + dt.timedelta(minutes=2)
    twilio.answer_status = None
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.provider_id.startswith("SM")


# --- Delivery reports ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_delivery_report_is_stored_on_the_message(twilio: FakeTwilio, client: Client) -> None:
    message = sent_sms(twilio)

    response = report(client, twilio.report_params(message.provider_id, twilio.requests[0], "delivered"))

    assert response.status_code == 204
    message.refresh_from_db()
    assert message.delivery_status == "delivered" and message.delivery_reported_at == timezone.now()
    assert message.status == MessageStatus.SENT


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda params: "", id="no signature"),
        pytest.param(lambda params: sign(PUBLIC + WEBHOOK, params, token="x" * 32), id="another account's token"),
        pytest.param(lambda params: sign(PUBLIC + WEBHOOK, {**params, "MessageStatus": "delivered"}), id="tampered"),
        pytest.param(lambda params: sign("https://altro.example" + WEBHOOK, params), id="another address"),
        pytest.param(lambda params: "A" * 10_000, id="oversized"),
    ],
)
@pytest.mark.django_db
def test_a_report_without_twilios_signature_is_refused_and_nothing_is_stored(
    twilio: FakeTwilio, client: Client, forge
) -> None:
    message = sent_sms(twilio)
    params = twilio.report_params(message.provider_id, twilio.requests[0], "undelivered")

    response = report(client, params, signature=forge(params))

    assert response.status_code == 403
    message.refresh_from_db()
    assert (message.delivery_status, message.status, message.attempts) == ("", MessageStatus.SENT, 1)


@pytest.mark.django_db
def test_reports_are_refused_while_no_auth_token_is_set(twilio: FakeTwilio, client: Client, settings) -> None:
    message = sent_sms(twilio)
    params = twilio.report_params(message.provider_id, twilio.requests[0], "delivered")
    settings.TWILIO_AUTH_TOKEN = ""
    assert report(client, params, signature=sign(PUBLIC + WEBHOOK, params, token="")).status_code == 403


@pytest.mark.django_db
def test_the_webhook_takes_only_post(client: Client) -> None:
    assert client.get(WEBHOOK).status_code == 405


@pytest.mark.django_db
def test_an_undelivered_sms_is_sent_again_by_the_outbox_rules_then_failed(
    twilio: FakeTwilio, client: Client, settings, django_capture_on_commit_callbacks
) -> None:
    message = sent_sms(twilio)
    first_sid = message.provider_id

    with django_capture_on_commit_callbacks(execute=False) as retries:
        report(client, twilio.report_params(first_sid, twilio.requests[0], "undelivered", "30003"))

    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert (message.delivery_status, message.delivery_error) == ("undelivered", "undelivered 30003")
    assert message.next_attempt_at == timezone.now() + dt.timedelta(minutes=2)  # as after a failed attempt
    assert "30003" in message.last_error and len(retries) == 1

    retries[0]()  # the retry task runs (the test backend runs it at once)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2 and message.provider_id != first_sid
    assert len(twilio.requests) == 2

    # A late report about the first send names an id the message no longer has: ignored.
    assert report(client, twilio.report_params(first_sid, twilio.requests[0], "failed")).status_code == 204
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT

    # The last allowed attempt undelivered too: failed for good, no more sending.
    OutboundMessage.objects.filter(pk=message.pk).update(attempts=settings.MESSAGE_MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True) as retries:
        report(client, twilio.report_params(message.provider_id, twilio.requests[1], "failed", "30008"))
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and not retries and len(twilio.requests) == 2


@pytest.mark.django_db
def test_a_late_progress_report_does_not_undo_delivered(twilio: FakeTwilio, client: Client) -> None:
    message = sent_sms(twilio)
    fields = twilio.requests[0]
    report(client, twilio.report_params(message.provider_id, fields, "delivered"))
    report(client, twilio.report_params(message.provider_id, fields, "sent"))
    message.refresh_from_db()
    assert message.delivery_status == "delivered"


@pytest.mark.django_db
def test_an_undelivered_sms_shows_on_the_members_data_in_the_back_office(
    twilio: FakeTwilio, client: Client, member: Member, operator: User, settings
) -> None:
    settings.MESSAGE_MAX_ATTEMPTS = 1
    claim = claim_transition(claim=ClaimFactory(member=member), to_status=ClaimStatus.SUBMITTED, actor=member.user)
    sms = OutboundMessage.objects.get(channel="sms")
    report(client, twilio.report_params(sms.provider_id, twilio.requests[0], "undelivered", "30005"))

    client.force_login(operator)
    page = client.get(f"/backoffice/pratiche/{claim.pk}/").content.decode()

    assert 'data-testid="non-recapitati"' in page
    assert "Messaggi non recapitati al socio" in page and "undelivered 30005" in page and MOBILE in page


@pytest.mark.django_db
def test_a_member_with_every_message_delivered_shows_no_warning(client: Client, member: Member, operator: User) -> None:
    claim = claim_transition(claim=ClaimFactory(member=member), to_status=ClaimStatus.SUBMITTED, actor=member.user)
    client.force_login(operator)
    page = client.get(f"/backoffice/pratiche/{claim.pk}/").content.decode()
    assert 'data-testid="non-recapitati"' not in page


# --- The whole loop on real sockets: our worker → fake Twilio → its signed callback → our live server -----------


@pytest.mark.django_db(transaction=True)
def test_twilio_calls_back_the_live_server_and_the_report_lands_on_the_message(twilio, live_server, settings) -> None:
    settings.MUTUA_PUBLIC_URL = live_server.url
    twilio.report = "delivered"

    message = sms_queue(to=MOBILE, body="Codice 123456")

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.delivery_status and twilio.callbacks:  # the fake notes our answer once it has read it
            break
        time.sleep(0.05)
    assert twilio.requests[0]["StatusCallback"] == live_server.url + WEBHOOK
    assert twilio.callbacks == [204]
    assert message.delivery_status == "delivered" and message.status == MessageStatus.SENT
