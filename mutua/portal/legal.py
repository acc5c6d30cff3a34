"""The pages every visitor reaches from the footer: privacy notice (with its versions), cookie policy, legal notes,
accessibility statement and contacts. Public, signed in or not."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from mutua.accounts import lockout
from mutua.members.selectors import privacy_notices, regional_offices


@login_not_required
@require_GET
def privacy(request: HttpRequest, version: str = "") -> HttpResponse:
    """The privacy notice in force, or an earlier version by its number; every version is listed."""
    versions = list(privacy_notices().only("version", "title", "published_at"))
    if not versions:
        raise Http404
    wanted = version or versions[0].version
    notice = privacy_notices().filter(version=wanted).first()
    if notice is None:
        raise Http404
    return render(
        request,
        "portal/legal/privacy.html",
        {"notice": notice, "versions": versions, "current": notice.version == versions[0].version},
    )


def portal_cookies() -> list[dict[str, object]]:
    """Every cookie the portal sets, with its real name and lifetime: all technical, none for profiling."""
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "purpose": _("Tiene aperta la sessione dopo l'accesso all'area soci."),
            "duration": _("fino alla chiusura del browser, al massimo 8 ore"),
        },
        {
            "name": settings.CSRF_COOKIE_NAME,
            "purpose": _("Protegge i moduli da invii fatti da altri siti (protezione CSRF)."),
            "duration": _("1 anno"),
        },
        {
            "name": settings.LANGUAGE_COOKIE_NAME,
            "purpose": _("Ricorda la lingua scelta (italiano o inglese)."),
            "duration": _("fino alla chiusura del browser"),
        },
        {
            "name": lockout.COOKIE_NAME,
            "purpose": _(
                "Riconosce un dispositivo da cui hai già effettuato l'accesso, per non rallentare i tuoi tentativi "
                "quando qualcun altro sbaglia la password del tuo codice utente."
            ),
            "duration": _("1 anno"),
        },
        {
            "name": CookieStorage.cookie_name,
            "purpose": _("Mostra una volta sola un messaggio di conferma o di errore dopo un'operazione."),
            "duration": _("fino alla pagina successiva"),
        },
    ]


@login_not_required
@require_GET
def cookies(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/legal/cookies.html", {"cookies": portal_cookies()})


@login_not_required
@require_GET
def legal_notes(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/legal/legal_notes.html")


@login_not_required
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, laid out as AgID's model (docs/domain.md, Accessibility statement)."""
    reviewed_on = dt.date.fromisoformat(settings.MUTUA_ACCESSIBILITY_REVIEWED_ON)
    return render(
        request, "portal/legal/accessibility.html", {"reviewed_on": reviewed_on, "site_url": settings.MUTUA_PUBLIC_URL}
    )


@login_not_required
@require_GET
def contacts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/legal/contacts.html",
        {"offices": regional_offices(), "registered_office": settings.MUTUA_REGISTERED_OFFICE},
    )
