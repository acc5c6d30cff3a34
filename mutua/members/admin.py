from django.contrib import admin

from mutua.members.models import Beneficiary, Consent, Member, PrivacyNotice, RegionalOffice


@admin.register(RegionalOffice)
class RegionalOfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "phone", "email"]


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "published_at", "sha256"]
    readonly_fields = ["sha256"]


class BeneficiaryInline(admin.TabularInline):
    model = Beneficiary
    extra = 0


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    """Reference only: the registry is owned by the mutual's core system and imported with import_registry."""

    list_display = ["code", "last_name", "first_name", "fiscal_code", "regional_office"]
    search_fields = ["code", "last_name", "fiscal_code"]
    list_select_related = ["regional_office"]
    inlines = [BeneficiaryInline]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "member", "notice", "purpose", "given", "channel"]
    readonly_fields = [f.name for f in Consent._meta.fields]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
