"""The receipt of a submitted claim: a real A4 PDF listing what was sent, with a verification code and QR."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import segno

from mutua.claims.models import Attachment, Claim, ClaimDocument, ClaimStatus, DocumentType
from mutua.claims.receipts import claim_for_receipt, mask_iban, receipt_pdf, receipt_verification_url
from mutua.claims.services import claim_transition
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory
from mutua.documents.models import IssuedDocument
from mutua.documents.tests.pdfread import page_texts, qr_matrices, read
from mutua.documents.verification import document_verify
from mutua.members.models import Member, MemberKind

pytestmark = pytest.mark.django_db

SUBMITTED_AT = dt.datetime(2026, 3, 12, 9, 41, 30, tzinfo=dt.UTC)  # 10:41 in Rome
CODE = re.compile(r"\b[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}\b")


def attach(document: ClaimDocument, name: str) -> Attachment:
    return Attachment.objects.create(
        document=document,
        file="attachments/2026/03/" + name,
        original_name=name,
        content_type="application/pdf",
        size=1000,
        sha256="0" * 64,
    )


def claim_with_documents(member: Member, count: int, *, submit: bool = True) -> Claim:
    """`count` invoices alternately for the member and their family member, each with one or two files."""
    claim = ClaimFactory(member=member)
    beneficiary = member.beneficiaries.first()
    for n in range(1, count + 1):
        doc = ClaimDocumentFactory(
            claim=claim,
            number=f"FT-{n:03d}",
            amount=Decimal("1000.00") + Decimal(n) + Decimal("0.56"),
            beneficiary=beneficiary if n % 2 == 0 else None,
            provider_name=f"Studio Medico Città {n}",
        )
        attach(doc, f"fattura-{n:03d}.pdf")
        if n % 3 == 0:
            attach(doc, f"scontrino-{n:03d}.jpg")
    if submit:
        claim = claim_transition(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=None, at=SUBMITTED_AT)
    return claim


@pytest.fixture
def claim(member) -> Claim:
    claim = claim_with_documents(member, 3, submit=False)
    ClaimDocumentFactory(
        claim=claim, doc_type=DocumentType.CARTELLA_CLINICA, number="", amount=None, provider_name="Ospedale Niguarda"
    )
    return claim_transition(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=None, at=SUBMITTED_AT)


def full_text(data: bytes) -> str:
    return "\n".join(page_texts(data))


def test_the_receipt_is_an_a4_pdf_with_the_claim_and_the_member(claim, member):
    data = receipt_pdf(claim=claim)
    reader = read(data)
    text = full_text(data)

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == (595.28, 841.89)
    assert "Ricevuta di trasmissione della pratica" in text
    assert re.search(rf"ID Pratica\s*{claim.pk}\b", text)
    assert "12/03/2026 10:41" in text
    assert "Rimborso – standard" in text
    assert "Mario Rossi" in text
    assert f"Matricola\n{member.code}" in text or f"Matricola {member.code}" in text
    assert member.fiscal_code in text
    assert "Mutua Esempio SMS" in text and "infocenter@mutua.example" in text


def test_a_collective_member_is_shown_with_the_user_code(member):
    Member.objects.filter(pk=member.pk).update(kind=MemberKind.COLLECTIVE)
    text = full_text(receipt_pdf(claim=claim_with_documents(member, 1)))
    assert "Codice utente" in text and "Matricola" not in text


def test_the_iban_is_masked_but_for_its_last_four_characters(claim, member):
    text = full_text(receipt_pdf(claim=claim))

    assert mask_iban(member.iban) in text
    assert mask_iban(member.iban).endswith(" " + member.iban[-4:])
    assert member.iban not in text and member.iban[4:12] not in text


def test_mask_iban():
    assert mask_iban("IT60 X054 2811 1010 0000 0123 456") == "*** **** **** **** **** **** 3456"
    assert mask_iban("IT60X0542811101000000123456") == "*** **** **** **** **** **** 3456"


def test_a_member_without_an_iban_is_told_so(claim, member):
    Member.objects.filter(pk=member.pk).update(iban="")
    assert "non indicato" in full_text(receipt_pdf(claim=claim))


def test_every_document_is_listed_with_holder_amount_provider_and_files(claim, member):
    text = full_text(receipt_pdf(claim=claim))
    beneficiary = member.beneficiaries.get()

    for doc in claim.documents.all():
        if doc.amount is not None:
            assert f"Fattura n. {doc.number}" in text
            assert f"€ {doc.amount:.2f}".replace(".", ",").replace("€ 1", "€ 1.") in text
        for attachment in doc.attachments.all():
            assert attachment.original_name in text
    assert "€ 1.001,56" in text and "€ 1.002,56" in text and "€ 1.003,56" in text
    assert "Mario Rossi" in text and f"{beneficiary.first_name} {beneficiary.last_name}" in text
    assert "Studio Medico Città 1 (MI)" in text
    assert "Cartella clinica" in text and "Ospedale Niguarda" in text and "Nessun file allegato" in text
    assert "del 01/10/2026" in text
    assert "Totale degli importi" in text and "€ 3.007,68" in text  # the certificate has no amount


def test_the_verification_code_is_printed_recorded_and_verifies(claim):
    data = receipt_pdf(claim=claim)
    codes = set(CODE.findall(full_text(data)))

    assert len(codes) == 1
    code = codes.pop()
    assert IssuedDocument.objects.get().code == code
    verified = document_verify(code)
    assert verified is not None and verified.object_id == claim.pk and verified.issued_at == SUBMITTED_AT


def test_the_qr_code_points_to_the_verification_page_of_the_code(claim, settings):
    settings.MUTUA_PUBLIC_URL = "https://soci.mutua.example"
    data = receipt_pdf(claim=claim)
    code = CODE.findall(full_text(data))[0]
    url = receipt_verification_url(code)

    assert url == f"https://soci.mutua.example/verifica/{code}/"
    assert qr_matrices(data) == [[list(row) for row in segno.make(url, error="m", micro=False).matrix]]


def test_generating_the_receipt_again_gives_the_same_code_and_records_nothing_new(claim):
    first = CODE.findall(full_text(receipt_pdf(claim=claim)))
    second = CODE.findall(full_text(receipt_pdf(claim=claim)))

    assert first == second
    assert IssuedDocument.objects.count() == 1


def test_sixty_documents_flow_onto_further_pages(member):
    claim = claim_with_documents(member, 60)
    data = receipt_pdf(claim=claim)
    texts = page_texts(data)
    text = "\n".join(texts)

    assert len(texts) >= 3
    for number, page in enumerate(texts, start=1):
        assert f"Pagina {number} di {len(texts)}" in page
        assert "Intestatario" in page and "Importo" in page  # column titles repeated
        assert len(set(CODE.findall(page))) == 1  # the code is on every page
    for n in range(1, 61):
        assert f"FT-{n:03d}" in text and f"fattura-{n:03d}.pdf" in text
        assert f"€ 1.{n:03d},56" in text
    total = sum(Decimal("1000.56") + n for n in range(1, 61))
    assert f"{total:.2f}".replace(".", ",") in text.replace(".", "")


def test_a_draft_has_no_receipt(member):
    draft = claim_with_documents(member, 2, submit=False)

    with pytest.raises(ValueError, match="not been submitted"):
        receipt_pdf(claim=draft)
    assert not IssuedDocument.objects.exists()


@pytest.mark.parametrize("count", [5, 60])
def test_queries_do_not_grow_with_the_documents(member, count, django_assert_num_queries):
    claim = claim_with_documents(member, count)

    # claim + member, documents + family member, files; then the code: look up, and the first time insert
    with django_assert_num_queries(7):
        receipt_pdf(claim=claim)
    with django_assert_num_queries(4):
        receipt_pdf(claim=claim)


def test_claim_for_receipt_reads_everything_in_three_queries(member, django_assert_num_queries):
    claim = claim_with_documents(member, 10)
    with django_assert_num_queries(3):
        loaded = claim_for_receipt(claim.pk)
        names = [
            (doc.beneficiary and doc.beneficiary.first_name, [a.original_name for a in doc.attachments.all()])
            for doc in loaded.documents.all()
        ]
        assert loaded.member.full_name == "Mario Rossi"
    assert len(names) == 10
