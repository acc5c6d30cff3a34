from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """The mirror of the mutual's core registry: imports (and later exports); no models of its own."""

    name = "mutua.registry"
    label = "registry"
