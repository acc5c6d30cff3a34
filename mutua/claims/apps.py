from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "mutua.claims"
    label = "claims"

    def ready(self) -> None:
        from mutua.claims.certificates import subsidy_certificate_check
        from mutua.claims.receipts import receipt_check
        from mutua.documents.models import DocumentKind
        from mutua.documents.verification import checker_register

        checker_register(DocumentKind.RECEIPT, receipt_check)
        checker_register(DocumentKind.SUBSIDY_CERTIFICATE, subsidy_certificate_check)
