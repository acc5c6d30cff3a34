"""Factories for claims; a claim starts as a draft and moves only through claim_transition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from mutua.claims.models import Claim, ClaimDocument, ClaimKind, DocumentType, Settlement
from mutua.members.tests.factories import MemberFactory


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    member = factory.SubFactory(MemberFactory)
    kind = ClaimKind.REIMBURSEMENT_STANDARD


class ClaimDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimDocument

    claim = factory.SubFactory(ClaimFactory)
    doc_type = DocumentType.FATTURA
    number = factory.Sequence(lambda n: f"{n + 1}/2026")
    issue_date = dt.date(2026, 10, 1)
    amount = Decimal("120.00")
    provider_province = "MI"
    provider_name = "Poliambulatorio San Luca"


class SettlementFactory(factory.django.DjangoModelFactory):
    """A document's settlement, paid on `paid_on` (the payment year follows it); the claim's status is left alone."""

    class Meta:
        model = Settlement

    document = factory.SubFactory(ClaimDocumentFactory)
    amount_requested = factory.LazyAttribute(lambda o: o.document.amount or Decimal("100.00"))
    amount_admitted = factory.LazyAttribute(lambda o: o.amount_requested)
    amount_withheld = Decimal("0.00")
    amount_paid = factory.LazyAttribute(lambda o: o.amount_admitted)
    competence_year = factory.LazyAttribute(lambda o: o.document.issue_date.year)
    paid_on = dt.date(2026, 3, 15)
    payment_year = factory.LazyAttribute(lambda o: o.paid_on.year if o.paid_on else None)
