"""Deploy checks (`manage.py check --deploy`): members' files where every machine finds them, and scanned."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.translation import gettext as _

LOCAL_STORAGES = frozenset({"django.core.files.storage.FileSystemStorage"})


def media_storage_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With more than one machine, files on one machine's disk are missing on the others: a bucket, or a shared disk."""
    backend = settings.STORAGES["default"]["BACKEND"]
    if settings.APP_HOSTS > 1 and backend in LOCAL_STORAGES and not settings.MEDIA_ROOT_SHARED:
        return [
            Error(
                _(
                    "I file dei soci sono sul disco locale (%(root)s) ma il portale gira su %(hosts)d macchine: un "
                    "documento caricato su una mancherebbe sulle altre."
                )
                % {"root": settings.MEDIA_ROOT, "hosts": settings.APP_HOSTS},
                hint=_(
                    "Imposta AWS_STORAGE_BUCKET_NAME (un bucket S3 privato), oppure MEDIA_ROOT_SHARED=1 se "
                    "MEDIA_ROOT è un disco di rete montato da tutte le macchine."
                ),
                id="documents.E001",
            )
        ]
    return []


def malware_scan_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Without clamd, uploaded files reach operators unscanned: a warning, so a stack without clamd still starts."""
    if settings.CLAMD_URL:
        return []
    return [
        Warning(
            _("I file caricati dai soci non sono controllati dall'antivirus: gli operatori li aprono senza verifica."),
            hint=_(
                "Imposta CLAMD_URL al demone ClamAV (clamav-daemon), ad esempio unix:///var/run/clamav/clamd.ctl "
                "oppure tcp://clamav:3310."
            ),
            id="documents.W001",
        )
    ]
