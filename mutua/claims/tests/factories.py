"""Factories for claims; a claim starts as a draft and moves only through claim_transition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from mutua.claims.models import Claim, ClaimDocument, ClaimKind, DocumentType
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
