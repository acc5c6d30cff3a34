from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mutua.audit"
    label = "audit"
