"""Sessions: a change of how one signs in signs out every other device; a pause asks for the password again; a
session lasts at most so long from its sign-in, less for operators. On the frozen clock, moved by the test."""

from __future__ import annotations

import datetime as dt
import html
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutua.accounts.mfa_secrets import decrypt
from mutua.accounts.tests.factories import totp_code, totp_enable
from mutua.audit.models import AuditEvent

LOGIN = "/accounts/login/"
REAUTHENTICATE = "/accounts/reauthenticate/"
PASSWORD = "Segreta123"


def signed_in(username: str, password: str = PASSWORD, *, secret: str = "", code_at: float | None = None) -> Client:
    """A browser signed in with the password and, with `secret`, the app's code (at `code_at`: a code is used once)."""
    browser = Client()
    login = reverse("backoffice:login") if not username.isdigit() else LOGIN
    response = browser.post(login, {"login": username, "password": password})
    if secret:
        response = browser.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, at=code_at)})
    assert response.status_code == 302, response.content[:300]
    return browser


def operator_secret(operator) -> str:
    """The app secret of the operator persona (stored encrypted)."""
    return decrypt(Authenticator.objects.get(user=operator, type="totp").data["secret"])


def shows_home(browser: Client) -> bool:
    return browser.get("/").status_code == 200


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


# --- Signing out everywhere else -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestSignOutEverywhereElse:
    def test_a_password_change_signs_out_every_other_device_and_renews_this_session(self, member):
        here, elsewhere = signed_in(member.code), signed_in(member.code)
        key = here.cookies["sessionid"].value
        response = here.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": "Cambiata2026", "password2": "Cambiata2026"},
        )
        assert response.status_code == 302
        assert shows_home(here) and here.cookies["sessionid"].value != key
        assert elsewhere.get("/")["Location"].startswith(LOGIN)
        assert list(UserSession.objects.filter(user=member.user).values_list("session_key", flat=True)) in (
            [],  # this session's row is written again within the minute (SessionActivityMiddleware)
            [here.cookies["sessionid"].value],
        )
        event = AuditEvent.objects.get(action="session.ended", member=member)
        assert event.data == {"sessions": 1, "reason": "password"}

    def test_turning_off_two_factor_signs_out_every_other_device(self, member, django_capture_on_commit_callbacks):
        secret = totp_enable(member.user)
        here = signed_in(member.code, secret=secret)
        elsewhere = signed_in(member.code, secret=secret, code_at=time.time() + 30)
        key = here.cookies["sessionid"].value
        here.post(REAUTHENTICATE, {"password": PASSWORD})
        with django_capture_on_commit_callbacks(execute=True):
            assert here.post("/accounts/2fa/totp/deactivate/").status_code == 302
        assert shows_home(here) and here.cookies["sessionid"].value != key
        assert elsewhere.get("/")["Location"].startswith(LOGIN)
        assert UserSession.objects.filter(user=member.user).count() == 1
        event = AuditEvent.objects.get(action="session.ended", member=member)
        assert event.data == {"sessions": 1, "reason": "mfa"}

    @pytest.mark.django_db(transaction=True)
    def test_turning_on_two_factor_signs_out_every_other_device(self, member):
        """allauth announces the activation once the transaction commits: in the request, as in production
        (no ATOMIC_REQUESTS), hence a test without a test transaction around it."""
        here, elsewhere = signed_in(member.code), signed_in(member.code)
        here.post(REAUTHENTICATE, {"password": PASSWORD})
        secret = here.get("/accounts/2fa/totp/activate/").context["form"].secret
        here.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
        assert shows_home(here)
        assert elsewhere.get("/")["Location"].startswith(LOGIN)
        assert AuditEvent.objects.filter(action="session.ended", member=member).count() == 1

    def test_another_members_sessions_are_untouched(self, member, other_member):
        here, theirs = signed_in(member.code), signed_in(other_member.code)
        here.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": "Cambiata2026", "password2": "Cambiata2026"},
        )
        assert shows_home(theirs)


# --- A pause asks for the password again --------------------------------------------------------------------


