from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "mutua.portal"
    label = "portal"

    def ready(self) -> None:
        from mutua.portal import signals  # noqa: F401 - connects the receivers of the member pages' cache
