"""Certificazioni: the certificate of the contributions a member paid in a year, for the tax return. Regenerated
from the current data at each download; its code is checked on /verifica/ while the payments still exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils.translation import gettext as _

from mutua.core.formatting import format_date, format_eur
from mutua.documents.issued import issuer_lines, verification_paragraph
from mutua.documents.models import DocumentKind, IssuedDocument
from mutua.documents.pdf import CONTENT_WIDTH, GREY, Column, PdfDocument, Row
from mutua.documents.verification import (
    BASIS_CONTRIBUTIONS,
    VerifiedDocument,
    certificate_object_id,
    certificate_subject,
    certificate_verified,
    document_issue,
    issue_day,
)
from mutua.members.models import Member
from mutua.members.printing import member_lines
from mutua.plans.models import Contribution, ContributionMethod
from mutua.plans.selectors import ZERO, ContributionSummary


def contribution_certificate_pdf(*, member: Member, summary: ContributionSummary, today: dt.date) -> bytes:
    """The certificate of the contributions paid in `summary.year` (docs/domain.md, Tax rules), as A4 PDF pages.

    Each payment with date, method, plan and period; the member's own part apart from the family members';
    the own detraibile part against the year's cap, with the legal reference. The first generation of the day
    records the verification code.
    """
    year = summary.year
    code = document_issue(
        kind=DocumentKind.CONTRIBUTION_CERTIFICATE,
        object_id=certificate_object_id(
            member_id=member.pk, year=year, basis=BASIS_CONTRIBUTIONS, empty=not summary.payments
        ),
        issued_at=issue_day(),
    )
    title = _("Certificazione dei contributi versati – anno %(year)s") % {"year": year}
    pdf = PdfDocument(
        title=title,
        subject=_("Contributi versati nel %(year)s") % {"year": year},
        footer_note=_("Codice di verifica %(code)s · rilasciata il %(date)s")
        % {"code": code, "date": format_date(today)},
    )
    pdf.heading(title)
    pdf.fields(issuer_lines(), label_width=130)
    pdf.paragraph(
        _(
            "Società di mutuo soccorso che opera esclusivamente nei settori di attività di cui all'art. 1 della "
            "Legge 15 aprile 1886, n. 3818."
        ),
        size=9,
        color=GREY,
    )
    pdf.space(10)
    pdf.fields([*member_lines(member), (_("Anno d'imposta"), str(year))], label_width=130)
    if year == today.year:
        pdf.paragraph(
            _("Anno in corso: la certificazione riporta i versamenti registrati fino al %(date)s.")
            % {"date": format_date(today)},
            size=9,
            color=GREY,
        )
    pdf.space(12)
    pdf.heading(_("Contributi versati nel %(year)s") % {"year": year}, size=12)
    if summary.payments:
        columns = [
            Column(_("Data"), 56),
            Column(_("Modalità"), 92),
            Column(_("Forma di assistenza"), 96),
            Column(_("Periodo"), 64),
            Column(_("Socio"), 66, align="right"),
            Column(_("Familiari"), 66, align="right"),
            Column(_("Totale"), CONTENT_WIDTH - 440, align="right"),
        ]
        pdf.table(columns, _payment_rows(summary))
    else:
        pdf.paragraph(_("Nessun contributo versato nell'anno."))
    pdf.space(4)
    pdf.total_line(_("Contributi per la posizione del socio"), format_eur(summary.own_total))
    pdf.total_line(_("Contributi per i familiari (non detraibili)"), format_eur(summary.family_total))
    pdf.total_line(_("Totale versato nel %(year)s") % {"year": year}, format_eur(summary.total))
    pdf.space(10)
    pdf.heading(_("Importo detraibile"), size=12)
    cap = format_eur(summary.cap) if summary.cap is not None else _("non previsto")
    rows = [
        (_("Contributi del socio detraibili"), format_eur(summary.detraibile_total)),
        (_("Limite annuo detraibile"), cap),
        (_("Importo detraibile"), format_eur(summary.detraibile_amount)),
    ]
    if summary.over_cap > ZERO:
        rows.append((_("Eccedenza oltre il limite (non detraibile)"), format_eur(summary.over_cap)))
    pdf.fields(rows, label_width=250)
    pdf.space(8)
    reference = summary.legal_reference or _("art. 83, comma 5, D.Lgs. 117/2017")
    pdf.paragraph(
        _(
            "L'importo detraibile dà diritto alla detrazione d'imposta del 19%% ai sensi dell'%(reference)s, da "
            "indicare nel modello 730, quadro E, righi da E8 a E10, codice 22 (contributi associativi alle società "
            "di mutuo soccorso). È detraibile solo il contributo versato per la posizione del socio, non quello per "
            "i familiari, anche se fiscalmente a carico. I contributi trattenuti in busta paga dal datore di lavoro "
            "non sono detraibili: sono indicati nella Certificazione Unica."
        )
        % {"reference": reference},
        size=9,
    )
    pdf.space(6)
    pdf.paragraph(
        _("Rilasciata il %(date)s su richiesta dell'interessato per gli usi consentiti dalla legge.")
        % {"date": format_date(today)},
        size=9,
    )
    verification_paragraph(pdf, code)
    return pdf.finish()


def _payment_rows(summary: ContributionSummary) -> Iterator[Row]:
    methods = {value: str(label) for value, label in ContributionMethod.choices}
    payroll_note = _("Trattenuta in busta paga: non detraibile.")
    for payment in summary.payments:
        contribution = payment.contribution
        period = contribution.period or str(contribution.year)
        yield Row(
            cells=[
                format_date(contribution.paid_on),
                methods.get(contribution.method, contribution.method or "—"),
                contribution.enrollment.plan.name,
                period,
                format_eur(payment.own_part),
                format_eur(payment.family_part),
                format_eur(contribution.amount_paid),
            ],
            note="" if payment.detraibile else payroll_note,
        )


def contribution_certificate_check(issued: IssuedDocument) -> VerifiedDocument | None:
    """/verifica/: valid while the member still has contributions paid in its year (or still none, if it listed
    none)."""
    subject = certificate_subject(issued.object_id)
    listed = None
    if subject.basis == BASIS_CONTRIBUTIONS and Member.objects.filter(pk=subject.member_id).exists():
        listed = Contribution.objects.filter(
            member_id=subject.member_id, paid_on__year=subject.year, amount_paid__gt=0
        ).exists()
    return certificate_verified(issued, listed=listed)
