from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "mutua.plans"
    label = "plans"

    def ready(self) -> None:
        from mutua.documents.models import DocumentKind
        from mutua.documents.verification import checker_register
        from mutua.plans.card import card_check
        from mutua.plans.certificates import contribution_certificate_check

        checker_register(DocumentKind.CARD, card_check)
        checker_register(DocumentKind.CONTRIBUTION_CERTIFICATE, contribution_certificate_check)
