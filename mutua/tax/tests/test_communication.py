"""The year's communication in the back office: prepared in the background, downloaded, marked sent, corrected after
sending; bad input refused with a clear message and nothing half-saved; one communication per year and version;
only supervisors and administrators; every step audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from mutua.accounts.models import Role, User
from mutua.accounts.tests.factories import totp_enable
from mutua.audit.models import AuditEvent
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory, SettlementFactory
from mutua.core.testing import needs_row_locks, race
from mutua.members.models import Member
from mutua.members.tests.factories import MemberFactory, UserFactory
from mutua.plans.tests.factories import ContributionFactory, EnrollmentFactory
from mutua.tax import services
from mutua.tax.layout import parse
from mutua.tax.models import CommunicationKind, CommunicationStatus, TaxCommunication

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def mutual(settings: SettingsWrapper) -> None:
    settings.MUTUA_FISCAL_CODE = "00743110157"


@pytest.fixture
def year(today: dt.date) -> int:
    return today.year - 1


@pytest.fixture
def paid_year(member: Member, year: int) -> Member:
    """The member paid the year's contribution by direct debit and was reimbursed an expense of the year."""
    enrollment = EnrollmentFactory(member=member)
    enrollment.beneficiaries.add(*member.beneficiaries.all())
    ContributionFactory(enrollment=enrollment, year=year, amount_due=D("300.00"), family_part=D("60.00"))
    document = ClaimDocumentFactory(
        claim=ClaimFactory(member=member, status="paid"), amount=D("200.00"), issue_date=dt.date(year, 3, 1)
    )
    SettlementFactory(document=document, amount_paid=D("150.00"), paid_on=dt.date(year, 5, 4))
    return member


def file_lines(communication: TaxCommunication) -> list[str]:
    with communication.file.open("rb") as fh:
        return fh.read().decode("ascii").split("\r\n")[:-1]


# --- Services -----------------------------------------------------------------------------------------------------


def test_preparing_writes_the_file_in_the_background_and_makes_it_ready(
    paid_year: Member, supervisor: User, year: int
) -> None:
    communication = services.communication_start(year=year, actor=supervisor)
    assert (communication.status, communication.kind, communication.version) == ("ready", "O", 1)
    assert communication.progress == 100
    lines = file_lines(communication)
    assert [line[0] for line in lines] == ["0", "1", "1", "9"]
    member_line = parse(lines[1])
    assert (member_line["person_cf"], member_line["contributions_same_year"]) == (
        paid_year.fiscal_code, "000000024000"
    )  # fmt: skip
    assert communication.totals["reimbursed_same_year"] == "150.00"
    assert communication.totals["contributions_same_year"] == "300.00"
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["tax.communication_started", "tax.communication_ready"]


@pytest.mark.parametrize(
    ("shift", "message"),
    [(0, "non è ancora concluso"), (1, "non è ancora concluso"), (-20, "dall'anno d'imposta 2015")],
)
def test_a_year_not_over_or_before_2015_is_refused(
    paid_year: Member, supervisor: User, today: dt.date, shift: int, message: str
) -> None:
    with pytest.raises(services.TaxCommunicationError, match=message):
        services.communication_start(year=today.year + shift, actor=supervisor)
    assert not TaxCommunication.objects.exists()


def test_a_year_with_no_data_is_refused(supervisor: User, year: int) -> None:
    with pytest.raises(services.TaxCommunicationError, match="Nessun contributo o rimborso"):
        services.communication_start(year=year, actor=supervisor)
    assert not TaxCommunication.objects.exists()


def test_without_the_mutual_s_codice_fiscale_nothing_is_prepared(
    paid_year: Member, supervisor: User, year: int, settings: SettingsWrapper
) -> None:
    settings.MUTUA_FISCAL_CODE = ""
    with pytest.raises(services.TaxCommunicationError, match="MUTUA_FISCAL_CODE"):
        services.communication_start(year=year, actor=supervisor)
    assert not TaxCommunication.objects.exists()


