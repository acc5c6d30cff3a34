from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "mutua.privacy"
    label = "privacy"