@pytest.mark.django_db
class TestIdle:
    def test_after_30_idle_minutes_the_password_is_asked_before_any_page(self, member, clock):
        browser = signed_in(member.code)
        clock.shift(minutes(29))
        assert shows_home(browser)
        clock.shift(minutes(29))  # 58 minutes since signing in, 29 since the last page
        assert shows_home(browser)
        clock.shift(minutes(31))
        for url in ("/", "/pratiche/", "/profilo/"):
            response = browser.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(f"{REAUTHENTICATE}?next=")
        page = html.unescape(browser.get(response["Location"]).content.decode())
        assert "Non usi l'area riservata da 30 minuti" in page
        assert browser.post(f"{REAUTHENTICATE}?next=/profilo/", {"password": PASSWORD})["Location"] == "/profilo/"
        assert shows_home(browser)

    def test_a_form_sent_after_the_pause_is_kept_and_sent_after_the_password(self, member, clock):
        here, elsewhere = signed_in(member.code), signed_in(member.code)
        clock.shift(minutes(31))
        assert shows_home(elsewhere) is False  # the other browser idles too: it is asked as well
        url = reverse("profile:sessions_end_others")
        response = here.post(url)
        assert response["Location"] == f"{REAUTHENTICATE}?next={url.replace('/', '%2F')}"
        assert UserSession.objects.filter(user=member.user).count() == 2  # nothing done yet
        response = here.post(response["Location"], {"password": PASSWORD})
        assert response["Location"] == reverse("profile:home") + "#sessioni"  # the form's own answer, replayed
        assert UserSession.objects.filter(user=member.user).count() == 1

    def test_another_sites_form_sent_after_the_pause_is_refused_not_kept_for_after_the_password(self, member, clock):
        here = signed_in(member.code)
        signed_in(member.code)  # a second session, which the forged form would end
        clock.shift(minutes(31))
        url = reverse("profile:sessions_end_others")
        here.handler.enforce_csrf_checks = True
        assert here.post(url).status_code == 403  # no CSRF token: a form on another site
        here.handler.enforce_csrf_checks = False
        here.post(f"{REAUTHENTICATE}?next={url}", {"password": PASSWORD})
        assert UserSession.objects.filter(user=member.user).count() == 2  # the forged form never ran

    def test_a_wrong_password_keeps_the_pages_closed(self, member, clock):
        browser = signed_in(member.code)
        clock.shift(minutes(31))
        browser.post(f"{REAUTHENTICATE}?next=/", {"password": "Sbagliata1"})
        assert browser.get("/")["Location"].startswith(REAUTHENTICATE)

    def test_the_pause_is_a_setting(self, member, clock, settings):
        settings.SESSION_IDLE_SECONDS = 5 * 60
        browser = signed_in(member.code)
        clock.shift(minutes(6))
        assert browser.get("/")["Location"].startswith(REAUTHENTICATE)

    def test_operators_are_asked_too(self, operator, clock):
        browser = signed_in(operator.username, secret=operator_secret(operator))
        clock.shift(minutes(31))
        response = browser.get("/backoffice/")
        assert response["Location"].startswith(f"{REAUTHENTICATE}?next=")

    def test_recording_activity_costs_a_session_write_at_most_once_a_minute(self, member, clock):
        browser = signed_in(member.code)
        browser.get("/")
        with CaptureQueriesContext(connection) as queries:
            browser.get("/")
        assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
        clock.shift(dt.timedelta(seconds=61))
        with CaptureQueriesContext(connection) as queries:
            browser.get("/")
        assert len([q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]) == 1


# --- The longest session --------------------------------------------------------------------------------------


def keep_busy(browser: Client, clock, total_minutes: int, url: str = "/") -> None:
    """A page every 20 minutes: never idle."""
    for _ in range(total_minutes // 20):
        clock.shift(minutes(20))
        response = browser.get(url)
        assert response.status_code == 200, (response.status_code, response.get("Location"))


@pytest.mark.django_db
class TestSessionLength:
    def test_operators_sessions_end_before_members(self, member, operator, clock, settings):
        assert settings.OPERATOR_SESSION_SECONDS < settings.MEMBER_SESSION_SECONDS
        staff = signed_in(operator.username, secret=operator_secret(operator))
        socio = signed_in(member.code)
        hours = settings.OPERATOR_SESSION_SECONDS // 3600
        for _ in range(hours * 3):
            clock.shift(minutes(20))
            assert shows_home(socio)
            if _ < hours * 3 - 1:
                assert staff.get("/backoffice/").status_code == 200
        clock.shift(dt.timedelta(seconds=1))
        response = staff.get("/backoffice/", follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("backoffice:login"))
        assert "La sessione è scaduta" in response.content.decode()
        assert "_auth_user_id" not in staff.session  # signed out, not merely asked for the password
        assert shows_home(socio)

    def test_members_sessions_end_after_their_length(self, member, clock, settings):
        settings.MEMBER_SESSION_SECONDS = 60 * 60
        browser = signed_in(member.code)
        keep_busy(browser, clock, 60)
        clock.shift(dt.timedelta(seconds=1))
        response = browser.get("/", follow=True)
        assert response.redirect_chain[-1][0].startswith(LOGIN)
        assert "La sessione è scaduta" in response.content.decode()
        assert "_auth_user_id" not in browser.session
