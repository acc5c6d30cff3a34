from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mutua.notifications"
    label = "notifications"
