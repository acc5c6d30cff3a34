from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "mutua.providers"
    label = "providers"

    def ready(self) -> None:
        from mutua.providers import signals  # noqa: F401 - connects the receivers
