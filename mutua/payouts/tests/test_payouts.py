"""Payment batches: the SEPA file (pain.001.001.09, validated), the TARGET calendar, paying once, and who may."""

from __future__ import annotations

import datetime as dt
import os
import threading
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import sepaxml
import xmlschema
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mutua.accounts.models import Role, User
from mutua.accounts.tests.factories import totp_enable
from mutua.audit.models import AuditEvent
from mutua.claims import services as claim_services
from mutua.claims.models import Claim, ClaimStatus, Settlement
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.claims.tests.test_settle import enroll
from mutua.members.models import Member
from mutua.members.tests.factories import MemberFactory, UserFactory
from mutua.notifications.models import Notification
from mutua.payouts import services
from mutua.payouts.models import BatchStatus, PaymentBatch, PaymentBatchItem
from mutua.payouts.sepa import is_target_day, next_target_day

pytestmark = pytest.mark.django_db
D = Decimal
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
XSD = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.09.xsd")


def settled(member: Member, operator: User, **document: object) -> Claim:
    enroll(member)
    claim = claim_services.claim_take(claim=sent_claim(member, **document), actor=operator)
    return claim_services.claim_settle(claim=claim, actor=operator)


def execution_day() -> dt.date:
    return next_target_day(timezone.localdate() + dt.timedelta(days=1))


# --- TARGET calendar ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-12-25", "2026-12-26", "2026-11-28", "2026-11-29"],
)
def test_target_is_closed_on_weekends_and_its_holidays(day):
    assert not is_target_day(dt.date.fromisoformat(day))


def test_target_is_open_on_italian_holidays_that_are_not_target_ones():
    assert is_target_day(dt.date(2026, 6, 2)) and is_target_day(dt.date(2026, 8, 14))
    assert next_target_day(dt.date(2026, 12, 24)) == dt.date(2026, 12, 24)
    assert next_target_day(dt.date(2026, 12, 25)) == dt.date(2026, 12, 28)
    assert next_target_day(dt.date(2026, 4, 3)) == dt.date(2026, 4, 7)


# --- Creating a batch and its SEPA file -----------------------------------------------------------------------


def test_batch_file_validates_against_the_pain_001_001_09_schema(member, other_member, supervisor, operator):
    first = settled(member, operator)
    second = settled(other_member, operator, amount=D("130.00"))
    day = execution_day()
    batch = services.batch_create(claims=[first, second], execution_date=day, actor=supervisor)
    xmlschema.XMLSchema(XSD).validate(batch.sepa_xml)  # raises on any error
    root = ET.fromstring(batch.sepa_xml.encode())
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", NS).text == batch.message_id
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", NS).text == "2"
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", NS).text == "164.00"  # 60,00 + 104,00
    assert root.find("p:CstmrCdtTrfInitn/p:PmtInf/p:ReqdExctnDt/p:Dt", NS).text == day.isoformat()
    txs = root.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", NS)
    s1 = Settlement.objects.get(document__claim=first)
    assert [t.find("p:PmtId/p:EndToEndId", NS).text for t in txs] == [
        str(s1.pk),
        str(Settlement.objects.get(document__claim=second).pk),
    ]
    assert txs[0].find("p:Amt/p:InstdAmt", NS).text == "60.00"
    assert txs[0].find("p:Cdtr/p:Nm", NS).text == member.account_holder
    assert txs[0].find("p:CdtrAcct/p:Id/p:IBAN", NS).text == member.iban.replace(" ", "")
    assert batch.total == D("164.00") and batch.status == BatchStatus.DRAFT
    assert AuditEvent.objects.filter(action="payouts.batch_created", actor=supervisor).exists()


def test_a_wrong_iban_stops_the_whole_batch(member, other_member, supervisor, operator):
    first = settled(member, operator)
    second = settled(other_member, operator)
    Member.objects.filter(pk=other_member.pk).update(iban="IT60X0542811101000000123457")  # wrong check digits
    with pytest.raises(services.PayoutError) as exc:
        services.batch_create(claims=[first, second], execution_date=execution_day(), actor=supervisor)
    assert "Giulia Bianchi" in exc.value.message and "Mario Rossi" not in exc.value.message
    assert not PaymentBatch.objects.exists()


def test_execution_date_must_be_a_future_target_day(member, supervisor, operator):
    claim = settled(member, operator)
    saturday = timezone.localdate() + dt.timedelta(days=(5 - timezone.localdate().weekday()) % 7 or 7)
    for day in (saturday, timezone.localdate() - dt.timedelta(days=1)):
        with pytest.raises(services.PayoutError):
            services.batch_create(claims=[claim], execution_date=day, actor=supervisor)
    assert not PaymentBatch.objects.exists()


def test_a_settlement_is_in_at_most_one_batch(member, supervisor, operator):
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    with pytest.raises(services.PayoutError):
        services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatchItem.objects.create(batch=batch, settlement=Settlement.objects.get(document__claim=claim))


def test_a_batched_claim_with_a_certificate_is_no_longer_to_pay(member, supervisor, operator):
    from mutua.claims.models import ClaimDocument
    from mutua.claims.tests.test_backoffice_services import data
    from mutua.payouts.selectors import claims_to_pay

    enroll(member)
    claim = claim_services.claim_take(claim=sent_claim(member), actor=operator)
    ClaimDocument.objects.create(claim=claim, **data(doc_type="cartella_clinica", amount=None, number="").as_fields())
    claim_services.claim_settle(claim=claim, actor=operator)
    [row] = claims_to_pay(claims=Claim.objects.all())
    assert row.to_pay == D("60.00")
    services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    assert list(claims_to_pay(claims=Claim.objects.all())) == []


