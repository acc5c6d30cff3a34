from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mutua.notifications"
    label = "notifications"

    def ready(self) -> None:
        from mutua.notifications import signals  # noqa: F401 - connects the receivers
