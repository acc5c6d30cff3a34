"""Soci: operators see who completed first access and by which path, and issue activation letters (PDF)."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from mutua.accounts.activation import activation_code_check, activation_code_issue
from mutua.accounts.codes import CodeError
from mutua.accounts.models import ActivationCode, FirstAccessPath
from mutua.audit.models import AuditEvent
from mutua.core.testing import days_ago, typed
from mutua.members.tests.factories import NewMemberFactory

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:member_list")


def letter_url(member) -> str:
    return reverse("backoffice:activation_letter", args=[member.pk])


@pytest.fixture
def unreachable(db):
    return NewMemberFactory(user__username="000000004321", first_name="Paolo", last_name="Bianchi", email="", mobile="")


def rows(response) -> dict[str, str]:
    page = response.content.decode()
    found = re.findall(r'data-code="(\d{12})">(.*?)</tr>', page, re.S)
    return {code: re.sub(r"<[^>]+>|\s+", " ", html) for code, html in found}


def test_the_list_says_who_completed_first_access_and_how(client, operator, member, new_member, unreachable):
    member.user.first_access_path = FirstAccessPath.LETTER
    member.user.save(update_fields=["first_access_path"])
    activation_code_issue(member=unreachable, actor=operator, request=None)
    client.force_login(operator)
    listed = rows(client.get(LIST))
    assert "Completato il" in listed[member.code] and "con lettera di attivazione" in listed[member.code]
    assert "Da completare" in listed[new_member.code] and "email, cellulare" in listed[new_member.code]
    assert (
        "nessuno" in listed[unreachable.code] and f"valida fino al {typed(days_ago(-30))}" in listed[unreachable.code]
    )
    todo = rows(client.get(LIST, {"primo_accesso": "todo"}))
    assert set(todo) == {new_member.code, unreachable.code}
    assert set(rows(client.get(LIST, {"q": "4321"}))) == {unreachable.code}
    assert set(rows(client.get(LIST, {"q": "bianchi"}))) == {unreachable.code}
    assert AuditEvent.objects.filter(action="backoffice.member_list", actor=operator).count() == 2


def test_the_list_costs_the_same_queries_for_3_or_30_members(client, operator):
    client.force_login(operator)
    NewMemberFactory.create_batch(3)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    NewMemberFactory.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(rows(response)) == 30
    assert len(many) == len(few) <= 8


def test_an_oversized_search_gets_an_italian_error(client, operator):
    client.force_login(operator)
    response = client.get(LIST, {"q": "x" * 101})
    assert response.status_code == 400
    assert "Al massimo 100 caratteri" in response.content.decode()


def test_a_regional_operator_sees_and_writes_to_their_office_only(client, regional_operator, member, unreachable):
    unreachable.regional_office = regional_operator.regional_office
    unreachable.save(update_fields=["regional_office"])
    client.force_login(regional_operator)
    assert set(rows(client.get(LIST))) == {unreachable.code}
    assert client.get(letter_url(member)).status_code == 404
    assert client.post(letter_url(member)).status_code == 404
    assert client.post(letter_url(unreachable))["Content-Type"] == "application/pdf"


def test_members_and_anonymous_visitors_get_nothing(client, member, unreachable):
    for url in (LIST, letter_url(unreachable)):
        assert client.get(url)["Location"].startswith(reverse("backoffice:login"))
    client.force_login(member.user)
    for url in (LIST, letter_url(unreachable)):
        assert client.get(url).status_code == 404
    assert client.post(letter_url(unreachable)).status_code == 404
    assert not ActivationCode.objects.exists()


def test_the_letter_is_a_pdf_with_a_working_code_and_is_audited(client, operator, unreachable):
    client.force_login(operator)
    page = client.get(letter_url(unreachable)).content.decode()
    assert "non ha né email né cellulare" in page and "Emetti e scarica la lettera" in page
    response = client.post(letter_url(unreachable))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="lettera-attivazione-000000004321.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Paolo Bianchi" in text and "000000004321" in text and typed(days_ago(-30)) in text
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b", text).group(1)
    assert activation_code_check(member=unreachable, code=code).issued_by == operator
    event = AuditEvent.objects.get(action="activation.issued")
    assert event.actor == operator and event.member == unreachable and code.replace("-", "") not in str(event.data)


def test_a_second_letter_warns_and_revokes_the_first(client, operator, unreachable):
    client.force_login(operator)
    first = client.post(letter_url(unreachable))
    first_code = re.search(
        r"\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b", PdfReader(io.BytesIO(first.content)).pages[0].extract_text()
    ).group(1)
    assert (
        f"C'è già una lettera valida fino al {typed(days_ago(-30))}"
        in client.get(letter_url(unreachable)).content.decode()
    )
    client.post(letter_url(unreachable))
    with pytest.raises(CodeError):
        activation_code_check(member=unreachable, code=first_code)


def test_no_letter_for_a_member_who_completed_first_access(client, operator, member):
    client.force_login(operator)
    assert "ha già completato il primo accesso" in client.get(letter_url(member)).content.decode()
    response = client.post(letter_url(member), follow=True)
    assert "ha già completato il primo accesso" in response.content.decode()
    assert not ActivationCode.objects.exists()


def test_the_worklist_links_to_the_members(client, operator):
    client.force_login(operator)
    assert LIST in client.get(reverse("backoffice:worklist")).content.decode()
