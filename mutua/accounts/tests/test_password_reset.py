"""Password dimenticata tells nobody whether a username exists: the same pages, the same attempts, the same work."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutua.accounts.models import VerificationCode
from mutua.audit.models import AuditEvent

START = reverse("accounts:password_reset")
CODE = reverse("accounts:password_reset_code")
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
UNKNOWN = "999999999999"


def strip_csrf(content: bytes) -> bytes:
    return CSRF.sub(b'name="csrfmiddlewaretoken" value=""', content)


def wrong_code(username_code: str) -> str:
    """A code that is not the one sent (the real one is in the outbox when there is one)."""
    sent = [re.findall(r"\b(\d{6})\b", m.body)[-1] for m in mail.outbox]
    return next(c for c in ("000000", "111111", "222222") if c not in sent)


def journey(username: str, *, wrong: int = 7) -> list[tuple[int, str, bytes]]:
    """Every answer a visitor gets: the username step, the code page, `wrong` wrong codes, an early resend."""
    client = Client()
    answers = []

    def keep(response) -> None:
        answers.append((response.status_code, response.get("Location", ""), strip_csrf(response.content)))

    keep(client.get(START))
    keep(client.post(START, {"username": username}))
    keep(client.get(CODE))
    for _ in range(wrong):
        keep(client.post(CODE, {"action": "verify", "code": wrong_code(username)}))
    keep(client.post(CODE, {"action": "resend"}, follow=True))
    keep(client.post(CODE, {"action": "verify", "code": ""}))
    return answers


@pytest.mark.django_db
class TestSameAnswers:
    def test_known_and_unknown_usernames_get_byte_identical_answers(self, member, new_member):
        known = journey(member.code)
        assert len(mail.outbox) == 1  # the known member did get a code
        unknown = journey(UNKNOWN)
        without_verified_email = journey(new_member.code)
        assert len(mail.outbox) == 1
        for n, (a, b, c) in enumerate(zip(known, unknown, without_verified_email, strict=True)):
            assert a == b, f"answer {n} differs between a known and an unknown username"
            assert a == c, f"answer {n} differs for a member without a verified e-mail"

    def test_the_fifth_wrong_code_answers_too_many_attempts_for_every_username(self, member):
        for username in (member.code, UNKNOWN):
            pages = [page.decode() for _, _, page in journey(username, wrong=6)[3:9]]
            for page in pages[:4]:
                assert "Il codice non è corretto" in page, username
            for page in pages[4:]:
                assert "Troppi tentativi con questo codice" in page, username

    def test_after_too_many_attempts_even_the_right_code_is_refused(self, client, member):
        client.post(START, {"username": member.code})
        for _ in range(5):
            client.post(CODE, {"action": "verify", "code": wrong_code(member.code)})
        right = re.findall(r"\b(\d{6})\b", mail.outbox[0].body)[-1]
        page = client.post(CODE, {"action": "verify", "code": right}).content.decode()
        assert "Troppi tentativi con questo codice" in page
        assert client.get(reverse("accounts:password_reset_new"))["Location"] == START

    def test_an_expired_code_answers_the_same_for_every_username(self, member, settings):
        pages = []
        for username in (member.code, UNKNOWN):
            settings.CODE_TTL_SECONDS = 0  # the code is born expired; the reset session itself lives on
            client = Client()
            client.post(START, {"username": username})
            settings.CODE_TTL_SECONDS = 900
            pages.append(strip_csrf(client.post(CODE, {"action": "verify", "code": "123456"}).content))
        assert pages[0] == pages[1]
        assert "Il codice è scaduto" in pages[0].decode()

    def test_a_second_visitor_within_the_minute_shares_the_attempts(self, member):
        """Attempts are counted on the code, not on the visitor: two browsers together get 5 tries for both kinds."""
        for username in (member.code, UNKNOWN):
            first, second = Client(), Client()
            first.post(START, {"username": username})
            second.post(START, {"username": username})  # within the resend wait: the first code stays
            for _ in range(3):
                first.post(CODE, {"action": "verify", "code": "000000"})
            page = second.post(CODE, {"action": "verify", "code": "000000"}).content.decode()
            assert "Il codice non è corretto" in page, username
            page = second.post(CODE, {"action": "verify", "code": "000000"}).content.decode()
            assert "Troppi tentativi con questo codice" in page, username
            mail.outbox.clear()

    def test_before_the_worker_has_run_a_member_with_an_old_code_answers_like_an_unknown_username(
        self, member, clock, settings
    ):
        """The worker picks the task up a moment later (it polls): a wrong code sent at once must not meet the
        member's old, expired code («Il codice è scaduto») where an unknown username has nothing («Richiedi…»)."""
        Client().post(START, {"username": member.code})  # a reset asked long ago, never finished
        clock.shift(dt.timedelta(hours=2))
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # the worker lags
        pages = []
        for username in (member.code, UNKNOWN):
            client = Client()
            client.post(START, {"username": username})
            pages.append(strip_csrf(client.post(CODE, {"action": "verify", "code": "000000"}).content))
        assert pages[0] == pages[1]


def normalized_queries(queries: list[dict[str, str]]) -> list[str]:
    return [re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b", "?", q["sql"]) for q in queries]


@pytest.mark.django_db
def test_the_first_step_does_the_same_work_for_every_username(member, settings):
    """The page answers after the same queries for every username: the lookup and the e-mail happen in the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    work = []
    for username in (member.code, UNKNOWN):
        with CaptureQueriesContext(connection) as queries:
            response = Client().post(START, {"username": username})
        assert response["Location"] == CODE
        work.append(normalized_queries(queries.captured_queries))
    assert work[0] == work[1]
    assert not any("accounts_user" in sql for sql in work[0])  # nobody looked the username up yet
    assert len(default_task_backend.results) == 2  # one task each
    assert mail.outbox == [] and not VerificationCode.objects.exists()


@pytest.mark.django_db
def test_the_worker_sends_the_code_and_audits_the_request_with_its_address(client, member):
    client.post(START, {"username": member.code}, REMOTE_ADDR="203.0.113.9")
    assert mail.outbox[0].to == [member.email]
    event = AuditEvent.objects.get(action="password.reset_requested")
    assert event.member == member and event.ip_address == "203.0.113.9"
