"""The activation letter: the PDF an operator prints and posts to a member the registry cannot reach otherwise."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.activation import activation_code_format
from mutua.documents.pdf import PdfDocument
from mutua.members.models import Member


def _address_lines(member: Member) -> list[str]:
    if member.has_domicile:
        street = " ".join(p for p in (member.domicile_street, member.domicile_number) if p)
        place = f"{member.domicile_cap} {member.domicile_city} ({member.domicile_province})"
    else:
        street = member.residence_street
        place = f"{member.residence_cap} {member.residence_city} ({member.residence_province})"
    return [member.full_name, street, place.strip()]


def activation_letter_pdf(*, member: Member, code: str, expires_at: dt.datetime) -> bytes:
    """One page: the address block, the activation code in large type, its expiry and how to use it."""
    expires = timezone.localtime(expires_at).strftime("%d/%m/%Y")
    doc = PdfDocument(title=_("Lettera di attivazione dell'area soci"))
    for line in _address_lines(member):
        doc.paragraph(line)
    doc.space(24)
    doc.heading(_("Il tuo codice di attivazione per l'area soci"))
    doc.paragraph(
        _(
            "Gentile %(name)s, per completare il primo accesso all'area soci ti serve il codice qui sotto, oltre "
            "alla username e alla password di primo accesso."
        )
        % {"name": member.full_name}
    )
    doc.space(12)
    doc.fields(
        [
            (_("Username"), member.code),
            (_("Codice di attivazione"), activation_code_format(code)),
            (_("Valido fino al"), expires),
        ],
        size=13,
    )
    doc.space(12)
    doc.heading(_("Come fare"), size=12)
    steps = [
        _("1. Apri %(url)s e premi «Accedi».") % {"url": settings.MUTUA_PUBLIC_URL},
        _(
            "2. Come username scrivi %(code)s; come password gli ultimi 5 numeri della username seguiti dagli "
            "ultimi 5 caratteri del tuo codice fiscale, in maiuscolo e senza spazi."
        )
        % {"code": member.code},
        _("3. Quando il portale lo chiede, inserisci il codice di attivazione di questa lettera."),
        _("4. Scegli la tua password, indica email e cellulare e accetta l'informativa privacy."),
    ]
    for step in steps:
        doc.paragraph(step)
    doc.space(12)
    doc.paragraph(
        _(
            "Il codice si usa una sola volta e smette di funzionare se la Mutua emette una nuova lettera. "
            "Non comunicarlo a nessuno: la Mutua non te lo chiederà mai per telefono o per email. "
            "Per assistenza scrivi a %(email)s."
        )
        % {"email": settings.MUTUA_INFOCENTER_EMAIL},
        size=9,
    )
    return doc.finish()
