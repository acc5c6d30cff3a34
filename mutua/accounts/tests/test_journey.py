"""The sign-in journey of the guide, through the Django test client."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from mutua.accounts.models import VerificationCode
from mutua.audit.models import AuditEvent
from mutua.members.models import Consent
from mutua.notifications.sms import LocmemSmsBackend

LOGIN = "/accounts/login/"


def login(client, username, password):
    return client.post(LOGIN, {"login": username, "password": password})


def last_code(text: str) -> str:
    return re.findall(r"\b(\d{6})\b", text)[-1]


def first_access_post(client, **overrides):
    data = {
        "new_password1": "NuovaPass2026",
        "new_password2": "NuovaPass2026",
        "email": "anna.verdi@esempio.it",
        "mobile": "333 765 4321",
        "privacy": "1",
    }
    data.update(overrides)
    return client.post(reverse("accounts:first_access"), data)


@pytest.mark.django_db
class TestLogin:
    def test_short_username_is_padded(self, client, member):
        member.user.username = member.code = "000000012345"
        member.user.save()
        member.save()
        response = login(client, "12345", "Segreta123")
        assert response.status_code == 302
        assert response["Location"] == "/"
        assert "Mario Rossi" in client.get("/").content.decode()

    def test_letters_in_username_get_a_clear_message(self, client, member):
        response = login(client, "abc123", "Segreta123")
        assert "contiene solo cifre" in response.content.decode()

    def test_wrong_password_gets_one_generic_message_and_the_hints(self, client, member):
        wrong_password = login(client, member.code, "Sbagliata1").content.decode()
        unknown_user = login(client, "999999999999", "Sbagliata1").content.decode()
        for page in (wrong_password, unknown_user):
            assert "La password non è corretta oppure la username non è registrata" in page
            assert "Caps Lock" in page
        assert not client.session.get("_auth_user_id")

    def test_login_is_audited(self, client, member):
        login(client, member.code, "Segreta123")
        assert AuditEvent.objects.filter(action="account.login", member=member).count() == 1

    def test_anonymous_visitor_is_sent_to_login(self, client):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)

    def test_repeated_failures_slow_down_but_never_refuse_the_right_password(self, client, member):
        for _ in range(10):
            login(client, member.code, "Sbagliata1")
        assert login(client, member.code, "Segreta123").status_code == 302  # test_lockout measures the waits
        assert client.session.get("_auth_user_id") == str(member.user.pk)


def first_access_login(client, member):
    """The derived password, then the code the registry's e-mail received: the first-access form is open."""
    login(client, member.code[-4:], member.code[-5:] + member.fiscal_code[-5:])
    client.get(reverse("accounts:first_access"))  # sends the code to the registry's contacts
    code = last_code(mail.outbox[-1].body)
    response = client.post(reverse("accounts:first_access"), {"action": "verify", "code": code})
    assert response["Location"] == reverse("accounts:first_access")
    mail.outbox.clear()
    LocmemSmsBackend.outbox.clear()


