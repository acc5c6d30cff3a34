"""Payment batches: the SEPA file (pain.001.001.09, validated), the TARGET calendar, paying once, and who may."""

from __future__ import annotations

import datetime as dt
import html
import os
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
from mutua.core.testing import needs_row_locks, race
from mutua.members.models import Member
from mutua.members.tests.factories import MemberFactory, UserFactory, make_iban
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
@needs_row_locks
def test_two_supervisors_confirming_at_once_pay_once(member, operator, supervisor):
    other = UserFactory(username="supervisore2", role=Role.SUPERVISOR)
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    outcome = race(
        lambda user: services.batch_confirm(batch=batch, actor=user), [supervisor, other], refusal=services.PayoutError
    )
    assert len(outcome.done) == 1 and len(outcome.refused) == 1
    assert claim.events.filter(to_status=ClaimStatus.PAID).count() == 1


@pytest.mark.django_db(transaction=True)
@needs_row_locks
def test_two_supervisors_batching_the_same_claim_at_once_make_one_batch(member, operator, supervisor):
    other = UserFactory(username="supervisore2", role=Role.SUPERVISOR)
    claim = settled(member, operator)
    outcome = race(
        lambda user: services.batch_create(claims=[claim], execution_date=execution_day(), actor=user),
        [supervisor, other],
        refusal=services.PayoutError,
    )
    assert len(outcome.done) == 1 and len(outcome.refused) == 1 and PaymentBatch.objects.count() == 1


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
        reverse("backoffice:payout_delete", args=[batch.pk]),
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


# --- The payee is frozen when the batch is built ------------------------------------------------------------------


def file_payees(xml: str) -> list[tuple[str, str]]:
    root = ET.fromstring(xml.encode())
    return [
        (t.find("p:Cdtr/p:Nm", NS).text, t.find("p:CdtrAcct/p:Id/p:IBAN", NS).text)
        for t in root.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", NS)
    ]


def test_a_member_changing_iban_after_the_batch_does_not_change_the_batch(client, member, operator, supervisor):
    claim = settled(member, operator)
    old_iban, old_holder = member.iban.replace(" ", ""), member.account_holder
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    new_iban = make_iban(987654)
    Member.objects.filter(pk=member.pk).update(iban=new_iban, account_holder="Conto Nuovo Srl")

    client.force_login(supervisor)
    for name in ("backoffice:payout_batch", "backoffice:payout_confirm", "backoffice:payout_delete"):
        page = client.get(reverse(name, args=[batch.pk])).content.decode()
        assert old_iban in page and old_holder in page, name
        assert new_iban not in page and "Conto Nuovo Srl" not in page, name
    download = client.get(reverse("backoffice:payout_download", args=[batch.pk])).content.decode()
    assert file_payees(download) == [(old_holder, old_iban)]
    item = PaymentBatchItem.objects.get(batch=batch)
    assert (item.iban, item.account_holder) == (old_iban, old_holder)
    payouts_page = client.get(reverse("backoffice:payouts")).content.decode()
    assert new_iban not in payouts_page  # the claim is in a batch: no longer listed with the member's new IBAN


def test_the_file_is_built_from_the_payee_stored_on_each_item(member, other_member, operator, supervisor):
    first, second = settled(member, operator), settled(other_member, operator)
    batch = services.batch_create(claims=[first, second], execution_date=execution_day(), actor=supervisor)
    items = list(batch.items.order_by("settlement_id"))
    assert file_payees(batch.sepa_xml) == [(i.account_holder, i.iban) for i in items]
    assert [i.iban for i in items] == [member.iban.replace(" ", ""), other_member.iban.replace(" ", "")]


