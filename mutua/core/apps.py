from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mutua.core"
    label = "core"

    def ready(self) -> None:
        from django.core import checks

        from mutua.core.checks import public_url_check, shared_cache_check
        from mutua.core.tasks import connect_signals

        connect_signals()
        checks.register(public_url_check, deploy=True)
        checks.register(shared_cache_check, deploy=True)
