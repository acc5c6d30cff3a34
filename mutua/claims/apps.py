from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "mutua.claims"
    label = "claims"

    def ready(self) -> None:
        from mutua.claims.certificates import subsidy_certificate_check
        from mutua.claims.quarantine import attachment_infected_record
        from mutua.claims.receipts import receipt_check
        from mutua.documents.models import DocumentKind
        from mutua.documents.scanning import infected_handler_register
        from mutua.documents.verification import checker_register

        infected_handler_register("claims.Attachment", attachment_infected_record)
        checker_register(DocumentKind.RECEIPT, receipt_check)
        checker_register(DocumentKind.SUBSIDY_CERTIFICATE, subsidy_certificate_check)