def test_the_migration_fills_existing_items_from_the_file_the_bank_received(member, operator, supervisor):
    """Rows made before the fields existed: the payee is read back from the stored SEPA file, not today's member."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("mutua.payouts.migrations.0002_batch_item_frozen_payee")
    paid, unpaid = settled(member, operator), settled(MemberFactory(), operator)
    Settlement.objects.filter(document__claim=unpaid).update(amount_paid=D("0.00"))  # no transfer in the file
    batch = services.batch_create(claims=[paid, unpaid], execution_date=execution_day(), actor=supervisor)
    sent_iban, sent_holder = member.iban.replace(" ", ""), member.account_holder
    Member.objects.filter(pk=member.pk).update(iban=make_iban(55555), account_holder="Altro Intestatario")
    PaymentBatchItem.objects.update(iban="", account_holder="")

    migration.fill_payees(apps, None)

    items = PaymentBatchItem.objects.select_related("settlement__document")
    by_claim = {i.settlement.document.claim_id: i for i in items}
    assert (by_claim[paid.pk].iban, by_claim[paid.pk].account_holder) == (sent_iban, sent_holder)
    unpaid_member = Member.objects.get(claims=unpaid)
    assert by_claim[unpaid.pk].iban == unpaid_member.iban.replace(" ", "")  # not in the file: today's data
    assert batch.items.count() == 2


# --- Reads of the payout pages are audited ------------------------------------------------------------------------


def test_opening_the_payouts_list_is_audited_with_the_operator(client, member, operator, supervisor):
    claim = settled(member, operator)
    client.force_login(supervisor)
    assert client.get(reverse("backoffice:payouts")).status_code == 200
    event = AuditEvent.objects.get(action="payouts.list_view")
    assert event.actor == supervisor and event.data["claims"] == [claim.pk]


def test_opening_a_batch_and_downloading_its_file_are_audited_with_the_batch(client, member, operator, supervisor):
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    client.force_login(supervisor)

    assert client.get(reverse("backoffice:payout_batch", args=[batch.pk])).status_code == 200
    view = AuditEvent.objects.get(action="payouts.batch_view")
    assert view.actor == supervisor and view.data == {"batch": batch.pk, "page": "batch"}

    assert client.get(reverse("backoffice:payout_download", args=[batch.pk])).status_code == 200
    download = AuditEvent.objects.get(action="payouts.file_download")
    assert download.actor == supervisor and download.data == {"batch": batch.pk}

    client.get(reverse("backoffice:payout_confirm", args=[batch.pk]))
    assert AuditEvent.objects.filter(action="payouts.batch_view", data__page="confirm", actor=supervisor).count() == 1


def test_a_refused_visitor_leaves_no_read_in_the_audit_log(client, member, operator, supervisor):
    batch = services.batch_create(claims=[settled(member, operator)], execution_date=execution_day(), actor=supervisor)
    client.force_login(operator)
    for url in payout_pages(batch):
        client.get(url)
    assert not AuditEvent.objects.filter(action__in=["payouts.list_view", "payouts.batch_view"]).exists()


# --- Deleting a draft batch ---------------------------------------------------------------------------------------


def test_deleting_a_draft_puts_its_claims_back_among_those_to_pay(member, other_member, operator, supervisor):
    from mutua.payouts.selectors import claims_to_pay

    first, second = settled(member, operator), settled(other_member, operator)
    batch = services.batch_create(claims=[first, second], execution_date=execution_day(), actor=supervisor)
    assert list(claims_to_pay(claims=Claim.objects.all())) == []

    services.batch_delete(batch=batch, actor=supervisor)

    assert not PaymentBatch.objects.exists() and not PaymentBatchItem.objects.exists()
    assert [c.pk for c in claims_to_pay(claims=Claim.objects.all())] == [first.pk, second.pk]
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.SETTLED}
    event = AuditEvent.objects.get(action="payouts.batch_deleted")
    assert event.actor == supervisor and event.data["batch"] == batch.pk
    assert event.data["claims"] == [first.pk, second.pk] and event.data["sha256"] == batch.sha256
    again = services.batch_create(claims=[first, second], execution_date=execution_day(), actor=supervisor)
    assert again.items.count() == 2


def test_a_confirmed_batch_cannot_be_deleted(member, operator, supervisor):
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    services.batch_confirm(batch=batch, actor=supervisor)
    with pytest.raises(services.PayoutError) as exc:
        services.batch_delete(batch=batch, actor=supervisor)
    assert "già stata confermata" in exc.value.message
    assert PaymentBatch.objects.filter(pk=batch.pk, status=BatchStatus.CONFIRMED).exists()
    assert not AuditEvent.objects.filter(action="payouts.batch_deleted").exists()


def test_a_deleted_batch_cannot_be_confirmed(member, operator, supervisor):
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    services.batch_delete(batch=batch, actor=supervisor)
    with pytest.raises(services.PayoutError) as exc:
        services.batch_confirm(batch=batch, actor=supervisor)
    assert "eliminata" in exc.value.message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SETTLED


@pytest.mark.parametrize("persona", ["supervisor", "admin_user"])
def test_supervisor_deletes_a_draft_after_a_confirmation_page(client, request, persona, member, operator):
    user = request.getfixturevalue(persona)
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=user)
    client.force_login(user)
    page = client.get(reverse("backoffice:payout_batch", args=[batch.pk])).content.decode()
    assert reverse("backoffice:payout_delete", args=[batch.pk]) in page

    confirm = client.get(reverse("backoffice:payout_delete", args=[batch.pk]))
    text = html.unescape(confirm.content.decode())
    assert confirm.status_code == 200 and f"Elimina la distinta n. {batch.pk}" in text
    assert batch.message_id in text  # to ask the bank to cancel the file, if it was sent
    assert PaymentBatch.objects.filter(pk=batch.pk).exists()  # GET changes nothing

    response = client.post(reverse("backoffice:payout_delete", args=[batch.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("backoffice:payouts")
    text = html.unescape(response.content.decode())
    assert f"Distinta n. {batch.pk} eliminata" in text and f"Paga la pratica n. {claim.pk}" in text
    assert not PaymentBatch.objects.exists()
    assert client.get(reverse("backoffice:payout_batch", args=[batch.pk])).status_code == 404


def test_a_confirmed_batch_offers_no_delete_and_refuses_it(client, member, operator, supervisor):
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    services.batch_confirm(batch=batch, actor=supervisor)
    client.force_login(supervisor)
    url = reverse("backoffice:payout_delete", args=[batch.pk])
    assert url not in client.get(reverse("backoffice:payout_batch", args=[batch.pk])).content.decode()
    for response in (client.get(url, follow=True), client.post(url, follow=True)):
        assert response.redirect_chain[-1][0] == reverse("backoffice:payout_batch", args=[batch.pk])
        assert "già stata confermata" in html.unescape(response.content.decode())
    assert PaymentBatch.objects.filter(pk=batch.pk).exists()


def test_confirming_a_batch_another_supervisor_deleted_finds_nothing(client, member, operator, supervisor):
    batch = services.batch_create(claims=[settled(member, operator)], execution_date=execution_day(), actor=supervisor)
    client.force_login(supervisor)
    client.get(reverse("backoffice:payout_confirm", args=[batch.pk]))  # the page is open...
    services.batch_delete(batch=batch, actor=supervisor)  # ...while someone deletes the batch
    response = client.post(reverse("backoffice:payout_confirm", args=[batch.pk]))
    assert response.status_code == 404  # the batch is gone: nothing to confirm


@pytest.mark.django_db(transaction=True)
@needs_row_locks
def test_confirming_and_deleting_at_once_either_pays_or_deletes(member, operator, supervisor):
    other = UserFactory(username="supervisore2", role=Role.SUPERVISOR)
    claim = settled(member, operator)
    batch = services.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    moves = {
        "confirm": lambda: services.batch_confirm(batch=batch, actor=supervisor),
        "delete": lambda: services.batch_delete(batch=batch, actor=other),
    }
    outcome = race(lambda move: moves[move](), list(moves), refusal=services.PayoutError)
    assert len(outcome.done) == 1 and len(outcome.refused) == 1
    claim.refresh_from_db()
    if outcome.done == ["confirm"]:
        assert claim.status == ClaimStatus.PAID and PaymentBatch.objects.get().status == BatchStatus.CONFIRMED
        assert not AuditEvent.objects.filter(action="payouts.batch_deleted").exists()
    else:
        assert claim.status == ClaimStatus.SETTLED and not PaymentBatch.objects.exists()
        assert not Settlement.objects.filter(paid_on__isnull=False).exists()
