"""Verification codes: unforgeable, stable, typed back in any form, valid only for the document they were printed on."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from mutua.claims.models import Claim, ClaimStatus
from mutua.claims.services import claim_transition
from mutua.claims.tests.factories import ClaimFactory
from mutua.documents.models import DocumentKind, IssuedDocument
from mutua.documents.verification import (
    VerifiedDocument,
    document_code,
    document_issue,
    document_verify,
    normalize_code,
)

CODE = re.compile(r"^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")
WHEN = dt.datetime(2026, 3, 12, 9, 41, 7, 123456, tzinfo=dt.UTC)


def submitted_claim(**kwargs) -> Claim:
    return claim_transition(claim=ClaimFactory(**kwargs), to_status=ClaimStatus.SUBMITTED, actor=None)


# document_code


def test_code_is_four_groups_of_four_base32_characters():
    assert CODE.match(document_code(kind="receipt", object_id=123, issued_at=WHEN))


def test_code_is_stable_and_depends_on_kind_object_and_time():
    code = document_code(kind="receipt", object_id=123, issued_at=WHEN)
    assert document_code(kind="receipt", object_id=123, issued_at=WHEN) == code
    others = {
        document_code(kind="card", object_id=123, issued_at=WHEN),
        document_code(kind="receipt", object_id=124, issued_at=WHEN),
        document_code(kind="receipt", object_id=123, issued_at=WHEN + dt.timedelta(microseconds=1)),
    }
    assert code not in others and len(others) == 3


def test_code_is_the_same_for_the_same_instant_in_any_time_zone():
    rome = WHEN.astimezone(ZoneInfo("Europe/Rome"))
    assert document_code(kind="receipt", object_id=1, issued_at=rome) == document_code(
        kind="receipt", object_id=1, issued_at=WHEN
    )


def test_code_depends_on_the_secret_key(settings):
    before = document_code(kind="receipt", object_id=1, issued_at=WHEN)
    settings.SECRET_KEY = "another-secret-key-for-this-test"
    assert document_code(kind="receipt", object_id=1, issued_at=WHEN) != before


def test_code_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        document_code(kind="receipt", object_id=1, issued_at=dt.datetime(2026, 3, 12, 10, 41))


# normalize_code


@pytest.mark.parametrize(
    "typed", ["k7qm-2xpa-jrtb-4hcn", "K7QM2XPAJRTB4HCN", " K7QM 2XPA JRTB 4HCN ", "K7QM.2XPA.JRTB.4HCN"]
)
def test_typed_codes_are_normalized(typed):
    assert normalize_code(typed) == "K7QM-2XPA-JRTB-4HCN"


def test_digits_mistaken_for_letters_are_read_as_the_letters():
    assert normalize_code("0IB2-0000-1111-8888") == "OIB2-OOOO-IIII-BBBB"


@pytest.mark.parametrize(
    "typed", ["", "K7QM-2XPA-JRTB", "K7QM-2XPA-JRTB-4HCN-AAAA", "K7QM-2XPA-JRTB-4HC9", "<script>", "A" * 1000]
)
def test_anything_else_is_not_a_code(typed):
    assert normalize_code(typed) is None


# document_issue


@pytest.mark.django_db
def test_issuing_twice_records_one_document():
    first = document_issue(kind=DocumentKind.RECEIPT, object_id=7, issued_at=WHEN)
    second = document_issue(kind=DocumentKind.RECEIPT, object_id=7, issued_at=WHEN)

    assert first == second == document_code(kind="receipt", object_id=7, issued_at=WHEN)
    issued = IssuedDocument.objects.get()
    assert (issued.code, issued.kind, issued.object_id, issued.issued_at) == (first, "receipt", 7, WHEN)


# document_verify


@pytest.mark.django_db
def test_the_receipt_of_a_submitted_claim_is_verified():
    claim = submitted_claim()
    code = document_issue(kind=DocumentKind.RECEIPT, object_id=claim.pk, issued_at=claim.submitted_at)

    assert document_verify(code) == VerifiedDocument(
        code=code, kind="receipt", object_id=claim.pk, issued_at=claim.submitted_at
    )
    assert document_verify(code.lower().replace("-", " ")) is not None


@pytest.mark.django_db
def test_a_receipt_stays_valid_as_its_claim_moves_on():
    claim = submitted_claim()
    code = document_issue(kind=DocumentKind.RECEIPT, object_id=claim.pk, issued_at=claim.submitted_at)
    claim_transition(claim=claim, to_status=ClaimStatus.CANCELLED, actor=None)

    assert document_verify(code) is not None


@pytest.mark.django_db
def test_a_well_formed_code_never_issued_is_not_verified():
    claim = submitted_claim()
    never_issued = document_code(kind=DocumentKind.RECEIPT, object_id=claim.pk, issued_at=claim.submitted_at)

    assert document_verify(never_issued) is None


@pytest.mark.django_db
def test_a_code_whose_claim_no_longer_matches_is_not_verified():
    claim = submitted_claim()
    code = document_issue(kind=DocumentKind.RECEIPT, object_id=claim.pk, issued_at=claim.submitted_at)
    Claim.objects.filter(pk=claim.pk).update(submitted_at=claim.submitted_at + dt.timedelta(seconds=1))

    assert document_verify(code) is None


@pytest.mark.django_db
def test_a_code_recorded_for_a_draft_is_not_verified():
    draft = ClaimFactory()
    code = document_issue(kind=DocumentKind.RECEIPT, object_id=draft.pk, issued_at=WHEN)
    Claim.objects.filter(pk=draft.pk).update(submitted_at=WHEN)  # a draft can't get here through services

    assert document_verify(code) is None


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["", "nonsense", "A" * 1000, "<script>alert(1)</script>"])
def test_malformed_input_is_not_verified_without_a_query(typed, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert document_verify(typed) is None


# The registry of checkers


def test_every_kind_of_document_has_its_checker_registered_by_its_app():
    from mutua.documents.verification import _CHECKERS

    assert set(_CHECKERS) == set(DocumentKind.values)


def test_a_kind_takes_one_checker_only():
    from mutua.documents.verification import checker_register

    with pytest.raises(ValueError, match="already registered"):
        checker_register(DocumentKind.RECEIPT, lambda issued: None)


@pytest.mark.django_db
def test_a_code_of_a_kind_nobody_checks_is_not_valid(monkeypatch):
    from mutua.documents import verification

    code = document_issue(kind=DocumentKind.CARD, object_id=1, issued_at=WHEN)
    monkeypatch.setattr(verification, "_CHECKERS", {})
    assert document_verify(code) is None
