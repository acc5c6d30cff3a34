"""What the documents the mutual issues print alike: a receipt's title with the verification QR code beside the key
facts and its closing lines; a certificate's issuer lines and how to check it."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from mutua.documents.pdf import CONTENT_WIDTH, FONT, FONT_BOLD, GREY, MARGIN, PAGE_WIDTH, PdfDocument

QR_SIZE = 96.0


def receipt_verification_url(code: str) -> str:
    """The address printed as a QR code on a receipt: the public verification page of this code."""
    return settings.MUTUA_PUBLIC_URL + reverse("documents:verify_code", kwargs={"code": code})


def receipt_header(
    *, title: str, subject: str, footer_note: str, code: str, fields: Iterable[tuple[str, str]], label_width: float
) -> PdfDocument:
    """A receipt opened with its title, then `fields` (label, value) beside the QR code of the verification page.

    The returned document continues below both the fields and the QR code with its caption.
    """
    pdf = PdfDocument(title=title, subject=subject, footer_note=footer_note)
    pdf.heading(title)

    top = pdf.y
    qr_x = PAGE_WIDTH - MARGIN - QR_SIZE
    pdf.qr(receipt_verification_url(code), x=qr_x, y=top - QR_SIZE, size=QR_SIZE)
    pdf.canvas.setFont(FONT, 7.5)
    pdf.canvas.setFillColor(GREY)
    pdf.canvas.drawCentredString(qr_x + QR_SIZE / 2, top - QR_SIZE - 9, _("Codice di verifica"))
    pdf.canvas.setFont(FONT_BOLD, 8.5)
    pdf.canvas.setFillColorRGB(0, 0, 0)
    pdf.canvas.drawCentredString(qr_x + QR_SIZE / 2, top - QR_SIZE - 20, code)

    pdf.fields(fields, label_width=label_width, width=CONTENT_WIDTH - QR_SIZE - 16)
    pdf.y = min(pdf.y, top - QR_SIZE - 26)
    return pdf


def receipt_closing(pdf: PdfDocument, *, statement: str, code: str) -> bytes:
    """What the receipt attests (and what it does not), how to verify it; the finished PDF."""
    pdf.space(18)
    pdf.paragraph(statement, size=9)
    pdf.space(6)
    pdf.paragraph(
        _(
            "Per verificarne l'autenticità inquadra il codice QR oppure apri %(url)s e inserisci il codice di "
            "verifica %(code)s."
        )
        % {"url": settings.MUTUA_PUBLIC_URL + reverse("documents:verify"), "code": code},
        size=9,
        color=GREY,
    )
    return pdf.finish()


def issuer_lines() -> list[tuple[str, str]]:
    """The mutual, as a certificate names its issuer: its name, and its tax code and registered office when set."""
    lines = [(_("Denominazione"), settings.MUTUA_NAME)]
    if settings.MUTUA_FISCAL_CODE:
        lines.append((_("Codice fiscale"), settings.MUTUA_FISCAL_CODE))
    if settings.MUTUA_REGISTERED_OFFICE:
        lines.append((_("Sede legale"), settings.MUTUA_REGISTERED_OFFICE))
    return lines


def verification_paragraph(pdf: PdfDocument, code: str) -> None:
    """How to check a certificate: the verification page and its code."""
    pdf.space(6)
    pdf.paragraph(
        _("Per verificarne l'autenticità apri %(url)s e inserisci il codice di verifica %(code)s.")
        % {"url": settings.MUTUA_PUBLIC_URL + reverse("documents:verify"), "code": code},
        size=9,
        color=GREY,
    )
