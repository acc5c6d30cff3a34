"""Every e-mail in one branded layout, as HTML and text (mutua.notifications.emails), and its preview in the outbox."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from mutua.accounts.models import User
from mutua.accounts.services import password_changed_notice
from mutua.claims.models import ClaimStatus
from mutua.claims.services import claim_transition
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory
from mutua.members.models import Member
from mutua.notifications.emails import email_render
from mutua.notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db

HEALTH_NOTES = "Visita cardiologica per aritmia, referto allegato."
PROVIDER = "Centro Cardiologico Monzino"


def html_of(message: mail.EmailMultiAlternatives) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(html)


def test_a_status_change_sends_one_multipart_email_with_the_link_and_no_health_details(
    member: Member, operator: User, settings
) -> None:
    settings.MUTUA_PUBLIC_URL = "https://soci.mutua.example"
    claim = ClaimFactory(member=member)
    ClaimDocumentFactory(claim=claim, notes=HEALTH_NOTES, provider_name=PROVIDER)
    claim = claim_transition(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=member.user)
    mail.outbox.clear()

    claim_transition(claim=claim, to_status=ClaimStatus.IN_REVIEW, actor=operator)

    [sent] = mail.outbox
    mime = sent.message()
    assert mime.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mime.get_payload()] == ["text/plain", "text/html"]
    link = f"https://soci.mutua.example/pratiche/{claim.pk}/"
    html = html_of(sent)
    for text in (sent.body, html):
        assert link in text
        assert "Mutua Esempio SMS" in text
        assert settings.MUTUA_INFOCENTER_EMAIL in text
        assert "https://soci.mutua.example/profilo/#avvisi" in text  # where to choose the channels
        for secret in ("cardiologic", "aritmia", "referto", "Monzino"):
            assert secret not in text.lower() and secret not in sent.subject.lower()
    assert f'<a href="{link}"' in html and f">{link}</a>" in html  # the address written out, not "click here"
    assert '<html lang="it">' in html
    assert 'src="https://soci.mutua.example/static/img/logo.png"' in html
    assert "Gentile Mario Rossi," in html and "Gentile Mario Rossi," in sent.body
    assert "<" not in sent.body  # the text part is text
    stored = OutboundMessage.objects.get(subject=sent.subject)
    assert stored.html_body == html and stored.body == sent.body


def test_the_layout_escapes_what_it_is_given() -> None:
    email = email_render(title="Pratica <b>n. 1</b>", paragraphs=["<script>alert(1)</script>"])
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert "<script>alert(1)</script>" in email.text  # plain text, where nothing runs


def test_security_messages_say_they_are_always_sent_and_link_no_preferences(member: Member) -> None:
    password_changed_notice(user=member.user)

    [sent] = mail.outbox
    for text in (sent.body, html_of(sent)):
        assert "Questo è un messaggio di sicurezza: lo inviamo sempre" in text
        assert "#avvisi" not in text


def test_a_code_is_the_first_number_of_the_text_and_large_in_the_html(member: Member) -> None:
    from mutua.accounts.codes import code_issue
    from mutua.accounts.models import CodePurpose

    code_issue(user=member.user, purpose=CodePurpose.EMAIL, target=member.email)

    [sent] = mail.outbox
    [code] = re.findall(r"\b\d{6}\b", sent.body)
    assert sent.body.split(": ")[1][:6] == code
    assert re.search(rf">{code}</p>", html_of(sent))


def test_the_layout_speaks_english_too() -> None:
    with translation.override("en"):
        email = email_render(title="Claim no. 7 in review", paragraphs=["We are looking at it."], path="/pratiche/7/")
    for text in (email.text, email.html):
        assert "Need help? Write to our infocenter:" in text
        assert "Choose how to receive notices in your profile:" in text
        assert "Serve aiuto" not in text
    assert '<html lang="en">' in email.html


# --- The development outbox -------------------------------------------------------------------------------------


def test_the_outbox_shows_each_email_as_html_in_a_sandbox(member: Member, client: Client, settings) -> None:
    settings.MUTUA_SHOW_OUTBOX = True
    password_changed_notice(user=member.user)
    message = OutboundMessage.objects.get()

    page = client.get("/sviluppo/posta-in-uscita/")
    assert f'href="/sviluppo/posta-in-uscita/{message.pk}/html/"' in page.content.decode()

    preview = client.get(f"/sviluppo/posta-in-uscita/{message.pk}/html/")
    assert preview.status_code == 200
    assert preview.content.decode() == message.html_body
    policy = preview["Content-Security-Policy"]
    assert "sandbox" in policy and "script-src 'none'" in policy


def test_the_outbox_preview_does_not_exist_outside_development(member: Member, client: Client, settings) -> None:
    settings.MUTUA_SHOW_OUTBOX = False
    password_changed_notice(user=member.user)
    message = OutboundMessage.objects.get()
    assert client.get(f"/sviluppo/posta-in-uscita/{message.pk}/html/").status_code == 404


def test_the_outbox_preview_of_an_sms_is_not_found(member: Member, client: Client, settings) -> None:
    from mutua.notifications.outbox import sms_queue

    settings.MUTUA_SHOW_OUTBOX = True
    message = sms_queue(to="+393331234567", body="Codice 123456")
    assert client.get(f"/sviluppo/posta-in-uscita/{message.pk}/html/").status_code == 404
