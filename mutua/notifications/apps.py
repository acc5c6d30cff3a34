from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mutua.notifications"
    label = "notifications"

    def ready(self) -> None:
        from django.core import checks

        from mutua.notifications.checks import (
            email_backend_check,
            outbox_page_check,
            sms_backend_check,
            twilio_check,
        )

        checks.register(email_backend_check, deploy=True)
        checks.register(sms_backend_check, deploy=True)
        checks.register(outbox_page_check, deploy=True)
        checks.register(twilio_check, deploy=True)
