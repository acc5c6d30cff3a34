"""Personas shared by every test: member, other_member, new_member (never signed in), operator, supervisor."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches

from mutua.accounts.models import Role
from mutua.accounts.tests.factories import totp_enable
from mutua.members.tests.factories import BeneficiaryFactory, MemberFactory, NewMemberFactory, UserFactory
from mutua.notifications.sms import LocmemSmsBackend


@pytest.fixture(autouse=True)
def _member_pages_cached(settings):
    """The member pages' cache on, as in production (off by default without REDIS_URL): every test that looks at a
    page after a change also checks that the change reached it (mutua.core.pagecache)."""
    settings.MEMBER_PAGE_CACHE_SECONDS = 600


@pytest.fixture(autouse=True)
def _clean_state():
    cache.clear()
    caches["fragments"].clear()  # settings such as MUTUA_SHOW_OUTBOX change between tests
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