def test_a_failed_preparation_leaves_no_file_only_the_error(paid_year: Member, supervisor: User, year: int) -> None:
    with mock.patch("mutua.tax.generation.write_communication", side_effect=OSError("disco pieno")):
        communication = services.communication_start(year=year, actor=supervisor)
    assert (communication.status, communication.file.name, communication.error) == ("failed", "", "disco pieno")
    assert AuditEvent.objects.filter(action="tax.communication_failed").count() == 1
    again = services.communication_start(year=year, actor=supervisor)  # the supervisor tries again
    assert (again.status, again.version) == ("ready", 2)
    communication.refresh_from_db()
    assert communication.status == CommunicationStatus.DISCARDED


def test_preparing_while_a_preparation_runs_is_refused(paid_year: Member, supervisor: User, year: int) -> None:
    TaxCommunication.objects.create(year=year, version=1, kind="O", created_by=supervisor)  # a worker is on it
    with pytest.raises(services.TaxCommunicationError, match="già in preparazione"):
        services.communication_start(year=year, actor=supervisor)
    assert TaxCommunication.objects.count() == 1


def test_a_new_preparation_sets_aside_the_version_waiting_to_be_sent(
    paid_year: Member, supervisor: User, year: int
) -> None:
    first = services.communication_start(year=year, actor=supervisor)
    second = services.communication_start(year=year, actor=supervisor)
    first.refresh_from_db()
    assert (first.status, second.status, second.version, second.kind) == ("discarded", "ready", 2, "O")
    with pytest.raises(services.TaxCommunicationError, match="non è pronta"):
        services.communication_mark_sent(communication=first, protocol="26031612345678901-000001", actor=supervisor)


@pytest.mark.parametrize("protocol", ["", "   ", "123", "x" * 30, "<script>alert(1)</script>", "2603161234 5678"])
def test_a_wrong_protocol_is_refused_and_nothing_is_marked(
    paid_year: Member, supervisor: User, year: int, protocol: str
) -> None:
    communication = services.communication_start(year=year, actor=supervisor)
    with pytest.raises(services.TaxCommunicationError, match="protocollo"):
        services.communication_mark_sent(communication=communication, protocol=protocol, actor=supervisor)
    communication.refresh_from_db()
    assert (communication.status, communication.protocol) == ("ready", "")


def test_a_version_is_marked_sent_once(paid_year: Member, supervisor: User, year: int) -> None:
    communication = services.communication_start(year=year, actor=supervisor)
    services.communication_mark_sent(communication=communication, protocol="26031612345678901-000001", actor=supervisor)
    with pytest.raises(services.TaxCommunicationError, match="già segnata come inviata"):
        services.communication_mark_sent(
            communication=communication, protocol="26031612345678901-000002", actor=supervisor
        )
    communication.refresh_from_db()
    assert (communication.status, communication.protocol) == ("sent", "26031612345678901-000001")
    event = AuditEvent.objects.get(action="tax.communication_sent")
    assert event.data["protocol"] == "26031612345678901-000001" and event.actor == supervisor


def test_a_payment_cancelled_after_sending_makes_a_replacing_communication_listing_the_change(
    paid_year: Member, supervisor: User, year: int
) -> None:
    sent = services.communication_start(year=year, actor=supervisor)
    services.communication_mark_sent(communication=sent, protocol="26031612345678901-000001", actor=supervisor)
    from mutua.claims.models import Settlement

    Settlement.objects.filter(document__claim__member=paid_year).update(paid_on=None, payment_year=None)
    replacing = services.communication_start(year=year, actor=supervisor)
    assert (replacing.kind, replacing.replaces_id, replacing.version) == ("S", sent.pk, 2)
    assert replacing.changes_count == 1
    (change,) = replacing.changes
    assert change["person_cf"] == paid_year.fiscal_code
    assert change["fields"] == [["spent_same_year", 20000, 0], ["reimbursed_same_year", 15000, 0]]
    header = parse(file_lines(replacing)[0])
    assert (header["kind"], header["replaced_protocol"], header["version"]) == ("S", "26031612345678901-000001", "002")
    services.communication_mark_sent(communication=replacing, protocol="26031612345678901-000002", actor=supervisor)


