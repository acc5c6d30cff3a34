"""Dati per la dichiarazione dei redditi, "Stampa": what the mutual communicates to the Agenzia delle Entrate about
a member and their family for a year, as A4 PDF pages; the figures are `mutua.tax.figures`', as in the file."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from mutua.core.formatting import format_date, format_eur
from mutua.documents.issued import issuer_lines
from mutua.documents.pdf import CONTENT_WIDTH, GREY, Column, PdfDocument, Row
from mutua.members.models import Member
from mutua.members.printing import member_lines
from mutua.tax.figures import EXPENSE_LABELS, UNASSIGNED, MemberFigures, PersonFigures


def person_label(person: PersonFigures) -> str:
    if person.beneficiary_id == UNASSIGNED:
        return _("Familiari non indicati nell'adesione")
    return person.name or person.fiscal_code


def tax_return_pdf(*, member: Member, year: int, figures: MemberFigures | None, today: dt.date) -> bytes:
    title = _("Dati per la dichiarazione dei redditi – anno %(year)s") % {"year": year}
    pdf = PdfDocument(title=title, subject=title, footer_note=_("Stampato il %(date)s") % {"date": format_date(today)})
    pdf.heading(title)
    pdf.fields(issuer_lines(), label_width=130)
    pdf.space(8)
    pdf.fields([*member_lines(member), (_("Anno d'imposta"), str(year))], label_width=130)
    if year >= today.year:
        pdf.paragraph(
            _("Anno in corso: i dati sono quelli registrati fino al %(date)s.") % {"date": format_date(today)},
            size=9,
            color=GREY,
        )
    pdf.space(12)
    if figures is None:
        pdf.paragraph(_("Per questo anno la mutua non ha contributi versati né rimborsi da comunicare."))
        return pdf.finish()
    pdf.heading(_("Contributi versati direttamente nell'anno"), size=12)
    columns = [
        Column(_("Persona"), 150),
        Column(_("Relativi all'anno"), 90, align="right"),
        Column(_("Ad anni precedenti"), 90, align="right"),
        Column(_("Trattamento"), CONTENT_WIDTH - 330),
    ]
    pdf.table(
        columns,
        (
            Row(
                cells=[
                    person_label(p),
                    format_eur(p.contributions_same_year),
                    format_eur(p.contributions_earlier_years),
                    _("Detrazione del 19%") if p.is_member else _("Né detraibili né deducibili"),
                ]
            )
            for p in figures.persons
            if p.contributions
        ),
    )
    pdf.space(4)
    cap = format_eur(figures.cap) if figures.cap is not None else _("non previsto")
    pdf.fields(
        [
            (_("Contributi del socio detraibili"), format_eur(figures.detraibile_paid)),
            (_("Limite annuo detraibile"), cap),
            (_("Importo che dà diritto alla detrazione del 19%"), format_eur(figures.detraibile_amount)),
        ],
        label_width=280,
    )
    pdf.space(10)
    pdf.heading(_("Spese sanitarie rimborsate nell'anno"), size=12)
    columns = [
        Column(_("Persona"), 130),
        Column(_("Anno della spesa"), 60),
        Column(_("Tipo di spesa"), 100),
        Column(_("Spesa"), 70, align="right"),
        Column(_("Rimborsato"), 70, align="right"),
        Column(_("Pratiche"), CONTENT_WIDTH - 430),
    ]
    reimbursed = [
        Row(
            cells=[
                person_label(p),
                str(line.expense_year),
                str(EXPENSE_LABELS.get(line.expense_type, line.expense_type)),
                format_eur(line.spent),
                format_eur(line.paid),
                ", ".join(str(i) for i in line.claim_ids),
            ]
        )
        for p in figures.persons
        for line in p.reimbursed_lines
    ]
    if reimbursed:
        pdf.table(columns, reimbursed)
    else:
        pdf.paragraph(_("Nessun rimborso pagato nell'anno."))
    pdf.space(8)
    pdf.paragraph(
        _(
            "Le spese dell'anno rimborsate non sono detraibili per la parte rimborsata (modello 730, rigo E1). I "
            "rimborsi di spese di anni precedenti, già detratte in quegli anni, sono tassati separatamente "
            "nell'anno in cui sono ricevuti (modello 730, rigo D7). I contributi trattenuti in busta paga non sono "
            "qui: li certifica il datore di lavoro nella Certificazione Unica."
        ),
        size=9,
    )
    return pdf.finish()