@pytest.mark.django_db
class TestFirstAccess:
    def test_derived_password_opens_only_the_first_access_page(self, client, new_member):
        response = login(client, "3423", "03423" + new_member.fiscal_code[-5:])
        assert response["Location"] == reverse("accounts:first_access")
        assert not client.session.get("_auth_user_id")
        page = client.get(reverse("accounts:first_access")).content.decode()
        assert "Benvenuto/a Anna Verdi" in page
        assert new_member.email not in page  # only a masked hint before the code: so•••@esempio.it
        code = last_code(mail.outbox[-1].body)
        client.post(reverse("accounts:first_access"), {"action": "verify", "code": code})
        page = client.get(reverse("accounts:first_access")).content.decode()
        assert new_member.email in page  # prefilled from the registry
        assert client.get("/").status_code == 302  # the portal stays closed

    def test_lowercase_cf_part_is_not_the_password(self, client, new_member):
        response = login(client, "3423", "03423" + new_member.fiscal_code[-5:].lower())
        assert "La password non è corretta" in response.content.decode()

    def test_password_rule_message_of_the_guide(self, client, new_member):
        first_access_login(client, new_member)
        for bad in ("corta1A", "senzanumeriA", "senzamaiuscole1", "SENZAMINUSCOLE1"):
            page = first_access_post(client, new_password1=bad, new_password2=bad).content.decode()
            assert "almeno 8 caratteri e contenere almeno un numero" in page, bad
        new_member.user.refresh_from_db()
        assert new_member.user.first_access_completed_at is None

    def test_bad_contacts_and_missing_consent_save_nothing(self, client, new_member):
        first_access_login(client, new_member)
        page = first_access_post(client, email="non-una-email", mobile="06 1234567", privacy="").content.decode()
        assert "Inserisci un indirizzo email valido" in page
        assert "non è un cellulare" in page
        assert "Indica se acconsenti" in page
        assert 'value="non-una-email"' in page  # what was typed is kept
        new_member.user.refresh_from_db()
        assert new_member.user.first_access_completed_at is None
        assert not new_member.user.has_usable_password()

    def test_refused_consent_is_recorded_and_blocks(self, client, new_member):
        first_access_login(client, new_member)
        page = first_access_post(client, privacy="0").content.decode()
        assert "Senza il consenso" in page
        consent = Consent.objects.get(member=new_member)
        assert consent.given is False and consent.notice_sha256 == consent.notice.sha256
        new_member.user.refresh_from_db()
        assert new_member.user.first_access_completed_at is None

    def test_hostile_values_are_escaped(self, client, new_member):
        first_access_login(client, new_member)
        page = first_access_post(client, email="<script>alert(1)</script>@x.it" + "a" * 300).content.decode()
        assert "<script>alert(1)" not in page
        assert "Inserisci un indirizzo email valido" in page

    def test_complete_journey_with_email_and_sms_codes(self, client, new_member):
        first_access_login(client, new_member)
        response = first_access_post(client)
        assert response["Location"] == reverse("accounts:verify_contacts")
        consent = Consent.objects.get(member=new_member)
        assert consent.given and consent.ip_address == "127.0.0.1" and consent.channel == "portal"
        # The derived password no longer works once first access is complete.
        new_member.user.refresh_from_db()
        assert new_member.user.first_access_completed_at is not None

        url = reverse("accounts:verify_contacts")
        page = client.get(url).content.decode()
        assert 'value="anna.verdi@esempio.it"' in page
        client.post(url, {"action": "save", "email": "anna.verdi@esempio.it", "mobile": "3337654321"})
        page = client.get(url).content.decode()
        assert "Indietro" in page and "anna.verdi@esempio.it" in page
        client.post(url, {"action": "send"})
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna.verdi@esempio.it"]
        assert LocmemSmsBackend.outbox[-1]["to"] == "+393337654321"
        email_code = last_code(mail.outbox[0].body)
        sms_code = last_code(LocmemSmsBackend.outbox[-1]["body"])

        page = client.post(url, {"action": "verify", "email_code": email_code, "sms_code": "000000"}).content.decode()
        assert "Il codice non è corretto" in page
        response = client.post(url, {"action": "verify", "email_code": email_code, "sms_code": sms_code})
        assert response.status_code == 302
        page = client.get(url).content.decode()
        assert "eseguita correttamente" in page and "Continua via web" in page
        response = client.post(url, {"action": "continue"})
        assert response["Location"] == "/"
        assert "Anna Verdi" in client.get("/").content.decode()
        new_member.refresh_from_db()
        assert new_member.email_verified_at and new_member.mobile_verified_at
        actions = set(AuditEvent.objects.filter(member=new_member).values_list("action", flat=True))
        assert {"consent.given", "account.first_access", "contacts.verified", "account.login"} <= actions

        client.logout()
        assert (
            "La password non è corretta"
            in login(client, "3423", "03423" + new_member.fiscal_code[-5:]).content.decode()
        )
        assert login(client, "3423", "NuovaPass2026")["Location"] == "/"

    def test_back_lets_the_member_correct_contacts_before_codes(self, client, new_member):
        first_access_login(client, new_member)
        first_access_post(client, mobile="")
        url = reverse("accounts:verify_contacts")
        client.post(url, {"action": "save", "email": "sbagliata@esempio.it", "mobile": ""})
        client.post(url, {"action": "back"})
        client.post(url, {"action": "save", "email": "giusta@esempio.it", "mobile": ""})
        client.post(url, {"action": "send"})
        assert [m.to for m in mail.outbox] == [["giusta@esempio.it"]]
        assert LocmemSmsBackend.outbox == []
        page = client.get(url).content.decode()
        assert "Codice ricevuto via SMS" not in page

    def test_resend_waits_and_only_the_last_code_works(self, client, new_member, settings):
        first_access_login(client, new_member)
        first_access_post(client, mobile="")
        url = reverse("accounts:verify_contacts")
        client.post(url, {"action": "save", "email": "anna.verdi@esempio.it", "mobile": ""})
        client.post(url, {"action": "send"})
        page = client.post(url, {"action": "resend"}, follow=True).content.decode()
        assert "Potrai richiederne di nuovi tra" in page
        assert len(mail.outbox) == 1
        settings.CODE_RESEND_SECONDS = 0
        client.post(url, {"action": "resend"})
        assert len(mail.outbox) == 2
        old, new = last_code(mail.outbox[0].body), last_code(mail.outbox[1].body)
        if old != new:
            page = client.post(url, {"action": "verify", "email_code": old}).content.decode()
            assert "Il codice non è corretto" in page
        assert client.post(url, {"action": "verify", "email_code": new}).status_code == 302

    def test_verification_is_asked_again_when_a_contact_is_unverified(self, client, member):
        member.mobile_verified_at = None
        member.save()
        response = login(client, member.code, "Segreta123")
        assert response["Location"] == reverse("accounts:verify_contacts")

    def test_stage_pages_without_a_pending_login_send_to_login(self, client, member):
        for name in ("accounts:first_access", "accounts:verify_contacts"):
            response = client.get(reverse(name))
            assert response["Location"] == LOGIN
        client.force_login(member.user)
        assert client.get(reverse("accounts:first_access"))["Location"] == LOGIN


