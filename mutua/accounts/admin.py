from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from mutua.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ["username", "first_name", "last_name", "role", "first_access_completed_at", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("mutua", {"fields": ("role", "first_access_completed_at")}))
