from django.contrib import admin

from mutua.notifications.models import Notification, OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin[OutboundMessage]):
    list_display = ["created_at", "channel", "to", "subject", "status", "attempts", "delivery_status"]
    list_filter = ["channel", "status", "delivery_status"]
    readonly_fields = [
        "channel",
        "to",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "claimed_at",
        "claimed_by",
        "next_attempt_at",
        "provider_id",
        "delivery_status",
        "delivery_error",
        "delivery_reported_at",
    ]
    exclude = ["html_body"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "member", "kind", "title", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["member"]
    search_fields = ["member__code"]
    readonly_fields = ["member", "kind", "title", "body", "url", "created_at", "read_at"]
