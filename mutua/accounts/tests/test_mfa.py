"""Autenticazione a due fattori: app codes, recovery codes, passkeys, notices, limits, and staff who must use it."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa import signals
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from mutua.accounts.models import Role
from mutua.accounts.tests.factories import recovery_codes, totp_code, totp_enable
from mutua.audit.models import AuditEvent
from mutua.members.tests.factories import UserFactory

LOGIN = "/accounts/login/"
AUTHENTICATE = "/accounts/2fa/authenticate/"
ACTIVATE = "/accounts/2fa/totp/activate/"
DEACTIVATE = "/accounts/2fa/totp/deactivate/"
REAUTHENTICATE = "/accounts/reauthenticate/"
RECOVERY_CODES = "/accounts/2fa/recovery-codes/"
WRONG_CODE = "Il codice non è corretto."


def text(response) -> str:
    return html.unescape(response.content.decode())


def password_step(browser: Client, username: str, password: str = "Segreta123"):
    return browser.post(LOGIN, {"login": username, "password": password})


def signed_in(member) -> Client:
    browser = Client()
    assert password_step(browser, member.code)["Location"] == "/"
    return browser


def reauthenticated(browser: Client) -> Client:
    assert browser.post(REAUTHENTICATE, {"password": "Segreta123"}).status_code == 302
    return browser


def later(seconds: int = 30) -> float:
    """A moment in the next 30-second step: its code is new, and still accepted (MFA_TOTP_TOLERANCE = 1)."""
    return time.time() + seconds


def actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor=user, action__startswith="mfa.").order_by("pk").values_list("action", flat=True)
    )


# --- Abilita ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestEnable:
    def test_abilita_asks_for_the_password_first(self, member):
        browser = signed_in(member)
        response = browser.get(ACTIVATE)
        assert response.status_code == 302
        assert response["Location"] == f"{REAUTHENTICATE}?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
        assert browser.post(response["Location"], {"password": "Segreta123"})["Location"] == ACTIVATE

    def test_then_shows_the_qr_code_and_the_secret(self, member):
        browser = reauthenticated(signed_in(member))
        response = browser.get(ACTIVATE)
        page = text(response)
        secret = response.context["form"].secret
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        assert 'src="data:image/svg+xml;base64,' in page and f'data-testid="totp-secret">{secret}<' in page
        assert response.context["totp_url"] == (
            f"otpauth://totp/{member.code}?secret={secret}&issuer=Mutua%20Esempio%20SMS"  # 6 digits, 30 s: defaults
        )
        assert ">Attiva</button>" in page

    def test_a_wrong_first_code_activates_nothing(self, member):
        browser = reauthenticated(signed_in(member))
        browser.get(ACTIVATE)
        page = text(browser.post(ACTIVATE, {"code": "000000"}))
        assert WRONG_CODE in page
        assert not Authenticator.objects.filter(user=member.user).exists()

    def test_the_right_code_activates_app_and_recovery_codes_and_tells_the_member(
        self, member, django_capture_on_commit_callbacks
    ):
        browser = reauthenticated(signed_in(member))
        secret = browser.get(ACTIVATE).context["form"].secret
        with django_capture_on_commit_callbacks(execute=True):  # allauth signals the activation after commit
            response = browser.post(ACTIVATE, {"code": totp_code(secret)})
        assert response.status_code == 302 and response["Location"] == RECOVERY_CODES
        types = set(Authenticator.objects.filter(user=member.user).values_list("type", flat=True))
        assert types == {"totp", "recovery_codes"}
        assert actions(member.user) == ["mfa.totp_enabled", "mfa.recovery_codes_generated"]
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [member.email]
        assert mail.outbox[0].subject == "Mutua Esempio SMS – Autenticazione a due fattori attivata"
        assert "Se non sei stato tu" in mail.outbox[0].body

    def test_recovery_codes_are_shown_with_copy_and_download(self, member):
        browser = reauthenticated(signed_in(member))
        secret = browser.get(ACTIVATE).context["form"].secret
        browser.post(ACTIVATE, {"code": totp_code(secret)})
        page = text(browser.get(RECOVERY_CODES))
        codes = recovery_codes(member.user)
        assert len(codes) == 10 and all(re.fullmatch(r"\d{8}", c) for c in codes)
        assert all(f"<code>{c}</code>" in page for c in codes)
        assert "Copia i codici" in page and "Scarica i codici" in page and "Genera nuovi codici" in page
        download = browser.get(RECOVERY_CODES + "download/")
        assert download["Content-Type"].startswith("text/plain")
        assert "attachment" in download["Content-Disposition"]
        assert download.content.decode().split() == codes

    def test_the_activation_code_cannot_also_open_a_login(self, member):
        browser = reauthenticated(signed_in(member))
        secret = browser.get(ACTIVATE).context["form"].secret
        code = totp_code(secret)
        browser.post(ACTIVATE, {"code": code})
        other = Client()
        password_step(other, member.code)
        assert WRONG_CODE in text(other.post(AUTHENTICATE, {"code": code}))


# --- Accesso con il secondo fattore -----------------------------------------------------------------------


@pytest.mark.django_db
class TestLogin:
    def test_after_the_password_the_code_then_entra(self, member):
        secret = totp_enable(member.user)
        browser = Client()
        assert password_step(browser, member.code)["Location"] == AUTHENTICATE
        assert browser.get("/").status_code == 302  # not signed in yet
        page = text(browser.get(AUTHENTICATE))
        assert ">Entra</button>" in page and ">Usa un codice di recupero</button>" in page
        assert "Codice dell'app di autenticazione" in page and 'autocomplete="one-time-code"' in page
        response = browser.post(AUTHENTICATE, {"code": totp_code(secret)})
        assert response.status_code == 302 and response["Location"] == "/"
        assert browser.get("/").status_code == 200
        assert AuditEvent.objects.filter(action="account.login", actor=member.user).count() == 1

    def test_a_code_is_accepted_once_even_within_its_window(self, member):
        secret = totp_enable(member.user)
        code = totp_code(secret)
        first, second = Client(), Client()
        password_step(first, member.code)
        assert first.post(AUTHENTICATE, {"code": code})["Location"] == "/"
        password_step(second, member.code)
        assert WRONG_CODE in text(second.post(AUTHENTICATE, {"code": code}))
        assert second.post(AUTHENTICATE, {"code": totp_code(secret, at=later())})["Location"] == "/"

    def test_usa_un_codice_di_recupero(self, member):
        totp_enable(member.user)
        browser = Client()
        password_step(browser, member.code)
        page = text(browser.get(AUTHENTICATE + "?recupero=1"))
        assert "Codice di recupero" in page and ">Usa il codice dell'app</button>" in page
        assert 'action="/accounts/2fa/authenticate/?recupero=1"' in page
        code = recovery_codes(member.user)[0]
        assert browser.post(AUTHENTICATE + "?recupero=1", {"code": code})["Location"] == "/"

    def test_each_recovery_code_works_once(self, member):
        totp_enable(member.user)
        first, second = recovery_codes(member.user)[:2]
        browser = Client()
        password_step(browser, member.code)
        browser.post(AUTHENTICATE, {"code": first})
        browser.post("/accounts/logout/")
        password_step(browser, member.code)
        assert WRONG_CODE in text(browser.post(AUTHENTICATE + "?recupero=1", {"code": first}))
        assert browser.post(AUTHENTICATE + "?recupero=1", {"code": second})["Location"] == "/"
        assert len(recovery_codes(member.user)) == 8

    def test_wrong_codes_are_rate_limited(self, member):
        secret = totp_enable(member.user)
        browser = Client()
        password_step(browser, member.code)
        for _ in range(10):
            assert WRONG_CODE in text(browser.post(AUTHENTICATE, {"code": "123456"}))
        page = text(browser.post(AUTHENTICATE, {"code": totp_code(secret)}))
        assert "Troppi codici errati. Per sicurezza riprova tra 5 minuti." in page
        assert browser.get("/").status_code == 302
        assert actions(member.user).count("mfa.failed") == 10

    def test_wrong_recovery_codes_are_rate_limited_too(self, member):
        totp_enable(member.user)
        browser = Client()
        password_step(browser, member.code)
        for n in range(10):
            browser.post(AUTHENTICATE + "?recupero=1", {"code": f"{n:08d}"})
        page = text(browser.post(AUTHENTICATE + "?recupero=1", {"code": recovery_codes(member.user)[0]}))
        assert "Troppi codici errati" in page

    def test_the_code_step_needs_the_password_step(self, client, member):
        totp_enable(member.user)
        assert client.get(AUTHENTICATE)["Location"] == LOGIN


# --- Codici di recupero rigenerati, Disabilita --------------------------------------------------------------


@pytest.mark.django_db
class TestManage:
    def login_with_code(self, member, secret) -> Client:
        browser = Client()
        password_step(browser, member.code)
        assert browser.post(AUTHENTICATE, {"code": totp_code(secret)})["Location"] == "/"
        return browser

    def test_regenerating_recovery_codes_invalidates_the_old_ones(self, member, django_capture_on_commit_callbacks):
        secret = totp_enable(member.user)
        old = recovery_codes(member.user)
        browser = reauthenticated(self.login_with_code(member, secret))
        page = text(browser.get(RECOVERY_CODES + "generate/"))
        assert "I 10 codici che non hai ancora usato smetteranno di funzionare." in page
        with django_capture_on_commit_callbacks(execute=True):
            assert browser.post(RECOVERY_CODES + "generate/")["Location"] == RECOVERY_CODES
        new = recovery_codes(member.user)
        assert set(new).isdisjoint(old)
        assert "mfa.recovery_codes_regenerated" in actions(member.user)
        assert [m.subject for m in mail.outbox] == ["Mutua Esempio SMS – Codici di recupero rigenerati"]
        again = Client()
        password_step(again, member.code)
        assert WRONG_CODE in text(again.post(AUTHENTICATE, {"code": old[0]}))
        assert again.post(AUTHENTICATE, {"code": new[0]})["Location"] == "/"

    def test_disabilita_asks_for_the_password_and_goes_back_to_password_only(self, member):
        secret = totp_enable(member.user)
        browser = self.login_with_code(member, secret)
        assert browser.get(DEACTIVATE)["Location"].startswith(REAUTHENTICATE)
        reauthenticated(browser)
        page = text(browser.get(DEACTIVATE))
        assert ">Disabilita</button>" in page
        assert browser.post(DEACTIVATE).status_code == 302
        assert not Authenticator.objects.filter(user=member.user).exists()
        assert actions(member.user) == ["mfa.totp_disabled", "mfa.recovery_codes_removed"]
        assert [m.subject for m in mail.outbox] == ["Mutua Esempio SMS – Autenticazione a due fattori disattivata"]
        assert password_step(Client(), member.code)["Location"] == "/"

    def test_the_profile_shows_abilita_or_disabilita(self, client, member):
        client.force_login(member.user)
        page = text(client.get("/profilo/"))
        assert ">Abilita</button>" in page and "non attiva" in page and ">Disabilita</button>" not in page
        totp_enable(member.user)
        page = text(client.get("/profilo/"))
        assert ">Disabilita</button>" in page and ">Abilita</button>" not in page
        assert "Ti restano 10 codici di recupero" in page

    def test_a_passkey_added_or_removed_is_mailed_and_audited(self, rf, member):
        passkey = Authenticator(user=member.user, type="webauthn", data={"name": "Telefono di Mario", "credential": {}})
        for signal in (signals.authenticator_added, signals.authenticator_removed):
            signal.send(sender=Authenticator, request=rf.get("/"), user=member.user, authenticator=passkey)
        assert actions(member.user) == ["mfa.passkey_added", "mfa.passkey_removed"]
        assert AuditEvent.objects.filter(action="mfa.passkey_added").get().data == {"name": "Telefono di Mario"}
        assert [m.subject for m in mail.outbox] == [
            "Mutua Esempio SMS – Passkey aggiunta",
            "Mutua Esempio SMS – Passkey rimossa",
        ]
        assert "«Telefono di Mario»" in mail.outbox[0].body


# --- Passkeys on the login page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_offers_accedi_con_una_passkey_without_inline_scripts(client):
    page = text(client.get(LOGIN))
    assert re.search(
        r'<button type="submit" form="mfa_login" id="passkey_login"[^>]*>Accedi con una passkey</button>', page
    )
    assert '<form id="mfa_login" action="/accounts/2fa/webauthn/login/" method="post">' in page
    for tag in re.findall(r"<script\b[^>]*>", page):  # CSP script-src 'self': files, or JSON data blocks
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert 'src="/static/mfa/js/webauthn.js"' in page


@pytest.mark.django_db
def test_passkey_pages_in_italian(client, member):
    client.force_login(member.user)
    client.post(REAUTHENTICATE, {"password": "Segreta123"})
    page = text(client.get("/accounts/2fa/webauthn/add/"))
    assert "Aggiungi una passkey" in page and "Usala anche per accedere senza password" in page
    assert re.search(r'<input type="checkbox" name="passwordless"[^>]*checked', page)
    assert '"creation_options"' in page and 'data-allauth-onload="allauth.webauthn.forms.addForm"' in page


# --- Another member --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_another_member_never_sees_or_changes_the_members_second_factors(client, member, other_member):
    totp_enable(member.user)
    passkey = Authenticator.objects.create(
        user=member.user, type="webauthn", data={"name": "Telefono di Mario", "credential": {}}
    )
    client.force_login(other_member.user)
    client.post(REAUTHENTICATE, {"password": "Segreta123"})
    assert "non attiva" in text(client.get("/profilo/"))
    assert "Telefono di Mario" not in text(client.get("/accounts/2fa/webauthn/"))
    assert client.get(RECOVERY_CODES).status_code == 404
    assert client.get(RECOVERY_CODES + "download/").status_code == 404
    for url in (f"/accounts/2fa/webauthn/keys/{passkey.pk}/edit/", f"/accounts/2fa/webauthn/keys/{passkey.pk}/remove/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "Mio"}).status_code == 404
    assert client.get(DEACTIVATE).status_code == 404
    passkey.refresh_from_db()
    assert passkey.data["name"] == "Telefono di Mario"
    assert Authenticator.objects.filter(user=member.user).count() == 3


# --- Operators and supervisors ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestStaffMustUseTwoFactors:
    @pytest.mark.parametrize("role", [Role.OPERATOR, Role.REGIONAL_OPERATOR, Role.SUPERVISOR, Role.ADMIN])
    def test_staff_without_a_second_factor_are_sent_to_set_it_up(self, client, role):
        client.force_login(UserFactory(role=role))
        for url in ("/", "/profilo/", "/admin/", "/accounts/password/change/"):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"] == "/accounts/2fa/", url
        page = text(client.get("/accounts/2fa/"))
        assert "Per il tuo ruolo l'autenticazione a due fattori è obbligatoria" in page

    def test_a_member_with_admin_access_too(self, client, member):
        member.user.is_staff = True
        member.user.save()
        client.force_login(member.user)
        assert client.get("/")["Location"] == "/accounts/2fa/"

    def test_the_setup_pages_stay_reachable(self, client):
        client.force_login(UserFactory(role=Role.OPERATOR))
        assert client.get(ACTIVATE)["Location"].startswith(REAUTHENTICATE)
        assert client.get(REAUTHENTICATE).status_code == 200
        assert client.get("/accounts/2fa/webauthn/add/")["Location"].startswith(REAUTHENTICATE)
        assert client.get("/accounts/logout/").status_code == 200
        assert client.get("/static/css/mutua.css").get("Location") != "/accounts/2fa/"
        assert client.post("/i18n/setlang/", {"language": "it", "next": "/"}).status_code == 302

    def test_with_an_authenticator_app_they_work_normally(self, client, operator):
        client.force_login(operator)
        assert "Area operatori" in text(client.get("/"))

    def test_members_are_not_forced(self, client, member):
        client.force_login(member.user)
        assert client.get("/").status_code == 200

    def test_staff_cannot_disable_their_only_second_factor(self, client, operator):
        client.force_login(operator)
        client.post(REAUTHENTICATE, {"password": "Segreta123"})
        page = text(client.get(DEACTIVATE))
        assert "Il tuo ruolo richiede l'autenticazione a due fattori: non puoi disattivarla." in page
        assert ">Disabilita</button>" not in page
        client.post(DEACTIVATE)
        assert Authenticator.objects.filter(user=operator, type="totp").exists()


def test_passkeys_accept_plain_http_only_while_developing():
    """WebAuthn over http://localhost in development; production (DEBUG off) checks the HTTPS origin."""
    code = (
        "import django; from django.conf import settings as s; "
        "print(s.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN, s.MFA_PASSKEY_LOGIN_ENABLED, 'webauthn' in s.MFA_SUPPORTED_TYPES)"
    )
    root = Path(__file__).resolve().parents[3]
    for debug, expected in (("0", "False True True"), ("1", "True True True")):
        env = {"DJANGO_DEBUG": debug, "DJANGO_SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin"}
        env["DJANGO_SETTINGS_MODULE"] = "config.settings"
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == expected
