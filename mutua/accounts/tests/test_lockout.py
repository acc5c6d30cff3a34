"""Wrong passwords slow an account down elsewhere and never lock the member out of a browser they signed in from."""

from __future__ import annotations

import pytest
from django.test import Client

from mutua.accounts import lockout

LOGIN = "/accounts/login/"
RIGHT = "Segreta123"


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """Every wait the login makes, measured instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(lockout, "sleep", recorded.append)
    return recorded


def attempt(client: Client, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post(LOGIN, {"login": username, "password": password}, REMOTE_ADDR=ip)


def attack(username: str, *, attempts: int = 50) -> list[str]:
    """An attacker's wrong passwords, from many addresses (so the per-IP limit does not stop them first)."""
    attacker = Client()
    pages = []
    for n in range(attempts):
        response = attempt(attacker, username, f"Sbagliata{n}", ip=f"198.51.100.{n // 10 + 1}")
        pages.append(response.content.decode())
    return pages


def known_browser(member) -> Client:
    browser = Client()
    assert attempt(browser, member.code, RIGHT).status_code == 302
    browser.post("/accounts/logout/")
    assert lockout.COOKIE_NAME in browser.cookies
    return browser


@pytest.mark.django_db
class TestKnownDevice:
    def test_fifty_wrong_passwords_elsewhere_do_not_stop_the_member_on_their_browser(self, member, waits):
        browser = known_browser(member)
        attack(member.code)
        waits.clear()
        response = attempt(browser, member.code, RIGHT)
        assert response.status_code == 302
        assert browser.session.get("_auth_user_id") == str(member.user.pk)
        assert waits == []  # not even slowed down

    def test_the_cookie_is_signed_and_for_that_member_only(self, member, other_member, waits):
        browser = known_browser(member)
        attack(other_member.code, attempts=12)
        waits.clear()
        other_member.user.set_password(RIGHT)
        other_member.user.save()
        assert attempt(browser, other_member.code, RIGHT).status_code == 302
        assert waits  # the browser is known for Mario, not for Giulia: her attempts here wait

        forged = Client()
        forged.cookies[lockout.COOKIE_NAME] = browser.cookies[lockout.COOKIE_NAME].value[:-2] + "xx"
        waits.clear()
        attack(member.code, attempts=6)
        waits.clear()
        assert attempt(forged, member.code, RIGHT).status_code == 302
        assert waits  # an altered cookie counts for nothing

    def test_wrong_passwords_on_the_known_browser_slow_that_browser_only(self, member, waits):
        browser = known_browser(member)
        for n in range(7):
            attempt(browser, member.code, f"Sbagliata{n}")
        assert waits == [1.0, 2.0]
        waits.clear()
        assert attempt(Client(), member.code, RIGHT, ip="192.0.2.9").status_code == 302
        assert waits == []


@pytest.mark.django_db
class TestElsewhere:
    def test_failures_slow_down_with_growing_delays_but_the_right_password_still_works(self, member, waits):
        pages = attack(member.code, attempts=9)
        assert waits == [1.0, 2.0, 4.0, 8.0]  # free for 5 failures, then doubling, at most 8 s
        assert all("La password non è corretta" in page for page in pages)
        waits.clear()
        response = attempt(Client(), member.code, RIGHT, ip="192.0.2.9")
        assert response.status_code == 302
        assert waits == [8.0]  # slower, not refused

    def test_the_wait_does_not_depend_on_the_password(self, member, waits):
        attack(member.code, attempts=6)
        waits.clear()
        attempt(Client(), member.code, "Sbagliata", ip="192.0.2.9")
        attempt(Client(), member.code, RIGHT, ip="192.0.2.10")
        assert waits[0] == 2.0 and waits[1] == 4.0  # both waited before the check, by the failures so far

    def test_unknown_usernames_slow_down_like_known_ones(self, db, waits):
        attack("999999999999", attempts=7)
        assert waits == [1.0, 2.0]

    def test_the_per_ip_limit_still_refuses_a_flood_from_one_address(self, member, waits):
        browser = known_browser(member)
        for n in range(20):
            attempt(browser, member.code, f"Sbagliata{n}", ip="203.0.113.50")
        response = attempt(browser, member.code, RIGHT, ip="203.0.113.50")
        assert "Troppi tentativi di accesso" in response.content.decode()
        assert not browser.session.get("_auth_user_id")
        assert attempt(browser, member.code, RIGHT, ip="203.0.113.51").status_code == 302
