from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mutua.payouts.models import PaymentBatch, PaymentBatchItem


class PaymentBatchItemInline(admin.TabularInline[PaymentBatchItem, PaymentBatch]):
    model = PaymentBatchItem
    extra = 0
    can_delete = False
    readonly_fields = ["settlement"]


@admin.register(PaymentBatch)
class PaymentBatchAdmin(admin.ModelAdmin[PaymentBatch]):
    """Read only: batches are created and confirmed in the back office, through mutua.payouts.services."""

    list_display = ["pk", "execution_date", "status", "total", "created_by", "confirmed_at"]
    list_filter = ["status"]
    inlines = [PaymentBatchItemInline]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
