from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mutua.bookings.models import Booking


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin[Booking]):
    """Read-only: statuses move only through the services (take in charge, refuse, cancel)."""

    list_display = ["pk", "member", "status", "appointment_date", "provider", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["member__code", "member__last_name"]
    raw_id_fields = ["member", "beneficiary", "provider"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
