"""Breadcrumbs (Bootstrap Italia's "briciole di pane") on every member page: where the page sits under Panoramica.

Each page names its label and its parent by URL name; a page about one claim or booking says which one. A test walks
every member page and fails on one without breadcrumbs (mutua/portal/tests/test_breadcrumbs.py).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

register = template.Library()

HOME = "portal:home"

# URL name → (label, parent URL name). A parent taking the page's own `pk` gets it; "%(pk)s" in a label is the pk.
CRUMBS: dict[str, tuple[Promise, str]] = {
    "portal:notification_list": (_("Notifiche"), HOME),
    "portal:reimbursement_start": (_("Richiesta di rimborso"), HOME),
    "portal:study_start": (_("Sussidi allo studio"), HOME),
    "portal:claim_list": (_("Lista pratiche"), HOME),
    "portal:claim_submitted": (_("Pratica inviata"), "portal:claim_list"),
    "portal:claim_detail": (_("Pratica n. %(pk)s"), "portal:claim_list"),
    "portal:claim_draft": (_("Bozza n. %(pk)s"), "portal:reimbursement_start"),
    "portal:document_delete": (_("Elimina documento"), "portal:claim_draft"),
    "portal:claim_submit": (_("Invia pratica"), "portal:claim_draft"),
    "portal:claim_cancel": (_("Annulla pratica"), "portal:claim_detail"),
    "portal:subsidies_summary": (_("Riepilogo sussidi ricevuti"), "portal:claim_list"),
    "portal:enrollments": (_("Adesioni"), HOME),
    "portal:certificates": (_("Certificazioni"), "portal:enrollments"),
    "portal:card": (_("Tessera"), "portal:enrollments"),
    "portal:tax_return": (_("Dati per la dichiarazione dei redditi"), "portal:enrollments"),
    "portal:providers": (_("Fornitori convenzionati"), HOME),
    "portal:booking_start": (_("Prenota"), HOME),
    "portal:booking_draft": (_("Prenotazione in compilazione"), "portal:booking_start"),
    "portal:booking_submit": (_("Invio prenotazione"), "portal:booking_draft"),
    "portal:booking_detail": (_("Prenotazione n. %(pk)s"), "portal:claim_list"),
    "portal:booking_cancel": (_("Annulla prenotazione"), "portal:booking_detail"),
    "portal:personal_data": (_("Dati anagrafici"), HOME),
    "portal:personal_data_update": (_("Aggiorna i dati"), "portal:personal_data"),
    "portal:personal_contacts_verify": (_("Verifica dei contatti"), "portal:personal_data"),
    "portal:family": (_("Familiari"), "portal:personal_data"),
    "portal:privacy": (_("Informativa privacy"), HOME),
    "portal:privacy_version": (_("Versione %(version)s"), "portal:privacy"),
    "portal:consents": (_("I miei consensi"), "profile:home"),
    "portal:data_export": (_("Scarica i miei dati"), "profile:home"),
    "portal:cookies": (_("Cookie policy"), HOME),
    "portal:legal_notes": (_("Note legali"), HOME),
    "portal:accessibility": (_("Dichiarazione di accessibilità"), HOME),
    "portal:contacts": (_("Contatti"), HOME),
    "profile:home": (_("Profilo"), HOME),
    "profile:photo": (_("Foto del profilo"), "profile:home"),
}
STUDY_PARENT = "portal:study_start"


def _url(name: str, kwargs: dict[str, Any]) -> str:
    for attempt in (kwargs, {}):
        try:
            return reverse(name, kwargs=attempt)
        except NoReverseMatch:
            continue
    return ""


@register.simple_tag(takes_context=True)
def breadcrumb_trail(context: template.Context) -> list[dict[str, str]]:
    """[{"label", "url"}] from Panoramica to the current page (its url empty); [] on Panoramica and unknown pages."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None or match.view_name not in CRUMBS:
        return []
    kwargs = dict(match.kwargs)
    trail: list[dict[str, str]] = []
    name = match.view_name
    seen = 0
    while name != HOME and name in CRUMBS and seen < 6:
        label, parent = CRUMBS[name]
        if name == "portal:claim_draft" and getattr(context.get("claim"), "kind", "") == "study_subsidy":
            parent = STUDY_PARENT
        own = {k: v for k, v in kwargs.items() if k in ("pk", "version")}
        text = str(label) % own if "%(" in str(label) else str(label)
        trail.insert(0, {"label": text, "url": _url(name, own) if trail else ""})
        name = parent
        seen += 1
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    trail.insert(0, {"label": str(_("Panoramica") if signed_in else _("Area soci")), "url": reverse(HOME)})
    return trail
