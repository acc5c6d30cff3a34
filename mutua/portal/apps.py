from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "mutua.portal"
    label = "portal"
