from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "mutua.claims"
    label = "claims"
