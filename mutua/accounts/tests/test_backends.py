"""The user of every signed-in request: one query, with the member and their regional office, the bell's count and
whether a second factor is on."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mutua.accounts.backends import MemberAuthenticationBackend, MemberModelBackend, user_with_member
from mutua.accounts.tests.factories import totp_enable
from mutua.members.models import Member, RegionalOffice
from mutua.members.tests.factories import UserFactory
from mutua.notifications.services import notification_create, notifications_mark_read


@pytest.fixture
def office_member(member: Member) -> Member:
    member.regional_office = RegionalOffice.objects.create(
        code="LOM", name="Sede Lombardia", region="Lombardia", address="Via Roma 1", phone="02", email="l@x.it"
    )
    member.save()
    return member


@pytest.mark.django_db
class TestUserWithMember:
    def test_member_and_office_come_with_the_user_in_one_query(self, office_member):
        with CaptureQueriesContext(connection) as queries:
            user = user_with_member(office_member.user_id)
            assert user.member.regional_office.code == "LOM"
            assert user.member.fiscal_code == office_member.fiscal_code
        assert len(queries) == 1

    def test_member_without_office(self, member):
        with CaptureQueriesContext(connection) as queries:
            assert user_with_member(member.user_id).member.regional_office is None
        assert len(queries) == 1

    def test_operator_has_no_member_and_costs_no_second_query(self, operator):
        with CaptureQueriesContext(connection) as queries:
            user = user_with_member(operator.pk)
            assert user == operator
            assert not hasattr(user, "member")
        assert len(queries) == 1

    def test_the_bell_and_the_second_factor_come_with_the_user(self, member, other_member):
        for title in ("Prima", "Seconda", "Terza"):
            notification_create(member_id=member.pk, kind="generic", title=title, body="", url="/")
        notifications_mark_read(member_id=member.pk, ids=[member.notifications.get(title="Prima").pk])
        notification_create(member_id=other_member.pk, kind="generic", title="Non mia", body="", url="/")
        totp_enable(member.user)
        with CaptureQueriesContext(connection) as queries:
            user = user_with_member(member.user_id)
            assert user.unread_notifications == 2 and user.has_second_factor
        assert len(queries) == 1
        assert user_with_member(other_member.user_id).has_second_factor is False

    def test_staff_have_no_bell(self, operator):
        user = user_with_member(operator.pk)
        assert user.unread_notifications == 0 and user.has_second_factor

    def test_unknown_id_is_nobody(self, db):
        assert user_with_member(987654321) is None

    def test_id_as_stored_in_the_session_string(self, member):
        assert user_with_member(str(member.user_id)) == member.user

    def test_changes_are_seen_on_the_next_request(self, member):
        user_with_member(member.user_id)
        Member.objects.filter(pk=member.pk).update(first_name="Luigi")
        assert user_with_member(member.user_id).member.first_name == "Luigi"


@pytest.mark.django_db
@pytest.mark.parametrize("backend", [MemberModelBackend, MemberAuthenticationBackend])
def test_backends_refuse_an_inactive_user(backend):
    user = UserFactory(is_active=False)
    assert backend().get_user(user.pk) is None
    user.is_active = True
    user.save()
    assert backend().get_user(user.pk) == user


@pytest.mark.django_db
def test_signed_in_request_loads_the_member_with_the_user(client, member):
    client.force_login(member.user)
    assert client.session[SESSION_KEY] == str(member.user_id)
    assert client.session[BACKEND_SESSION_KEY].startswith("mutua.accounts.backends.")
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.user.member.pk == member.pk