@pytest.mark.django_db
class TestPasswordReset:
    def start(self, client, username):
        return client.post(reverse("accounts:password_reset"), {"username": username})

    def test_reset_with_code_from_registered_email(self, client, member):
        response = self.start(client, member.code.lstrip("0"))
        assert response["Location"] == reverse("accounts:password_reset_code")
        assert mail.outbox[0].to == [member.email]
        code = last_code(mail.outbox[0].body)
        response = client.post(reverse("accounts:password_reset_code"), {"action": "verify", "code": code})
        assert response["Location"] == reverse("accounts:password_reset_new")
        page = client.post(
            reverse("accounts:password_reset_new"), {"new_password1": "Nuova2026x", "new_password2": "Diversa2026x"}
        ).content.decode()
        assert "Le due password non coincidono" in page
        response = client.post(
            reverse("accounts:password_reset_new"), {"new_password1": "Nuova2026x", "new_password2": "Nuova2026x"}
        )
        assert response["Location"] == reverse("accounts:password_reset_done")
        assert "procedura è stata completata" in client.get(response["Location"]).content.decode()
        assert login(client, member.code, "Nuova2026x")["Location"] == "/"
        assert "Password modificata" in mail.outbox[-1].subject
        assert AuditEvent.objects.filter(action="password.reset", member=member).exists()

    def test_unknown_username_looks_the_same(self, client, member):
        known = self.start(client, member.code)
        client2 = client.__class__()
        unknown = client2.post(reverse("accounts:password_reset"), {"username": "999999999999"})
        assert known["Location"] == unknown["Location"]
        assert client.get(known["Location"]).content.decode().count("Se la username è registrata") == 1
        assert client2.get(unknown["Location"]).content.decode().count("Se la username è registrata") == 1
        page = client2.post(
            reverse("accounts:password_reset_code"), {"action": "verify", "code": "123456"}
        ).content.decode()
        assert "Il codice non è corretto" in page
        assert len(mail.outbox) == 1

    def test_no_code_without_a_verified_email(self, client, new_member):
        self.start(client, "3423")
        assert mail.outbox == []

    def test_new_password_page_needs_a_verified_code(self, client, member):
        self.start(client, member.code)
        response = client.get(reverse("accounts:password_reset_new"))
        assert response["Location"] == reverse("accounts:password_reset")

    def test_wrong_codes_are_limited(self, client, member):
        self.start(client, member.code)
        url = reverse("accounts:password_reset_code")
        for _ in range(5):
            client.post(url, {"action": "verify", "code": "000000"})
        real = last_code(mail.outbox[0].body)
        response = client.post(url, {"action": "verify", "code": real})
        page = response.content.decode()
        assert "richiedine uno nuovo" in page

    def test_code_expires(self, client, member, settings):
        settings.CODE_TTL_SECONDS = 0
        self.start(client, member.code)
        code = VerificationCode.objects.get(user=member.user)
        settings.CODE_TTL_SECONDS = 900
        page = client.post(
            reverse("accounts:password_reset_code"), {"action": "verify", "code": "123456"}
        ).content.decode()
        assert "scaduto" in page
        assert code.used_at is None


@pytest.mark.django_db
def test_password_change_is_audited_and_notified(client, member):
    client.force_login(member.user)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "Segreta123", "password1": "Cambiata2026", "password2": "Cambiata2026"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="password.changed", member=member).exists()
    assert mail.outbox[-1].to == [member.email] and "Password modificata" in mail.outbox[-1].subject


@pytest.mark.django_db
def test_first_access_without_a_published_notice_says_so(client, new_member):
    from mutua.members.models import PrivacyNotice

    PrivacyNotice.objects.all().delete()
    login(client, "3423", "03423" + new_member.fiscal_code[-5:])
    response = client.get(reverse("accounts:first_access"), follow=True)
    assert "non è disponibile in questo momento" in response.content.decode()
