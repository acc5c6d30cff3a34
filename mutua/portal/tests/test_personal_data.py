"""Dati anagrafici through the test client: Visualizza, Aggiorna (step-up, contact codes), Familiari, other members."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutua.members.models import MemberChange, RegionalOffice
from mutua.members.tests.factories import BeneficiaryFactory, make_cf
from mutua.notifications.models import OutboundMessage

VIEW = reverse("portal:personal_data")
UPDATE = reverse("portal:personal_data_update")
VERIFY = reverse("portal:personal_contacts_verify")
FAMILY = reverse("portal:family")
PAGES = [VIEW, UPDATE, VERIFY, FAMILY]
NEW_IBAN = "IT60X0542811101000000123456"


def signed_in(member) -> Client:
    """A real sign-in (allauth records it), so the step-up behaves as in the browser."""
    browser = Client()
    response = browser.post("/accounts/login/", {"login": member.code, "password": "Segreta123"})
    assert response.status_code == 302 and response["Location"] == "/"
    return browser


def post_data(member, **overrides):
    values = {
        "domicile_same": "on",
        "postal_address": member.postal_address,
        "email": member.email,
        "mobile": member.mobile.as_national if member.mobile else "",
        "payment_method": "transfer",
        "iban": "",
        "account_holder": member.account_holder,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


DOMICILE = {
    "domicile_same": None,
    "domicile_street": "Corso Francia",
    "domicile_number": "12",
    "domicile_cap": "10143",
    "domicile_city": "Torino",
    "domicile_province": "TO",
}


@pytest.fixture
def office(db):
    return RegionalOffice.objects.create(
        code="PIE",
        name="Sede regionale Piemonte",
        region="Piemonte",
        address="Via Nizza 150, 10126 Torino",
        phone="011 123 4567",
        email="piemonte@mutua.example",
        opening_hours="lun-ven 9-13",
    )


@pytest.mark.django_db
class TestAccess:
    @pytest.mark.parametrize("url", PAGES)
    def test_anonymous_visitor_is_sent_to_login(self, client, url):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_anonymous_post_changes_nothing(self, client, member):
        response = client.post(UPDATE, post_data(member, **DOMICILE))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        member.refresh_from_db()
        assert member.domicile_street == ""

    @pytest.mark.parametrize("url", [VIEW, UPDATE, FAMILY])
    def test_another_member_sees_only_their_own_data(self, client, member, other_member, url):
        client.force_login(other_member.user)
        page = client.get(url).content.decode()
        assert other_member.last_name in page
        for secret in (
            member.last_name,
            member.fiscal_code,
            member.email,
            member.code,
            "Sofia",
            f"**** {member.iban[-4:]}",
        ):
            assert secret not in page

    def test_another_member_cannot_verify_or_cancel_a_pending_change(self, client, member, other_member):
        member.pending_email = "nuova@esempio.it"
        member.save()
        client.force_login(other_member.user)
        assert client.get(VERIFY)["Location"] == VIEW
        client.post(VERIFY, {"action": "cancel"})
        member.refresh_from_db()
        assert member.pending_email == "nuova@esempio.it"

    def test_staff_without_member_record_gets_404(self, client, operator):
        client.force_login(operator)
        for url in PAGES:
            assert client.get(url).status_code in (302, 404)  # 302: the second factor comes first


@pytest.mark.django_db
class TestVisualizza:
    def test_shows_identity_contacts_masked_iban_with_bank_and_office(self, client, member, office):
        member.regional_office = office
        member.save()
        client.force_login(member.user)
        page = client.get(VIEW).content.decode()
        for text in (
            "In questa sezione visualizzi i tuoi dati anagrafici, i tuoi contatti e i dati per l'accredito",
            member.fiscal_code,
            member.email,
            "333 123 4567",
            "Bonifico bancario",
            "INTESA SANPAOLO",
            member.account_holder,
            "Coincide con la residenza",
            "Via Roma 1",
            "Sede regionale Piemonte",
            "011 123 4567",
            "piemonte@mutua.example",
            "non è modificabile",
        ):
            assert text in page, text
        assert member.iban not in page and re.search(r"IT\d\d \*\*\*\* \*\*\*\* \d{4}", page)

    def test_user_menu_leads_here_first(self, client, member):
        client.force_login(member.user)
        page = client.get("/").content.decode()
        menu = page.split('class="mutua-user-menu-list"')[1]
        assert menu.index(VIEW) < menu.index(reverse("profile:home"))


@pytest.mark.django_db
class TestAggiorna:
    def test_domicile_without_step_up(self, member):
        browser = signed_in(member)
        response = browser.post(UPDATE, post_data(member, postal_address="domicile", **DOMICILE))
        assert response.status_code == 302 and response["Location"] == VIEW
        page = browser.get(VIEW).content.decode()
        assert "I tuoi dati anagrafici sono stati aggiornati." in page
        assert "Corso Francia 12" in page and "10143 Torino (TO)" in page
        assert MemberChange.objects.filter(member=member, field="domicile_city", new_value="Torino").exists()

    def test_residence_is_not_a_field(self, member):
        browser = signed_in(member)
        page = browser.get(UPDATE).content.decode()
        assert "residence_street" not in page and "contatta la tua sede regionale di riferimento" in page
        browser.post(UPDATE, post_data(member, residence_street="Via Falsa 9"))
        member.refresh_from_db()
        assert member.residence_street == "Via Roma 1"

    def test_iban_change_asks_for_the_password_then_saves_the_posted_form(self, member):
        browser = signed_in(member)
        response = browser.post(UPDATE, post_data(member, iban="IT60 X054 2811 1010 0000 0123 456", **DOMICILE))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
        member.refresh_from_db()
        assert member.iban != NEW_IBAN and member.domicile_street == ""  # nothing before the password
        done = browser.post(response["Location"], {"password": "Segreta123"})
        assert done.status_code == 302 and done["Location"] == VIEW
        member.refresh_from_db()
        assert member.iban == NEW_IBAN and member.domicile_city == "Torino"
        page = browser.get(VIEW).content.decode()
        assert "IT60 **** **** 3456" in page and "Unione Di Banche Italiane" in page
        notice = OutboundMessage.objects.get(subject__contains="Dati di pagamento modificati")
        assert notice.to == member.email

    def test_wrong_password_saves_nothing(self, member):
        browser = signed_in(member)
        response = browser.post(UPDATE, post_data(member, iban=NEW_IBAN))
        page = browser.post(response["Location"], {"password": "Sbagliata1"}).content.decode()
        assert "La password non è corretta." in page
        member.refresh_from_db()
        assert member.iban != NEW_IBAN and not MemberChange.objects.exists()

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({**DOMICILE, "domicile_cap": "1014"}, "domicile_cap", "Il CAP è composto da 5 cifre."),
            ({**DOMICILE, "domicile_cap": "ABCDE"}, "domicile_cap", "Il CAP è composto da 5 cifre."),
            ({**DOMICILE, "domicile_city": ""}, "domicile_city", "Indica il comune del domicilio."),
            ({**DOMICILE, "domicile_province": "ZZ"}, "domicile_province", "Scegli un&#x27;opzione valida"),
            ({"iban": "IT60X0542811101000000123457"}, "iban", "L&#x27;IBAN non è valido"),
            ({"iban": "<script>alert(1)</script>"}, "iban", "L&#x27;IBAN non è valido"),
            ({"iban": "X" * 5000}, "iban", "L&#x27;IBAN non è valido"),
            ({"email": ""}, "email", "L&#x27;indirizzo email è obbligatorio"),
            ({"email": "non-una-email"}, "email", "Inserisci un indirizzo email valido"),
            ({"mobile": "02 1234567"}, "mobile", "non è un cellulare"),
            ({"account_holder": ""}, "account_holder", "Indica l&#x27;intestatario del conto"),
            ({"postal_address": "luna"}, "postal_address", "Scegli un&#x27;opzione valida"),
        ],
    )
    def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(self, member, overrides, field, message):
        browser = signed_in(member)
        # A valid domicile and a valid new IBAN in the same form: neither is saved when another field is wrong.
        values = post_data(member, **{**DOMICILE, "iban": NEW_IBAN, **overrides})
        response = browser.post(UPDATE, values)
        assert response.status_code == 400
        page = response.content.decode()
        error = re.search(rf'id="id_{field}-error">(.*?)</div>', page, re.S)
        assert error and message in error.group(1), page[:200]
        assert "Non abbiamo salvato nessuna modifica" in page
        member.refresh_from_db()
        assert member.iban != NEW_IBAN and member.domicile_street == "" and not MemberChange.objects.exists()

    def test_hostile_text_is_stored_as_text_and_escaped(self, member):
        browser = signed_in(member)
        browser.post(UPDATE, post_data(member, **{**DOMICILE, "domicile_street": '<b>Via</b> "Roma" & C.'}))
        page = browser.get(VIEW).content.decode()
        assert "&lt;b&gt;Via&lt;/b&gt; &quot;Roma&quot; &amp; C." in page and "<b>Via</b>" not in page

    def test_nothing_changed_says_so(self, member):
        browser = signed_in(member)
        response = browser.post(UPDATE, post_data(member))
        assert "Non hai modificato nessun dato." in browser.get(response["Location"]).content.decode()


@pytest.mark.django_db
class TestNuoviContatti:
    def test_email_change_step_up_code_then_in_use(self, member):
        old_email = member.email
        browser = signed_in(member)
        response = browser.post(UPDATE, post_data(member, email="mario.nuovo@esempio.it"))
        done = browser.post(response["Location"], {"password": "Segreta123"})
        assert done["Location"] == VERIFY
        page = browser.get(VERIFY).content.decode()
        assert "mario.nuovo@esempio.it" in page and "Codice ricevuto via email" in page
        assert "Codice ricevuto via SMS" not in page
        view = browser.get(VIEW).content.decode()
        assert old_email in view and "Hai chiesto di cambiare i tuoi contatti" in view

        wrong = browser.post(VERIFY, {"action": "verify", "email_code": "000000"})
        assert wrong.status_code == 400 and "Il codice non è corretto" in wrong.content.decode()
        message = OutboundMessage.objects.filter(to="mario.nuovo@esempio.it").get()
        code = re.findall(r"\b(\d{6})\b", message.body)[-1]
        ok = browser.post(VERIFY, {"action": "verify", "email_code": code})
        assert ok["Location"] == VIEW
        view = browser.get(VIEW).content.decode()
        assert "La verifica è stata eseguita correttamente" in view and "mario.nuovo@esempio.it" in view
        assert OutboundMessage.objects.filter(to=old_email, subject__contains="Contatti modificati").exists()

    def test_resend_waits_a_minute(self, member):
        browser = signed_in(member)
        response = browser.post(UPDATE, post_data(member, mobile="347 987 6543"))
        browser.post(response["Location"], {"password": "Segreta123"})
        page = browser.post(VERIFY, {"action": "resend"}, follow=True).content.decode()
        assert "Abbiamo appena inviato i codici" in page and "Codice ricevuto via SMS" in page

    def test_changing_contacts_over_and_over_is_rate_limited(self, member, settings):
        settings.CODE_RESEND_SECONDS = 0
        browser = signed_in(member)
        browser.post("/accounts/reauthenticate/", {"password": "Segreta123"})
        for n in range(6):
            assert browser.post(UPDATE, post_data(member, email=f"prova{n}@esempio.it"))["Location"] == VERIFY
        response = browser.post(UPDATE, post_data(member, email="prova9@esempio.it"))
        assert response.status_code == 400 and "Troppi tentativi" in response.content.decode()
        member.refresh_from_db()
        assert member.pending_email == "prova5@esempio.it"
        assert not OutboundMessage.objects.filter(to="prova9@esempio.it").exists()

    def test_cancel(self, member):
        browser = signed_in(member)
        response = browser.post(UPDATE, post_data(member, email="altra@esempio.it"))
        browser.post(response["Location"], {"password": "Segreta123"})
        page = browser.post(VERIFY, {"action": "cancel"}, follow=True).content.decode()
        assert "La modifica dei contatti è stata annullata" in page
        member.refresh_from_db()
        assert member.pending_email == "" and member.email != "altra@esempio.it"


@pytest.mark.django_db
class TestFamiliari:
    def test_lists_the_entitled_family_read_only_with_the_office(self, client, member, office):
        member.regional_office = office
        member.save()
        client.force_login(member.user)
        page = client.get(FAMILY).content.decode()
        child = member.beneficiaries.get()
        assert child.fiscal_code in page and "Figlio/a" in page and "04/05/2012" in page
        assert "non sono modificabili" in page and "piemonte@mutua.example" in page
        assert "<form" not in page.split('id="contenuto"')[1].split("</main>")[0]

    def test_constant_query_count(self, client, member):
        client.force_login(member.user)
        client.get(FAMILY)  # the first request of a session does its own bookkeeping
        with CaptureQueriesContext(connection) as few:
            client.get(FAMILY)
        for n, name in enumerate(["Luca", "Marco", "Paolo", "Chiara", "Anna"]):
            BeneficiaryFactory(
                member=member,
                first_name=name,
                birth_date=date(2000 + n, 1, 1),
                fiscal_code=make_cf(name, member.last_name, "M", date(2000 + n, 1, 1)),
            )
        with CaptureQueriesContext(connection) as many:
            page = client.get(FAMILY).content.decode()
        assert "Chiara" in page and len(many) == len(few)

    def test_no_family(self, client, other_member):
        client.force_login(other_member.user)
        assert "Nessun familiare avente diritto." in client.get(FAMILY).content.decode()
