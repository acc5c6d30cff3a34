from django.contrib import admin

from mutua.providers.models import Category, Provider


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin[Provider]):
    list_display = ["name", "city", "province", "direct_form"]
    list_filter = ["direct_form", "categories", "province"]
    search_fields = ["name", "city", "vat_number"]
    filter_horizontal = ["categories"]
