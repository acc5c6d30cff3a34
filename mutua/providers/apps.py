from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "mutua.providers"
    label = "providers"
