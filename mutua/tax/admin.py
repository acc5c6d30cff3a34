from django.contrib import admin
from django.http import HttpRequest

from mutua.tax.models import TaxCommunication


@admin.register(TaxCommunication)
class TaxCommunicationAdmin(admin.ModelAdmin[TaxCommunication]):
    """Read-only: communications are prepared and marked sent from the back office, where each step is audited."""

    list_display = ["year", "version", "kind", "status", "protocol", "created_at", "sent_at"]
    list_filter = ["year", "status", "kind"]
    exclude = ["anomalies", "changes"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
