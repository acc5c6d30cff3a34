from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "mutua.documents"
    label = "documents"

    def ready(self) -> None:
        from django.core import checks

        from mutua.core.health import readiness_check_register
        from mutua.documents.checks import malware_scan_check, media_storage_check
        from mutua.documents.health import malware_scanner_check

        checks.register(media_storage_check, deploy=True)
        checks.register(malware_scan_check, deploy=True)
        readiness_check_register("antivirus", malware_scanner_check)
