"""First access is bound to a channel the mutual already knows: a code to the registry's contacts, or a letter."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from mutua.accounts.activation import activation_code_issue
from mutua.accounts.models import ActivationCode, FirstAccessPath, Role
from mutua.accounts.tests.factories import totp_enable
from mutua.accounts.views import DAY
from mutua.audit.models import AuditEvent
from mutua.members.tests.factories import NewMemberFactory, UserFactory
from mutua.notifications.models import OutboundMessage
from mutua.notifications.sms import LocmemSmsBackend

LOGIN = "/accounts/login/"
FIRST_ACCESS = reverse("accounts:first_access")
FORM = {
    "new_password1": "NuovaPass2026",
    "new_password2": "NuovaPass2026",
    "email": "intruso@esempio.it",
    "mobile": "333 000 1111",
    "privacy": "1",
}


def derived_login(client: Client, member) -> None:
    response = client.post(LOGIN, {"login": member.code, "password": member.code[-5:] + member.fiscal_code[-5:]})
    assert response["Location"] == FIRST_ACCESS


def last_code(text: str) -> str:
    return re.findall(r"\b(\d{6})\b", text)[-1]


@pytest.fixture
def unreachable_member(db):
    """Never signed in, and the registry has neither an e-mail nor a mobile for him."""
    return NewMemberFactory(user__username="000000004321", first_name="Paolo", last_name="Bianchi", email="", mobile="")


@pytest.mark.django_db
class TestRegistryContact:
    def test_the_derived_password_alone_cannot_set_a_password_or_contacts(self, client, new_member):
        derived_login(client, new_member)
        page = client.post(FIRST_ACCESS, FORM).content.decode()
        assert "Codice di verifica" in page and "Inserisci il codice" in page
        new_member.refresh_from_db()
        new_member.user.refresh_from_db()
        assert new_member.user.first_access_completed_at is None
        assert not new_member.user.has_usable_password()
        assert new_member.email == "socio000000003423@esempio.it" and str(new_member.mobile) == "+393331234567"
        assert client.get("/").status_code == 302

    def test_one_code_goes_to_the_registry_email_and_mobile_and_the_page_only_hints_at_them(self, client, new_member):
        derived_login(client, new_member)
        page = client.get(FIRST_ACCESS).content.decode()
        client.get(FIRST_ACCESS)  # a reload sends nothing more
        assert [m.to for m in mail.outbox] == [["socio000000003423@esempio.it"]]
        assert "Codice per il primo accesso" in mail.outbox[0].subject
        assert [s["to"] for s in LocmemSmsBackend.outbox] == ["+393331234567"]
        assert last_code(mail.outbox[0].body) == last_code(LocmemSmsBackend.outbox[0]["body"])
        assert "so•••@esempio.it" in page and "••• ••• 4567" in page
        assert "socio000000003423" not in page and "333 123 4567" not in page

    def test_wrong_codes_keep_the_form_closed_and_are_limited(self, client, new_member):
        derived_login(client, new_member)
        client.get(FIRST_ACCESS)
        right = last_code(mail.outbox[0].body)
        wrong = "000000" if right != "000000" else "111111"
        for n in range(5):
            page = client.post(FIRST_ACCESS, {"action": "verify", "code": wrong}).content.decode()
            assert ("Troppi tentativi" if n == 4 else "Il codice non è corretto") in page
        page = client.post(FIRST_ACCESS, {"action": "verify", "code": right}).content.decode()
        assert "Troppi tentativi" in page
        assert "Nuova password" not in client.get(FIRST_ACCESS).content.decode()

    @pytest.mark.parametrize(
        ("code", "message"),
        [("", "Inserisci il codice."), ("9" * 300, "Assicurati che questo valore"), ("<b>x</b>", "non è corretto")],
    )
    def test_bad_input_gets_an_italian_error_next_to_the_field(self, client, new_member, code, message):
        derived_login(client, new_member)
        client.get(FIRST_ACCESS)
        page = client.post(FIRST_ACCESS, {"action": "verify", "code": code}).content.decode()
        assert 'id="id_code-error"' in page and message in page
        assert "<b>x</b>" not in page

    def test_the_code_opens_the_form_and_the_path_is_recorded(self, client, new_member):
        derived_login(client, new_member)
        client.get(FIRST_ACCESS)
        client.post(FIRST_ACCESS, {"action": "verify", "code": last_code(mail.outbox[0].body)})
        page = client.get(FIRST_ACCESS).content.decode()
        assert 'value="socio000000003423@esempio.it"' in page  # the guide's prefilled contacts, after the code
        response = client.post(FIRST_ACCESS, FORM | {"email": "anna.verdi@esempio.it"})
        assert response["Location"] == reverse("accounts:verify_contacts")
        new_member.user.refresh_from_db()
        assert new_member.user.first_access_path == FirstAccessPath.CONTACT
        event = AuditEvent.objects.get(action="account.first_access", member=new_member)
        assert event.data["path"] == "contact"

    def test_resend_waits_a_minute(self, client, new_member, clock):
        derived_login(client, new_member)
        client.get(FIRST_ACCESS)
        page = client.post(FIRST_ACCESS, {"action": "resend"}, follow=True).content.decode()
        assert "Abbiamo appena inviato un codice" in page and len(mail.outbox) == 1
        clock.shift(dt.timedelta(seconds=61))
        page = client.post(FIRST_ACCESS, {"action": "resend"}, follow=True).content.decode()
        assert "Ti abbiamo inviato un nuovo codice" in page and len(mail.outbox) == 2

    def test_guessing_the_code_is_capped_over_the_day_not_only_every_five_minutes(self, new_member, clock):
        """10 codes checked every 5 minutes would be 2 880 guesses a day at a 6-digit code, for as many days as
        the attacker likes: a day allows FIRST_ACCESS_CHECKS_PER_DAY checks and FIRST_ACCESS_SENDS_PER_DAY codes."""
        # The day is the limiter's window (a UTC day): the hour of guessing starts just after one opens, whatever
        # instant the suite is frozen at (started at 23:47 UTC, it once ran into the next day's allowance).
        clock.move_to(dt.datetime.fromtimestamp((time.time() // DAY + 1) * DAY + 60, tz=dt.UTC))
        checked = 0
        for _ in range(12):  # a new browser, a new code and 5 guesses every 6 minutes, for over an hour
            client = Client()
            derived_login(client, new_member)
            client.get(FIRST_ACCESS)
            right = last_code(mail.outbox[-1].body)
            wrong = "000000" if right != "000000" else "111111"
            for _ in range(5):
                page = client.post(FIRST_ACCESS, {"action": "verify", "code": wrong}).content.decode()
                checked += "Per sicurezza riprova tra" not in page
            clock.shift(dt.timedelta(minutes=6))
        assert checked == 20
        assert len(mail.outbox) == 8
        client = Client()
        derived_login(client, new_member)
        client.get(FIRST_ACCESS)
        right = last_code(mail.outbox[-1].body)
        page = client.post(FIRST_ACCESS, {"action": "verify", "code": right}).content.decode()
        assert "Per sicurezza riprova tra" in page and "Nuova password" not in page

    def test_the_admin_never_shows_a_code_sent(self, client, new_member):
        """Staff know the member number and the codice fiscale: a live code read in the admin's outbox would complete
        first access without a letter and without an audit row."""
        browser = Client()
        derived_login(browser, new_member)
        browser.get(FIRST_ACCESS)  # the code goes to the registry's e-mail and mobile
        message = OutboundMessage.objects.filter(channel="email").latest("created_at")
        code = last_code(message.body)
        admin = UserFactory(username="admin1", role=Role.ADMIN, is_staff=True, is_superuser=True)
        totp_enable(admin)  # staff must have a second factor (SecondFactorRequiredMiddleware)
        client.force_login(admin)
        for url in (
            f"/admin/notifications/outboundmessage/{message.pk}/change/",
            "/admin/notifications/outboundmessage/",
        ):
            page = client.get(url)
            assert page.status_code == 200 and code not in page.content.decode()
        assert "••••••" in client.get(f"/admin/notifications/outboundmessage/{message.pk}/change/").content.decode()


@pytest.mark.django_db
class TestActivationLetter:
    def test_without_registry_contacts_no_code_is_sent_and_the_letter_is_asked(self, client, unreachable_member):
        derived_login(client, unreachable_member)
        page = client.get(FIRST_ACCESS).content.decode()
        assert "Codice di attivazione" in page and "per lettera" in page
        assert mail.outbox == [] and LocmemSmsBackend.outbox == []
        page = client.post(FIRST_ACCESS, {"action": "verify", "code": "123456"}).content.decode()
        assert "Il codice di attivazione non è corretto" in page
        page = client.post(FIRST_ACCESS, FORM).content.decode()
        unreachable_member.user.refresh_from_db()
        assert unreachable_member.user.first_access_completed_at is None

    def test_the_letter_opens_first_access_once(self, client, unreachable_member, operator):
        letter, code = activation_code_issue(member=unreachable_member, actor=operator, request=None)
        assert len(code) == 12 and code not in letter.code_hash
        derived_login(client, unreachable_member)
        client.get(FIRST_ACCESS)
        typed = f"{code[:4].lower()} {code[4:8]}-{code[8:]}"  # as copied from paper: spaces, dashes, lower case
        assert client.post(FIRST_ACCESS, {"action": "verify", "code": typed})["Location"] == FIRST_ACCESS
        assert client.post(FIRST_ACCESS, FORM)["Location"] == reverse("accounts:verify_contacts")
        unreachable_member.user.refresh_from_db()
        letter.refresh_from_db()
        assert unreachable_member.user.first_access_path == FirstAccessPath.LETTER
        assert letter.used_at is not None
        assert AuditEvent.objects.filter(action="activation.used", member=unreachable_member).count() == 1

    def test_two_browsers_with_the_same_letter_complete_first_access_once(self, unreachable_member, operator):
        _letter, code = activation_code_issue(member=unreachable_member, actor=operator, request=None)
        first, second = Client(), Client()
        for browser in (first, second):
            derived_login(browser, unreachable_member)
            browser.post(FIRST_ACCESS, {"action": "verify", "code": code})
        assert first.post(FIRST_ACCESS, FORM).status_code == 302
        page = second.post(FIRST_ACCESS, FORM | {"new_password1": "Altra2026x", "new_password2": "Altra2026x"})
        assert "già stato completato" in page.content.decode()

    def test_a_new_letter_revokes_the_old_one_and_letters_expire_after_30_days(
        self, client, unreachable_member, operator, clock
    ):
        _old, old_code = activation_code_issue(member=unreachable_member, actor=operator, request=None)
        _new, new_code = activation_code_issue(member=unreachable_member, actor=operator, request=None)
        derived_login(client, unreachable_member)
        page = client.post(FIRST_ACCESS, {"action": "verify", "code": old_code}).content.decode()
        assert "non è più valido" in page
        clock.shift(dt.timedelta(days=30, seconds=1))
        client = Client()
        derived_login(client, unreachable_member)
        page = client.post(FIRST_ACCESS, {"action": "verify", "code": new_code}).content.decode()
        assert "non è più valido" in page
        assert ActivationCode.objects.filter(member=unreachable_member, revoked_at__isnull=False).count() == 1
        assert AuditEvent.objects.filter(action="activation.issued", actor=operator).count() == 2

    def test_a_letter_also_works_for_a_member_whose_registry_contacts_are_lost(self, client, new_member, operator):
        _letter, code = activation_code_issue(member=new_member, actor=operator, request=None)
        derived_login(client, new_member)
        client.get(FIRST_ACCESS)
        assert client.post(FIRST_ACCESS, {"action": "verify", "code": code})["Location"] == FIRST_ACCESS
        client.post(FIRST_ACCESS, FORM)
        new_member.user.refresh_from_db()
        assert new_member.user.first_access_path == FirstAccessPath.LETTER

    def test_another_members_letter_does_not_work(self, client, unreachable_member, new_member, operator):
        _letter, code = activation_code_issue(member=new_member, actor=operator, request=None)
        derived_login(client, unreachable_member)
        page = client.post(FIRST_ACCESS, {"action": "verify", "code": code}).content.decode()
        assert "Il codice di attivazione non è corretto" in page
