"""Handing a member's stored file to whoever may see it, or saying clearly why it cannot be: not found in the storage
(404), waiting for the malware scan, or in quarantine (409). Never a 500 for a file that went missing."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mutua.documents.models import ScanStatus, StoredFile

logger = logging.getLogger("mutua.documents")


def file_missing_response(request: HttpRequest, stored: StoredFile, *, bare: bool = False) -> HttpResponse:
    """404 naming the file: its row exists but the storage has no file under its name (a restore without the files,
    a bucket emptied by mistake). Logged as an error, for whoever runs the portal."""
    logger.error("file missing from the storage: %s %s (%s)", stored._meta.label, stored.pk, stored.file.name)
    message = _(
        "Il file «%(name)s» non si trova nell'archivio dei documenti. L'errore è stato registrato: se ti serve, "
        "segnalalo all'assistenza."
    ) % {"name": stored.original_name}
    return _page(request, title=_("File non disponibile"), message=message, status=404, bare=bare)


def file_unavailable_response(request: HttpRequest, stored: StoredFile, *, for_operator: bool) -> HttpResponse | None:
    """409 when the file may not be opened now (scan pending, or quarantined); None when it may.

    The operator's answer is a bare page: it is shown where the file would be (an iframe of the review page, under
    that view's strict CSP, which loads no stylesheet)."""
    name = stored.original_name
    if stored.scan_status == ScanStatus.INFECTED:
        if for_operator:
            message = _(
                "Il file «%(name)s» è in quarantena: l'antivirus vi ha trovato %(threat)s. Non può essere aperto; "
                "chiedi al socio una copia pulita."
            ) % {"name": name, "threat": stored.scan_signature}
        else:
            message = _(
                "Il file «%(name)s» è in quarantena: l'antivirus vi ha trovato una minaccia e non può essere aperto. "
                "Controlla il tuo computer con un antivirus; l'operatore ti chiederà una copia pulita."
            ) % {"name": name}
        return _page(request, title=_("File in quarantena"), message=message, status=409, bare=for_operator)
    if for_operator and not stored.operator_can_open:
        message = _("Il file «%(name)s» è in verifica antivirus: potrai aprirlo tra qualche minuto.") % {"name": name}
        return _page(request, title=_("File in verifica"), message=message, status=409, bare=True)
    return None


def _page(request: HttpRequest, *, title: str, message: str, status: int, bare: bool = False) -> HttpResponse:
    template = "documents/file_unavailable_bare.html" if bare else "documents/file_unavailable.html"
    response = render(request, template, {"title": title, "message": message}, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
