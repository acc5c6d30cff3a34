from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "mutua.documents"
    label = "documents"
