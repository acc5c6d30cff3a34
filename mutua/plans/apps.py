from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "mutua.plans"
    label = "plans"
