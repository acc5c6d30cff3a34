"""Reads of the payouts pages: settled claims waiting for a batch, and the batches with what they carry."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce

from mutua.claims.models import Claim, ClaimStatus
from mutua.payouts.models import PaymentBatch, PaymentBatchItem

ZERO = Decimal("0.00")


def claims_to_pay(*, claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Among `claims` (already scoped to the user), the settled ones not in any batch, with the amount to pay."""
    return (
        claims.filter(status=ClaimStatus.SETTLED)
        .exclude(documents__settlement__batch_item__isnull=False)  # documents without a settlement do not count
        .select_related("member")
        .annotate(
            to_pay=Coalesce(
                Sum("documents__settlement__amount_paid"),
                ZERO,
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )
        .order_by("pk")
    )


def batches() -> QuerySet[PaymentBatch]:
    return PaymentBatch.objects.select_related("created_by", "confirmed_by").order_by("-created_at", "-pk")


def batch_detail(*, pk: int) -> PaymentBatch | None:
    items = PaymentBatchItem.objects.select_related(
        "settlement__document__claim__member", "settlement__document__beneficiary"
    ).order_by("settlement__document__claim_id", "settlement_id")
    return batches().prefetch_related(Prefetch("items", queryset=items)).filter(pk=pk).first()
