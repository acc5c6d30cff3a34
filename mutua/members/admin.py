from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mutua.members.models import Beneficiary, Consent, Member, MemberChange, PrivacyNotice, RegionalOffice


@admin.register(RegionalOffice)
class RegionalOfficeAdmin(admin.ModelAdmin[RegionalOffice]):
    list_display = ["code", "name", "region", "phone", "email"]


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin[PrivacyNotice]):
    list_display = ["version", "title", "published_at", "sha256"]
    readonly_fields = ["sha256"]


class BeneficiaryInline(admin.TabularInline[Beneficiary, Member]):
    model = Beneficiary
    extra = 0


class MemberChangeInline(admin.TabularInline[MemberChange, Member]):
    """The member's data versions, newest first: read-only, they are written only by the services."""

    model = MemberChange
    fields = ["changed_at", "field", "old_value", "new_value", "actor"]
    readonly_fields = ["changed_at", "field", "old_value", "new_value", "actor"]
    ordering = ["-changed_at", "-id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin[Member]):
    """Reference only: the registry is owned by the mutual's core system and imported with import_registry."""

    list_display = ["code", "last_name", "first_name", "fiscal_code", "regional_office"]
    search_fields = ["code", "last_name", "fiscal_code"]
    list_select_related = ["regional_office"]
    inlines = [BeneficiaryInline, MemberChangeInline]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin[Consent]):
    list_display = ["created_at", "member", "notice", "purpose", "given", "channel"]
    readonly_fields = [f.name for f in Consent._meta.fields]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MemberChange)
class MemberChangeAdmin(admin.ModelAdmin[MemberChange]):
    """Every version of members' data (who, when, old and new value), for the operators; append-only."""

    list_display = ["changed_at", "member", "field_label", "old_value", "new_value", "actor"]
    list_filter = ["field"]
    search_fields = ["member__code", "member__last_name"]
    list_select_related = ["member", "actor"]
    date_hierarchy = "changed_at"
    readonly_fields = [f.name for f in MemberChange._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
