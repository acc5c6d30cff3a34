from django.contrib import admin

from mutua.notifications.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "to", "subject", "status", "attempts"]
    list_filter = ["channel", "status"]
    readonly_fields = ["channel", "to", "subject", "body", "status", "attempts", "last_error", "created_at", "sent_at"]