def test_a_sent_year_can_be_cancelled_and_then_communicated_again(
    paid_year: Member, supervisor: User, year: int
) -> None:
    with pytest.raises(services.TaxCommunicationError, match="nessuna|non c'è"):
        services.communication_start(year=year, actor=supervisor, cancel=True)
    sent = services.communication_start(year=year, actor=supervisor)
    services.communication_mark_sent(communication=sent, protocol="26031612345678901-000001", actor=supervisor)
    cancelling = services.communication_start(year=year, actor=supervisor, cancel=True)
    assert [line[0] for line in file_lines(cancelling)] == ["0", "9"]
    services.communication_mark_sent(communication=cancelling, protocol="26031612345678901-000003", actor=supervisor)
    again = services.communication_start(year=year, actor=supervisor)
    assert (again.kind, again.replaces_id, again.version) == (CommunicationKind.ORDINARY, None, 3)


def test_a_protocol_is_recorded_once_across_years(paid_year: Member, supervisor: User, year: int) -> None:
    ContributionFactory(enrollment=EnrollmentFactory(member=paid_year), year=year - 1)
    this = services.communication_start(year=year, actor=supervisor)
    before = services.communication_start(year=year - 1, actor=supervisor)
    services.communication_mark_sent(communication=this, protocol="26031612345678901-000001", actor=supervisor)
    with pytest.raises(services.TaxCommunicationError, match="già registrato"):
        services.communication_mark_sent(communication=before, protocol="26031612345678901-000001", actor=supervisor)
    before.refresh_from_db()
    assert before.status == "ready"


@pytest.mark.django_db(transaction=True)
@needs_row_locks
def test_two_supervisors_preparing_at_once_make_one_preparation(paid_year: Member, supervisor: User, year: int) -> None:
    other = UserFactory(username="supervisore2", role=Role.SUPERVISOR)
    outcome = race(
        lambda user: services.communication_start(year=year, actor=user),
        [supervisor, other],
        refusal=services.TaxCommunicationError,
    )
    assert len(outcome.done) + len(outcome.refused) == 2
    assert TaxCommunication.objects.filter(status="ready").count() == 1


@pytest.mark.django_db(transaction=True)
@needs_row_locks
def test_two_supervisors_marking_the_same_year_sent_record_it_once(
    paid_year: Member, supervisor: User, year: int
) -> None:
    other = UserFactory(username="supervisore2", role=Role.SUPERVISOR)
    communication = services.communication_start(year=year, actor=supervisor)
    protocols = {supervisor.pk: "26031612345678901-000001", other.pk: "26031612345678901-000002"}
    outcome = race(
        lambda user: services.communication_mark_sent(
            communication=communication, protocol=protocols[user.pk], actor=user
        ),
        [supervisor, other],
        refusal=services.TaxCommunicationError,
    )
    assert len(outcome.done) == 1 and len(outcome.refused) == 1
    assert AuditEvent.objects.filter(action="tax.communication_sent").count() == 1


# --- Pages --------------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_user(db: None) -> User:
    user = UserFactory(username="amministratore1", role=Role.ADMIN)
    totp_enable(user)
    return user


