from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """The mirror of the mutual's core registry: imports and their history (RegistryRun)."""

    name = "mutua.registry"
    label = "registry"
