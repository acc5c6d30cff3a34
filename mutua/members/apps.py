from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "mutua.members"
    label = "members"

    def ready(self) -> None:
        from anymail.signals import tracking

        from mutua.members.bounces import anymail_tracking_received

        tracking.connect(anymail_tracking_received, dispatch_uid="mutua.members.bounces")