def test_only_supervisors_and_administrators_reach_the_communication(
    client, paid_year, other_member, operator, supervisor, regional_operator, year
) -> None:
    communication = services.communication_start(year=year, actor=supervisor)
    urls = [
        reverse("backoffice:tax_years"),
        reverse("backoffice:tax_year", args=[year]),
        reverse("backoffice:tax_generate", args=[year]),
        reverse("backoffice:tax_download", args=[communication.pk]),
        reverse("backoffice:tax_mark_sent", args=[communication.pk]),
    ]
    for user in (operator, regional_operator, paid_year.user, other_member.user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
            assert client.post(url, {"protocol": "26031612345678901-000001"}).status_code == 404, (user, url)
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302
    communication.refresh_from_db()
    assert communication.status == "ready" and TaxCommunication.objects.count() == 1


@pytest.mark.parametrize("persona", ["supervisor", "admin_user"])
def test_supervisor_prepares_downloads_and_marks_sent(client, request, persona, paid_year, year) -> None:
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert f"Anno {year}" in client.get(reverse("backoffice:tax_years")).content.decode()
    response = client.post(reverse("backoffice:tax_generate", args=[year]), follow=True)
    page = response.content.decode()
    assert "Preparazione avviata" in page and "Totali del file" in page and "€ 300,00" in page
    communication = TaxCommunication.objects.get()
    download = client.get(reverse("backoffice:tax_download", args=[communication.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="{communication.file_name}"'
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert body == communication.file.open("rb").read()
    response = client.post(
        reverse("backoffice:tax_mark_sent", args=[communication.pk]), {"protocol": "26031612345678901-000001"}
    )
    assert response.status_code == 302
    page = client.get(reverse("backoffice:tax_year", args=[year])).content.decode()
    assert "protocollo 26031612345678901-000001" in page
    assert "Verifica le modifiche e prepara la sostitutiva" in page
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"tax.communication_started", "tax.year_view", "tax.file_download", "tax.communication_sent"} <= actions


def test_a_wrong_protocol_is_explained_next_to_the_field(client, paid_year, supervisor, year) -> None:
    communication = services.communication_start(year=year, actor=supervisor)
    client.force_login(supervisor)
    url = reverse("backoffice:tax_mark_sent", args=[communication.pk])
    for protocol, message in [("", "Scrivi il protocollo della ricevuta."), ("<b>x</b>", "da 6 a 24 caratteri")]:
        response = client.post(url, {"protocol": protocol})
        assert response.status_code == 400
        assert message in response.content.decode()
        assert 'id="id_protocol-error"' in response.content.decode()
    communication.refresh_from_db()
    assert communication.status == "ready"


def test_a_future_year_page_says_why_and_offers_nothing(client, supervisor, today) -> None:
    client.force_login(supervisor)
    page = client.get(reverse("backoffice:tax_year", args=[today.year + 1])).content.decode()
    assert "non è ancora concluso" in page and "Prepara il file" not in page
    response = client.post(reverse("backoffice:tax_generate", args=[today.year]), follow=True)
    assert "non è ancora concluso" in response.content.decode()
    assert not TaxCommunication.objects.exists()


def test_anomalies_are_listed_before_sending(client, paid_year, supervisor, year) -> None:
    nobody = MemberFactory(first_name="Ugo", last_name="Neri")
    Member.objects.filter(pk=nobody.pk).update(fiscal_code="NRIUGO80A01F205X")  # a wrong check character
    ContributionFactory(enrollment=EnrollmentFactory(member=nobody), year=year)
    services.communication_start(year=year, actor=supervisor)
    client.force_login(supervisor)
    page = client.get(reverse("backoffice:tax_year", args=[year])).content.decode()
    assert "Codice fiscale mancante o non valido: escluso dal file: 1" in page
    assert "NRIUGO80A01F205X" in page
    assert "€ 240,00" in page  # the contributions left out


def test_the_year_page_s_queries_do_not_grow_with_versions(client, paid_year, supervisor, year) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(supervisor)
    url = reverse("backoffice:tax_year", args=[year])
    services.communication_start(year=year, actor=supervisor)
    client.get(url)  # the first page of the session reads the session's own rows
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(3):
        services.communication_start(year=year, actor=supervisor)
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(four) == len(one)


def test_the_page_shows_the_progress_while_preparing_and_refreshes_itself(client, paid_year, supervisor, year) -> None:
    TaxCommunication.objects.create(year=year, version=1, kind="O", created_by=supervisor, progress=40)
    client.force_login(supervisor)
    page = client.get(reverse("backoffice:tax_year", args=[year])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert 'aria-valuenow="40"' in page and "Preparazione della versione 1 in corso" in page
    assert "Prepara il file" not in page  # no second preparation offered meanwhile


def test_a_failed_preparation_says_so_and_offers_to_try_again(paid_year, client, supervisor, year) -> None:
    with mock.patch("mutua.tax.generation.write_communication", side_effect=OSError("disco pieno")):
        services.communication_start(year=year, actor=supervisor)
    client.force_login(supervisor)
    page = client.get(reverse("backoffice:tax_year", args=[year])).content.decode()
    assert "non è riuscita: nessun file è stato scritto. disco pieno" in page
    assert "Prepara il file" in page and "refresh" not in page
