"""Shared by every test: a frozen clock, and the personas member, other_member, new_member (never signed in),
operator, supervisor.

The clock. Every test but the browser tests runs with the clock frozen at one instant (``clock``), so no test depends
on the day it runs. ``MUTUA_TEST_NOW`` moves that instant (an ISO date-time, e.g. ``2027-12-31T23:30:00+01:00``) or,
set to ``real``, freezes it at the moment each test starts: CI runs the suite at shifted instants and at the real time
(docs/testing.md). A test that needs "today" takes it from the frozen clock (the ``today`` fixture,
``mutua.core.testing.days_ago``), and moves it with ``clock.shift(...)``; never from the calendar. Browser tests keep
the real clock: Chromium's own clock decides whether the server's cookies have expired.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import cache, caches

from mutua.accounts.models import Role
from mutua.accounts.tests.factories import totp_enable
from mutua.core.testing import frozen_now
from mutua.members.tests.factories import BeneficiaryFactory, MemberFactory, NewMemberFactory, UserFactory
from mutua.notifications.sms import LocmemSmsBackend


@pytest.fixture(autouse=True)
def clock(request):
    """The frozen clock (time_machine's traveller: ``clock.shift(...)``, ``clock.move_to(...)``); None in browser
    tests, which keep the real one."""
    if request.node.get_closest_marker("e2e"):
        yield None
        return
    with time_machine.travel(frozen_now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def today(clock) -> dt.date:
    """Today in Rome, by the frozen clock."""
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture(autouse=True)
def _clean_state(monkeypatch):
    from mutua.accounts import lockout

    monkeypatch.setattr(lockout, "sleep", lambda seconds: None)  # the login's growing waits: measured, not slept
    cache.clear()
    caches["markers"].clear()
    LocmemSmsBackend.outbox.clear()
    yield


@pytest.fixture
def member(db):
    m = MemberFactory(first_name="Mario", last_name="Rossi")
    BeneficiaryFactory(member=m)
    return m


@pytest.fixture
def other_member(db):
    return MemberFactory(first_name="Giulia", last_name="Bianchi")


@pytest.fixture
def new_member(db):
    return NewMemberFactory(user__username="000000003423", first_name="Anna", last_name="Verdi")


@pytest.fixture
def operator(db):
    """An operator, with the authenticator app that staff must have (SecondFactorRequiredMiddleware)."""
    user = UserFactory(username="operatore1", role=Role.OPERATOR)
    totp_enable(user)
    return user


@pytest.fixture
def supervisor(db):
    user = UserFactory(username="supervisore1", role=Role.SUPERVISOR)
    totp_enable(user)
    return user


@pytest.fixture
def regional_operator(db):
    """An operator of the Lombardia regional office: sees only that office's members (mutua.backoffice)."""
    from mutua.members.models import RegionalOffice

    office, _ = RegionalOffice.objects.get_or_create(
        code="LOM",
        defaults={
            "name": "Sede regionale Lombardia",
            "region": "Lombardia",
            "address": "Via Roma 1, Milano",
            "phone": "02 1234567",
            "email": "lombardia@mutua.example",
        },
    )
    user = UserFactory(username="operatore.lombardia", role=Role.REGIONAL_OPERATOR, regional_office=office)
    totp_enable(user)
    return user


@pytest.fixture
def clamd(settings):
    """ClamAV's daemon, scanning uploads for this test: CLAMD_TEST_URL, or the one deploy/clamd-local.sh starts (CI's
    .ci/run starts it). Without it the test is skipped, saying so."""
    import os

    from mutua.documents.scanning import clamd_ping

    url = os.environ.get("CLAMD_TEST_URL") or f"unix://{settings.BASE_DIR / 'var' / 'clamd' / 'clamd.sock'}"
    settings.CLAMD_URL = url
    if not clamd_ping():
        pytest.skip(f"clamd is not running at {url}: start it with deploy/clamd-local.sh (CI's .ci/run does)")
    return url


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free local port, for a module's tests (the S3 file storage, the nightly registry import
    from a prefix): the real HTTP API, signed requests and all, without a cloud account."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
