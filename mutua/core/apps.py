from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mutua.core"
    label = "core"

    def ready(self) -> None:
        from mutua.core.tasks import connect_signals

        connect_signals()
