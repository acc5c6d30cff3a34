"""The audit log: supervisors search it; members see who read their data in "Accessi ai miei dati"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mutua.accounts.models import Role, User
from mutua.accounts.tests.factories import totp_enable
from mutua.audit.models import AuditEvent
from mutua.audit.services import audit_record
from mutua.bookings.tests.factories import sent_booking
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.members.models import Member
from mutua.members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("backoffice:audit_search")


@pytest.fixture
def admin_user(db) -> User:
    user = UserFactory(username="amministratore1", role=Role.ADMIN)
    totp_enable(user)
    return user


@pytest.fixture
def named_operator(operator: User) -> User:
    operator.first_name, operator.last_name = "Laura", "Conti"
    operator.save(update_fields=["first_name", "last_name"])
    return operator


def shown(response) -> list[AuditEvent]:
    return [event for event, _text in response.context["rows"]]


# --- Who may search ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("supervisor", True),
        ("admin_user", True),
        ("operator", False),
        ("regional_operator", False),
    ],
)
def test_only_supervisors_and_administrators_search_the_log(client, request, persona, allowed, member):
    audit_record(action="backoffice.claim_view", actor=request.getfixturevalue("operator"), member=member, claim=1)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL, {"matricola": member.code})
    assert response.status_code == (200 if allowed else 404)
    assert (member.full_name in response.content.decode()) is allowed
    worklist = client.get(reverse("backoffice:worklist")).content.decode()
    assert (URL in worklist) is allowed


def test_members_and_anonymous_visitors_cannot_search(client, member):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("backoffice:login"))
    client.force_login(member.user)
    assert client.get(URL).status_code == 404


# --- Filters ------------------------------------------------------------------------------------------------


def test_filters_by_member_code_actor_action_and_days(client, supervisor, named_operator, member, other_member):
    a = audit_record(action="backoffice.claim_view", actor=named_operator, member=member, claim=5)
    b = audit_record(action="backoffice.booking_view", actor=named_operator, member=other_member, booking=7)
    c = audit_record(action="backoffice.claim_view", actor=supervisor, member=other_member, claim=9)
    old = audit_record(action="backoffice.claim_view", actor=named_operator, member=member, claim=1)
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    client.force_login(supervisor)

    def ids(**params: str) -> set[int]:
        response = client.get(URL, params)
        assert response.status_code == 200
        return {e.pk for e in shown(response)}

    assert ids(matricola=member.code) == {a.pk, old.pk}
    assert ids(matricola=member.code.lstrip("0")) == {a.pk, old.pk}  # the zeros in front may be left out
    assert ids(operatore="conti") == {a.pk, b.pk, old.pk}
    assert ids(operatore="Laura Conti", azione="backoffice.booking_view") == {b.pk}
    assert ids(operatore=supervisor.username, azione="backoffice.claim_view") == {c.pk}
    today = timezone.localdate()
    assert ids(dal=(today - dt.timedelta(days=1)).isoformat(), matricola=member.code) == {a.pk}
    assert ids(al=(today - dt.timedelta(days=30)).strftime("%d/%m/%Y")) == {old.pk}
    page = client.get(URL, {"matricola": member.code}).content.decode()
    assert "Ha consultato la pratica n. 5" in page and "Laura Conti" in page and "Operatore" in page


def test_every_search_is_itself_on_record(client, supervisor, member):
    client.force_login(supervisor)
    client.get(URL, {"matricola": member.code})
    event = AuditEvent.objects.get(action="audit.search")
    assert event.actor == supervisor and event.data == {"filters": {"member_code": member.code}}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"matricola": "abc"}, "matricola", "La matricola è fatta di sole cifre, al massimo 12."),
        ({"matricola": "1" * 13}, "matricola", "La matricola è fatta di sole cifre, al massimo 12."),
        ({"matricola": "<script>"}, "matricola", "La matricola è fatta di sole cifre"),
        ({"dal": "ieri"}, "dal", "Scrivi una data valida, gg/mm/aaaa."),
        ({"dal": "2026-05-10", "al": "2026-05-01"}, "al", "La data finale non può precedere quella iniziale."),
        ({"operatore": "x" * 151}, "operatore", "Al massimo 150 caratteri."),
        ({"azione": "drop table"}, "azione", "Scegli un'opzione valida"),
    ],
)
def test_wrong_filters_are_italian_errors_next_to_the_field(client, supervisor, member, params, field, message):
    audit_record(action="backoffice.claim_view", actor=supervisor, member=member, claim=1)
    client.force_login(supervisor)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field]), response.context["form"].errors
    assert f'id="id_{field}-error"' in response.content.decode()
    assert response.context["rows"] == [] and member.full_name not in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.search").exists()


def test_search_is_paginated_and_runs_a_constant_number_of_queries(client, supervisor, operator):
    client.force_login(supervisor)
    client.get("/")

    def reads(n: int) -> None:
        for _ in range(n):
            audit_record(action="backoffice.claim_view", actor=operator, member=MemberFactory(), claim=1)

    reads(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL, {"operatore": operator.username}).status_code == 200
    reads(60)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"operatore": operator.username})
    assert len(response.context["rows"]) == 50 and response.context["page"].paginator.count == 63
    assert len(many) == len(few)
    second = client.get(URL, {"operatore": operator.username, "pagina": "2"})
    assert len(second.context["rows"]) == 13


# --- "Accessi ai miei dati" ------------------------------------------------------------------------------


def test_member_sees_who_read_their_claim_and_booking_by_name_and_role(client, named_operator, member):
    claim = sent_claim(member)
    booking = sent_booking(member)
    client.force_login(named_operator)
    client.get(reverse("backoffice:claim_review", args=[claim.pk]))
    client.get(reverse("backoffice:booking_review", args=[booking.pk]))
    client.force_login(member.user)
    response = client.get(reverse("profile:home"))
    page = response.content.decode()
    assert "Accessi ai miei dati" in page
    assert "Laura Conti" in page and "Operatore" in page
    assert named_operator.username not in page
    assert f"Ha consultato la pratica n. {claim.pk}" in page
    assert f"Ha consultato la prenotazione n. {booking.pk}" in page
    # The member's own actions are not "accesses" by operators.
    assert "Cambio di stato" not in page


def test_an_operator_without_a_name_is_shown_by_role_not_username(client, operator, member):
    audit_record(action="backoffice.claim_view", actor=operator, member=member, claim=3)
    client.force_login(member.user)
    page = client.get(reverse("profile:home")).content.decode()
    assert f"Operatore n. {operator.pk}" in page and operator.username not in page


def test_member_never_sees_another_members_accesses(client, named_operator, member, other_member):
    audit_record(action="backoffice.claim_view", actor=named_operator, member=other_member, claim=42)
    client.force_login(member.user)
    page = client.get(reverse("profile:home")).content.decode()
    assert "Laura Conti" not in page and "n. 42" not in page
    assert "Nessun operatore ha ancora consultato i tuoi dati." in page


def test_profile_shows_the_latest_20_in_a_constant_number_of_queries(client, named_operator, member: Member):
    client.force_login(member.user)
    client.get(reverse("profile:home"))
    audit_record(action="backoffice.claim_view", actor=named_operator, member=member, claim=1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("profile:home"))
    for n in range(30):
        audit_record(action="backoffice.attachment_view", actor=named_operator, member=member, claim=n, attachment=n)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("profile:home"))
    rows = response.context["data_accesses"]
    assert len(rows) == 20 and rows[0].what == "Ha visualizzato un file della pratica n. 29"
    assert len(many) == len(few)


def test_staff_profile_has_no_access_list(client, operator):
    client.force_login(operator)
    response = client.get(reverse("profile:home"))
    assert response.status_code == 200 and response.context["data_accesses"] is None
    assert "Accessi ai miei dati" not in response.content.decode()
