"""Read-mostly admin: claims change status only through the services, never by editing a row here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mutua.claims.models import Attachment, Claim, ClaimDocument, ClaimEvent, Settlement, StudySubsidyRate


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ClaimDocumentInline(ReadOnlyInline):
    model = ClaimDocument
    fields = ["doc_type", "number", "issue_date", "amount", "provider_name", "beneficiary"]


class ClaimEventInline(ReadOnlyInline):
    model = ClaimEvent
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    show_change_link = False


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["id", "member", "kind", "status", "submitted_at", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["member"]
    search_fields = ["=id", "member__code", "member__last_name"]
    date_hierarchy = "created_at"
    raw_id_fields = ["member"]
    inlines = [ClaimDocumentInline, ClaimEventInline]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = [
        "original_name",
        "content_type",
        "size",
        "sha256",
        "created_at",
        "scan_status",
        "scan_signature",
        "scanned_at",
    ]
    show_change_link = False


@admin.register(ClaimDocument)
class ClaimDocumentAdmin(ReadOnlyAdmin):
    list_display = ["id", "claim", "doc_type", "number", "issue_date", "amount", "provider_name"]
    list_filter = ["doc_type"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim", "beneficiary"]
    inlines = [AttachmentInline]


@admin.register(ClaimEvent)
class ClaimEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "claim", "from_status", "to_status", "actor"]
    list_filter = ["to_status"]
    list_select_related = ["claim", "actor"]
    raw_id_fields = ["claim", "actor"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = [
        "document",
        "amount_requested",
        "amount_admitted",
        "amount_withheld",
        "amount_paid",
        "competence_year",
        "payment_year",
        "paid_on",
    ]
    list_filter = ["competence_year", "payment_year"]
    list_select_related = ["document"]
    raw_id_fields = ["document"]


@admin.register(StudySubsidyRate)
class StudySubsidyRateAdmin(admin.ModelAdmin[StudySubsidyRate]):
    list_display = ["call_year", "school_type", "amount"]
    list_filter = ["call_year", "school_type"]
