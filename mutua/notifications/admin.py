import re

from django.conf import settings
from django.contrib import admin

from mutua.notifications.models import Notification, OutboundMessage


def codes_masked(text: str) -> str:
    """The text with every one-time code (a run of CODE_DIGITS digits) masked: staff know members' codes and
    codici fiscali, so a live code read here would complete first access or a password reset unaudited."""
    digits = int(settings.CODE_DIGITS)
    return re.sub(rf"(?<!\d)\d{{{digits}}}(?!\d)", "•" * digits, text)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin[OutboundMessage]):
    list_display = ["created_at", "channel", "to", "subject", "status", "attempts", "delivery_status"]
    list_filter = ["channel", "status", "delivery_status"]
    readonly_fields = [
        "channel",
        "to",
        "subject",
        "body_masked",
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
    exclude = ["body", "html_body"]

    @admin.display(description=OutboundMessage._meta.get_field("body").verbose_name)
    def body_masked(self, message: OutboundMessage) -> str:
        return codes_masked(message.body)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "member", "kind", "title", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["member"]
    search_fields = ["member__code"]
    readonly_fields = ["member", "kind", "title", "body", "url", "created_at", "read_at"]