def test_only_settled_claims_go_in_a_batch(member, supervisor, operator):
    claim = claim_services.claim_take(claim=sent_claim(member), actor=operator)
    with pytest.raises(services.PayoutError):
        services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)


# --- Confirming: paid exactly once ------------------------------------------------------------------------------


def test_confirming_marks_the_claims_paid_with_the_value_date_and_tells_the_member(member, supervisor, operator):
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    services.batch_confirm(batch=batch, actor=supervisor)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    s = Settlement.objects.get(document__claim=claim)
    assert s.paid_on == batch.execution_date and s.payment_year == batch.execution_date.year
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CONFIRMED and batch.confirmed_by == supervisor
    assert claim.events.last().actor == supervisor
    assert Notification.objects.filter(member=member, title=f"Pratica n. {claim.pk} pagata").exists()
    with pytest.raises(services.PayoutError):
        services.batch_confirm(batch=batch, actor=supervisor)
    assert claim.events.filter(to_status=ClaimStatus.PAID).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are real only on PostgreSQL")
def test_two_supervisors_confirming_at_once_pay_once(member, operator, supervisor):
    from django.db import connections

    other = UserFactory(username="supervisore2", role=Role.SUPERVISOR)
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    barrier = threading.Barrier(2)
    done: list[User] = []
    refused: list[Exception] = []

    def confirm(user: User) -> None:
        try:
            barrier.wait()
            services.batch_confirm(batch=batch, actor=user)
            done.append(user)
        except services.PayoutError as exc:
            refused.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(u,)) for u in (supervisor, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == 1 and len(refused) == 1
    assert claim.events.filter(to_status=ClaimStatus.PAID).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are real only on PostgreSQL")
def test_two_supervisors_batching_the_same_claim_at_once_make_one_batch(member, operator, supervisor):
    from django.db import connections

    other = UserFactory(username="supervisore2", role=Role.SUPERVISOR)
    claim = settled(member, operator)
    barrier = threading.Barrier(2)
    done: list[User] = []
    refused: list[Exception] = []

    def create(user: User) -> None:
        try:
            barrier.wait()
            services.batch_create(claims=[claim], execution_date=execution_day(), actor=user)
            done.append(user)
        except services.PayoutError as exc:
            refused.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(u,)) for u in (supervisor, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == 1 and len(refused) == 1 and PaymentBatch.objects.count() == 1


# --- Pages and permissions ----------------------------------------------------------------------------------------


@pytest.fixture
def admin_user(db) -> User:
    user = UserFactory(username="amministratore1", role=Role.ADMIN)
    totp_enable(user)
    return user


def payout_pages(batch: PaymentBatch) -> list[str]:
    return [
        reverse("backoffice:payouts"),
        reverse("backoffice:payout_batch", args=[batch.pk]),
        reverse("backoffice:payout_download", args=[batch.pk]),
        reverse("backoffice:payout_confirm", args=[batch.pk]),
    ]


def test_only_supervisors_and_administrators_reach_payouts(
    client, member, other_member, operator, supervisor, regional_operator
):
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    for user in (operator, regional_operator, member.user, other_member.user):
        client.force_login(user)
        for url in payout_pages(batch):
            assert client.get(url).status_code == 404, (user, url)
            assert client.post(url).status_code == 404, (user, url)
    client.logout()
    for url in payout_pages(batch):
        assert client.get(url).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


@pytest.mark.parametrize("persona", ["supervisor", "admin_user"])
def test_supervisor_creates_downloads_and_confirms_a_batch(client, request, persona, member, operator):
    user = request.getfixturevalue(persona)
    claim = settled(member, operator)
    client.force_login(user)
    page = client.get(reverse("backoffice:payouts"))
    assert page.status_code == 200 and f"Paga la pratica n. {claim.pk}" in page.content.decode()
    day = execution_day()
    response = client.post(reverse("backoffice:payouts"), {"claims": [claim.pk], "execution_date": day.isoformat()})
    batch = PaymentBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:payout_batch", args=[batch.pk])
    download = client.get(reverse("backoffice:payout_download", args=[batch.pk]))
    assert download["Content-Type"] == "application/xml"
    assert download.content.decode() == batch.sepa_xml
    xmlschema.XMLSchema(XSD).validate(download.content.decode())
    confirm = client.get(reverse("backoffice:payout_confirm", args=[batch.pk]))
    assert "Conferma il pagamento della distinta" in confirm.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SETTLED  # GET changes nothing
    client.post(reverse("backoffice:payout_confirm", args=[batch.pk]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID


def test_bad_batch_input_is_explained_next_to_the_field(client, member, operator, supervisor):
    claim = settled(member, operator)
    client.force_login(supervisor)
    url = reverse("backoffice:payouts")
    r = client.post(url, {"execution_date": "2026-12-25", "claims": []})
    assert r.status_code == 400
    page = r.content.decode()
    assert "Scegli almeno una pratica liquidata." in page
    assert "il sistema TARGET è chiuso: il primo giorno utile è il 28/12/2026" in page or "nel passato" in page
    r = client.post(url, {"execution_date": "<script>", "claims": ["999999", "abc"]})
    assert r.status_code == 400 and "<script>" not in r.content.decode()
    assert not PaymentBatch.objects.exists()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SETTLED


def test_payouts_page_query_count_does_not_grow_with_claims(client, operator, supervisor):
    def add(n: int) -> None:
        for _ in range(n):
            settled(MemberFactory(), operator)

    add(1)
    client.force_login(supervisor)
    url = reverse("backoffice:payouts")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(3)
    services.batch_create(
        claims=list(Claim.objects.filter(status=ClaimStatus.SETTLED)[:2]),
        execution_date=execution_day(),
        actor=supervisor,
    )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
